import FidoCore
import Foundation
import XCTest

@testable import fido

#if canImport(Glibc)
  import Glibc
#endif

/// An interrupted import ends through `Fido.main` (which flushes and lets
/// the caller close its clients) instead of killing the process where the
/// command noticed the signal: run in process, the test runner survives it.
final class InterruptTests: XCTestCase {
  override func tearDown() {
    Interrupts.simulate(0)
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
  }

  func testExitStatusOfASignalIsWhatAShellShows() {
    XCTAssertEqual(Exit.signal(SIGINT).status, 130)
    XCTAssertEqual(Exit.signal(SIGTERM).status, 143)
    XCTAssertEqual(Exit.status(5).status, 5)
  }

  func testAnInterruptedImportReturnsItsSignalThroughMain() throws {
    let env = try InProcess.serverEnvironment()
    let created = InProcess.run(
      [
        "user", "create", "--name", "Ann", "--email", "ann@example.com", "--balance", "0", "-o",
        "json",
      ],
      environment: env)
    XCTAssertEqual(created.exit, .status(0), created.err)
    let user = try XCTUnwrap(
      (try JSONSerialization.jsonObject(with: Data(created.out.utf8)) as? [String: Any])?["id"]
        as? String)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-interrupt-\(UUID().uuidString).ndjson")
    defer { try? FileManager.default.removeItem(at: file) }
    let lines = (1...3).map {
      "{\"user\":\"\(user)\",\"amount\":\"\($0)\",\"type\":\"credit\",\"key\":\"k\($0)\"}\n"
    }
    try lines.joined().write(to: file, atomically: true, encoding: .utf8)

    // SIGINT arrived before the first batch: the import stops after it.
    Interrupts.simulate(SIGINT)
    let run = InProcess.run(
      ["txn", "import", file.path, "--batch-size", "1", "-o", "json"], environment: env)
    Interrupts.simulate(0)
    XCTAssertEqual(run.exit, .signal(SIGINT))
    XCTAssertEqual(run.status, 130)
    XCTAssertTrue(
      run.err.hasSuffix(
        "fido: interrupted: written 1 of 3 batches: lines 1–1 (1 transaction); to finish, import the lines after line 1 (running the same import again is safe only if every line has a key: stored keys are skipped)\n"
      ), run.err)
    // The summary was flushed before the end: one inserted.
    let summary = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
    XCTAssertEqual(summary["inserted"] as? Int, 1)
    // And the database holds exactly that batch.
    let list = InProcess.run(["txn", "list", "--user", user, "-o", "ndjson"], environment: env)
    XCTAssertEqual(list.exit, .status(0), list.err)
    XCTAssertEqual(list.out.split(separator: "\n").count, 1, list.out)
  }
}
