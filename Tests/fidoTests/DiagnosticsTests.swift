import FidoCore
import Foundation
import XCTest

@testable import fido

/// `-v` lines go to the injected error stream, whole, from any thread.
final class DiagnosticsTests: XCTestCase {
  func testVerboseLinesOfTheMongoClientArriveInTheInjectedErrStream() {
    // Port 1: nothing listens; the client logs its connection, then fails.
    let run = InProcess.run(
      ["-v", "user", "get", "64e0f0c2a1b2c3d4e5f60718", "--timeout", "1"],
      environment: ["MONGO_URI": "mongodb://127.0.0.1:1"])
    XCTAssertEqual(run.exit, .status(69), run.err)
    let lines = run.err.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "fido: mongo: connecting to mongodb://127.0.0.1:1", run.err)
    XCTAssertTrue(lines.last?.hasPrefix("fido: error: ") == true, run.err)
  }

  func testWithoutVerboseTheClientLogsNothing() {
    let run = InProcess.run(
      ["user", "get", "64e0f0c2a1b2c3d4e5f60718", "--timeout", "1"],
      environment: ["MONGO_URI": "mongodb://127.0.0.1:1"])
    XCTAssertEqual(run.exit, .status(69), run.err)
    XCTAssertFalse(run.err.contains("mongo:"), run.err)
  }

  func testLinesFromManyThreadsArriveWholeAndAllOfThem() throws {
    let io = IOStreams.test()
    let ctx = Context(
      io: io, environment: [:], invocation: try Parser.parse(["-v", "user", "list"]),
      clock: { 0 })
    let log = try XCTUnwrap(ctx.diagnostics())
    DispatchQueue.concurrentPerform(iterations: 8) { thread in
      for i in 0..<500 { log("thread \(thread) line \(i)") }
    }
    let expected = Set(
      (0..<8).flatMap { t in (0..<500).map { "fido: thread \(t) line \($0)" } })
    let got = io.err.captured.split(separator: "\n", omittingEmptySubsequences: false)
    XCTAssertEqual(got.last, "", "ends with a newline")
    XCTAssertEqual(got.count - 1, expected.count)
    let lines = Set(got.dropLast().map(String.init))
    XCTAssertEqual(lines.subtracting(expected).sorted().prefix(5), [], "torn or foreign lines")
    XCTAssertEqual(expected.subtracting(lines).sorted().prefix(5), [], "lost lines")
  }
}
