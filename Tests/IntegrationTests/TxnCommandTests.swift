import Foundation
import XCTest

/// A deterministic generator so the seeded data sets repeat exactly.
struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
  mutating func next() -> UInt64 {
    state = state &+ 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// An independent model of one transaction, for computing expectations in the test.
struct ModelTxn {
  var id: String
  var amount: Int64  // minor units
  var credit: Bool
  var dateMs: Int64
  var day: String { String(isoDate(dateMs).prefix(10)) }
}

func isoDate(_ ms: Int64) -> String {
  let f = ISO8601DateFormatter()
  f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
  f.timeZone = TimeZone(identifier: "UTC")
  return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

func minorString(_ v: Int64) -> String {
  let sign = v < 0 ? "-" : ""
  let a = v.magnitude
  return "\(sign)\(a / 100).\(String(format: "%02d", Int(a % 100)))"
}

/// The analytics DESIGN.md defines, computed the slow obvious way.
func expectedAnalytics(_ txns: [ModelTxn], opening: Int64) -> [String: Any] {
  let credits = txns.filter(\.credit)
  let debits = txns.filter { !$0.credit }
  let creditTotal = credits.reduce(0) { $0 + $1.amount }
  let debitTotal = debits.reduce(0) { $0 + $1.amount }
  let total = creditTotal + debitTotal
  var out: [String: Any] = [
    "transaction_count": txns.count, "credit_count": credits.count, "debit_count": debits.count,
    "total_amount": minorString(total), "credit_total": minorString(creditTotal),
    "debit_total": minorString(debitTotal),
    "balance": minorString(opening + creditTotal - debitTotal),
  ]
  if txns.isEmpty {
    out["average_transaction_value"] = "0.00"
    return out
  }
  // Half-even division, done with Decimal as an independent route.
  var q = Decimal(total) / Decimal(txns.count)
  var rounded = Decimal()
  NSDecimalRound(&rounded, &q, 0, .bankers)
  out["average_transaction_value"] = minorString(Int64(truncating: rounded as NSNumber))
  var byDay: [String: (count: Int, amount: Int64)] = [:]
  for t in txns {
    byDay[t.day, default: (0, 0)].count += 1
    byDay[t.day, default: (0, 0)].amount += t.amount
  }
  let days = byDay.keys.sorted()
  let busiest = days.max { a, b in
    byDay[a]!.count < byDay[b]!.count || (byDay[a]!.count == byDay[b]!.count && a > b)
  }!
  let highest = days.max { a, b in
    byDay[a]!.amount < byDay[b]!.amount || (byDay[a]!.amount == byDay[b]!.amount && a > b)
  }!
  out["busiest_day"] = ["date": busiest, "count": byDay[busiest]!.count]
  out["highest_amount_day"] = ["date": highest, "amount": minorString(byDay[highest]!.amount)]
  out["first_transaction_at"] = isoDate(txns.map(\.dateMs).min()!)
  out["last_transaction_at"] = isoDate(txns.map(\.dateMs).max()!)
  return out
}

func assertAnalytics(
  _ got: [String: Any], _ want: [String: Any], file: StaticString = #filePath, line: UInt = #line
) {
  for (k, v) in want {
    let g = got[k]
    if let d = v as? [String: Any] {
      let gd = g as? [String: Any] ?? [:]
      XCTAssertEqual(gd["date"] as? String, d["date"] as? String, k, file: file, line: line)
      if let c = d["count"] as? Int {
        XCTAssertEqual(gd["count"] as? Int, c, k, file: file, line: line)
      }
      if let a = d["amount"] as? String {
        XCTAssertEqual(gd["amount"] as? String, a, k, file: file, line: line)
      }
    } else if let i = v as? Int {
      XCTAssertEqual(g as? Int, i, k, file: file, line: line)
    } else {
      XCTAssertEqual(g as? String, v as? String, k, file: file, line: line)
    }
  }
}

final class TxnCommandTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  func user(_ email: String, balance: String = "100") -> String {
    fido.object(["user", "create", "--name", "T \(email)", "--email", email, "--balance", balance])[
      "id"] as! String
  }

  func add(
    _ user: String, _ amount: String, _ type: String, date: String? = nil, key: String? = nil
  ) -> [String: Any] {
    var args = ["txn", "add", "--user", user, "--amount", amount, "--type", type, "--no-sms"]
    if let date { args += ["--date", date] }
    if let key { args += ["--key", key] }
    return fido.object(args)
  }

  func checkClean(file: StaticString = #filePath, line: UInt = #line) {
    let r = fido.run(["db", "check"])
    XCTAssertEqual(r.status, 0, "db check: \(r.stdout) \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdout, "", file: file, line: line)
  }

  func testServiceCasesCreateHistoryGetUpdateDelete() {
    let u = user("ama@example.com", balance: "1100")
    let t1 = add(u, "21", "credit", date: "2023-08-18T15:30:00Z")
    XCTAssertEqual(t1["amount"] as? String, "21.00")
    XCTAssertEqual(t1["full_name"] as? String, "T ama@example.com")
    XCTAssertEqual(t1["date"] as? String, "2023-08-18T15:30:00.000Z")
    XCTAssertEqual((t1["sms"] as? [String: Any])?["status"] as? String, "skipped")
    let t2 = add(u, "60.5", "debit", date: "2023-08-19")
    let t3 = add(u, "150", "credit", date: "2023-08-20T09:00:00+02:00")
    XCTAssertEqual(t3["date"] as? String, "2023-08-20T07:00:00.000Z")
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "1210.50")
    // History newest first.
    let ids = fido.list(["txn", "list", "--user", "ama@example.com"]).map { $0["id"] as! String }
    XCTAssertEqual(ids, [t3["id"], t2["id"], t1["id"]].map { $0 as! String })
    XCTAssertEqual(fido.object(["txn", "get", t2["id"] as! String])["type"] as? String, "debit")
    // Update amount and type: balance follows.
    let up = fido.object([
      "txn", "update", t2["id"] as! String, "--amount", "10", "--type", "credit",
    ])
    XCTAssertEqual(up["amount"] as? String, "10.00")
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "1281.00")
    let del = fido.object(["txn", "delete", t3["id"] as! String, "--yes"])
    XCTAssertEqual(del["id"] as? String, t3["id"] as? String)
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "1131.00")
    XCTAssertEqual(fido.run(["txn", "get", t3["id"] as! String]).status, 3)
    XCTAssertEqual(
      fido.run(["txn", "delete", t1["id"] as! String]).status, 2, "needs --yes off a terminal")
    checkClean()
    let a = fido.object(["analytics", u])
    assertAnalytics(
      a,
      [
        "transaction_count": 2, "credit_count": 2, "debit_count": 0, "total_amount": "31.00",
        "average_transaction_value": "15.50", "balance": "1131.00",
        "busiest_day": ["date": "2023-08-18", "count": 1],
        "first_transaction_at": "2023-08-18T15:30:00.000Z",
        "last_transaction_at": "2023-08-19T00:00:00.000Z",
      ])
  }

  /// The per-day counters on the user document follow every change, and a
  /// day left without transactions is removed, not kept at zero.
  func testDayCountersFollowUpdatesAndDeletes() {
    let u = user("days@example.com")
    let t1 = add(u, "10", "credit", date: "2023-08-18T10:00:00Z")["id"] as! String
    let t2 = add(u, "5", "debit", date: "2023-08-18T12:00:00Z")["id"] as! String
    let t3 = add(u, "7", "credit", date: "2023-08-19")["id"] as! String
    func days() -> String {
      fido.mongoPython(
        "u = db.users.find_one(); print(sorted((k, v['count'], v['amount']) for k, v in u['stats'].get('days', {}).items()))"
      )
    }
    XCTAssertEqual(days(), "[('2023-08-18', 2, 1500), ('2023-08-19', 1, 700)]")
    XCTAssertEqual(fido.run(["txn", "update", t3, "--date", "2023-08-20T08:00:00Z"]).status, 0)
    XCTAssertEqual(days(), "[('2023-08-18', 2, 1500), ('2023-08-20', 1, 700)]")
    XCTAssertEqual(fido.run(["txn", "update", t1, "--amount", "11", "--type", "debit"]).status, 0)
    XCTAssertEqual(days(), "[('2023-08-18', 2, 1600), ('2023-08-20', 1, 700)]")
    XCTAssertEqual(fido.run(["txn", "delete", t2, "--yes"]).status, 0)
    XCTAssertEqual(days(), "[('2023-08-18', 1, 1100), ('2023-08-20', 1, 700)]")
    XCTAssertEqual(fido.run(["txn", "delete", t1, "--yes"]).status, 0)
    XCTAssertEqual(days(), "[('2023-08-20', 1, 700)]")
    checkClean()
    let a = fido.object(["analytics", u])
    XCTAssertEqual((a["busiest_day"] as? [String: Any])?["date"] as? String, "2023-08-20")
  }

  func testInvalidAmountsDatesAndIdsExit65() {
    let u = user("x@example.com")
    for amount in [
      "0", "-5", "1e3", "1,000", "21.505", ".5", "5.", "", " 5", "99999999999999999999",
      "92233720368547758.08", "٣",
    ] {
      let r = fido.run([
        "txn", "add", "--user", u, "--amount", amount, "--type", "credit", "--no-sms",
      ])
      XCTAssertEqual(r.status, 65, "amount '\(amount)': \(r.stderr)")
    }
    for date in ["2023-02-29", "2023-13-01", "yesterday", "2023-08-18T25:00:00Z", "18/08/2023"] {
      let r = fido.run([
        "txn", "add", "--user", u, "--amount", "5", "--type", "credit", "--date", date, "--no-sms",
      ])
      XCTAssertEqual(r.status, 65, "date '\(date)': \(r.stderr)")
    }
    XCTAssertEqual(
      fido.run(["txn", "add", "--user", u, "--amount", "5", "--type", "loan"]).status, 2)
    XCTAssertEqual(fido.run(["txn", "get", "xyz"]).status, 65)
    XCTAssertEqual(
      fido.run(["txn", "add", "--user", "nobody@example.com", "--amount", "5", "--type", "credit"])
        .status, 3)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "0")
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "100.00")
  }

  func testFiltersAndPaginationHaveNoGapsOrDuplicates() {
    let u = user("p@example.com")
    var made: [(id: String, date: String, type: String)] = []
    // Several transactions share a date, so paging must order by (date, id).
    for i in 0..<37 {
      let date = "2023-09-\(String(format: "%02d", 1 + i / 4))T12:00:00Z"
      let type = i % 3 == 0 ? "debit" : "credit"
      made.append((add(u, "\(i + 1)", type, date: date)["id"] as! String, date, type))
    }
    let expected = made.sorted { ($0.date, $0.id) > ($1.date, $1.id) }.map(\.id)
    var seen: [String] = []
    var after: String?
    repeat {
      var args = ["txn", "list", "--user", u, "--limit", "4"]
      if let after { args += ["--after", after] }
      let page = fido.list(args).map { $0["id"] as! String }
      seen += page
      after = page.count == 4 ? page.last : nil
    } while after != nil
    XCTAssertEqual(seen, expected)
    XCTAssertEqual(fido.list(["txn", "list", "--user", u, "--limit", "0"]).count, 37)
    let debits = fido.list(["txn", "list", "--user", u, "--type", "debit", "--limit", "0"])
    XCTAssertEqual(debits.count, made.filter { $0.type == "debit" }.count)
    // Inclusive bounds; a day-only --until covers the whole day.
    let window = fido.list([
      "txn", "list", "--user", u, "--since", "2023-09-02T12:00:00Z", "--until", "2023-09-03",
      "--limit", "0",
    ])
    XCTAssertEqual(
      window.count, made.filter { $0.date >= "2023-09-02" && $0.date < "2023-09-04" }.count)
  }

  func testIdempotencyKey() {
    let u = user("k@example.com")
    var ids = Set<String>()
    for _ in 0..<5 { ids.insert(add(u, "12.30", "credit", key: "order-42")["id"] as! String) }
    XCTAssertEqual(ids.count, 1)
    XCTAssertEqual(fido.mongoPython("print(db.transactions.count_documents({}))"), "1")
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "112.30")
    let other = fido.run([
      "txn", "add", "--user", u, "--amount", "12.31", "--type", "credit", "--key", "order-42",
      "--no-sms",
    ])
    XCTAssertEqual(other.status, 4, other.stderr)
    let otherType = fido.run([
      "txn", "add", "--user", u, "--amount", "12.30", "--type", "debit", "--key", "order-42",
      "--no-sms",
    ])
    XCTAssertEqual(otherType.status, 4)
    // Keys are scoped to a user.
    let v = user("v@example.com")
    XCTAssertNotEqual(add(v, "12.30", "credit", key: "order-42")["id"] as? String, ids.first)
    checkClean()
  }

  func testAnalyticsMatchAnIndependentComputationOnSeededData() {
    var rng = SeededRandom(seed: 20_231_125)
    var model: [String: [ModelTxn]] = [:]
    var users: [String] = []
    for i in 0..<4 { users.append(user("seed\(i)@example.com", balance: "0")) }
    let start: Int64 = 1_692_316_800_000  // 2023-08-18T00:00:00Z
    for n in 0..<240 {
      let u = users[Int.random(in: 0..<users.count, using: &rng)]
      // Few days per user so ties happen; hours spread within each day.
      let day = Int64.random(in: 0..<21, using: &rng)
      let ms = start + day * 86_400_000 + Int64.random(in: 0..<86_400, using: &rng) * 1000
      let amount = Int64.random(in: 1...50_000, using: &rng)
      let credit = Bool.random(using: &rng)
      let t = add(
        u, minorString(amount), credit ? "credit" : "debit", date: isoDate(ms),
        key: n % 5 == 0 ? "k\(n)" : nil)
      model[u, default: []].append(
        ModelTxn(id: t["id"] as! String, amount: amount, credit: credit, dateMs: ms))
    }
    func verify(_ label: String) {
      for u in users {
        let txns = model[u] ?? []
        assertAnalytics(fido.object(["analytics", u]), expectedAnalytics(txns, opening: 0))
        // A window: 2023-08-22 .. 2023-08-30 (inclusive days).
        let lo = start + 4 * 86_400_000
        let hi = start + 13 * 86_400_000 - 1
        let inWindow = txns.filter { $0.dateMs >= lo && $0.dateMs <= hi }
        var want = expectedAnalytics(inWindow, opening: 0)
        want["balance"] = nil
        assertAnalytics(
          fido.object(["analytics", u, "--since", "2023-08-22", "--until", "2023-08-30"]), want)
      }
      checkClean()
    }
    verify("initial")
    // Updates and deletes keep it exact.
    for u in users {
      guard var txns = model[u], txns.count > 3 else { continue }
      let victim = txns.removeFirst()
      XCTAssertEqual(fido.run(["txn", "delete", victim.id, "--yes"]).status, 0)
      var changed = txns[0]
      changed.amount += 777
      changed.credit.toggle()
      changed.dateMs += 3 * 86_400_000
      _ = fido.object([
        "txn", "update", changed.id, "--amount", minorString(changed.amount), "--type",
        changed.credit ? "credit" : "debit",
        "--date", isoDate(changed.dateMs),
      ])
      txns[0] = changed
      model[u] = txns
    }
    verify("after updates")
    // No transactions: zeros and nulls.
    let empty = user("empty@example.com")
    let a = fido.object(["analytics", empty])
    XCTAssertEqual(a["transaction_count"] as? Int, 0)
    XCTAssertEqual(a["average_transaction_value"] as? String, "0.00")
    XCTAssertTrue(a["busiest_day"] is NSNull)
    XCTAssertTrue(a["credit_score"] is NSNull)
  }

  func testConcurrentAddsLoseNothing() throws {
    let u = user("busy@example.com", balance: "0")
    let perProcess = 50
    let processes = 8
    // Each worker is a shell loop of real fido processes, eight loops at once.
    let script =
      (0..<processes).map { p in
        "(for i in $(seq 1 \(perProcess)); do \"$FIDO\" txn add --user \(u) --amount $(( (i % 7) + 1 )).\(p)5 --type $([ $((i % 3)) = 0 ] && echo debit || echo credit) --date 2023-10-0$(( (i % 5) + 1 ))T10:00:00Z --no-sms -q >/dev/null || echo FAIL; done) &"
      }.joined(separator: "\n") + "\nwait\n"
    let text = fido.shell(script).stdout
    XCTAssertFalse(text.contains("FAIL"), text)
    var model: [ModelTxn] = []
    for p in 0..<processes {
      for i in 1...perProcess {
        let minor = Int64((i % 7) + 1) * 100 + Int64(p) * 10 + 5
        let ms = Int64(1_696_154_400_000) + Int64(i % 5) * 86_400_000  // 2023-10-01T10:00Z + days
        model.append(ModelTxn(id: "", amount: minor, credit: i % 3 != 0, dateMs: ms))
      }
    }
    XCTAssertEqual(
      fido.mongoPython("print(db.transactions.count_documents({}))"), "\(processes * perProcess)")
    assertAnalytics(fido.object(["analytics", u]), expectedAnalytics(model, opening: 0))
    checkClean()
  }

  func testDbCheckFindsAndRepairsDrift() {
    let u = user("drift@example.com")
    _ = add(u, "10", "credit", date: "2023-08-18")
    _ = add(u, "5", "debit", date: "2023-08-19")
    checkClean()
    _ = fido.mongoPython(
      "db.users.update_one({}, {'$inc': {'balance': 999, 'stats.count': 3}, '$unset': {'stats.days.2023-08-19': ''}})"
    )
    let r = fido.run(["db", "check", "-o", "json"])
    XCTAssertEqual(r.status, 1)
    let drifts =
      (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    XCTAssertEqual(
      Set(drifts.compactMap { $0["figure"] as? String }),
      [
        "balance", "count", "day 2023-08-19 count", "day 2023-08-19 amount",
        // History records the balance and count, so it sees them changed outside fido.
        "history: balance", "history: count",
      ], r.stdout)
    XCTAssertEqual(fido.run(["db", "check", "--repair"]).status, 0)
    checkClean()
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "105.00")
  }
}
