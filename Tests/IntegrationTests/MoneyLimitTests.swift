import Foundation
import XCTest

/// DESIGN.md, "Money limits and outcomes": an amount is at most 10^15 − 1
/// minor units; a write that would take a balance, total or day counter out
/// of Int64 is refused (65, naming the user and the figure) and writes
/// nothing; analytics and `db check` add exactly and never trap, whatever
/// other tools stored. The edge values are put in place with pymongo.
final class MoneyLimitTests: FileTestCase {
  static let max = "9223372036854775807"
  static let min = "-9223372036854775808"

  func user(_ email: String, balance: String = "0") -> String {
    fido.object(["user", "create", "--name", "T", "--email", email, "--balance", balance])["id"]
      as? String ?? ""
  }

  func add(_ user: String, _ amount: String, _ type: String, date: String) -> String {
    fido.object([
      "txn", "add", "--user", user, "--amount", amount, "--type", type, "--date", date, "--no-sms",
    ])["id"] as? String ?? ""
  }

  /// Every document of both collections, as pymongo reads them: what "nothing
  /// was written" is checked against.
  func snapshot() -> String { fido.mongoPython(Self.snapshotCode) }

  static let snapshotCode =
    "print(json.dumps([list(db.users.find({}, {'password_hash': 0}).sort('_id')), list(db.transactions.find().sort('_id'))], default=str, sort_keys=True))"

  /// Sets stored fields of one user (values are Python expressions) and
  /// returns the snapshot after it.
  @discardableResult
  func setUser(_ id: String, _ fields: [String: String]) -> String {
    let body = fields.map { "'\($0.key)': Int64(\($0.value))" }.joined(separator: ", ")
    return fido.mongoPython(
      "from bson import ObjectId, Int64\ndb.users.update_one({'_id': ObjectId('\(id)')}, {'$set': {\(body)}})\n"
        + Self.snapshotCode)
  }

  func assertRefused(
    _ r: FidoResult, user: String, figure: String, before: String, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    XCTAssertEqual(r.status, 65, r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.contains(user), r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.contains(figure + " would become"), r.stderr, file: file, line: line)
    XCTAssertEqual(r.stderr.components(separatedBy: "\n").filter { !$0.isEmpty }.count, 1, r.stderr)
    XCTAssertEqual(snapshot(), before, "documents changed", file: file, line: line)
  }

  // MARK: the amount limit

  func testAmountLimitForAmountsOpeningBalanceUpdateAndImport() {
    let u = user("edge@example.com", balance: "9999999999999.99")
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "9999999999999.99")
    for amount in ["10000000000000", "92233720368547758.07", "92233720368547758.08"] {
      let c = fido.run([
        "user", "create", "--name", "X", "--email", "x@example.com", "--balance", amount,
      ])
      XCTAssertEqual(c.status, 65, c.stderr)
      XCTAssertTrue(c.stderr.contains("at most GHS 9,999,999,999,999.99"), c.stderr)
      let a = fido.run([
        "txn", "add", "--user", u, "--amount", amount, "--type", "credit", "--no-sms",
      ])
      XCTAssertEqual(a.status, 65, a.stderr)
      XCTAssertTrue(a.stderr.contains("too large"), a.stderr)
    }
    let t = add(u, "9999999999999.99", "debit", date: "2023-08-18")
    let before = snapshot()
    let up = fido.run(["txn", "update", t, "--amount", "10000000000000"])
    XCTAssertEqual(up.status, 65, up.stderr)
    let imp = fido.run(
      ["txn", "import", "-"],
      stdin: "{\"user\":\"\(u)\",\"amount\":\"10000000000000.00\",\"type\":\"credit\"}\n")
    XCTAssertEqual(imp.status, 65, imp.stderr)
    XCTAssertTrue(imp.stderr.contains("line 1: amount"), imp.stderr)
    XCTAssertEqual(snapshot(), before)
  }

  // MARK: txn add, update, delete at every stored figure

  func testTxnAddRefusedAtEveryFigure() {
    let u = user("figures@example.com")
    _ = add(u, "1", "credit", date: "2023-08-18")
    let cases: [(fields: [String: String], type: String, figure: String)] = [
      (["balance": "2**63 - 100"], "credit", "balance"),
      (["balance": "-2**63 + 99"], "debit", "balance"),
      (["stats.count": "2**63 - 1"], "credit", "count"),
      (["stats.credit_count": "2**63 - 1"], "credit", "credit_count"),
      (["stats.debit_count": "2**63 - 1"], "debit", "debit_count"),
      (["stats.credit_total": "2**63 - 100"], "credit", "credit_total"),
      (["stats.debit_total": "2**63 - 100"], "debit", "debit_total"),
      (["stats.days.2023-08-18.count": "2**63 - 1"], "credit", "day 2023-08-18 count"),
      (["stats.days.2023-08-18.amount": "2**63 - 100"], "debit", "day 2023-08-18 amount"),
    ]
    // The figures one credit of 1.00 on 2023-08-18 leaves: each case starts from them.
    let consistent = [
      "balance": "100", "stats.count": "1", "stats.credit_count": "1", "stats.debit_count": "0",
      "stats.credit_total": "100", "stats.debit_total": "0", "stats.days.2023-08-18.count": "1",
      "stats.days.2023-08-18.amount": "100",
    ]
    for c in cases {
      let edge = setUser(u, consistent.merging(c.fields) { $1 })
      let r = fido.run([
        "txn", "add", "--user", u, "--amount", "1.00", "--type", c.type, "--date",
        "2023-08-18T12:00:00Z", "--no-sms",
      ])
      assertRefused(r, user: u, figure: c.figure, before: edge)
    }
    // One below the edge is accepted, and lands exactly on Int64.max.
    setUser(u, consistent.merging(["balance": "2**63 - 101"]) { $1 })
    _ = add(u, "1.00", "credit", date: "2023-08-18")
    XCTAssertEqual(fido.mongoPython("print(db.users.find_one()['balance'])"), Self.max)
  }

  func testTxnUpdateAndDeleteRefusedPastTheLimit() {
    let u = user("upd@example.com")
    let credit = add(u, "1", "credit", date: "2023-08-18")
    let debit = add(u, "1", "debit", date: "2023-08-19")
    // A larger amount would take the balance past Int64.max.
    var before = setUser(u, ["balance": "2**63 - 50"])
    var r = fido.run(["txn", "update", credit, "--amount", "2"])
    assertRefused(r, user: u, figure: "balance", before: before)
    // Turning the debit into a credit adds 2.00: also past it.
    r = fido.run(["txn", "update", debit, "--type", "credit"])
    assertRefused(r, user: u, figure: "balance", before: before)
    // Moving the credit to a day whose amount counter is at the edge.
    before = setUser(u, ["balance": "0", "stats.days.2023-08-19.amount": "2**63 - 50"])
    r = fido.run(["txn", "update", credit, "--date", "2023-08-19"])
    assertRefused(r, user: u, figure: "day 2023-08-19 amount", before: before)
    // Deleting a credit from a balance at Int64.min would take it below.
    before = setUser(u, ["balance": "-2**63 + 50"])
    r = fido.run(["txn", "delete", credit, "--yes"])
    assertRefused(r, user: u, figure: "balance", before: before)
  }

  // MARK: import

  func testImportLinePastTheLimitIsABadLineAndNothingIsWritten() {
    let u = user("imp@example.com")
    let v = user("other@example.com")
    let before = setUser(u, ["balance": "2**63 - 100"])
    // Line 2 takes u's balance past Int64.max; line 3 would bring it back,
    // but a line is judged on the figures as the good lines before it leave them.
    let text = """
      {"user":"\(u)","amount":"0.50","type":"credit","date":"2023-08-18"}
      {"user":"\(u)","amount":"0.60","type":"credit","date":"2023-08-18"}
      {"user":"\(u)","amount":"5.00","type":"debit","date":"2023-08-18"}
      {"user":"\(v)","amount":"1.00","type":"credit","date":"2023-08-18"}

      """
    for batch in ["1", "10000"] {
      let r = fido.run(["txn", "import", write("a.ndjson", text), "--batch-size", batch])
      XCTAssertEqual(r.status, 65, r.stderr)
      XCTAssertTrue(r.stderr.contains("line 2: user \(u): balance would become"), r.stderr)
      XCTAssertFalse(r.stderr.contains("line 1:"), r.stderr)
      XCTAssertFalse(r.stderr.contains("line 3:"), r.stderr)
      XCTAssertTrue(r.stderr.contains("1 bad line(s)"), r.stderr)
      XCTAssertEqual(snapshot(), before)
    }
  }

  /// No stored figure near the edge: 9,224 maximal credits on one day are
  /// more than Int64 holds (the old code died with SIGILL).
  func testImportOfManyMaximalAmountsStopsAtTheLineThatOverflows() {
    let u = user("many@example.com")
    let before = snapshot()
    let line = "\(u),9999999999999.99,credit,2023-08-18T10:00:00Z\n"
    // 9,223 × (10^15 − 1) fits Int64; the 9,224th does not.
    let text = "user,amount,type,date\n" + String(repeating: line, count: 9_224)
    let r = fido.run(["txn", "import", write("many.csv", text)])
    XCTAssertEqual(r.status, 65, r.stderr)
    // Line numbers count the header: the 9,224th record is on line 9,225.
    XCTAssertTrue(r.stderr.contains("line 9225: user \(u): balance would become"), r.stderr)
    XCTAssertEqual(r.stderr.components(separatedBy: "line ").count - 1, 1, r.stderr)
    XCTAssertEqual(snapshot(), before)
    // One line fewer fits, and is stored exactly.
    let ok = fido.run([
      "txn", "import",
      write("fits.csv", "user,amount,type,date\n" + String(repeating: line, count: 9_223)),
    ])
    XCTAssertEqual(ok.status, 0, ok.stderr)
    let expected = Int64(9_223) * 999_999_999_999_999
    XCTAssertEqual(
      fido.mongoPython(
        "u = db.users.find_one()\nprint(u['balance'], u['stats']['credit_total'], u['stats']['days']['2023-08-18']['amount'])"
      ), "\(expected) \(expected) \(expected)")
    // `db check` reads all 9,223 in one aggregation: on a loaded machine (the
    // suite's shards run at once) that can take longer than the suite's
    // 10-second FIDO_TIMEOUT, an exit 69 that is not a finding (as ImportTests).
    let check = fido.run(["db", "check", "--timeout", "120"])
    XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
  }

  func testImportRefusedAtStoredCountersAndDays() {
    let u = user("ctr@example.com")
    let cases: [(fields: [String: String], figure: String)] = [
      (["stats.count": "2**63 - 2"], "count"),
      (["stats.debit_total": "2**63 - 150"], "debit_total"),
      (["stats.days.2023-08-18.count": "2**63 - 2"], "day 2023-08-18 count"),
      (["stats.days.2023-08-18.amount": "2**63 - 150"], "day 2023-08-18 amount"),
    ]
    let text = """
      {"user":"\(u)","amount":"1.00","type":"debit","date":"2023-08-18T01:00:00Z"}
      {"user":"\(u)","amount":"1.00","type":"debit","date":"2023-08-18T02:00:00Z"}
      {"user":"\(u)","amount":"1.00","type":"debit","date":"2023-08-18T03:00:00Z"}

      """
    for c in cases {
      _ = fido.mongoPython("db.users.update_one({}, {'$unset': {'stats.days': ''}})")
      let before = setUser(
        u, ["stats.count": "0", "stats.debit_total": "0"].merging(c.fields) { $1 })
      let r = fido.run(["txn", "import", write("c.ndjson", text)])
      XCTAssertEqual(r.status, 65, r.stderr)
      XCTAssertTrue(
        r.stderr.contains("line 2: user \(u): \(c.figure) would become"), "\(c.figure): \(r.stderr)"
      )
      XCTAssertTrue(r.stderr.contains("line 3: user \(u): \(c.figure) would become"), r.stderr)
      XCTAssertFalse(r.stderr.contains("line 1:"), r.stderr)
      XCTAssertEqual(snapshot(), before)
    }
  }

  // MARK: analytics and db check over what other tools stored

  /// Two transactions of Int64.max on one day, and a user whose stored
  /// figures are all Int64.max: exact figures, no trap, no wrap.
  func testAnalyticsAndCheckOverInt64MaxData() {
    let u = user("big@example.com")
    _ = fido.mongoPython(
      """
      from bson import ObjectId, Int64
      import datetime
      M = Int64(2**63 - 1)
      uid = ObjectId('\(u)')
      d = datetime.datetime(2023, 8, 18, 10, tzinfo=datetime.timezone.utc)
      for i in range(2):
          db.transactions.insert_one({'user_id': uid, 'full_name': 'T', 'amount': M, 'currency': 'GHS', 'type': 'credit', 'date': d, 'created_at': d, 'updated_at': d, 'sms': {'status': 'skipped'}})
      db.users.update_one({'_id': uid}, {'$set': {'balance': M, 'stats.count': M, 'stats.credit_count': M, 'stats.debit_count': Int64(0), 'stats.credit_total': M, 'stats.debit_total': M, 'stats.first_at': d, 'stats.last_at': d, 'stats.days': {'2023-08-18': {'count': M, 'amount': M}}}})
      """)
    // Stored counters: total_amount = 2 × Int64.max, printed exactly.
    let stored = fido.object(["analytics", u])
    XCTAssertEqual(stored["total_amount"] as? String, "184467440737095516.14")
    XCTAssertEqual(stored["credit_total"] as? String, "92233720368547758.07")
    XCTAssertEqual(stored["balance"] as? String, "92233720368547758.07")
    XCTAssertEqual(stored["average_transaction_value"] as? String, "0.02")
    XCTAssertEqual(
      (stored["highest_amount_day"] as? [String: Any])?["amount"] as? String, "92233720368547758.07"
    )
    XCTAssertNotNil(stored["credit_score"] as? [String: Any])
    // A window: the server's sums in halves, put together exactly.
    let window = fido.object(["analytics", u, "--since", "2023-08-01"])
    XCTAssertEqual(window["total_amount"] as? String, "184467440737095516.14")
    XCTAssertEqual(window["credit_total"] as? String, "184467440737095516.14")
    XCTAssertEqual(window["average_transaction_value"] as? String, "92233720368547758.07")
    XCTAssertEqual(window["transaction_count"] as? Int, 2)
    XCTAssertEqual(
      (window["highest_amount_day"] as? [String: Any])?["amount"] as? String,
      "184467440737095516.14")
    // db check: the recomputed credit total, day amount and balance do not
    // fit Int64; reported exactly, not repaired, exit 65, nothing written.
    let before = snapshot()
    for args in [["db", "check", "-o", "json"], ["db", "check", "--repair", "-o", "json"]] {
      let r = fido.run(args)
      XCTAssertEqual(r.status, 65, r.stderr)
      let drifts =
        (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
      let byFigure = Dictionary(
        drifts.map { ($0["figure"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
      XCTAssertEqual(
        byFigure["credit_total"]?["expected"] as? String,
        "18446744073709551614 (past the Int64 limit: cannot be stored)", r.stdout)
      XCTAssertEqual(
        byFigure["day 2023-08-18 amount"]?["expected"] as? String,
        "18446744073709551614 (past the Int64 limit: cannot be stored)", r.stdout)
      XCTAssertEqual(byFigure["count"]?["expected"] as? String, "2", r.stdout)
      if args.contains("--repair") {
        XCTAssertEqual(byFigure["credit_total"]?["repaired"] as? Bool, false, r.stdout)
      }
      XCTAssertTrue(r.stderr.contains("cannot be recomputed"), r.stderr)
      XCTAssertEqual(snapshot(), before)
    }
  }

  /// Stored counters at the edge with no transaction past it: db check
  /// reports the drift exactly and repair writes the true figures.
  func testCheckRepairsEdgeCountersThatFit() {
    let u = user("fit@example.com")
    _ = add(u, "2.50", "credit", date: "2023-08-18")
    setUser(
      u,
      [
        "balance": "-2**63", "stats.count": "2**63 - 1", "stats.credit_total": "2**63 - 1",
        "stats.days.2023-08-18.amount": "-2**63",
      ])
    let r = fido.run(["db", "check", "-o", "json"])
    XCTAssertEqual(r.status, 1, r.stderr)
    let drifts =
      (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    let byFigure = Dictionary(
      drifts.map { ($0["figure"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    XCTAssertEqual(byFigure["balance"]?["stored"] as? String, Self.min)
    XCTAssertEqual(byFigure["balance"]?["expected"] as? String, "250")
    XCTAssertEqual(byFigure["count"]?["stored"] as? String, Self.max)
    XCTAssertEqual(byFigure["day 2023-08-18 amount"]?["stored"] as? String, Self.min)
    XCTAssertEqual(fido.run(["db", "check", "--repair"]).status, 0)
    XCTAssertEqual(fido.run(["db", "check"]).status, 0)
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "2.50")
  }
}
