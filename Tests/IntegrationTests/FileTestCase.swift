import Foundation
import XCTest

/// An integration test with a fido runner and a scratch folder of its own
/// for input files, removed after each test.
class FileTestCase: XCTestCase {
  var fido: FidoRunner!
  var dir: URL!

  override func setUpWithError() throws {
    fido = try FidoRunner()
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-\(String(describing: type(of: self)))-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() {
    if let dir { try? FileManager.default.removeItem(at: dir) }
  }

  /// Writes `text` to `name` in the scratch folder and returns its path.
  func write(_ name: String, _ text: String) -> String {
    let url = dir.appendingPathComponent(name)
    try! text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }
}
