import FidoCore
import Foundation
import XCTest

/// What a newcomer meets on an 80-column terminal: history lists that page
/// like the others, a clean `db check` that says so, and `--fields` on the
/// commands that print a result record.
final class TerminalPolishTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  /// Runs fido on a pseudo-terminal (`scripts/pty_run.py`), without colour:
  /// what the terminal showed and the final "[exit N echo on|off]" line.
  func onTerminal(_ args: [String], cols: Int = 80, reply: String? = nil) throws -> String {
    guard let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] else {
      throw XCTSkip("FIDO_TEST_PYTHON is not set: run with 'make test'")
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts/pty_run.py").path
    func q(_ s: String) -> String { "'" + s.replacing("'", with: "'\\''") + "'" }
    var env = fido.environment
    env["TERM"] = "xterm"
    env["NO_COLOR"] = "1"
    let r = fido.shell(
      "exec env " + env.map { q("\($0.key)=\($0.value)") }.joined(separator: " ")
        + " \(python) \(script) --cols \(cols) "
        + (reply.map { "--reply " + q($0) + " " } ?? "") + "-- \"$FIDO\" "
        + args.map(q).joined(separator: " "))
    XCTAssertEqual(r.status, 0, r.stderr)
    return r.stdout
  }

  func makeUser(_ name: String, _ email: String) -> String {
    let r = fido.run(["user", "create", "--name", name, "--email", email, "-q"])
    XCTAssertEqual(r.status, 0, r.stderr)
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// `audit list` cut by --limit names the next page, an empty one says so,
  /// and one user's (one transaction's) table leaves out the column every
  /// row repeats, as `txn list` does. Before: no hint, no note, USER_ID shown.
  func testHistoryListPagesAndNotesLikeTheOtherLists() throws {
    let ama = makeUser("Ama Mensah", "ama@example.com")
    _ = makeUser("Kofi", "kofi@example.com")
    var txns: [String] = []
    for amount in ["1", "2"] {
      let r = fido.run([
        "txn", "add", "--user", ama, "--amount", amount, "--type", "credit", "-q",
      ])
      XCTAssertEqual(r.status, 0, r.stderr)
      txns.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    // The entries, newest first, read independently.
    let entries = fido.mongoPython(
      "print(' '.join(str(e['_id']) for e in db.audit.find({'user_id': db.users.find_one({'email': 'ama@example.com'})['_id']}).sort([('at', -1), ('_id', -1)])))"
    ).split(separator: " ").map(String.init)
    XCTAssertEqual(entries.count, 3)

    let cut = try onTerminal(["audit", "list", "--user", "ama@example.com", "--limit", "2"])
    var lines = cut.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 5, cut)
    XCTAssertTrue(lines[0].hasPrefix("AT  "), cut)
    XCTAssertFalse(lines[0].contains("USER_ID"), cut)
    XCTAssertTrue(lines[0].contains("TARGET_ID"), cut)
    XCTAssertTrue(lines[1].contains(txns[1]) && lines[2].contains(txns[0]), cut)
    for line in lines { XCTAssertLessThanOrEqual(Render.displayWidth(line), 80, line) }
    XCTAssertEqual(lines[3], "fido: showing 2 of more; next page: --after \(entries[1])")
    let next = try onTerminal([
      "audit", "list", "--user", ama, "--after", entries[1], "--fields", "id,action",
    ])
    XCTAssertEqual(
      next, "ID                        ACTION\n\(entries[2])  user.create\n[exit 0 echo on]\n")

    let one = try onTerminal(["audit", "list", "--txn", txns[0]])
    lines = one.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 3, one)
    XCTAssertFalse(lines[0].contains("TARGET_ID"), one)
    XCTAssertTrue(lines[0].contains("USER_ID"), one)

    XCTAssertEqual(
      try onTerminal(["audit", "list", "--since", "2099-01-01"]),
      "fido: no history entries found\n[exit 0 echo on]\n")
    // Off a terminal: the data only.
    let piped = fido.run(["audit", "list", "--limit", "1", "-q"])
    XCTAssertEqual(piped.stdout, "\(entries[0])\n")
    XCTAssertEqual(piped.stderr, "")
  }

  /// A clean `db check` printed nothing at all; on a terminal it now says
  /// it found nothing. Scripts still see nothing.
  func testCleanDBCheckSaysSoOnATerminal() throws {
    _ = makeUser("Ama", "ama@example.com")
    XCTAssertEqual(
      try onTerminal(["db", "check"]),
      "fido: db check: no drift found; every history chain verifies\n[exit 0 echo on]\n")
    let piped = fido.run(["db", "check"])
    XCTAssertEqual(piped.status, 0)
    XCTAssertEqual(piped.stdout + piped.stderr, "")
  }

  /// whoami's record printed below the error that ends it (stdout was
  /// flushed only at exit); on a terminal the record now comes first.
  func testTheRecordShowsBeforeTheErrorThatEndsIt() throws {
    fido.environment["MONGO_URI"] = "mongodb://127.0.0.1:1"
    let shown = try onTerminal(["whoami", "--timeout", "0.5"])
    let lines = shown.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "profile         -", shown)
    XCTAssertTrue(lines.contains("server_version  -"), shown)
    XCTAssertTrue(
      lines.dropLast().last?.hasPrefix(
        "fido: error: cannot reach MongoDB at mongodb://127.0.0.1:1: ")
        ?? false, shown)
    XCTAssertEqual(lines.last, "[exit 69 echo on]")
  }

  /// Without a profile the prompt read "… in no profile, host …": it now
  /// names the host and database plainly. Declining changes nothing.
  func testDeletePromptWithoutAProfile() throws {
    _ = makeUser("Esi", "esi@example.com")
    let host = fido.uri.dropFirst("mongodb://".count).prefix { $0 != "/" && $0 != "?" }
    XCTAssertEqual(
      try onTerminal(["user", "delete", "esi@example.com"], reply: "? =n"),
      """
      fido: delete user esi@example.com on host '\(host)', database '\(fido.db)'? [y/N] n
      fido: error: cancelled; nothing was changed
      [exit 5 echo on]

      """)
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "1")
  }

  /// An import refused before writing drew no progress bar, yet ended the
  /// bar's line: a blank line stood between the bad lines and the error.
  func testARefusedImportLeavesNoBlankLine() throws {
    _ = makeUser("Kofi", "kofi@example.com")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-bad-\(UUID().uuidString).ndjson"
    ).path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try #"{"user":"nobody@example.com","amount":"1.00","type":"credit"}"#.appending("\n")
      .write(toFile: path, atomically: true, encoding: .utf8)
    XCTAssertEqual(
      try onTerminal(["txn", "import", path]),
      """
      fido: line 1: unknown user 'nobody@example.com'
      fido: error: 1 bad line(s) in the input; nothing was written. Fix them and import again
      [exit 65 echo on]

      """)
  }

  /// `db migrate-legacy` and `sms sync` print a result record, and --fields
  /// chooses among its keys (it was refused: "prints no fields to choose").
  func testFieldsOnTheResultRecordsOfMigrateAndSync() throws {
    let migrate = fido.run([
      "db", "migrate-legacy", "--dry-run", "--fields", "legacy_count,reconciled", "-o", "csv",
    ])
    XCTAssertEqual(migrate.status, 0, migrate.stderr)
    XCTAssertEqual(migrate.stdout, "legacy_count,reconciled\r\n0,true\r\n")

    // Nothing is due: no request reaches the (unreachable) Twilio API.
    let twilio = [
      "TWILIO_ACCOUNT_SID": "AC" + String(repeating: "0", count: 32),
      "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "+15005550006",
      "TWILIO_API_BASE": "http://127.0.0.1:9",
    ]
    let json = fido.run(["sms", "sync", "-o", "json"], env: twilio)
    XCTAssertEqual(json.status, 0, json.stderr)
    let keys = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    ).keys.sorted()
    XCTAssertEqual(keys, OutSchema.syncSummary.columns.sorted(), "the schema is the record")
    let sync = fido.run(["sms", "sync", "--fields", "checked,errors", "-o", "csv"], env: twilio)
    XCTAssertEqual(sync.status, 0, sync.stderr)
    XCTAssertEqual(sync.stdout, "checked,errors\r\n0,0\r\n")
  }
}
