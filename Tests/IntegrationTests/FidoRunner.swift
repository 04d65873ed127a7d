import Foundation
import XCTest

/// Runs the built `fido` binary against the test server, as a user would.
struct FidoResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

final class FidoRunner {
  let binary: String
  var uri: String
  let db: String
  var environment: [String: String]

  /// Skips the test when `make test` has not provided a server.
  init(file: StaticString = #filePath) throws {
    guard let uri = ProcessInfo.processInfo.environment["FIDO_TEST_URI"] else {
      throw XCTSkip("FIDO_TEST_URI is not set: run the integration tests with 'make test'")
    }
    let root = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent()
    binary =
      ProcessInfo.processInfo.environment["FIDO_BIN"]
      ?? root.appendingPathComponent(".build/debug/fido").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
      throw XCTSkip("no fido binary at \(binary): build first")
    }
    self.uri = uri
    db = "fido_test_\(UUID().uuidString.prefix(8).lowercased())"
    environment = [
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "MONGO_URI": uri, "MONGO_DB_NAME": db, "FIDO_TIMEOUT": "10",
    ]
    // `make sanitize`: the sanitizer's settings reach the fido it runs.
    if let options = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] {
      environment["ASAN_OPTIONS"] = options
    }
  }

  @discardableResult
  func run(_ args: [String], stdin: String? = nil, env extra: [String: String] = [:]) -> FidoResult
  {
    launch(binary, args, stdin: stdin, env: environment.merging(extra) { $1 })
  }

  /// Runs a bash script with `$FIDO` set to the binary and this test's environment.
  @discardableResult
  func shell(_ script: String) -> FidoResult {
    launch(
      "/bin/bash", ["-c", script], stdin: nil, env: environment.merging(["FIDO": binary]) { $1 })
  }

  private func launch(_ executable: String, _ args: [String], stdin: String?, env: [String: String])
    -> FidoResult
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    process.environment = env
    // Output goes to files, so a large output can never block the child.
    let dir = FileManager.default.temporaryDirectory
    let outURL = dir.appendingPathComponent("fido-out-\(UUID().uuidString)")
    let errURL = dir.appendingPathComponent("fido-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
    }
    guard let out = try? FileHandle(forWritingTo: outURL),
      let err = try? FileHandle(forWritingTo: errURL)
    else {
      return FidoResult(status: -1, stdout: "", stderr: "cannot create output files")
    }
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    do { try process.run() } catch { return FidoResult(status: -1, stdout: "", stderr: "\(error)") }
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    process.waitUntilExit()
    try? out.close()
    try? err.close()
    let outData = (try? Data(contentsOf: outURL)) ?? Data()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return FidoResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Runs and expects success; returns the JSON output decoded.
  func json(
    _ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line
  ) -> Any? {
    let r = run(args + ["-o", "json"], stdin: stdin)
    XCTAssertEqual(
      r.status, 0, "fido \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
    return try? JSONSerialization.jsonObject(
      with: Data(r.stdout.utf8), options: [.fragmentsAllowed])
  }

  func object(
    _ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line
  )
    -> [String: Any]
  {
    (json(args, stdin: stdin, file: file, line: line) as? [String: Any]) ?? [:]
  }

  func list(_ args: [String], file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]]
  {
    (json(args, file: file, line: line) as? [[String: Any]]) ?? []
  }

  /// Runs a Python snippet with pymongo (from the test venv) against this
  /// test's database, as an independent reader of what fido stored. The
  /// snippet sees `db`; whatever it prints is returned.
  func mongoPython(_ code: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] ?? "python3"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let prelude =
      "import pymongo, json, sys\nclient = pymongo.MongoClient(sys.argv[1])\ndb = client[sys.argv[2]]\n"
    process.arguments = [python, "-c", prelude + code + pythonQuickExit, uri, db]
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    do { try process.run() } catch {
      XCTFail("cannot run \(python): \(error)", file: file, line: line)
      return ""
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    XCTAssertEqual(
      process.terminationStatus, 0, String(decoding: errData, as: UTF8.self), file: file, line: line
    )
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
