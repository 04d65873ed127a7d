import XCTest

final class FidoCoreTestsPlaceholder: XCTestCase {
  func testBuilds() {}
}
