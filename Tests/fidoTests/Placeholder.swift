import XCTest

final class fidoTestsPlaceholder: XCTestCase {
  func testBuilds() {}
}
