import Foundation
import XCTest

/// At the terminal and off it: --fields, widths, list hints, summaries and
/// the hidden password prompt, through the real binary.
final class TerminalTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  /// Runs fido on a pseudo-terminal (`scripts/pty_run.py`): returns what the
  /// terminal showed and the final "[exit N echo on|off]" line.
  func onTerminal(_ args: [String], cols: Int = 80, steps: [String] = []) throws -> String {
    guard let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] else {
      throw XCTSkip("FIDO_TEST_PYTHON is not set: run with 'make test'")
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts/pty_run.py").path
    var env = fido.environment
    env["TERM"] = "xterm"
    let r = fido.shell(
      "exec env "
        + env.map { "\($0.key)=\($0.value)".shellQuotedForTest }.joined(separator: " ")
        + " \(python) \(script) --cols \(cols) "
        + steps.map { $0.shellQuotedForTest }.joined(separator: " ") + " -- \"$FIDO\" "
        + args.map(\.shellQuotedForTest).joined(separator: " "))
    XCTAssertEqual(r.status, 0, r.stderr)
    // Colour codes are not what these tests look at.
    return r.stdout.replacing(/\u{1B}\[[0-9;]*m/, with: "")
  }

  func makeUser(_ name: String, _ email: String, phone: String? = nil) -> String {
    var args = ["user", "create", "--name", name, "--email", email, "-q"]
    if let phone { args += ["--phone", phone] }
    let r = fido.run(args)
    XCTAssertEqual(r.status, 0, r.stderr)
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func addTxn(_ user: String, _ amount: String, key: String? = nil) -> String {
    var args = ["txn", "add", "--user", user, "--amount", amount, "--type", "credit", "-q"]
    if let key { args += ["--key", key] }
    let r = fido.run(args)
    XCTAssertEqual(r.status, 0, r.stderr)
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  // MARK: off a terminal

  func testFieldsInEveryFormat() {
    let id = makeUser("Ama Mensah", "ama@example.com")
    let t = addTxn("ama@example.com", "21.50")
    let args = ["txn", "list", "--user", "ama@example.com", "--fields", "amount,id,sms_status"]
    XCTAssertEqual(fido.run(args + ["-o", "tsv"]).stdout, "21.50\t\(t)\tskipped\n")
    XCTAssertEqual(
      fido.run(args + ["-o", "csv"]).stdout, "amount,id,sms_status\r\n21.50,\(t),skipped\r\n")
    XCTAssertEqual(
      fido.run(args + ["-o", "ndjson"]).stdout,
      #"{"amount":"21.50","id":"\#(t)","sms_status":"skipped"}"# + "\n")
    let json = fido.list(args)
    XCTAssertEqual(json.count, 1)
    XCTAssertEqual(json.first?.keys.sorted(), ["amount", "id", "sms_status"])
    XCTAssertEqual(
      fido.run(args + ["-o", "table"]).stdout,
      "     AMOUNT  ID                        SMS_STATUS\nGHS 21.50  \(t)  skipped\n"
        .replacing("     AMOUNT", with: "   AMOUNT"))
    XCTAssertEqual(fido.run(args + ["-q"]).stdout, "\(t)\n", "-q prints ids whatever --fields says")
    // A whole nested object, and a single object.
    let nested = fido.object(["txn", "get", t, "--fields", "sms"])
    XCTAssertEqual((nested["sms"] as? [String: Any])?["status"] as? String, "skipped")
    XCTAssertEqual(
      fido.run(["user", "get", id, "--fields", "email,balance", "-o", "csv"]).stdout,
      "email,balance\r\nama@example.com,21.50\r\n")
    // An unknown field: usage error listing the valid ones, before connecting.
    let bad = fido.run(
      ["user", "list", "--fields", "id,nme", "--uri", "mongodb://127.0.0.1:1", "--timeout", "0.2"])
    XCTAssertEqual(bad.status, 2)
    XCTAssertEqual(bad.stdout, "")
    XCTAssertTrue(
      bad.stderr.hasPrefix(
        "fido: error: unknown field 'nme' for 'fido user list'; valid fields: id,name,email,phone,currency,balance,created_at,updated_at\n"
      ), bad.stderr)
    XCTAssertEqual(fido.run(["version", "--fields", "id"]).status, 2)
  }

  func testEmptyListsAndSummaries() {
    // An empty CSV list is its header; TSV and JSON as before.
    XCTAssertEqual(
      fido.run(["user", "list", "-o", "csv"]).stdout,
      "id,name,email,phone,currency,balance,created_at,updated_at\r\n")
    XCTAssertEqual(
      fido.run(["sms", "list", "-o", "csv", "--fields", "status"]).stdout, "status\r\n")
    let tsv = fido.run(["user", "list"])
    XCTAssertEqual(tsv.stdout + tsv.stderr, "", "off a terminal, no note")

    _ = makeUser("Ama Mensah", "ama@example.com")
    let importText =
      #"{"user":"ama@example.com","amount":"1.00","type":"credit","key":"k1"}"# + "\n"
      + #"{"user":"ama@example.com","amount":"2.00","type":"debit","key":"k2"}"# + "\n"
    let imported = fido.run(["txn", "import", "-"], stdin: importText)
    XCTAssertEqual(imported.status, 0, imported.stderr)
    XCTAssertEqual(imported.stdout, "2\t2\t0\tfalse\n", "the record is unchanged")
    XCTAssertTrue(
      imported.stderr.hasPrefix("fido: txn import: imported 2 transactions of 2 read in "),
      imported.stderr)
    let again = fido.run(["txn", "import", "-"], stdin: importText)
    XCTAssertTrue(
      again.stderr.hasPrefix(
        "fido: txn import: imported 0 transactions of 2 read, 2 already stored (skipped) in "),
      again.stderr)
    let dry = fido.run(["txn", "import", "--dry-run", "-"], stdin: importText)
    XCTAssertTrue(
      dry.stderr.hasPrefix(
        "fido: txn import: checked 2 lines: all valid; nothing written (--dry-run)"), dry.stderr)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "2")

    let repair = fido.run(["db", "check", "--repair"])
    XCTAssertEqual(repair.status, 0, repair.stderr)
    XCTAssertEqual(repair.stdout, "")
    XCTAssertEqual(repair.stderr, "fido: db check: no drift found; nothing to repair\n")
    _ = fido.mongoPython("db.users.update_one({}, {'$inc': {'balance': 5}})")
    let fixed = fido.run(["db", "check", "--repair"])
    XCTAssertEqual(fixed.stderr, "fido: db check: repaired 1 drifted figure\n")
  }

  // MARK: on a terminal

  func testTablesFitEightyColumns() throws {
    let long = String(repeating: "Nkrumah-Boateng ", count: 12).trimmingCharacters(in: .whitespaces)
    let id = makeUser(long, "kwame.nkrumah.boateng@very-long-domain.example.com")
    _ = makeUser("Ama Mensah", "ama@example.com", phone: "+233201234567")
    let t = addTxn(id, "1234567.89", key: "order-" + String(repeating: "x", count: 100))
    let users = try onTerminal(["user", "list"])
    let lines = users.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.last, "[exit 0 echo on]")
    for line in lines { XCTAssertLessThanOrEqual(line.count, 80, line) }
    XCTAssertTrue(users.contains(id), "ids are never cut")
    XCTAssertTrue(users.contains("GHS 1,234,567.89"), "money is never cut: \(users)")
    XCTAssertTrue(users.contains("Nkrumah-Bo"))
    XCTAssertFalse(users.contains(long), "the long name is cut")
    XCTAssertTrue(users.contains("…"))

    let txns = try onTerminal(["txn", "list", "--user", id])
    for line in txns.split(separator: "\n") {
      XCTAssertLessThanOrEqual(line.count, 80, String(line))
    }
    XCTAssertTrue(txns.contains(t))
    XCTAssertFalse(txns.contains("USER_ID"), "a single user's list leaves out user_id")
    XCTAssertFalse(txns.contains("Nkrumah"), "and full_name")
    // Wider: more columns, nothing cut.
    let wide = try onTerminal(["txn", "list", "--user", id], cols: 400)
    XCTAssertTrue(wide.contains("order-" + String(repeating: "x", count: 100)))
    XCTAssertTrue(wide.contains("UPDATED_AT"))
  }

  func testCutListHintAndEmptyNote() throws {
    let first = makeUser("A", "a@example.com")
    let second = makeUser("B", "b@example.com")
    _ = makeUser("C", "c@example.com")
    let cut = try onTerminal(["user", "list", "--limit", "2", "-q"])
    XCTAssertEqual(
      cut,
      "\(first)\n\(second)\nfido: showing 2 of more; next page: --after \(second)\n[exit 0 echo on]\n"
    )
    let all = try onTerminal(["user", "list", "--limit", "3", "-q"])
    XCTAssertFalse(all.contains("showing"), "exactly the limit: nothing more, no hint")
    let next = try onTerminal(["user", "list", "--after", second, "-q"])
    XCTAssertEqual(next.split(separator: "\n").count, 2)
    let empty = try onTerminal(["user", "list", "--email", "nobody@example.com"])
    XCTAssertEqual(empty, "fido: no users found\n[exit 0 echo on]\n")
    // Off a terminal: the data only.
    let piped = fido.run(["user", "list", "--limit", "2", "-q"])
    XCTAssertEqual(piped.stdout, "\(first)\n\(second)\n")
    XCTAssertEqual(piped.stderr, "")
  }

  func testPasswordPromptIsHiddenConfirmedAndRestoresEcho() throws {
    let typed = "s3cret-typed-pw"
    let ok = try onTerminal(
      ["user", "create", "--name", "Pat", "--email", "pat@example.com", "--password-stdin", "-q"],
      steps: ["--reply", "New password: =\(typed)", "--reply", "Repeat the password: =\(typed)"])
    XCTAssertFalse(ok.contains(typed), "the password is not echoed: \(ok)")
    XCTAssertTrue(ok.hasSuffix("[exit 0 echo on]\n"), ok)
    XCTAssertEqual(
      fido.mongoPython("print(db.users.find_one()['password_hash'].startswith('$scrypt$'))"), "True"
    )

    let differ = try onTerminal(
      ["user", "create", "--name", "Q", "--email", "q@example.com", "--password-stdin"],
      steps: [
        "--reply", "New password: =\(typed)", "--reply", "Repeat the password: =other-password",
      ])
    XCTAssertTrue(differ.contains("fido: error: the two passwords differ"), differ)
    XCTAssertTrue(differ.hasSuffix("[exit 65 echo on]\n"), differ)

    // Ctrl-C at the second prompt: the command dies by SIGINT, echo is back on.
    let interrupted = try onTerminal(
      ["user", "create", "--name", "R", "--email", "r@example.com", "--password-stdin"],
      steps: ["--reply", "New password: =\(typed)", "--interrupt", "Repeat the password: "])
    XCTAssertTrue(interrupted.hasSuffix("[exit 130 echo on]\n"), interrupted)
    XCTAssertFalse(interrupted.contains(typed))
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "1")
  }
}

extension String {
  fileprivate var shellQuotedForTest: String { "'" + replacing("'", with: "'\\''") + "'" }
}
