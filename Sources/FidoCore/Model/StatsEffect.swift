/// The change one transaction (or a batch of them) makes to a user's
/// figures, in Int128 so that combining many never wraps: the money
/// arithmetic of adding, changing (remove the old, add the new) and deleting
/// transactions. Pure values, no documents: the store names the stored
/// figures (`changes`) and applies an effect as one guarded `$inc`
/// (`FidoStore.userUpdate`); the import and `db migrate-legacy` fold a
/// batch of effects into one.
struct StatsEffect {
  var balance: Int128 = 0
  /// The changes to the user's counters (first/last stay nil: see extendTo).
  var counters = UserStats()
  /// Per UTC day (keyed by its midnight): transactions and amount gained or lost.
  var days: [Int64: DayDelta] = [:]
  /// The latest (and, when several are combined, earliest) new date, which may move last/first.
  var extendTo: Int64?
  var extendFrom: Int64?

  static func add(type: TxnType, amount: Int64, date: Int64) -> StatsEffect {
    var e = StatsEffect()
    e.balance = type.signed(amount)
    e.counters.count = 1
    if type == .credit {
      e.counters.creditCount = 1
      e.counters.creditTotal = Int128(amount)
    } else {
      e.counters.debitCount = 1
      e.counters.debitTotal = Int128(amount)
    }
    e.days[FidoDate.dayStart(date)] = DayDelta(count: 1, amount: Int128(amount))
    e.extendTo = date
    return e
  }

  static func remove(type: TxnType, amount: Int64, date: Int64) -> StatsEffect {
    var e = add(type: type, amount: amount, date: date)
    e.balance = -e.balance
    e.counters.count = -1
    e.counters.creditCount = -e.counters.creditCount
    e.counters.debitCount = -e.counters.debitCount
    e.counters.creditTotal = -e.counters.creditTotal
    e.counters.debitTotal = -e.counters.debitTotal
    e.days[FidoDate.dayStart(date)] = DayDelta(count: -1, amount: -Int128(amount))
    e.extendTo = nil
    return e
  }

  /// Both effects together.
  func combined(with other: StatsEffect) -> StatsEffect {
    var e = self
    e.absorb(other)
    return e
  }

  /// Adds another effect to this one (in place: an import folds thousands of lines).
  mutating func absorb(_ other: StatsEffect) {
    balance += other.balance
    counters.add(other.counters)
    for (day, delta) in other.days {
      days[day, default: DayDelta(count: 0, amount: 0)].count += delta.count
      days[day, default: DayDelta(count: 0, amount: 0)].amount += delta.amount
    }
    let dates = [extendFrom, extendTo, other.extendFrom, other.extendTo].compactMap { $0 }
    extendFrom = dates.min()
    extendTo = dates.max()
  }
}

/// The change to one day's counters.
struct DayDelta {
  var count: Int128
  var amount: Int128
}
