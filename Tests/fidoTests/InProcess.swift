import FidoCore
import Foundation
import XCTest

@testable import fido

/// Runs fido's entry point (`Fido.main`) in the test process with captured
/// streams, as GitHub CLI's `iostreams.Test()` does: stdin is a string,
/// stdout and stderr are captured, and whether stdin and stdout are
/// terminals is a setting. Nothing is read from the real environment.
///
/// Not covered in process: what reads fd 0 itself (`txn import -`, the
/// hidden password prompt) and what ends the process (a broken pipe).
enum InProcess {
  struct Result {
    var exit: Exit
    var out: String
    var err: String
    var status: Int32 { exit.status }
  }

  static func run(
    _ args: [String], stdin: String = "", stdinIsTerminal: Bool = false,
    stdoutIsTerminal: Bool = false, environment: [String: String] = [:],
    clock: @escaping () -> Int64 = { 1_692_316_800_000 }  // 2023-08-18T00:00:00Z
  ) -> Result {
    let io = IOStreams.test(stdoutTTY: stdoutIsTerminal, stdinTTY: stdinIsTerminal, stdin: stdin)
    let exit = Fido.main(args, io: io, environment: environment, clock: clock)
    return Result(exit: exit, out: io.out.captured, err: io.err.captured)
  }

  /// The test server's environment (`make test` sets FIDO_TEST_URI) with a
  /// database of the test's own; skips the test without a server.
  static func serverEnvironment() throws -> [String: String] {
    guard let uri = ProcessInfo.processInfo.environment["FIDO_TEST_URI"] else {
      throw XCTSkip("FIDO_TEST_URI is not set: run with 'make test' for the server-backed cases")
    }
    return [
      "MONGO_URI": uri, "MONGO_DB_NAME": "fido_inproc_\(UUID().uuidString.prefix(8).lowercased())",
      "FIDO_TIMEOUT": "10",
    ]
  }
}
