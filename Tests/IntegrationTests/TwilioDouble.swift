import FidoCore
import Foundation

/// Runs `scripts/twilio_double.py` on an ephemeral loopback port for one test
/// and talks to its `/_double/` control endpoints. The double exits when its
/// stdin closes, so it cannot outlive a crashed test run.
final class TwilioDouble {
  static let accountSID = "AC0123456789abcdef0123456789abcdef"
  static let authToken = "tok-Z9secret-double-4711"

  let port: Int
  private let process = Process()
  private let input = Pipe()

  var baseURL: String { "http://127.0.0.1:\(port)" }

  enum Failure: Error {
    case noPort(String)
    case control(String)
  }

  /// `port` 0: an ephemeral port. A given port is reused (to bring the
  /// double back where a stopped one was, simulating an outage).
  init(port requested: Int = 0) throws {
    let script = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts/twilio_double.py")
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "python3", script.path, "--port", String(requested), "--account-sid", Self.accountSID,
      "--auth-token", Self.authToken,
    ]
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line.append(chunk)
    }
    let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
      process.terminate()
      throw Failure.noPort(text)
    }
    self.port = port
  }

  func stop() {
    try? input.fileHandleForWriting.close()
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }

  /// Queues scripted answers (see the script's docstring).
  func program(_ entries: [[String: Any]]) throws {
    _ = try control(.post, "/_double/program", body: entries)
  }

  /// Delivery scripts: each rule `["to": phone, "statuses": [...], "error_code": 30003]`
  /// (or `"sid"` for a stored message) moves a message one status per fetch.
  func deliveries(_ rules: [[String: Any]]) throws {
    _ = try control(.post, "/_double/deliveries", body: rules)
  }

  /// Numbers whose creates answer 21610 (replied STOP); `start` removes them again.
  func optOut(_ numbers: [String], start: Bool = false) throws {
    _ = try control(.post, "/_double/opt_out", body: ["numbers": numbers, "start": start])
  }

  /// Recorded fetches of one message (`GET …/Messages/{Sid}.json`).
  func fetches() throws -> [[String: Any]] {
    try allRequests().filter {
      $0["method"] as? String == "GET" && ($0["path"] as? String ?? "").contains("/Messages/")
    }
  }

  /// Recorded create requests: method, path, headers, raw_body, form.
  func requests() throws -> [[String: Any]] {
    try control(.get, "/_double/requests") as? [[String: Any]] ?? []
  }

  /// Recorded API requests of every kind.
  func allRequests() throws -> [[String: Any]] {
    try control(.get, "/_double/requests?all=1") as? [[String: Any]] ?? []
  }

  /// Messages the double stored, oldest first.
  func messages() throws -> [[String: Any]] {
    try control(.get, "/_double/messages") as? [[String: Any]] ?? []
  }

  private func control(_ method: HTTPRequest.Method, _ path: String, body: Any? = nil) throws -> Any
  {
    let bytes = try body.map { [UInt8](try JSONSerialization.data(withJSONObject: $0)) } ?? []
    let response = try CurlEasy().perform(
      HTTPRequest(
        method: method, url: baseURL + path,
        headers: [(name: "Content-Type", value: "application/json")], body: bytes))
    guard response.status == 200 else { throw Failure.control("\(path): HTTP \(response.status)") }
    return try JSONSerialization.jsonObject(with: Data(response.body))
  }
}
