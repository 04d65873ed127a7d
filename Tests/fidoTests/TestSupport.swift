import Foundation
import XCTest

@testable import fido

/// Paths and helpers shared by the fido tests.
enum TestSupport {
  /// The repository root, found from this file's path.
  static let repoRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // fidoTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()

  static let snapshots = repoRoot.appendingPathComponent("Tests/fidoTests/Snapshots")

  /// `FIDO_RECORD_SNAPSHOTS=1` rewrites golden files instead of comparing.
  static var recording: Bool {
    ProcessInfo.processInfo.environment["FIDO_RECORD_SNAPSHOTS"] == "1"
  }

  /// Compares `actual` with the file at `url`, or writes it when recording.
  static func assertGolden(
    _ actual: String, at url: URL, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    if recording {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
      XCTFail(
        "\(url.path) is missing; run FIDO_RECORD_SNAPSHOTS=1 swift test --filter fidoTests",
        file: file, line: line)
      return
    }
    if expected != actual {
      let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
      let index = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
      XCTFail(
        """
        \(url.lastPathComponent) differs from the renderer's output at line \(index + 1):
          committed: \(index < a.count ? String(a[index]) : "<end>")
          rendered:  \(index < b.count ? String(b[index]) : "<end>")
        Re-record with FIDO_RECORD_SNAPSHOTS=1 swift test --filter fidoTests
        """, file: file, line: line)
    }
  }

  /// An executable on PATH, or nil.
  static func which(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
      let candidate = "\(dir)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs a program to completion and captures its output.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    stdin: String? = nil, timeout: Double = 60
  ) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    // A hung shell must fail the test, not hang it.
    let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    defer { watchdog.cancel() }
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes before waiting so that a full pipe cannot block the child.
    let errData = DataBox()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData.data = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData.data, as: UTF8.self))
  }

  /// Filled by one reader thread, read after it is done.
  final class DataBox: @unchecked Sendable {
    var data = Data()
  }

  /// Splits a shell command line into words (quotes and backslashes as in sh;
  /// operators such as `|`, `<`, `>` and `&&` become words of their own), and
  /// returns the words of the `fido` command in it, after `fido`.
  static func fidoArguments(inExample example: String) -> [String]? {
    var words: [String] = []
    var word = ""
    var inWord = false
    var quote: Character?
    var characters = Array(example)
    var i = 0
    func end() {
      if inWord { words.append(word) }
      word = ""
      inWord = false
    }
    while i < characters.count {
      let c = characters[i]
      if let q = quote {
        if c == q {
          quote = nil
        } else if q == "\"" && c == "\\" && i + 1 < characters.count {
          i += 1
          word.append(characters[i])
        } else {
          word.append(c)
        }
      } else if c == "'" || c == "\"" {
        quote = c
        inWord = true
      } else if c == "\\" && i + 1 < characters.count {
        i += 1
        word.append(characters[i])
        inWord = true
      } else if c == " " {
        end()
      } else if "|<>&;".contains(c) {
        end()
        words.append(String(c))
      } else {
        word.append(c)
        inWord = true
      }
      i += 1
    }
    end()
    characters = []
    guard let start = words.firstIndex(of: "fido") else { return nil }
    let rest = words[(start + 1)...]
    let stop = rest.firstIndex { ["|", "<", ">", "&", ";"].contains($0) } ?? rest.endIndex
    return Array(rest[..<stop])
  }
}
