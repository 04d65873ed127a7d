import Foundation
import XCTest

final class ImportTests: FileTestCase {

  func makeUsers(_ n: Int) -> [String] {
    (0..<n).map { i in
      fido.object([
        "user", "create", "--name", "Imp \(i)", "--email", "imp\(i)@example.com", "--balance", "0",
      ])["id"]
        as! String
    }
  }

  /// Seeded lines over a few users and weeks; keys on some.
  /// `keyEvery`: every how many lines carries an idempotency key.
  func seededLines(_ count: Int, users: [String], seed: UInt64, keyEvery: Int = 1) -> (
    ndjson: String, model: [String: [ModelTxn]]
  ) {
    var rng = SeededRandom(seed: seed)
    var out = ""
    var model: [String: [ModelTxn]] = [:]
    let start: Int64 = 1_692_316_800_000
    for n in 0..<count {
      let ui = Int.random(in: 0..<users.count, using: &rng)
      let ms = start + Int64.random(in: 0..<(35 * 86_400), using: &rng) * 1000
      let amount = Int64.random(in: 1...99_999, using: &rng)
      let credit = Bool.random(using: &rng)
      // Users by id or by email; amounts as strings or JSON numbers.
      let user = ui % 2 == 0 ? users[ui] : "IMP\(ui)@example.com"
      let amountField = n % 3 == 0 ? minorString(amount) : "\"\(minorString(amount))\""
      let key = n % keyEvery == 0 ? ",\"key\":\"line-\(n)\"" : ""
      out +=
        "{\"user\":\"\(user)\",\"amount\":\(amountField),\"type\":\"\(credit ? "credit" : "debit")\",\"date\":\"\(isoDate(ms))\"\(key)}\n"
      model[users[ui], default: []].append(
        ModelTxn(id: "", amount: amount, credit: credit, dateMs: ms))
    }
    return (out, model)
  }

  /// `db check` reads every transaction in one aggregation: over 10,000 of
  /// them, a loaded machine can take longer than the suite's 10-second
  /// FIDO_TIMEOUT, which would be exit 69 and not a finding.
  func checkClean(file: StaticString = #filePath, line: UInt = #line) {
    let r = fido.run(["db", "check", "--timeout", "120"])
    XCTAssertEqual(r.status, 0, "db check: \(r.stdout)\(r.stderr)", file: file, line: line)
  }

  func testNDJSONImportOf10000LinesMatchesAnIndependentComputation() {
    let users = makeUsers(5)
    // Keys on every tenth line (SecantusDB answers a key lookup by scanning).
    let (text, model) = seededLines(10_000, users: users, seed: 7, keyEvery: 10)
    let path = write("txns.ndjson", text)
    let dry = fido.object(["txn", "import", path, "--dry-run"])
    XCTAssertEqual(dry["inserted"] as? Int, 10_000)
    XCTAssertEqual(
      fido.mongoPython("print(db.transactions.count_documents({}))"), "0",
      "--dry-run writes nothing")
    let r = fido.object(["txn", "import", path])
    XCTAssertEqual(r["read"] as? Int, 10_000)
    XCTAssertEqual(r["inserted"] as? Int, 10_000)
    XCTAssertEqual(r["skipped"] as? Int, 0)
    for u in users {
      assertAnalytics(fido.object(["analytics", u]), expectedAnalytics(model[u] ?? [], opening: 0))
    }
    XCTAssertEqual(
      fido.mongoPython("print(db.transactions.count_documents({'sms.status': 'skipped'}))"), "10000"
    )
    checkClean()
    // Running it again inserts only the lines without a key.
    let again = fido.object(["txn", "import", path])
    XCTAssertEqual(again["inserted"] as? Int, 9_000)
    XCTAssertEqual(again["skipped"] as? Int, 1_000)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "19000")
  }

  /// The same transactions, imported in one database and added one by one in
  /// another, give the same balances and analytics.
  func testImportEqualsAddingOneByOne() throws {
    let users = makeUsers(3)
    let (text, _) = seededLines(300, users: users, seed: 11)
    // Small odd batches: each user's day counters grow over many batches.
    XCTAssertEqual(fido.run(["txn", "import", "-", "--batch-size", "7"], stdin: text).status, 0)
    let other = try FidoRunner()
    var ids: [String] = []
    for i in 0..<3 {
      ids.append(
        other.object([
          "user", "create", "--name", "Imp \(i)", "--email", "imp\(i)@example.com", "--balance",
          "0",
        ])["id"]
          as! String)
    }
    // Through a shell: one `fido txn add` process per line, users by email.
    var script = ""
    for line in text.split(separator: "\n") {
      let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      let user = obj["user"] as! String
      let email =
        user.contains("@") ? user.lowercased() : "imp\(users.firstIndex(of: user)!)@example.com"
      let amount = (obj["amount"] as? String) ?? "\(obj["amount"]!)"
      script +=
        "\"$FIDO\" txn add --user \(email) --amount \(amount) --type \(obj["type"]!) --date \(obj["date"]!) --no-sms -q >/dev/null || echo FAIL\n"
    }
    XCTAssertEqual(other.shell(script).stdout, "")
    for i in 0..<3 {
      var a = fido.object(["analytics", "imp\(i)@example.com"])
      var b = other.object(["analytics", "imp\(i)@example.com"])
      for k in ["user_id"] {
        a[k] = nil
        b[k] = nil
      }
      XCTAssertEqual(a as NSDictionary, b as NSDictionary)
    }
  }

  func testBatchSizeOutOfRangeIsAUsageError() {
    let users = makeUsers(1)
    let line = "{\"user\":\"\(users[0])\",\"amount\":\"1\",\"type\":\"credit\"}\n"
    for bad in ["0", "-1", "100001", "ten"] {
      let r = fido.run(["txn", "import", "-", "--batch-size", bad], stdin: line)
      XCTAssertEqual(r.status, 2, bad)
      XCTAssertTrue(
        r.stderr.contains("'--batch-size' takes a whole number from 1 to 100000"), r.stderr)
    }
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "0")
    XCTAssertEqual(fido.run(["txn", "import", "-", "--batch-size", "1"], stdin: line).status, 0)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "1")
  }

  func testCSVFromStdinWithQuotedFieldsAndCRLF() {
    _ = makeUsers(2)
    // A quoted field may span lines; line numbers stay physical.
    let broken =
      "user,amount,type,key\nimp0@example.com,1,credit,\"two\nlines\"\nimp0@example.com,1.001,credit,x\n"
    let b = fido.run(["txn", "import", "--format", "csv"], stdin: broken)
    XCTAssertEqual(b.status, 65)
    XCTAssertTrue(b.stderr.contains("line 2: ") && b.stderr.contains("line 4: "), b.stderr)
    let csv =
      "\u{FEFF}user,amount,type,date,key\r\nimp0@example.com,21.50,credit,2023-08-18,\"k,1\"\r\n\r\n\"imp1@example.com\",\"5\",debit,,\"say \"\"hi\"\"\"\r\n"
    let r = fido.run(["txn", "import", "--format", "csv", "-o", "json"], stdin: csv)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      fido.mongoPython("print(sorted((t['amount'], t['key']) for t in db.transactions.find()))"),
      "[(500, 'say \"hi\"'), (2150, 'k,1')]")
    XCTAssertEqual(fido.object(["user", "get", "imp1@example.com"])["balance"] as? String, "-5.00")
    // The format comes from the extension, else the first byte.
    let file = write("noext", "user,amount,type\nimp0@example.com,1,credit\n")
    XCTAssertEqual(fido.run(["txn", "import", file]).status, 0)
    checkClean()
  }

  func testOneBadLineIn10000WritesNothingAndNamesTheLine() {
    let users = makeUsers(2)
    var (text, _) = seededLines(10_000, users: users, seed: 3, keyEvery: 10)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines[6_789] = "{\"user\":\"\(users[0])\",\"amount\":\"1.234\",\"type\":\"credit\"}"
    text = lines.joined(separator: "\n")
    let r = fido.run(["txn", "import", write("bad.ndjson", text)])
    XCTAssertEqual(r.status, 65, r.stderr)
    XCTAssertTrue(r.stderr.contains("line 6790: "), r.stderr)
    XCTAssertEqual(r.stderr.components(separatedBy: "line ").count - 1, 1, r.stderr)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "0")
    XCTAssertEqual(fido.object(["user", "get", users[0]])["balance"] as? String, "0.00")
  }

  func testEveryBadLineIsReported() {
    let users = makeUsers(1)
    let u = users[0]
    let text = """
      {"user":"\(u)","amount":"1","type":"credit"}
      {"user":"nobody@example.com","amount":"1","type":"credit"}
      {"user":"\(u)","amount":1e3,"type":"credit"}
      {"user":"\(u)","amount":"1","type":"CREDIT"}

      {"user":"\(u)","amount":"1"}
      not json
      {"user":"\(u)","amount":"2","type":"credit","key":"a"}
      {"user":"\(u)","amount":"3","type":"credit","key":"a"}
      {"user":"\(u)","amount":true,"type":"credit"}
      {"user":"\(u)","amount":"1","type":"credit","date":"2023-02-30"}
      [1,2]
      """
    let r = fido.run(["txn", "import", "-", "-o", "json"], stdin: text)
    XCTAssertEqual(r.status, 65)
    for n in [2, 3, 4, 6, 7, 9, 10, 11, 12] {
      XCTAssertTrue(r.stderr.contains("line \(n): "), "line \(n): \(r.stderr)")
    }
    for n in [1, 5, 8] { XCTAssertFalse(r.stderr.contains("line \(n): "), "line \(n) is fine") }
    XCTAssertTrue(r.stderr.contains("\"code\":\"invalid_data\""))
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "0")
    // A key stored with other data is a bad line too.
    XCTAssertEqual(
      fido.run([
        "txn", "add", "--user", u, "--amount", "9", "--type", "debit", "--key", "z", "--no-sms",
      ]).status, 0)
    let clash = fido.run(
      ["txn", "import", "-"],
      stdin: "{\"user\":\"\(u)\",\"amount\":\"9\",\"type\":\"credit\",\"key\":\"z\"}\n")
    XCTAssertEqual(clash.status, 65)
    XCTAssertTrue(clash.stderr.contains("line 1: "), clash.stderr)
  }

  /// Ctrl-C or SIGTERM mid-way stops between batches; a re-run finishes exactly.
  func testInterruptedImportThenRerunIsExact() throws {
    let users = makeUsers(4)
    let (text, model) = seededLines(6_000, users: users, seed: 99)
    let path = write("big.ndjson", text)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: fido.binary)
    p.arguments = ["txn", "import", path, "--batch-size", "1000"]
    p.environment = fido.environment
    p.standardOutput = FileHandle.nullDevice
    let errPath = dir.appendingPathComponent("interrupted.err")
    FileManager.default.createFile(atPath: errPath.path, contents: nil)
    let err = try FileHandle(forWritingTo: errPath)
    p.standardError = err
    try p.run()
    // Interrupt it once some batches are in, before it is done.
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline && p.isRunning {
      if (Int(fido.mongoPython("print(db.transactions.count_documents({}))")) ?? 0) > 0 { break }
      usleep(20_000)
    }
    p.terminate()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationReason, .uncaughtSignal, "dies by the signal, as Unix tools do")
    let partial = Int(fido.mongoPython("print(db.transactions.count_documents({}))")) ?? -1
    XCTAssertGreaterThan(partial, 0)
    XCTAssertLessThan(partial, 6_000, "the import was interrupted")
    XCTAssertEqual(partial % 1000, 0, "batches are atomic")
    // It says exactly what it wrote, and where to resume.
    try err.close()
    let stderr = (try? String(contentsOf: errPath, encoding: .utf8)) ?? ""
    XCTAssertTrue(
      stderr.contains(
        "interrupted: written \(partial / 1000) of 6 batches: lines 1–\(partial) (\(partial) transactions); to finish, import the lines after line \(partial)"
      ), stderr)
    checkClean()
    let r = fido.object(["txn", "import", path])
    XCTAssertEqual(r["inserted"] as? Int, 6_000 - partial)
    XCTAssertEqual(r["skipped"] as? Int, partial)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "6000")
    for u in users {
      assertAnalytics(fido.object(["analytics", u]), expectedAnalytics(model[u] ?? [], opening: 0))
    }
    checkClean()
  }

  func testImportFuzzNeverCrashes() {
    let users = makeUsers(1)
    var rng = SeededRandom(seed: 0xBAD)
    let pieces = [
      "{", "}", "\"user\"", ":", ",", "\"\(users[0])\"", "\"amount\"", "\"1.5\"", "1.5", "-1",
      "\"type\"", "\"credit\"",
      "\"debit\"", "\"date\"", "\"2023-08-18\"", "\"key\"", "null", "true", "[", "]", "\n", "\r\n",
      "\u{FEFF}", "\"",
      "\\", "\\u00", "é", "\u{1}", "user,amount,type\n", "\"a\nb\"", "99999999999999999999", "1e5",
      " ",
    ]
    for n in 0..<120 {
      var text = ""
      for _ in 0..<Int.random(in: 1...40, using: &rng) {
        text += pieces.randomElement(using: &rng)!
      }
      let format = ["ndjson", "csv"].randomElement(using: &rng)!
      let r = fido.run(["txn", "import", "-", "--format", format, "--dry-run"], stdin: text)
      XCTAssertTrue([0, 65].contains(r.status), "#\(n) exit \(r.status): \(r.stderr)")
      XCTAssertFalse(r.stderr.contains("Fatal error"), "#\(n)")
    }
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "0")
  }

  /// `--sms` queues each alert with its text, naming the balance after the
  /// transaction (`txn add` and the import build the document with one
  /// function); a user without a phone gets none (skipped). A phone that
  /// unsubscribed (STOP) is queued all the same: the sender skips it as
  /// `opted_out` when it comes up (README, Opt-outs).
  func testSMSStatesAsTxnAddMakesThem() {
    let env = [
      "TWILIO_ACCOUNT_SID": "AC" + String(repeating: "0", count: 32),
      "TWILIO_AUTH_TOKEN": "unused", "TWILIO_FROM": "+15005550006",
      "TWILIO_API_BASE": "http://127.0.0.1:9",
    ]
    for (email, phone) in [
      ("on@example.com", "+233201234567"), ("stop@example.com", "+233241234567"),
      ("none@example.com", nil),
    ] {
      var args = ["user", "create", "--name", "S", "--email", email, "--balance", "10.00", "-q"]
      if let phone { args += ["--phone", phone] }
      XCTAssertEqual(fido.run(args).status, 0)
    }
    _ = fido.mongoPython(
      "db.users.update_one({'email': 'stop@example.com'}, {'$set': {'sms_opt_out': {'phone': '+233241234567', 'reason': 'test'}}})"
    )
    let lines = ["on", "stop", "none", "on"].map {
      "{\"user\":\"\($0)@example.com\",\"amount\":\"2.50\",\"type\":\"debit\"}\n"
    }
    let r = fido.run(["txn", "import", write("sms.ndjson", lines.joined()), "--sms"], env: env)
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(
      fido.mongoPython(
        "for t in db.transactions.find({}, sort=[('_id', 1)]):\n  u = db.users.find_one({'_id': t['user_id']})\n  print(u['email'].split('@')[0], t['sms']['status'], t['sms']['last_error'], t['sms']['body'] is not None, t['sms']['to'])"
      ),
      """
      on pending None True +233201234567
      stop pending None True +233241234567
      none skipped user has no phone False None
      on pending None True +233201234567
      """.trimmingCharacters(in: .whitespacesAndNewlines))
    // The texts name the running balance: 10.00 − 2.50, then − 2.50 again.
    let bodies = fido.mongoPython(
      "for t in db.transactions.find({'sms.status': 'pending'}, sort=[('_id', 1)]): print(t['sms']['body'])"
    ).split(separator: "\n")
    XCTAssertEqual(bodies.count, 3)
    XCTAssertTrue(bodies.first?.contains("7.50") ?? false, String(describing: bodies))
    XCTAssertTrue(bodies.last?.contains("5.00") ?? false, String(describing: bodies))
  }
}
