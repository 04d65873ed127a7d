import FidoCore
import Foundation
import XCTest

/// `txn import --workers N`: each user's lines written by one of N
/// connections at once. The data must be exactly what the input says (as
/// this test computes it) and what a one-worker import leaves; a keyless
/// line is refused before any write; a failure or a signal in the middle
/// leaves consistent data, says how much was written, and running the same
/// import again finishes it.
final class ImportWorkersTests: FileTestCase {
  override func tearDown() {
    if fido != nil { failPoint("{'mode': 'off'}") }
    super.tearDown()
  }

  func failPoint(_ spec: String) {
    _ = fido.mongoPython("client.admin.command({'configureFailPoint': 'failCommand', **\(spec)})")
  }

  func makeUsers(_ n: Int, in runner: FidoRunner) -> [String] {
    (0..<n).map { i in
      let email = "w\(i)@example.com"
      let r = runner.run([
        "user", "create", "--name", "W \(i)", "--email", email, "--balance", "0", "-q",
      ])
      XCTAssertEqual(r.status, 0, r.stderr)
      return email
    }
  }

  /// One user's figures as the input makes them (opening balance 0).
  struct Figures {
    var balance: Int64 = 0
    var count = 0
    var creditCount = 0
    var debitCount = 0
    var creditTotal: Int64 = 0
    var debitTotal: Int64 = 0
    var days: [String: [Int64]] = [:]
    var keys: [String] = []

    var json: [String: Any] {
      [
        "balance": balance, "count": count, "credit_count": creditCount,
        "debit_count": debitCount, "credit_total": creditTotal, "debit_total": debitTotal,
        "days": days, "keys": keys.sorted(),
      ]
    }
  }

  /// `count` keyed lines over `users` (some users much busier than others),
  /// dates over three weeks; and the figures they give each user.
  func keyedLines(_ count: Int, users: [String], seed: UInt64, keyless: Int? = nil) -> (
    text: String, model: [String: Figures]
  ) {
    var rng = SeededRandom(seed: seed)
    var text = ""
    var model: [String: Figures] = [:]
    for u in users { model[u] = Figures() }
    let start: Int64 = 1_704_067_200_000  // 2024-01-01
    for n in 0..<count {
      // Skewed: the first users get most lines.
      let a = Int.random(in: 0..<users.count, using: &rng)
      let b = Int.random(in: 0..<users.count, using: &rng)
      let user = users[min(a, b)]
      let ms = start + Int64.random(in: 0..<(21 * 86_400), using: &rng) * 1000
      let amount = Int64.random(in: 1...50_000, using: &rng)
      let credit = Int.random(in: 0..<3, using: &rng) != 0
      let key = n == keyless ? "" : ",\"key\":\"line-\(n)\""
      text +=
        "{\"user\":\"\(user)\",\"amount\":\"\(minorString(amount))\",\"type\":\"\(credit ? "credit" : "debit")\",\"date\":\"\(isoDate(ms))\"\(key)}\n"
      var f = model[user]!
      f.balance += credit ? amount : -amount
      f.count += 1
      if credit {
        f.creditCount += 1
        f.creditTotal += amount
      } else {
        f.debitCount += 1
        f.debitTotal += amount
      }
      let day = String(isoDate(ms).prefix(10))
      let old = f.days[day] ?? [0, 0]
      f.days[day] = [old[0] + 1, old[1] + amount]
      f.keys.append("line-\(n)")
      model[user] = f
    }
    return (text, model)
  }

  /// What is stored, per user email: the figures on the user document
  /// (with its day counters), its transactions' keys, and whether its
  /// history names exactly its transactions, each once, and ends with the
  /// figures the user document holds.
  func stored(_ runner: FidoRunner) -> [String: Any] {
    let out = runner.mongoPython(
      """
      res = {}
      for u in db.users.find():
          s = u.get('stats', {})
          txns = list(db.transactions.find({'user_id': u['_id']}))
          entries = list(db.audit.find({'user_id': u['_id'], 'action': 'txn.import'}, sort=[('seq', 1)]))
          named = [r['id'] for e in entries for r in e['after']['transactions']]
          ids = sorted(t['_id'] for t in txns)
          last = entries[-1]['after']['user'] if entries else None
          ends = last is None or (last['balance'] == u['balance'] and last['count'] == s.get('count', 0))
          res[u['email']] = {
              'balance': u['balance'], 'count': s.get('count', 0),
              'credit_count': s.get('credit_count', 0), 'debit_count': s.get('debit_count', 0),
              'credit_total': s.get('credit_total', 0), 'debit_total': s.get('debit_total', 0),
              'days': {d: [v['count'], v['amount']] for d, v in s.get('days', {}).items() if v['count'] != 0},
              'keys': sorted(t['key'] for t in txns),
              'history_names_each_once': sorted(named) == ids,
              'history_ends_at_user': ends,
          }
      print(json.dumps(res))
      """)
    return (try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]) ?? [:]
  }

  /// The user documents and transactions, without what differs between two
  /// databases or two runs (ids, write times, history heads and lengths).
  func comparable(_ runner: FidoRunner) -> String {
    runner.mongoPython(
      """
      def plain(v):
          if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
          if isinstance(v, list): return [plain(x) for x in v]
          if hasattr(v, 'isoformat'): return v.isoformat()
          if hasattr(v, 'binary'): return 'id'
          return v
      users = {}
      for u in db.users.find():
          for k in ['_id', 'created_at', 'updated_at', 'audit_head', 'audit_seq']: u.pop(k, None)
          users[u['email']] = plain(u)
      emails = {u['_id']: u['email'] for u in db.users.find()}
      txns = sorted(json.dumps(plain([emails[t['user_id']], t['key'], t['amount'], t['type'], t['date'], t['currency'], t['full_name'], t['sms']['status']])) for t in db.transactions.find())
      print(json.dumps({'users': users, 'txns': txns}, sort_keys=True))
      """)
  }

  /// Every user's balance and counters are what its stored transactions
  /// make them, and its history names exactly those.
  func assertConsistent(file: StaticString = #filePath, line: UInt = #line) {
    let out = fido.mongoPython(
      """
      bad = []
      for u in db.users.find():
          txns = list(db.transactions.find({'user_id': u['_id']}))
          bal = sum(t['amount'] if t['type'] == 'credit' else -t['amount'] for t in txns)
          if u['balance'] != bal or u.get('stats', {}).get('count', 0) != len(txns): bad.append(u['email'])
          named = sorted(r['id'] for e in db.audit.find({'user_id': u['_id'], 'action': 'txn.import'}) for r in e['after']['transactions'])
          if named != sorted(t['_id'] for t in txns): bad.append(u['email'] + ' history')
      print(bad)
      """)
    XCTAssertEqual(out, "[]", file: file, line: line)
    let check = fido.run(["db", "check", "--timeout", "120"])
    XCTAssertEqual(check.status, 0, check.stdout + check.stderr, file: file, line: line)
    let verify = fido.run(["audit", "verify", "--timeout", "120"])
    XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr, file: file, line: line)
  }

  func transactions() -> Int {
    Int(fido.mongoPython("print(db.transactions.count_documents({}))")) ?? -1
  }

  func assertMatches(
    _ got: [String: Any], _ model: [String: Figures], file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(Set(got.keys), Set(model.keys), file: file, line: line)
    for (email, figures) in model {
      var expected = figures.json
      expected["history_names_each_once"] = true
      expected["history_ends_at_user"] = true
      XCTAssertEqual(
        got[email] as? NSDictionary, expected as NSDictionary, email, file: file, line: line)
    }
  }

  /// The report of a stopped parallel import: `written X of Y transactions
  /// in B batches by N workers; ...`; X, or nil.
  func writtenCount(_ stderr: String, of total: Int, workers: Int) -> Int? {
    guard
      let range = stderr.range(
        of:
          #"written (\d+) of \#(total) transactions in \d+ batch(es)? by \#(workers) workers; every line has a key: run the same import again to write the rest"#,
        options: .regularExpression)
    else { return nil }
    return Int(stderr[range].split(separator: " ")[1])
  }

  // MARK: tests

  /// 1,200 keyed lines over 40 users, three workers, batches of 25: the
  /// figures, day counters, transactions and history equal what the input
  /// gives, and what one worker leaves in another database.
  func testThreeWorkersWriteWhatTheInputSaysAndWhatOneWorkerDoes() throws {
    let users = makeUsers(40, in: fido)
    let (text, model) = keyedLines(1_200, users: users, seed: 17)
    let path = write("keyed.ndjson", text)
    let dry = fido.run(["txn", "import", path, "--workers", "3", "--dry-run", "-o", "json"])
    XCTAssertEqual(dry.status, 0, dry.stderr)
    XCTAssertEqual(transactions(), 0, "--dry-run writes nothing")
    let r = fido.run(["txn", "import", path, "--workers", "3", "--batch-size", "25", "-o", "json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    XCTAssertEqual(summary?["read"] as? Int, 1_200)
    XCTAssertEqual(summary?["inserted"] as? Int, 1_200)
    XCTAssertEqual(summary?["skipped"] as? Int, 0)
    XCTAssertTrue(r.stderr.contains("imported 1200 transactions of 1200 read"), r.stderr)
    XCTAssertEqual(transactions(), 1_200)
    assertMatches(stored(fido), model)
    assertConsistent()

    let one = try FidoRunner()
    _ = makeUsers(40, in: one)
    let s = one.run(["txn", "import", path, "--batch-size", "25"])
    XCTAssertEqual(s.status, 0, s.stderr)
    XCTAssertEqual(comparable(fido), comparable(one))

    // Run again: every line is stored, nothing is written twice.
    let again = fido.run(["txn", "import", path, "--workers", "3", "-o", "json"])
    XCTAssertEqual(again.status, 0, again.stderr)
    let second = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
    XCTAssertEqual(second?["inserted"] as? Int, 0)
    XCTAssertEqual(second?["skipped"] as? Int, 1_200)
    XCTAssertEqual(comparable(fido), comparable(one))
  }

  /// A line without a key: exit 2 naming it and the fix, before anything
  /// is written; --dry-run says the same.
  func testAKeylessLineIsRefusedBeforeAnyWrite() {
    let users = makeUsers(5, in: fido)
    let (text, _) = keyedLines(200, users: users, seed: 3, keyless: 136)
    let path = write("keyless.ndjson", text)
    for extra in [[], ["--dry-run"]] {
      let r = fido.run(["txn", "import", path, "--workers", "2", "--batch-size", "10"] + extra)
      XCTAssertEqual(r.status, 2, r.stderr)
      let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
      XCTAssertEqual(
        first,
        "fido: error: line 137 of '\(path)' has no key: with --workers 2 every line needs a 'key', so that a stopped import can be run again; add keys, or use --workers 1 (nothing was written)"
      )
    }
    XCTAssertEqual(transactions(), 0)
    XCTAssertEqual(
      fido.mongoPython(
        "print(db.audit.count_documents({'action': 'txn.import'}), sorted(set(u['balance'] for u in db.users.find())))"
      ), "0 [0]")
    // One worker takes it as it is.
    XCTAssertEqual(fido.run(["txn", "import", path, "--workers", "1"]).status, 0)
    XCTAssertEqual(transactions(), 200)
  }

  func testWorkersOutOfRangeIsAUsageError() {
    let users = makeUsers(1, in: fido)
    let line = "{\"user\":\"\(users[0])\",\"amount\":\"1\",\"type\":\"credit\",\"key\":\"a\"}\n"
    for bad in ["0", "17", "abc", "-1", "2.5", ""] {
      let r = fido.run(["txn", "import", "-", "--workers", bad], stdin: line)
      XCTAssertEqual(r.status, 2, bad)
      XCTAssertTrue(
        r.stderr.contains(
          "'--workers' takes a whole number from 1 to 16, got '\(bad)'"), r.stderr)
    }
    XCTAssertEqual(transactions(), 0)
    XCTAssertEqual(fido.run(["txn", "import", "-", "--workers", "16"], stdin: line).status, 0)
    XCTAssertEqual(transactions(), 1)
  }

  /// One worker's batch fails (a plain server error on a later insert):
  /// the others stop at their batch boundary, the import exits as one
  /// worker would (1), says how much it wrote, and the data is consistent;
  /// running it again writes exactly the rest.
  func testAFailingWorkerStopsTheImportAndARerunFinishesIt() throws {
    let users = makeUsers(30, in: fido)
    let (text, model) = keyedLines(1_000, users: users, seed: 29)
    let path = write("fail.ndjson", text)
    // Each batch inserts twice (its transactions, then its history): the
    // 21st insert is in about the tenth batch of the three workers.
    failPoint(
      "{'mode': {'skip': 20, 'times': 1}, 'data': {'failCommands': ['insert'], 'appName': '\(ClientOptions.defaultAppName)', 'errorCode': 2}}"
    )
    let r = fido.run(["txn", "import", path, "--workers", "3", "--batch-size", "25"])
    failPoint("{'mode': 'off'}")
    XCTAssertEqual(r.status, 1, r.stderr)
    let written = writtenCount(r.stderr, of: 1_000, workers: 3)
    XCTAssertNotNil(written, r.stderr)
    XCTAssertEqual(written, transactions(), "the report is what is stored")
    XCTAssertGreaterThan(transactions(), 0)
    XCTAssertLessThan(transactions(), 1_000)
    assertConsistent()

    let again = fido.run([
      "txn", "import", path, "--workers", "3", "--batch-size", "25", "-o", "json",
    ])
    XCTAssertEqual(again.status, 0, again.stderr)
    let summary = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
    XCTAssertEqual(summary?["inserted"] as? Int, 1_000 - (written ?? 0))
    XCTAssertEqual(summary?["skipped"] as? Int, written)
    XCTAssertEqual(transactions(), 1_000)
    assertMatches(stored(fido), model)
    assertConsistent()
  }

  /// A worker whose commit outcome stays unknown: exit 75, as one worker.
  func testAnUnknownCommitOutcomeInOneWorkerIsExit75() {
    let users = makeUsers(6, in: fido)
    let (text, _) = keyedLines(300, users: users, seed: 31)
    let path = write("unknown.ndjson", text)
    failPoint(
      "{'mode': {'skip': 2, 'times': 1000}, 'data': {'failCommands': ['commitTransaction'], 'appName': '\(ClientOptions.defaultAppName)', 'writeConcernError': {'code': 91, 'errmsg': 'shutting down'}}}"
    )
    let r = fido.run([
      "txn", "import", path, "--workers", "2", "--batch-size", "20", "--timeout", "1",
    ])
    failPoint("{'mode': 'off'}")
    XCTAssertEqual(r.status, 75, r.stderr)
    XCTAssertTrue(r.stderr.contains("may or may not have been written"), r.stderr)
    XCTAssertNotNil(writtenCount(r.stderr, of: 300, workers: 2), r.stderr)
    assertConsistent()
    XCTAssertEqual(fido.run(["txn", "import", path, "--workers", "2"]).status, 0)
    XCTAssertEqual(transactions(), 300)
    assertConsistent()
  }

  /// A user deleted (with its transactions) while another worker writes:
  /// both workers' first user updates are held, the second worker's user is
  /// deleted meanwhile, and its batch then finds no user: exit 3 as with
  /// one worker, the report is what is stored, nothing of the deleted user
  /// is written, and the other user's figures match its transactions.
  func testAUserDeletedWhileTheWorkersRunIsExit3() throws {
    let users = makeUsers(2, in: fido)
    let (a, b) = (users[0], users[1])
    let path = write(
      "race.ndjson",
      """
      {"user":"\(a)","amount":"5","type":"credit","key":"a1"}
      {"user":"\(a)","amount":"6","type":"credit","key":"a2"}
      {"user":"\(b)","amount":"7","type":"credit","key":"b1"}

      """)
    // Each worker's first `update` (its first batch's user) waits 3 s.
    failPoint(
      "{'mode': {'times': 2}, 'data': {'failCommands': ['update'], 'appName': '\(ClientOptions.defaultAppName)', 'blockConnection': True, 'blockTimeMS': 3000}}"
    )
    let err = dir.appendingPathComponent("race.err").path
    let r = fido.shell(
      """
      "$FIDO" -v txn import '\(path)' --workers 2 --batch-size 1 >/dev/null 2>'\(err)' & pid=$!
      for i in $(seq 500); do
        [ "$(grep -c 'mongo: → update' '\(err)')" -ge 2 ] && break; sleep 0.02
      done
      "$FIDO" user delete \(b) --cascade --yes -q >/dev/null || echo "delete failed"
      wait $pid; echo "import exit $?"
      """)
    failPoint("{'mode': 'off'}")
    let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    XCTAssertFalse(r.stdout.contains("delete failed"), r.stdout)
    XCTAssertTrue(r.stdout.contains("import exit 3"), r.stdout + stderr)
    XCTAssertTrue(stderr.contains("was deleted while the import ran"), stderr)
    let written = writtenCount(stderr, of: 3, workers: 2)
    XCTAssertNotNil(written, stderr)
    XCTAssertEqual(written, transactions(), "the report is what is stored")
    XCTAssertEqual(
      fido.mongoPython(
        "print(db.users.count_documents({'email': '\(b)'}), db.transactions.count_documents({'key': 'b1'}))"
      ), "0 0", "nothing of the deleted user")
    assertConsistent()
  }

  /// SIGINT in the middle: every worker stops at its batch boundary, fido
  /// dies by the signal after saying what it wrote, and running the same
  /// import again writes exactly the rest.
  func testInterruptedWorkersThenRerunIsExact() throws {
    let users = makeUsers(20, in: fido)
    let (text, model) = keyedLines(2_400, users: users, seed: 41)
    let path = write("big.ndjson", text)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: fido.binary)
    p.arguments = ["txn", "import", path, "--workers", "3", "--batch-size", "100"]
    p.environment = fido.environment
    p.standardOutput = FileHandle.nullDevice
    let errPath = dir.appendingPathComponent("interrupted.err")
    _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
    let err = try FileHandle(forWritingTo: errPath)
    p.standardError = err
    try p.run()
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline && p.isRunning {
      if transactions() > 0 { break }
      usleep(20_000)
    }
    p.interrupt()
    p.waitUntilExit()
    try err.close()
    XCTAssertEqual(p.terminationReason, .uncaughtSignal)
    XCTAssertEqual(p.terminationStatus, SIGINT)
    let stderr = (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
    let partial = transactions()
    XCTAssertGreaterThan(partial, 0)
    XCTAssertLessThan(partial, 2_400, "the import was interrupted")
    XCTAssertTrue(
      stderr.contains("fido: interrupted: written \(partial) of 2400 transactions"), stderr)
    XCTAssertEqual(writtenCount(stderr, of: 2_400, workers: 3), partial, stderr)
    assertConsistent()

    let again = fido.run(["txn", "import", path, "--workers", "3", "-o", "json"])
    XCTAssertEqual(again.status, 0, again.stderr)
    let summary = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
    XCTAssertEqual(summary?["inserted"] as? Int, 2_400 - partial)
    XCTAssertEqual(summary?["skipped"] as? Int, partial)
    assertMatches(stored(fido), model)
    assertConsistent()
  }
}
