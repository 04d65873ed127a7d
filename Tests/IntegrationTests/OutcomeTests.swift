import FidoCore
import Foundation
import XCTest

/// Commit outcomes, partial work, races with deletes and repair honesty.
/// Faults come from MongoDB's `failCommand` fail point, scoped to clients
/// named "fido"; the ledger (transactions, balances, counters) is read back
/// with pymongo and `db check` after each fault.
final class OutcomeTests: FileTestCase {

  override func tearDown() {
    if fido != nil { failPoint("{'mode': 'off'}") }
    super.tearDown()
  }

  // MARK: helpers

  func failPoint(_ spec: String) {
    _ = fido.mongoPython("client.admin.command({'configureFailPoint': 'failCommand', **\(spec)})")
  }

  /// A writeConcernError on every commit (the commit itself is applied, as
  /// when the reply's acknowledgement is what was lost).
  func commitWriteConcernError(mode: String = "'alwaysOn'") {
    failPoint(
      "{'mode': \(mode), 'data': {'failCommands': ['commitTransaction'], 'appName': '\(ClientOptions.defaultAppName)', 'writeConcernError': {'code': 91, 'errmsg': 'shutting down'}}}"
    )
  }

  /// Every commit blocked past `--timeout 1` (the server applies it after the block).
  func commitBlocked(mode: String = "'alwaysOn'", ms: Int = 1500) {
    failPoint(
      "{'mode': \(mode), 'data': {'failCommands': ['commitTransaction'], 'appName': '\(ClientOptions.defaultAppName)', 'blockConnection': True, 'blockTimeMS': \(ms)}}"
    )
  }

  func user(_ email: String) -> String {
    fido.object(["user", "create", "--name", "O", "--email", email, "--balance", "0"])["id"]
      as! String
  }

  /// "transactions balance count" of one user, straight from MongoDB.
  func ledger(_ user: String) -> String {
    fido.mongoPython(
      "from bson import ObjectId\nu = db.users.find_one({'_id': ObjectId('\(user)')})\nprint(db.transactions.count_documents({'user_id': ObjectId('\(user)')}), u['balance'] if u else None, u['stats']['count'] if u else None)"
    )
  }

  /// Waits until blocked commits the server still holds have run.
  func settle(
    _ user: String, until expected: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline && ledger(user) != expected { usleep(100_000) }
    XCTAssertEqual(ledger(user), expected, file: file, line: line)
  }

  func checkClean(file: StaticString = #filePath, line: UInt = #line) {
    let r = fido.run(["db", "check"])
    XCTAssertEqual(r.status, 0, "db check: \(r.stdout) \(r.stderr)", file: file, line: line)
  }

  /// The exit-75 message: names a command to run, never the URI advice.
  func assertOutcomeUnknown(
    _ r: FidoResult, names command: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(r.status, 75, r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.contains(command), r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.contains("may or may not"), r.stderr, file: file, line: line)
    XCTAssertFalse(r.stderr.contains("--uri"), r.stderr, file: file, line: line)
    XCTAssertFalse(r.stderr.contains("cannot reach"), r.stderr, file: file, line: line)
  }

  /// The transaction id a 75 message names.
  func namedID(_ stderr: String) -> String? {
    guard let r = stderr.range(of: "fido txn get ") else { return nil }
    return String(stderr[r.upperBound...].prefix(24))
  }

  // MARK: 1. unknown commit outcomes

  /// A writeConcernError on commitTransaction: retried (w: majority) and
  /// successful, or exit 75 while it persists; never a second posting.
  /// Before the fix: exit 1 ("MongoDB error (domain 16, code 91)") with the
  /// transaction committed.
  func testAddWithWriteConcernErrorOnCommit() {
    let u = user("wce@example.com")
    commitWriteConcernError(mode: "{'times': 1}")
    let once = fido.run([
      "txn", "add", "--user", u, "--amount", "3", "--type", "credit", "--no-sms",
    ])
    XCTAssertEqual(once.status, 0, "retried commit succeeds: \(once.stderr)")
    XCTAssertEqual(ledger(u), "1 300 1")

    commitWriteConcernError()
    let r = fido.run([
      "txn", "add", "--user", u, "--amount", "5", "--type", "credit", "--no-sms", "--timeout", "1",
    ])
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(r, names: "fido txn get ")
    // The server applied it (the write-concern error came after): exactly once,
    // and the command the message names shows it.
    XCTAssertEqual(ledger(u), "2 800 2")
    let id = namedID(r.stderr) ?? ""
    XCTAssertEqual(fido.object(["txn", "get", id])["amount"] as? String, "5.00")
    checkClean()
  }

  /// With --key, running the same command again after exit 75 is safe.
  func testKeyedAddRerunAfterUnknownOutcomeIsSafe() {
    let u = user("rerun@example.com")
    commitWriteConcernError()
    let args = [
      "txn", "add", "--user", u, "--amount", "7", "--type", "debit", "--key", "order-7",
      "--date", "now", "--no-sms", "--timeout", "1",
    ]
    let r = fido.run(args)
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(r, names: "fido txn get ")
    XCTAssertTrue(r.stderr.contains("same --key is safe"), r.stderr)
    let again = fido.run(args + ["-o", "json"])
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertTrue(again.stdout.contains(namedID(r.stderr) ?? "none"), again.stdout)
    XCTAssertEqual(ledger(u), "1 -700 1")
    checkClean()
  }

  /// A commit reply slower than --timeout, every time: exit 75, applied once.
  /// Before the fix: exit 69 "cannot reach MongoDB … check --uri".
  func testAddWithCommitBlockedPastTheTimeout() {
    let u = user("slow@example.com")
    commitBlocked()
    let r = fido.run([
      "txn", "add", "--user", u, "--amount", "9", "--type", "credit", "--no-sms", "--timeout", "1",
    ])
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(r, names: "fido txn get ")
    settle(u, until: "1 900 1")
    XCTAssertEqual(fido.run(["txn", "get", namedID(r.stderr) ?? ""]).status, 0)
    checkClean()

    // Blocked once: libmongoc's own retry (w: majority) answers; either way one posting.
    commitBlocked(mode: "{'times': 1}")
    let once = fido.run([
      "txn", "add", "--user", u, "--amount", "1", "--type", "credit", "--no-sms", "--timeout", "1",
    ])
    failPoint("{'mode': 'off'}")
    XCTAssertTrue([0, 75].contains(once.status), once.stderr)
    settle(u, until: "2 1000 2")
    checkClean()
  }

  /// Update and delete: exit 75 with the command to check; applied exactly once.
  func testUpdateAndDeleteWithUnknownCommitOutcome() {
    let u = user("ud@example.com")
    let t =
      fido.object(["txn", "add", "--user", u, "--amount", "10", "--type", "credit", "--no-sms"])[
        "id"] as! String
    commitWriteConcernError()
    let up = fido.run(["txn", "update", t, "--amount", "25", "--timeout", "1"])
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(up, names: "fido txn get \(t)")
    XCTAssertEqual(ledger(u), "1 2500 1")
    checkClean()

    commitBlocked()
    let del = fido.run(["txn", "delete", t, "--yes", "--timeout", "1"])
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(del, names: "fido txn get \(t)")
    settle(u, until: "0 0 0")
    XCTAssertEqual(fido.run(["txn", "get", t]).status, 3)
    checkClean()
  }

  /// An import whose second batch's commit is unknown: exit 75, the first
  /// batch reported as written, the second named with the command to check,
  /// the third not written; nothing doubled.
  func testImportWithUnknownCommitOutcome() {
    let u = user("imp@example.com")
    let lines = (1...3).map { "{\"user\":\"\(u)\",\"amount\":\"\($0)\",\"type\":\"credit\"}\n" }
    let path = write("three.ndjson", lines.joined())
    commitWriteConcernError(mode: "{'skip': 1, 'times': 1000}")
    let r = fido.run(["txn", "import", path, "--batch-size", "1", "--timeout", "1"])
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(r, names: "batch 2 of 3 (lines 2–2) may or may not have been written")
    XCTAssertTrue(r.stderr.contains("written 1 of 3 batches: lines 1–1 (1 transaction)"), r.stderr)
    XCTAssertEqual(ledger(u), "2 300 2", "batch 1 and the unconfirmed batch 2, once each")
    XCTAssertEqual(fido.run(["txn", "get", namedID(r.stderr) ?? ""]).status, 0)
    checkClean()

    // A one-batch import whose commit reply is lost: 75, applied once.
    let v = user("imp2@example.com")
    let one = write("one.ndjson", "{\"user\":\"\(v)\",\"amount\":\"4\",\"type\":\"debit\"}\n")
    commitBlocked()
    let s = fido.run(["txn", "import", one, "--timeout", "1"])
    failPoint("{'mode': 'off'}")
    assertOutcomeUnknown(s, names: "batch 1 of 1 (lines 1–1)")
    XCTAssertTrue(s.stderr.contains("written 0 of 1 batch"), s.stderr)
    settle(v, until: "1 -400 1")
    checkClean()
  }

  // MARK: 2. partial work

  /// A batch failing after others committed: the error, and what was written.
  /// Before the fix: only the server error.
  func testImportFailingMidwayReportsWhatItWrote() {
    let u = user("mid@example.com")
    let lines = (1...5).map { "{\"user\":\"\(u)\",\"amount\":\"\($0)\",\"type\":\"credit\"}\n" }
    let path = write("five.ndjson", lines.joined())
    // Each batch inserts twice (its transactions, then its history entry):
    // the fifth insert is the third batch's first.
    failPoint(
      "{'mode': {'skip': 4, 'times': 1}, 'data': {'failCommands': ['insert'], 'appName': '\(ClientOptions.defaultAppName)', 'errorCode': 2}}"
    )
    let r = fido.run(["txn", "import", path, "--batch-size", "2"])
    failPoint("{'mode': 'off'}")
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("written 2 of 3 batches: lines 1–4 (4 transactions)"), r.stderr)
    XCTAssertEqual(ledger(u), "4 1000 4")
    checkClean()
  }

  // MARK: 3. races with deletes

  /// `user delete --cascade` between two batches of an import: the second
  /// batch (the deleted user's) fails with exit 3 and writes nothing; the
  /// first stays and is reported. Deterministic: the second batch's user
  /// update is held by the fail point while the delete runs. Before the
  /// fix: exit 0 and an orphan transaction of the deleted user.
  func testImportRacingACascadeDelete() {
    let a = user("a@example.com")
    let b = user("b@example.com")
    let path = write(
      "race.ndjson",
      "{\"user\":\"\(a)\",\"amount\":\"5\",\"type\":\"credit\"}\n{\"user\":\"\(b)\",\"amount\":\"7\",\"type\":\"credit\"}\n"
    )
    // The import's second `update` (batch 2's user) waits 3 s before it runs.
    failPoint(
      "{'mode': {'skip': 1, 'times': 1}, 'data': {'failCommands': ['update'], 'appName': '\(ClientOptions.defaultAppName)', 'blockConnection': True, 'blockTimeMS': 3000}}"
    )
    let r = fido.shell(
      """
      "$FIDO" txn import '\(path)' --batch-size 1 >/dev/null 2>"\(dir.path)/err" & pid=$!
      for i in $(seq 200); do
        [ "$("$FIDO" txn list --user \(a) -q | wc -l)" -ge 1 ] && break; sleep 0.02
      done
      "$FIDO" user delete \(b) --cascade --yes -q >/dev/null || echo "delete failed"
      wait $pid; echo "import exit $?"; cat "\(dir.path)/err"
      """)
    failPoint("{'mode': 'off'}")
    XCTAssertFalse(r.stdout.contains("delete failed"), r.stdout)
    XCTAssertTrue(r.stdout.contains("import exit 3"), r.stdout)
    XCTAssertTrue(r.stdout.contains("written 1 of 2 batches: lines 1–1 (1 transaction)"), r.stdout)
    XCTAssertTrue(r.stdout.contains("was deleted while the import ran; batch 2 of 2"), r.stdout)
    XCTAssertEqual(ledger(a), "1 500 1", "the first batch stays")
    XCTAssertEqual(ledger(b), "0 None None", "nothing of the deleted user's batch")
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "1")
    checkClean()
  }

  /// A `txn add` to the import's user between two batches: the second
  /// batch's user write, conditional on the history head and figures the
  /// import knew (it sends no read), matches nothing; the batch reads the
  /// user in its transaction and writes again from what it read. Nothing is
  /// lost or doubled, and history records the add between the two batches.
  /// Deterministic: the second batch's `update` is held while the add runs.
  func testImportRacingAnAddToItsUser() {
    let u = user("busy@example.com")
    let path = write(
      "busy.ndjson",
      "{\"user\":\"\(u)\",\"amount\":\"5\",\"type\":\"credit\"}\n{\"user\":\"\(u)\",\"amount\":\"7\",\"type\":\"credit\"}\n"
    )
    failPoint(
      "{'mode': {'skip': 1, 'times': 1}, 'data': {'failCommands': ['update'], 'appName': '\(ClientOptions.defaultAppName)', 'blockConnection': True, 'blockTimeMS': 2000}}"
    )
    let r = fido.shell(
      """
      "$FIDO" -v txn import '\(path)' --batch-size 1 >/dev/null 2>"\(dir.path)/err" & pid=$!
      for i in $(seq 200); do
        [ "$("$FIDO" txn list --user \(u) -q | wc -l)" -ge 1 ] && break; sleep 0.02
      done
      "$FIDO" txn add --user \(u) --amount 100 --type debit --no-sms -q >/dev/null || echo "add failed"
      wait $pid; echo "import exit $?"; grep -c 'mongo: → update' "\(dir.path)/err"
      """)
    failPoint("{'mode': 'off'}")
    XCTAssertFalse(r.stdout.contains("add failed"), r.stdout)
    XCTAssertTrue(r.stdout.contains("import exit 0"), r.stdout)
    // Batch 1's update, batch 2's refused one and its second (and, where
    // the server reports the add as a write conflict, a retried attempt).
    let updates = Int(r.stdout.split(separator: "\n").last ?? "") ?? 0
    XCTAssertGreaterThanOrEqual(updates, 3, "the second batch wrote its user again: \(r.stdout)")
    XCTAssertEqual(ledger(u), "3 -8800 3", "5 + 7 − 100, each once")
    checkClean()
    XCTAssertEqual(fido.run(["audit", "verify"]).status, 0)
    // The chain: create, batch 1, the add, batch 2 (its `before` is what the add left).
    XCTAssertEqual(
      fido.mongoPython(
        "from bson import ObjectId\nes = list(db.audit.find({'user_id': ObjectId('\(u)')}, sort=[('seq', 1)]))\nprint(' '.join(e['action'] for e in es), es[-1]['before']['user']['balance'], es[-1]['after']['user']['balance'])"
      ), "user.create txn.import txn.create txn.import -9500 -8800")
  }

  /// `txn add` racing `user delete`: the add's user update matches nothing,
  /// so it fails with exit 3 and writes nothing (no orphan).
  func testAddRacingAUserDelete() {
    let u = user("gone@example.com")
    failPoint(
      "{'mode': {'times': 1}, 'data': {'failCommands': ['findAndModify'], 'appName': '\(ClientOptions.defaultAppName)', 'blockConnection': True, 'blockTimeMS': 2500}}"
    )
    let r = fido.shell(
      """
      "$FIDO" txn add --user \(u) --amount 1 --type credit --no-sms >/dev/null 2>"\(dir.path)/err" & pid=$!
      sleep 1
      "$FIDO" user delete \(u) --yes -q >/dev/null || echo "delete failed"
      wait $pid; echo "add exit $?"; cat "\(dir.path)/err"
      """)
    failPoint("{'mode': 'off'}")
    XCTAssertFalse(r.stdout.contains("delete failed"), r.stdout)
    XCTAssertTrue(r.stdout.contains("add exit 3"), r.stdout)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "0")
    checkClean()
  }

  // MARK: 4. repair honesty

  /// Orphan transactions cannot be repaired: reported as not repaired, exit 1,
  /// while the drift of an existing user is repaired and reported so.
  /// Before the fix: every row said repaired true and the command exited 0.
  func testRepairReportsOrphansAsNotRepaired() {
    let u = user("rep@example.com")
    _ = fido.object(["txn", "add", "--user", u, "--amount", "10", "--type", "credit", "--no-sms"])
    let orphan = fido.mongoPython(
      """
      import datetime
      from bson import ObjectId, Int64
      ghost = ObjectId()
      db.transactions.insert_one({'user_id': ghost, 'full_name': 'Ghost', 'amount': Int64(500), 'currency': 'GHS', 'type': 'credit', 'date': datetime.datetime(2024, 1, 1)})
      db.users.update_one({'_id': ObjectId('\(u)')}, {'$inc': {'balance': Int64(7)}})
      print(ghost)
      """)
    let plain = fido.run(["db", "check"])
    XCTAssertEqual(plain.status, 1)
    XCTAssertTrue(plain.stderr.contains("which --repair leaves as they are"), plain.stderr)

    let r = fido.run(["db", "check", "--repair", "-o", "json"])
    XCTAssertEqual(r.status, 1, r.stderr)
    let rows =
      (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    let byFigure = Dictionary(
      rows.map { ($0["figure"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    XCTAssertEqual(byFigure["balance"]?["repaired"] as? Bool, true, r.stdout)
    XCTAssertEqual(byFigure["user"]?["user_id"] as? String, orphan, r.stdout)
    XCTAssertEqual(byFigure["user"]?["repaired"] as? Bool, false, r.stdout)
    XCTAssertTrue(r.stderr.contains("not repaired"), r.stderr)
    XCTAssertTrue(r.stderr.contains("fido txn list --user \(orphan)"), r.stderr)
    // The real drift is gone, the orphan is still there.
    XCTAssertEqual(ledger(u), "1 1000 1")
    XCTAssertEqual(
      fido.mongoPython("print(db.transactions.count_documents({'full_name': 'Ghost'}))"), "1")
    XCTAssertEqual(fido.run(["db", "check", "--repair"]).status, 1)
  }

  // MARK: 5. --key with --date now

  /// `--date now` counts as no date for the key comparison, in add and import.
  /// Before the fix: the second add exited 4, the second import 65.
  func testKeyWithDateNowCanBeRetried() {
    let u = user("now@example.com")
    let args = [
      "txn", "add", "--user", u, "--amount", "2", "--type", "credit", "--key", "k-now", "--date",
      "now", "--no-sms",
    ]
    let first = fido.object(args)["id"] as? String
    usleep(5_000)
    let again = fido.run(args + ["-o", "json"])
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertTrue(again.stdout.contains(first ?? "none"), again.stdout)
    // Without --date, and with an explicit different date: as before.
    XCTAssertEqual(fido.run(Array(args.dropLast(3)) + ["--no-sms"]).status, 0)
    XCTAssertEqual(
      fido.run(Array(args.dropLast(3)) + ["--date", "2020-01-01", "--no-sms"]).status, 4)
    XCTAssertEqual(ledger(u), "1 200 1")

    let path = write(
      "now.ndjson",
      "{\"user\":\"\(u)\",\"amount\":\"3\",\"type\":\"debit\",\"date\":\"now\",\"key\":\"i-now\"}\n"
    )
    XCTAssertEqual(fido.object(["txn", "import", path])["inserted"] as? Int, 1)
    usleep(5_000)
    let rerun = fido.object(["txn", "import", path])
    XCTAssertEqual(rerun["inserted"] as? Int, 0)
    XCTAssertEqual(rerun["skipped"] as? Int, 1)
    XCTAssertEqual(ledger(u), "2 -100 2")
    checkClean()
  }
}
