import XCTest

@testable import FidoCore

/// `StatsEffect`, the money arithmetic of transaction changes, against an
/// oracle that knows nothing of effects: the figures recomputed from scratch
/// over the transactions that remain.
final class StatsEffectTests: XCTestCase {
  /// One stored transaction, as the oracle sees it.
  struct Txn {
    var type: TxnType
    var amount: Int64
    var date: Int64
  }

  /// A user's figures, summed plainly over a list of transactions.
  struct Figures: Equatable {
    var balance: Int128 = 0
    var count: Int128 = 0
    var creditCount: Int128 = 0
    var debitCount: Int128 = 0
    var creditTotal: Int128 = 0
    var debitTotal: Int128 = 0
    /// Day start (ms, UTC) → (transactions that day, their amounts added).
    var days: [Int64: [Int128]] = [:]

    init() {}

    /// The oracle: each transaction counted once, in a loop of its own.
    init(recomputing txns: [Txn]) {
      for t in txns {
        count += 1
        if t.type == .credit {
          creditCount += 1
          creditTotal += Int128(t.amount)
          balance += Int128(t.amount)
        } else {
          debitCount += 1
          debitTotal += Int128(t.amount)
          balance -= Int128(t.amount)
        }
        // Floor to the UTC midnight without FidoDate (dates may precede 1970).
        let dayMs: Int64 = 86_400_000
        let day = t.date - ((t.date % dayMs) + dayMs) % dayMs
        let was = days[day] ?? [0, 0]
        days[day] = [was[0] + 1, was[1] + Int128(t.amount)]
      }
    }

    /// These figures with an effect added, as the store's `$inc` adds it; a
    /// day whose count reaches 0 is dropped, as the store drops it.
    func applying(_ e: StatsEffect) -> Figures {
      var f = self
      f.balance += e.balance
      f.count += e.counters.count
      f.creditCount += e.counters.creditCount
      f.debitCount += e.counters.debitCount
      f.creditTotal += e.counters.creditTotal
      f.debitTotal += e.counters.debitTotal
      for (day, d) in e.days {
        let was = f.days[day] ?? [0, 0]
        f.days[day] = [was[0] + d.count, was[1] + d.amount]
        if f.days[day]![0] == 0 {
          XCTAssertEqual(f.days[day]![1], 0, "an emptied day keeps no amount")
          f.days[day] = nil
        }
      }
      return f
    }
  }

  static let day: Int64 = 86_400_000
  /// 2023-08-18T00:00:00Z.
  static let base: Int64 = 1_692_316_800_000

  /// An amount: mostly ordinary, often at or next to the 10^15 − 1 limit.
  static func amount(_ rng: inout CoreTestRNG) -> Int64 {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0: Money.maxMinor
    case 1: Money.maxMinor - Int64.random(in: 1...1000, using: &rng)
    case 2: Int64.random(in: 1...9, using: &rng)
    default: Int64.random(in: 1...Money.maxMinor, using: &rng)
    }
  }

  /// A date over five UTC days, now and then on a midnight or the
  /// millisecond before one, and once in a while before 1970.
  static func date(_ rng: inout CoreTestRNG) -> Int64 {
    let d = Int64.random(in: 0..<5, using: &rng)
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return base + d * day
    case 1: return base + d * day - 1
    case 2: return -d * day - Int64.random(in: 1..<day, using: &rng)
    default: return base + d * day + Int64.random(in: 0..<day, using: &rng)
    }
  }

  static func txn(_ rng: inout CoreTestRNG) -> Txn {
    Txn(type: Bool.random(using: &rng) ? .credit : .debit, amount: amount(&rng), date: date(&rng))
  }

  /// Random adds, updates (of type, date, amount or all three) and deletes,
  /// each applied through its effect, some one at a time and some folded
  /// into one effect first (an import batch): the figures always equal the
  /// recomputation over the transactions left.
  func testRandomChangesMatchARecomputation() {
    for seed in UInt64(1)...60 {
      var rng = CoreTestRNG(seed: seed)
      var txns: [Int: Txn] = [:]
      var nextID = 0
      var figures = Figures()
      var batch: StatsEffect? = nil
      for step in 0..<Int.random(in: 1...120, using: &rng) {
        let effect: StatsEffect
        let op = txns.isEmpty ? 0 : Int.random(in: 0..<4, using: &rng)
        switch op {
        case 0:
          let t = Self.txn(&rng)
          txns[nextID] = t
          nextID += 1
          effect = .add(type: t.type, amount: t.amount, date: t.date)
        case 1, 2:
          let id = txns.keys.sorted()[Int.random(in: 0..<txns.count, using: &rng)]
          let old = txns[id]!
          var new = old
          switch Int.random(in: 0..<4, using: &rng) {
          case 0: new.type = old.type == .credit ? .debit : .credit
          case 1: new.date = Self.date(&rng)
          case 2: new.amount = Self.amount(&rng)
          default: new = Self.txn(&rng)
          }
          txns[id] = new
          effect = StatsEffect.remove(type: old.type, amount: old.amount, date: old.date)
            .combined(with: .add(type: new.type, amount: new.amount, date: new.date))
        default:
          let id = txns.keys.sorted()[Int.random(in: 0..<txns.count, using: &rng)]
          let old = txns.removeValue(forKey: id)!
          effect = .remove(type: old.type, amount: old.amount, date: old.date)
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
          batch = (batch ?? StatsEffect()).combined(with: effect)
          continue
        }
        if let b = batch {
          figures = figures.applying(b)
          batch = nil
        }
        figures = figures.applying(effect)
        XCTAssertEqual(
          figures, Figures(recomputing: Array(txns.values)), "seed \(seed), step \(step)")
      }
      if let b = batch { figures = figures.applying(b) }
      XCTAssertEqual(figures, Figures(recomputing: Array(txns.values)), "seed \(seed), end")
    }
  }

  /// Many maximal amounts folded into one effect (an import batch) do not
  /// wrap: the totals exceed Int64 exactly as the recomputation does.
  func testABatchOfMaximalAmountsDoesNotWrap() {
    let txns = (0..<20_000).map { i in
      Txn(type: i % 3 == 0 ? .debit : .credit, amount: Money.maxMinor, date: Self.base + Int64(i))
    }
    var batch = StatsEffect()
    for t in txns { batch.absorb(.add(type: t.type, amount: t.amount, date: t.date)) }
    XCTAssertEqual(Figures().applying(batch), Figures(recomputing: txns))
    XCTAssertGreaterThan(batch.counters.creditTotal, Int128(Int64.max))
    XCTAssertEqual(batch.extendFrom, Self.base)
    XCTAssertEqual(batch.extendTo, Self.base + 19_999)
  }

  /// An update that changes only the type moves the amount between the
  /// credit and debit figures and the balance by twice the amount; the day
  /// counters are untouched (same day, same amount).
  func testUpdateChangingTheType() {
    let e = StatsEffect.remove(type: .credit, amount: 250, date: Self.base)
      .combined(with: .add(type: .debit, amount: 250, date: Self.base))
    XCTAssertEqual(e.balance, -500)
    XCTAssertEqual(e.counters.count, 0)
    XCTAssertEqual(e.counters.creditCount, -1)
    XCTAssertEqual(e.counters.debitCount, 1)
    XCTAssertEqual(e.counters.creditTotal, -250)
    XCTAssertEqual(e.counters.debitTotal, 250)
    XCTAssertEqual(e.days.mapValues { [$0.count, $0.amount] }, [Self.base: [0, 0]])
  }

  /// An update that moves a transaction to another day takes it from the
  /// old day and gives it to the new one; balance and totals are unchanged.
  func testUpdateChangingTheDate() {
    let next = Self.base + Self.day + 5
    let e = StatsEffect.remove(type: .credit, amount: 250, date: Self.base + 7)
      .combined(with: .add(type: .credit, amount: 250, date: next))
    XCTAssertEqual(e.balance, 0)
    XCTAssertEqual(e.counters, UserStats())
    XCTAssertEqual(
      e.days.mapValues { [$0.count, $0.amount] },
      [Self.base: [-1, -250], Self.base + Self.day: [1, 250]])
    XCTAssertEqual(e.extendTo, next, "the new date may move last_at")
    XCTAssertEqual(e.extendFrom, next, "…and first_at; the removed date moves neither")
  }

  /// An update that changes only the amount changes balance, total and
  /// day amount by the difference, and no count.
  func testUpdateChangingTheAmount() {
    let e = StatsEffect.remove(type: .debit, amount: Money.maxMinor, date: Self.base)
      .combined(with: .add(type: .debit, amount: 1, date: Self.base + 1))
    XCTAssertEqual(e.balance, Int128(Money.maxMinor) - 1)
    XCTAssertEqual(e.counters.debitTotal, 1 - Int128(Money.maxMinor))
    XCTAssertEqual(e.counters.count, 0)
    XCTAssertEqual(e.counters.debitCount, 0)
    XCTAssertEqual(
      e.days.mapValues { [$0.count, $0.amount] }, [Self.base: [0, 1 - Int128(Money.maxMinor)]])
  }

  /// Deleting the last transaction of a day leaves that day at zero (the
  /// store then drops it); the other day is untouched.
  func testDeletingTheLastTransactionOfADay() {
    let a = Txn(type: .credit, amount: 100, date: Self.base + 10)
    let b = Txn(type: .debit, amount: 40, date: Self.base + Self.day + 10)
    var f = Figures()
    for t in [a, b] { f = f.applying(.add(type: t.type, amount: t.amount, date: t.date)) }
    let e = StatsEffect.remove(type: b.type, amount: b.amount, date: b.date)
    XCTAssertEqual(e.days.mapValues { [$0.count, $0.amount] }, [Self.base + Self.day: [-1, -40]])
    XCTAssertNil(e.extendTo, "a removal moves no date forward; the store recomputes first/last")
    f = f.applying(e)
    XCTAssertEqual(f, Figures(recomputing: [a]))
    XCTAssertEqual(Array(f.days.keys), [Self.base])
    XCTAssertEqual(f.balance, 100)
  }

  /// A day is a UTC day: the millisecond before midnight and midnight
  /// itself count on different days.
  func testMidnightSplitsDays() {
    let e = StatsEffect.add(type: .credit, amount: 1, date: Self.base - 1)
      .combined(with: .add(type: .credit, amount: 2, date: Self.base))
    XCTAssertEqual(
      e.days.mapValues { [$0.count, $0.amount] },
      [Self.base - Self.day: [1, 1], Self.base: [1, 2]])
  }
}
