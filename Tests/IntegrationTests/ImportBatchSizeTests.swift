import FidoCore
import Foundation
import XCTest

/// Batches MongoDB ends for their size (TransactionTooLargeForCache, code
/// 429, which the server never retries) or their lifetime (code 290, or
/// NoSuchTransaction after the transaction was open a while): the import
/// writes such a batch in halves, never fails for it, and leaves the same
/// data as an import that met no fault. Each test imports the same input into
/// two databases, one with a `failCommand` fail point, and compares what
/// pymongo reads back: transactions, balances, counters, day counters, SMS
/// texts (queued, so they name the running balances) and history.
/// Before the fix, every one of these imports failed (exit 1 or 69).
final class ImportBatchSizeTests: XCTestCase {
  var faulted: FidoRunner!
  var clean: FidoRunner!
  var dir: URL!

  /// Configured (never reached: an import only queues alerts).
  let twilio = [
    "TWILIO_ACCOUNT_SID": "AC" + String(repeating: "0", count: 32),
    "TWILIO_AUTH_TOKEN": "unused", "TWILIO_FROM": "+15005550006",
    "TWILIO_API_BASE": "http://127.0.0.1:9",
  ]

  override func setUpWithError() throws {
    faulted = try FidoRunner()
    clean = try FidoRunner()
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-batchsize-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() {
    if faulted != nil { failPoint("{'mode': 'off'}") }
    if let dir { try? FileManager.default.removeItem(at: dir) }
  }

  func failPoint(_ spec: String) {
    _ = faulted.mongoPython(
      "client.admin.command({'configureFailPoint': 'failCommand', **\(spec)})")
  }

  /// `data` of a fail point for fido's commands named `commands`.
  func failing(_ commands: [String], _ fields: String) -> String {
    let names = commands.map { "'\($0)'" }.joined(separator: ", ")
    return "{'failCommands': [\(names)], 'appName': '\(ClientOptions.defaultAppName)', \(fields)}"
  }

  /// The same three users in a database: two with phones, one with none.
  func seed(_ fido: FidoRunner) {
    for (email, phone, balance) in [
      ("ama@example.com", "+233201234567", "100.00"), ("kofi@example.com", "+233241234567", "0"),
      ("esi@example.com", nil, "5.00"),
    ] {
      var args = ["user", "create", "--name", "U", "--email", email, "--balance", balance, "-q"]
      if let phone { args += ["--phone", phone] }
      let r = fido.run(args)
      XCTAssertEqual(r.status, 0, r.stderr)
    }
  }

  /// 40 lines over the three users, several days, every fourth keyed.
  func input() -> String {
    let emails = ["ama@example.com", "kofi@example.com", "esi@example.com"]
    var text = ""
    for i in 0..<40 {
      let key = i % 4 == 0 ? ",\"key\":\"k\(i)\"" : ""
      text +=
        "{\"user\":\"\(emails[i % 3])\",\"amount\":\"\(i + 1).\(i % 10)0\",\"type\":\"\(i % 5 == 0 ? "debit" : "credit")\",\"date\":\"2024-01-\(String(format: "%02d", 1 + i % 7))T10:00:00Z\"\(key)}\n"
    }
    let url = dir.appendingPathComponent("in.ndjson")
    try! text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  /// What an import left, keyed by email (ids and write times differ
  /// between the two databases): figures, day counters, transactions with
  /// their alerts, and what history names and ends with.
  func state(_ fido: FidoRunner) -> String {
    fido.mongoPython(
      """
      def plain(v):
          if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
          if isinstance(v, list): return [plain(x) for x in v]
          if hasattr(v, 'isoformat'): return v.isoformat()
          return v
      out = {}
      for u in db.users.find({}, sort=[('email', 1)]):
          txns = sorted([json.dumps(plain([t['amount'], t['type'], t['date'], t.get('key'), t['currency'], t['full_name'], t['sms']['status'], t['sms'].get('last_error'), t['sms'].get('body')])) for t in db.transactions.find({'user_id': u['_id']})])
          entries = list(db.audit.find({'user_id': u['_id'], 'action': 'txn.import'}, sort=[('seq', 1)]))
          named = sorted([json.dumps(plain([r['amount'], r['type'], r['date'], r.get('key')])) for e in entries for r in e['after']['transactions']])
          out[u['email']] = {'balance': u['balance'], 'stats': plain(u['stats']), 'txns': txns, 'history': named, 'last': plain(entries[-1]['after']['user']) if entries else None}
      print(json.dumps(out, sort_keys=True))
      """)
  }

  /// txn.import entries in a database (one per user per batch).
  func importEntries(_ fido: FidoRunner) -> Int {
    Int(fido.mongoPython("print(db.audit.count_documents({'action': 'txn.import'}))")) ?? -1
  }

  /// Imports the input into both databases, the fault on for the first;
  /// checks both succeeded alike and the data is the same.
  func assertHalvedAndSame(
    fault: String, batchSize: Int = 16, file: StaticString = #filePath, line: UInt = #line
  ) {
    seed(faulted)
    seed(clean)
    let path = input()
    let args = ["txn", "import", path, "--sms", "--batch-size", String(batchSize), "-o", "json"]
    let expected = clean.run(args, env: twilio)
    XCTAssertEqual(expected.status, 0, expected.stderr, file: file, line: line)
    failPoint(fault)
    let r = faulted.run(args, env: twilio)
    failPoint("{'mode': 'off'}")
    XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    XCTAssertEqual(r.stdout, expected.stdout, "the same summary", file: file, line: line)
    XCTAssertTrue(r.stderr.contains("went on in batches of"), r.stderr, file: file, line: line)
    let got = state(faulted)
    XCTAssertTrue(got.contains("k36"), "the whole input: \(got)", file: file, line: line)
    XCTAssertEqual(got, state(clean), file: file, line: line)
    // The fault did split batches: more batches, so more entries.
    XCTAssertGreaterThan(importEntries(faulted), importEntries(clean), file: file, line: line)
    for fido in [faulted!, clean!] {
      let check = fido.run(["db", "check"])
      XCTAssertEqual(check.status, 0, check.stdout + check.stderr, file: file, line: line)
      let verify = fido.run(["audit", "verify"])
      XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr, file: file, line: line)
    }
  }

  /// 429 on three commits in a row: 16 lines, then 8, then 4 refused; the
  /// import goes on in batches of 2.
  func testTooLargeCommitIsHalved() {
    assertHalvedAndSame(
      fault:
        "{'mode': {'times': 3}, 'data': \(failing(["commitTransaction"], "'errorCode': 429, 'errorLabels': []"))}"
    )
  }

  /// 429 on an insert: the batch's transaction documents (its first insert)
  /// of the second batch.
  func testTooLargeInsertIsHalved() {
    assertHalvedAndSame(
      fault:
        "{'mode': {'skip': 2, 'times': 1}, 'data': \(failing(["insert"], "'errorCode': 429, 'errorLabels': []"))}"
    )
  }

  /// The lifetime: TransactionExceededLifetimeLimitSeconds on a commit.
  func testLifetimeExceededIsHalved() {
    assertHalvedAndSame(
      fault:
        "{'mode': {'times': 1}, 'data': \(failing(["commitTransaction"], "'errorCode': 290, 'errorLabels': []"))}"
    )
  }

  /// The lifetime as a client sees it: NoSuchTransaction (transient) on an
  /// insert of a transaction open more than a second (the shortest lifetime
  /// MongoDB allows). Retrying the same batch would meet the limit again.
  func testNoSuchTransactionAfterALongAttemptIsHalved() {
    assertHalvedAndSame(
      fault:
        "{'mode': {'times': 1}, 'data': \(failing(["insert"], "'blockConnection': True, 'blockTimeMS': 1200, 'errorCode': 251, 'errorLabels': ['TransientTransactionError']"))}"
    )
  }

  /// A refusal that halving cannot cure (every commit, one-line batches
  /// too): the import fails, says what it wrote — nothing — and leaves
  /// nothing behind.
  func testRefusedEvenForOneLineFailsWritingNothing() {
    seed(faulted)
    let path = input()
    failPoint(
      "{'mode': 'alwaysOn', 'data': \(failing(["commitTransaction"], "'errorCode': 429, 'errorLabels': []"))}"
    )
    let r = faulted.run(["txn", "import", path, "--batch-size", "4"])
    failPoint("{'mode': 'off'}")
    XCTAssertEqual(r.status, 1, r.stderr)
    XCTAssertTrue(r.stderr.contains("code 429"), r.stderr)
    XCTAssertTrue(r.stderr.contains("written 0 of"), r.stderr)
    XCTAssertEqual(faulted.mongoPython("print(db.transactions.count_documents({}))"), "0")
    XCTAssertEqual(importEntries(faulted), 0)
    XCTAssertEqual(faulted.run(["db", "check"]).status, 0)
  }
}
