import XCTest

@testable import FidoCore

/// Decimal integers as digit strings, added digit by digit: an oracle that
/// shares nothing with the Int128 arithmetic under test.
enum DecimalOracle {
  /// a + b for decimal strings with an optional leading '-'.
  static func add(_ a: String, _ b: String) -> String {
    let (na, da) = split(a)
    let (nb, db) = split(b)
    if na == nb { return sign(na, addMagnitudes(da, db)) }
    // Different signs: subtract the smaller magnitude from the larger.
    if compareMagnitudes(da, db) >= 0 { return sign(na, subtractMagnitudes(da, db)) }
    return sign(nb, subtractMagnitudes(db, da))
  }

  static func sum(_ values: [String]) -> String { values.reduce("0", add) }

  /// -1, 0, 1 as a < b, a == b, a > b.
  static func compare(_ a: String, _ b: String) -> Int {
    let (na, da) = split(a)
    let (nb, db) = split(b)
    if na != nb { return na ? -1 : 1 }
    let c = compareMagnitudes(da, db)
    return na ? -c : c
  }

  static func fitsInt64(_ v: String) -> Bool {
    compare(v, "-9223372036854775808") >= 0 && compare(v, "9223372036854775807") <= 0
  }

  private static func split(_ s: String) -> (Bool, [Int]) {
    let negative = s.hasPrefix("-")
    var digits = s.dropFirst(negative ? 1 : 0).map { Int(String($0))! }
    while digits.count > 1 && digits.first == 0 { digits.removeFirst() }
    return (negative && digits != [0], digits)
  }
  private static func sign(_ negative: Bool, _ d: [Int]) -> String {
    var d = d
    while d.count > 1 && d.first == 0 { d.removeFirst() }
    let text = d.map(String.init).joined()
    return negative && text != "0" ? "-" + text : text
  }
  private static func compareMagnitudes(_ a: [Int], _ b: [Int]) -> Int {
    if a.count != b.count { return a.count < b.count ? -1 : 1 }
    for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
    return 0
  }
  private static func addMagnitudes(_ a: [Int], _ b: [Int]) -> [Int] {
    var out: [Int] = []
    var carry = 0
    var i = a.count - 1
    var j = b.count - 1
    while i >= 0 || j >= 0 || carry > 0 {
      let s = (i >= 0 ? a[i] : 0) + (j >= 0 ? b[j] : 0) + carry
      out.append(s % 10)
      carry = s / 10
      i -= 1
      j -= 1
    }
    return out.reversed()
  }
  private static func subtractMagnitudes(_ a: [Int], _ b: [Int]) -> [Int] {
    var out: [Int] = []
    var borrow = 0
    var i = a.count - 1
    var j = b.count - 1
    while i >= 0 {
      var d = a[i] - (j >= 0 ? b[j] : 0) - borrow
      borrow = d < 0 ? 1 : 0
      if d < 0 { d += 10 }
      out.append(d)
      i -= 1
      j -= 1
    }
    return out.reversed()
  }
}

final class MoneyLimitArithmeticTests: XCTestCase {
  let edges: [Int64] = [
    .max, .max - 1, .min, .min + 1, 999_999_999_999_999, 1, 0, -1, 1 << 32, (1 << 32) - 1,
    -(1 << 32), 4_294_967_297,
  ]

  func amounts(_ seed: UInt64, _ n: Int) -> [Int64] {
    var rng = CoreTestRNG(seed: seed)
    return (0..<n).map { i in
      i % 3 == 0
        ? edges[Int.random(in: 0..<edges.count, using: &rng)]
        : Int64.random(in: .min ... .max, using: &rng) >> Int64.random(in: 0...40, using: &rng)
    }
  }

  func testOracleSelfCheck() {
    XCTAssertEqual(DecimalOracle.add("9223372036854775807", "1"), "9223372036854775808")
    XCTAssertEqual(DecimalOracle.add("-5", "3"), "-2")
    XCTAssertEqual(DecimalOracle.add("5", "-5"), "0")
    XCTAssertTrue(DecimalOracle.fitsInt64("-9223372036854775808"))
    XCTAssertFalse(DecimalOracle.fitsInt64("-9223372036854775809"))
  }

  /// The day pipeline's halves, as MongoDB computes them (`$mod` keeps the
  /// dividend's sign), put together by DayTotal: the exact sum of any Int64
  /// amounts, where a plain `$sum` would overflow into a double.
  func testDayTotalPutsTheHalvesTogetherExactly() {
    for seed in UInt64(1)...40 {
      let credits = amounts(seed, Int(seed) * 7)
      let debits = amounts(seed + 1000, Int(seed) * 3)
      func halves(_ xs: [Int64]) -> (high: Int64, low: Int64) {
        var high: Int64 = 0
        var low: Int64 = 0
        for a in xs {
          let lo = a % (1 << 32)
          high += (a - lo) / (1 << 32)  // exact: a − lo is a multiple of 2^32
          low += lo
        }
        return (high, low)
      }
      let c = halves(credits)
      let d = halves(debits)
      let group: Document = [
        "_id": ["day": .date(0)], "count": .int32(Int32(credits.count + debits.count)),
        "credit_count": .int32(Int32(credits.count)), "debit_count": .int32(Int32(debits.count)),
        "credit_high": .int64(c.high), "credit_low": .int64(c.low),
        "debit_high": .int64(d.high), "debit_low": .int64(d.low), "odd_amounts": .int32(0),
      ]
      guard let total = DayTotal(group) else { return XCTFail("group not read") }
      let creditSum = DecimalOracle.sum(credits.map { "\($0)" })
      let debitSum = DecimalOracle.sum(debits.map { "\($0)" })
      XCTAssertEqual("\(total.stats.creditTotal)", creditSum, "seed \(seed)")
      XCTAssertEqual("\(total.stats.debitTotal)", debitSum, "seed \(seed)")
      XCTAssertEqual("\(total.amount)", DecimalOracle.add(creditSum, debitSum))
    }
  }

  /// A double (MongoDB's overflowed `$sum`) or a decimal is never read as a figure.
  func testDayTotalRefusesFiguresThatAreNotIntegers() {
    var group: Document = [
      "_id": ["day": .date(0)], "count": 2, "credit_count": 2, "debit_count": 0,
      "credit_high": .int64(1), "credit_low": .int64(0), "debit_high": 0, "debit_low": 0,
    ]
    XCTAssertNotNil(DayTotal(group))
    group["credit_low"] = .double(1.8446744073709552e19)
    XCTAssertNil(DayTotal(group))
    group["credit_low"] = .decimal128("18446744073709551614")
    XCTAssertNil(DayTotal(group))
    // A transaction fido cannot read (a double amount) is its own group,
    // named, never a day's figures.
    group["credit_low"] = 0
    let id = ObjectID(hex: "64df1c2a9b1e8a0012345679")!
    group["_id"] = ["day": .null, "bad": .objectID(id)]
    group["doc"] = [
      "_id": .objectID(id), "user_id": .objectID(id), "amount": .double(21.5), "currency": "GHS",
      "type": "credit", "date": .date(0), "full_name": "A",
    ]
    guard case .invalid(let problem) = DailyGroup(group, userCurrency: nil) else {
      return XCTFail("an unreadable transaction was read as a day's figures")
    }
    XCTAssertEqual(problem.field, "amount")
    XCTAssertEqual(problem.found, "21.5 (a double)")
  }

  /// Folding many transactions into one effect (an import batch) never
  /// wraps; the figures equal the oracle's sums.
  func testEffectsAddUpWithoutWrapping() {
    let list = amounts(7, 400).map { $0 == .min ? Int64.max : Swift.abs($0) }
    var effect = StatsEffect()
    var credits: [String] = []
    var debits: [String] = []
    for (i, a) in list.enumerated() {
      let type: TxnType = i % 2 == 0 ? .credit : .debit
      effect.absorb(StatsEffect.add(type: type, amount: a, date: Int64(i) * 3_600_000))
      if type == .credit { credits.append("\(a)") } else { debits.append("\(a)") }
    }
    XCTAssertEqual("\(effect.counters.creditTotal)", DecimalOracle.sum(credits))
    XCTAssertEqual("\(effect.counters.debitTotal)", DecimalOracle.sum(debits))
    XCTAssertEqual(
      "\(effect.balance)",
      DecimalOracle.add(DecimalOracle.sum(credits), "-" + DecimalOracle.sum(debits)))
    XCTAssertEqual(effect.counters.count, 400)
    // Removing an amount of Int64.min (another tool's document) does not trap.
    let odd = StatsEffect.remove(type: .debit, amount: .min, date: 0)
    XCTAssertEqual("\(odd.balance)", "-9223372036854775808")
    XCTAssertEqual("\(odd.counters.debitTotal)", "9223372036854775808")
  }

  /// `overflow` refuses exactly the effects that take a stored figure out of
  /// Int64, and names the figure.
  func testOverflowAgainstTheOracle() {
    let stored = amounts(11, 60)
    let changes = amounts(12, 60).map { Swift.max(1, $0 == .min ? 1 : Swift.abs($0)) }
    for (s, a) in zip(stored, changes) {
      for type in TxnType.allCases {
        let effect = StatsEffect.add(type: type, amount: a, date: 0)
        let user: Document = ["currency": "GHS", "balance": .int64(s)]
        let newBalance = DecimalOracle.add("\(s)", type == .credit ? "\(a)" : "-\(a)")
        let problem = FidoStore.overflow(user, effect)
        XCTAssertEqual(problem == nil, DecimalOracle.fitsInt64(newBalance), "\(s) \(type) \(a)")
        if let problem {
          XCTAssertTrue(problem.hasPrefix("balance would become GHS "), problem)
        }
      }
    }
    // Each counter and day counter is checked; an absent one counts as 0.
    let day = StatsEffect.add(type: .credit, amount: 100, date: 0)
    let key = FidoDate.day(0)
    let atEdge: [(Document, String)] = [
      (["stats": ["count": .int64(.max)]], "count would become 9223372036854775808"),
      (["stats": ["credit_count": .int64(.max)]], "credit_count would become"),
      (["stats": ["credit_total": .int64(.max - 99)]], "credit_total would become"),
      (["stats": ["days": [key: ["count": .int64(.max)]]]], "day \(key) count would become"),
      (["stats": ["days": [key: ["amount": .int64(.max - 99)]]]], "day \(key) amount would become"),
    ]
    for (doc, message) in atEdge {
      XCTAssertTrue(FidoStore.overflow(doc, day)?.hasPrefix(message) ?? false, "\(doc)")
    }
    XCTAssertNil(FidoStore.overflow(["stats": ["credit_total": .int64(.max - 100)]], day))
    XCTAssertNil(FidoStore.overflow([:], day))
    // A stored figure that is not an integer is named, not guessed.
    XCTAssertEqual(
      FidoStore.overflow(["balance": .double(9.3e18)], day),
      "its stored balance is not a whole number; run 'fido db check'")
  }

  /// The guard the server applies: the same bound the oracle gives.
  func testGuardedFilterBounds() {
    let id = ObjectID(hex: "64df1c2a9b1e8a0012345679")!
    let credit = FidoStore.guardedFilter(id, StatsEffect.add(type: .credit, amount: 250, date: 0))
    XCTAssertEqual(credit["balance"], ["$not": ["$gt": .int64(Int64.max - 250)]])
    XCTAssertEqual(credit["stats.credit_total"], ["$not": ["$gt": .int64(Int64.max - 250)]])
    XCTAssertEqual(credit["stats.count"], ["$not": ["$gt": .int64(Int64.max - 1)]])
    XCTAssertNil(credit["stats.debit_total"])
    let removal = FidoStore.guardedFilter(
      id, StatsEffect.remove(type: .credit, amount: 250, date: 0))
    XCTAssertEqual(removal["balance"], ["$not": ["$lt": .int64(Int64.min + 250)]])
    XCTAssertEqual(
      removal["stats.days.\(FidoDate.day(0)).amount"], ["$not": ["$lt": .int64(Int64.min + 250)]])
    // A change no single $inc can carry is refused before any write.
    var big = StatsEffect()
    for _ in 0..<10 { big.absorb(StatsEffect.add(type: .credit, amount: .max, date: 0)) }
    XCTAssertThrowsError(try FidoStore.userUpdate(big, now: 0, user: id))
  }

  /// A guard and a pinned value on the same figure: one condition holding
  /// both, never the field twice (SecantusDB kept only the last term, so a
  /// `txn add` at the edge overflowed in the server instead of being refused).
  func testGuardAndPinOnOneFigureAreOneCondition() {
    let id = ObjectID(hex: "64df1c2a9b1e8a0012345679")!
    let guardTerms = FidoStore.guardedFilter(
      id, StatsEffect.add(type: .credit, amount: 250, date: 0))
    let pinned = FidoStore.allOf(
      guardTerms, ["audit_head": .null, "balance": .int64(7), "stats.debit_total": .int64(0)])
    XCTAssertEqual(pinned.filter { $0.key == "balance" }.count, 1)
    XCTAssertEqual(
      pinned["balance"], ["$not": ["$gt": .int64(Int64.max - 250)], "$eq": .int64(7)])
    XCTAssertEqual(pinned["stats.debit_total"], .int64(0), "not guarded: kept as it was")
    XCTAssertEqual(pinned["audit_head"], .null)
    XCTAssertEqual(pinned["_id"], .objectID(id))
    // A pinned figure whose sum with the change fits needs no bound: the
    // update matches that value or nothing. One at the edge keeps it.
    let pins: Document = [
      "balance": .int64(7), "stats.credit_total": .int64(Int64.max - 100),
      "stats.count": ["unreadable": "1.5 (a double)"],
    ]
    let lean = FidoStore.allOf(
      FidoStore.guardedFilter(
        id, StatsEffect.add(type: .credit, amount: 250, date: 0), pinned: pins),
      pins)
    XCTAssertEqual(lean["balance"], .int64(7))
    XCTAssertEqual(
      lean["stats.credit_total"],
      ["$not": ["$gt": .int64(Int64.max - 250)], "$eq": .int64(Int64.max - 100)])
    XCTAssertNotNil(
      lean["stats.count"]?.documentValue?["$not"], "a pin that is not an Int64 keeps the bound")
    XCTAssertEqual(
      lean["stats.days.\(FidoDate.day(0)).count"], ["$not": ["$gt": .int64(Int64.max - 1)]],
      "an unpinned figure keeps its bound")
    // Two terms with the same operator cannot share a condition: `$and`.
    let both = FidoStore.allOf(["n": ["$gt": 1]], ["n": ["$gt": 2]])
    XCTAssertEqual(both, ["n": ["$gt": 1], "$and": [["n": ["$gt": 2]]]])
  }

  func testAverageOfSumsPastInt64() {
    let total = Int128(Int64.max) * 2
    XCTAssertEqual(Analytics.average(total: total, count: 2), Int128(Int64.max))
    XCTAssertEqual(Analytics.average(total: total, count: 4), 4_611_686_018_427_387_904)
    // −M − 1.5 → the even neighbour, −M − 1 (M = Int64.max is odd).
    XCTAssertEqual(Analytics.average(total: -total - 3, count: 2), -Int128(Int64.max) - 1)
    // Credit score factors from totals past Int64: exact, no trap.
    let score = CreditScore.out(
      CreditScore.compute(
        creditTotal: total * 3, debitTotal: total, balance: .max, count: 1_000, firstMs: 0,
        lastMs: 0))
    guard case .object(let o) = score, case .array(let factors)? = o["factors"],
      case .object(let net) = factors[0]
    else { return XCTFail("no score") }
    XCTAssertEqual(net["value"], .number("0.7500"))
  }
}
