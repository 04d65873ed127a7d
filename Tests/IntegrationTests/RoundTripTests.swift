import XCTest

/// The commands each fido command sends to MongoDB (`-v` prints one
/// `mongo: → NAME` line per command), pinned. A count is stable where a time
/// is not: a change that adds a round trip fails here, and one that removes
/// one fails too until its pin (and README's Performance table) is updated.
/// `bench/bench.py` prints the same counts in its round-trip table.
///
/// endSessions ends every command that used a session: libmongoc sends it
/// when the client is destroyed, as the driver sessions specification asks,
/// so the server drops the session now rather than 30 minutes later.
final class RoundTripTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  /// The command names sent by one `fido -v ARGS` run, in order.
  private func sent(
    _ args: [String], stdin: String? = nil, env: [String: String] = [:], status: Int32 = 0,
    file: StaticString = #filePath, line: UInt = #line
  ) -> [String] {
    let r = fido.run(["-v"] + args, stdin: stdin, env: env)
    XCTAssertEqual(
      r.status, status, "fido \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
    return r.stderr.split(separator: "\n").compactMap { l in
      guard let r = l.range(of: "mongo: → ") else { return nil }
      return l[r.upperBound...].split(separator: " ").first.map(String.init)
    }
  }

  private func pin(
    _ args: [String], _ expected: [String], stdin: String? = nil, env: [String: String] = [:],
    file: StaticString = #filePath, line: UInt = #line
  ) {
    let got = sent(args, stdin: stdin, env: env, file: file, line: line)
    XCTAssertEqual(
      got, expected,
      "fido \(args.first ?? "") \(args.dropFirst().first ?? ""): \(got.count) round trips, pinned \(expected.count); "
        + "if intended, update this pin, bench/bench.py's table and README's Performance section",
      file: file, line: line)
  }

  func testRoundTripsPerCommand() throws {
    let setup = ["createIndexes", "createIndexes", "createIndexes"]
    // A user's first write makes sure the indexes exist (a database's first write may be it).
    pin(
      ["user", "create", "--name", "Ama", "--email", "ama@example.com", "-q"],
      setup + ["insert", "insert", "commitTransaction", "endSessions"])
    let id = fido.run(["user", "list", "-o", "ndjson"]).stdout.split(separator: "\"")[3]
    let user = String(id)
    XCTAssertEqual(user.count, 24, "user id from user list")

    pin(["user", "get", user, "-o", "json"], ["find", "endSessions"])
    // The user read (the amount is parsed in the user's currency), then one
    // transaction: the conditional user update returning the new balance,
    // the history entry, the transaction document, the commit.
    pin(
      ["txn", "add", "--user", user, "--amount", "21.50", "--type", "credit", "--no-sms", "-q"],
      ["find", "findAndModify", "insert", "insert", "commitTransaction", "endSessions"])
    // The user's currency (a transaction in another one is unreadable), then the page.
    pin(["txn", "list", "--user", user, "-o", "ndjson"], ["find", "find", "endSessions"])
    pin(["analytics", user, "-o", "json"], ["find", "endSessions"])
    pin(
      ["analytics", user, "--since", "2023-01-01", "-o", "json"],
      ["find", "aggregate", "endSessions"])
    // Nothing due: one claim attempt that finds nothing; no HTTP.
    pin(
      ["sms", "retry", "-q"], ["findAndModify", "endSessions"],
      env: [
        "TWILIO_ACCOUNT_SID": "AC" + String(repeating: "0", count: 32),
        "TWILIO_AUTH_TOKEN": "unused", "TWILIO_FROM": "+15005550006",
        "TWILIO_API_BASE": "http://127.0.0.1:9",
      ])
    pin(["db", "check"], ["aggregate", "find", "find", "find", "find", "endSessions"])
    pin(["audit", "verify", "--user", user], ["find", "find", "find", "endSessions"])
    // One batch: the users look-up (which also gives their history heads and
    // figures), then one transaction: one update command for all the batch's
    // users, each conditional on the head and figures the look-up read (so
    // no read of them in the transaction), the documents, the history
    // entries, the commit.
    let lines = (1...3).map {
      "{\"user\":\"\(user)\",\"amount\":\"\($0).00\",\"type\":\"debit\",\"date\":\"2024-01-0\($0)T00:00:00Z\"}"
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "rt-\(UUID().uuidString).ndjson")
    try (lines.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: path) }
    pin(
      ["txn", "import", path.path, "-q"],
      setup + ["find", "update", "insert", "insert", "commitTransaction", "endSessions"])
  }
}
