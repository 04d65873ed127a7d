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
}

extension FidoStore {
  /// Without a window: the user's counters plus the top day by count and by
  /// amount, each read from its index (`$unionWith`), in one round trip.
  public func analytics(_ ref: UserRef) throws(FidoError) -> (User, AnalyticsFigures) {
    let user = try self.user(ref)
    let uid = BSONValue.objectID(user.id)
    let pipeline: [Document] = [
      ["$match": ["user_id": uid, "count": ["$gt": 0]]],
      ["$sort": ["count": -1, "day": 1]],
      ["$limit": 1],
      ["$project": ["_id": 0, "kind": "busiest", "day": 1, "count": 1, "amount": 1]],
      [
        "$unionWith": [
          "coll": .string(Collections.days),
          "pipeline": [
            ["$match": ["user_id": uid, "count": ["$gt": 0]]],
            ["$sort": ["amount": -1, "day": 1]],
            ["$limit": 1],
            ["$project": ["_id": 0, "kind": "amount", "day": 1, "count": 1, "amount": 1]],
          ],
        ]
      ],
    ]
    var figures = AnalyticsFigures()
    figures.stats = user.stats
    let cursor = try mongo { () throws(MongoError) in try days.aggregate(pipeline) }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      guard let day = doc["day"]?.dateValue else { continue }
      switch doc["kind"]?.stringValue {
      case "busiest": figures.busiestDay = (day, doc["count"]?.int64Value ?? 0)
      case "amount": figures.highestAmountDay = (day, doc["amount"]?.int64Value ?? 0)
      default: break
      }
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
      guard let day = doc["_id"]?.documentValue?["day"]?.dateValue else { continue }
      let dayStats = UserStats(doc)
      figures.stats.add(dayStats)
      // Days arrive in ascending order: a strict comparison keeps the earliest on ties.
      if figures.busiestDay == nil || dayStats.count > figures.busiestDay!.count {
        figures.busiestDay = (day, dayStats.count)
      }
      let amount = dayStats.creditTotal + dayStats.debitTotal
      if figures.highestAmountDay == nil || amount > figures.highestAmountDay!.amount {
        figures.highestAmountDay = (day, amount)
      }
    }
    return (user, figures)
  }

  /// Per-(user,) UTC-day totals of the matched transactions, ascending by
  /// day; each group reads as a `UserStats`.
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
      o.append("busiest_day", .null)
    }
    if s.count > 0, let h = highestAmountDay {
      o.append(
        "highest_amount_day",
        .object(OutObject([("date", .string(FidoDate.day(h.day))), ("amount", money(h.amount))])))
    } else {
      o.append("highest_amount_day", .null)
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
