/// The figures behind `fido analytics`, from maintained statistics or a window.
public struct AnalyticsFigures: Sendable, Equatable {
  public var stats = UserStats()
  public var busiestDay: (day: Int64, count: Int64)?
  public var highestAmountDay: (day: Int64, amount: Int64)?

  public static func == (a: AnalyticsFigures, b: AnalyticsFigures) -> Bool {
    a.stats == b.stats && a.busiestDay?.day == b.busiestDay?.day
      && a.busiestDay?.count == b.busiestDay?.count
      && a.highestAmountDay?.day == b.highestAmountDay?.day
      && a.highestAmountDay?.amount == b.highestAmountDay?.amount
  }

  /// Weighs one UTC day for the busiest and highest-amount day, in any
  /// order of days: a tie goes to the earlier day.
  mutating func consider(day: Int64, count: Int64, amount: Int64) {
    func beats(_ value: Int64, _ best: (day: Int64, value: Int64)?) -> Bool {
      guard let best else { return true }
      return value > best.value || (value == best.value && day < best.day)
    }
    if beats(count, busiestDay.map { ($0.day, $0.count) }) { busiestDay = (day, count) }
    if beats(amount, highestAmountDay.map { ($0.day, $0.amount) }) {
      highestAmountDay = (day, amount)
    }
  }
}

extension FidoStore {
  /// Without a window: the user's counters and day counters, one document
  /// read whatever the number of transactions.
  public func analytics(_ ref: UserRef) throws(FidoError) -> (User, AnalyticsFigures) {
    let user = try self.user(ref, withDays: true)
    var figures = AnalyticsFigures()
    figures.stats = user.stats
    figures.stats.days = []
    for counter in user.stats.days where counter.count > 0 {
      // A key that is not a day (written by hand) is left to `db check`.
      guard let day = try? FidoDate.parse(counter.day, now: 0) else { continue }
      figures.consider(day: day, count: counter.count, amount: counter.amount)
    }
    return (user, figures)
  }

  /// With a window: one aggregation over the (user_id, date) index.
  public func analytics(_ ref: UserRef, since: Int64?, until: Int64?) throws(FidoError) -> (
    User, AnalyticsFigures
  ) {
    let user = try self.user(ref)
    var match: Document = ["user_id": .objectID(user.id)]
    var range = Document()
    if let since { range["$gte"] = .date(since) }
    if let until { range["$lte"] = .date(until) }
    if !range.isEmpty { match["date"] = .document(range) }
    var figures = AnalyticsFigures()
    let cursor = try mongo { () throws(MongoError) in
      try transactions.aggregate(Self.dailyPipeline(match: match, byUser: false))
    }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      let total = DayTotal(doc)
      guard let day = total.day else { continue }
      figures.stats.add(total.stats)
      figures.consider(day: day, count: total.stats.count, amount: total.amount)
    }
    return (user, figures)
  }

  /// Per-(user,) UTC-day totals of the matched transactions, ascending by
  /// day; each group reads as a `DayTotal`.
  static func dailyPipeline(match: Document, byUser: Bool) -> [Document] {
    var key: Document = [:]
    if byUser { key["user"] = "$user_id" }
    key["day"] = ["$dateTrunc": ["date": "$date", "unit": "day", "timezone": "UTC"]]
    let isCredit: BSONValue = ["$eq": ["$type", "credit"]]
    return [
      ["$match": .document(match)],
      [
        "$group": [
          "_id": .document(key),
          "count": ["$sum": 1],
          "credit_count": ["$sum": ["$cond": [isCredit, 1, 0]]],
          "debit_count": ["$sum": ["$cond": [isCredit, 0, 1]]],
          "credit_total": ["$sum": ["$cond": [isCredit, "$amount", 0]]],
          "debit_total": ["$sum": ["$cond": [isCredit, 0, "$amount"]]],
          "first_at": ["$min": "$date"],
          "last_at": ["$max": "$date"],
        ]
      ],
      ["$sort": byUser ? ["_id.user": 1, "_id.day": 1] : ["_id.day": 1]],
    ]
  }
}

/// One group of `FidoStore.dailyPipeline`: its UTC day and its figures.
struct DayTotal {
  let day: Int64?
  let stats: UserStats
  /// What a day counter's `amount` holds: credits plus debits.
  var amount: Int64 { stats.creditTotal + stats.debitTotal }

  init(_ group: Document) {
    day = group["_id"]?.documentValue?["day"]?.dateValue
    stats = UserStats(group)
  }
}

extension AnalyticsFigures {
  /// DESIGN.md's analytics object.
  public func out(user: User, since: Int64?, until: Int64?) -> OutObject {
    let c = user.currency
    func money(_ v: Int64) -> OutValue { .money(Money(minor: v, currency: c)) }
    let s = stats
    let total = s.creditTotal &+ s.debitTotal
    var o = OutObject()
    o.append("user_id", .string(user.id.hex))
    o.append("name", .string(user.name))
    o.append("currency", .string(c.code))
    o.append("balance", money(user.balance))
    o.append(
      "window",
      .object(
        OutObject([
          ("since", since.map { .date($0) } ?? .null), ("until", until.map { .date($0) } ?? .null),
        ])))
    o.append("transaction_count", .int(s.count))
    o.append("credit_count", .int(s.creditCount))
    o.append("debit_count", .int(s.debitCount))
    o.append("total_amount", money(total))
    o.append("credit_total", money(s.creditTotal))
    o.append("debit_total", money(s.debitTotal))
    o.append("average_transaction_value", money(Analytics.average(total: total, count: s.count)))
    if s.count > 0, let b = busiestDay {
      o.append(
        "busiest_day",
        .object(OutObject([("date", .string(FidoDate.day(b.day))), ("count", .int(b.count))])))
    } else {
      o.append("busiest_day", .nullObject(keys: ["date", "count"]))
    }
    if s.count > 0, let h = highestAmountDay {
      o.append(
        "highest_amount_day",
        .object(OutObject([("date", .string(FidoDate.day(h.day))), ("amount", money(h.amount))])))
    } else {
      o.append("highest_amount_day", .nullObject(keys: ["date", "amount"]))
    }
    o.append("first_transaction_at", s.count > 0 ? s.firstAt.map { .date($0) } ?? .null : .null)
    o.append("last_transaction_at", s.count > 0 ? s.lastAt.map { .date($0) } ?? .null : .null)
    o.append(
      "credit_score",
      CreditScore.compute(
        creditTotal: s.creditTotal, debitTotal: s.debitTotal, balance: user.balance, count: s.count,
        firstMs: s.firstAt, lastMs: s.lastAt))
    return o
  }
}
