/// The figures behind `fido analytics`, from maintained statistics or a window.
package struct AnalyticsFigures: Sendable, Equatable {
  package var stats = UserStats()
  package var busiestDay: (day: Int64, count: Int128)?
  package var highestAmountDay: (day: Int64, amount: Int128)?

  package static func == (a: AnalyticsFigures, b: AnalyticsFigures) -> Bool {
    a.stats == b.stats && a.busiestDay?.day == b.busiestDay?.day
      && a.busiestDay?.count == b.busiestDay?.count
      && a.highestAmountDay?.day == b.highestAmountDay?.day
      && a.highestAmountDay?.amount == b.highestAmountDay?.amount
  }

  /// Weighs one UTC day for the busiest and highest-amount day, in any
  /// order of days: a tie goes to the earlier day.
  mutating func consider(day: Int64, count: Int128, amount: Int128) {
    func beats(_ value: Int128, _ best: (day: Int64, value: Int128)?) -> Bool {
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
  package func analytics(_ ref: UserRef) throws(FidoError) -> (User, AnalyticsFigures) {
    let user = try self.user(ref, withDays: true)
    var figures = AnalyticsFigures()
    figures.stats = user.stats
    figures.stats.days = []
    for counter in user.stats.days where counter.count > 0 {
      // A key that is not a day (written by hand) is left to `db check`.
      guard let day = try? FidoDate.parse(counter.day, now: 0) else { continue }
      figures.consider(day: day, count: Int128(counter.count), amount: Int128(counter.amount))
    }
    return (user, figures)
  }

  /// With a window: one aggregation over the (user_id, date) index. Only
  /// transactions fido can read are counted; if the window holds any other,
  /// analytics fails (65) naming the first and how many there are, rather
  /// than print figures that leave them out.
  package func analytics(_ ref: UserRef, since: Int64?, until: Int64?) throws(FidoError) -> (
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
      try transactions.aggregate(
        Self.dailyPipeline(match: match, byUser: false, currency: user.currency))
    }
    var unreadable: [UnreadableDocument] = []
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      switch DailyGroup(doc, userCurrency: user.currency) {
      case .invalid(let problem):
        unreadable.append(problem)
      case .day(let total):
        let total = try DayTotal.read(total, user: user.id)
        guard let day = total.day else { continue }
        figures.stats.add(total.stats)
        figures.consider(day: day, count: total.stats.count, amount: total.amount)
      }
    }
    if let first = unreadable.first {
      let others = unreadable.count - 1
      throw .invalidData(
        "user \(user.id.hex): \(first.sentence)"
          + (others > 0 ? " (and \(others) more transaction(s) in the window)" : "")
          + "; analytics counts no transaction it cannot read: see 'fido db check'")
    }
    return (user, figures)
  }

  /// Per-(user,) UTC-day totals of the matched transactions, ascending by
  /// day; each group reads as a `DailyGroup`.
  ///
  /// Only transactions fido can read exactly are counted (the aggregation
  /// form of `StoredTransaction.check`; with `currency`, in that currency):
  /// each other one is a group of its own (`_id.bad` is its id, `doc` its
  /// fields), so it is reported, never counted, and `$dateTrunc` never sees
  /// a date that is not one. `byUser` also groups by currency, which the
  /// caller compares with each user's.
  ///
  /// MongoDB's `$sum` of Int64 values that passes Int64 gives a double
  /// (SecantusDB fails the command): neither may stand for a total. So the
  /// amounts are summed in two halves that cannot overflow — the low 32
  /// bits (`amount mod 2^32`) and the rest (`(amount − low) / 2^32`, an
  /// exact integer below 2^31) — and put together in Int128 by `DayTotal`.
  static func dailyPipeline(match: Document, byUser: Bool, currency: Currency?) -> [Document] {
    let valid = StoredTransaction.predicate(currency: currency)
    var key: Document = [:]
    if byUser { key["user"] = "$user_id" }
    key["day"] = [
      "$cond": [
        valid, ["$dateTrunc": ["date": "$date", "unit": "day", "timezone": "UTC"]], .null,
      ]
    ]
    if byUser { key["currency"] = ["$cond": [valid, "$currency", .null]] }
    key["bad"] = ["$cond": [valid, .null, "$_id"]]
    var fields = Document()
    for f in StoredTransaction.fields { fields[f] = .string("$" + f) }
    let isCredit: BSONValue = ["$eq": ["$type", "credit"]]
    let isInteger: BSONValue = ["$in": [["$type": "$amount"], ["int", "long"]]]
    let half: BSONValue = .int64(DayTotal.half)
    let amount: BSONValue = ["$cond": [isInteger, "$amount", 0]]
    let low: BSONValue = ["$mod": [amount, half]]
    let high: BSONValue = ["$toLong": ["$divide": [["$subtract": [amount, low]], half]]]
    return [
      ["$match": .document(match)],
      [
        "$group": [
          "_id": .document(key),
          "count": ["$sum": 1],
          "credit_count": ["$sum": ["$cond": [isCredit, 1, 0]]],
          "debit_count": ["$sum": ["$cond": [isCredit, 0, 1]]],
          "credit_high": ["$sum": ["$cond": [isCredit, high, 0]]],
          "credit_low": ["$sum": ["$cond": [isCredit, low, 0]]],
          "debit_high": ["$sum": ["$cond": [isCredit, 0, high]]],
          "debit_low": ["$sum": ["$cond": [isCredit, 0, low]]],
          "first_at": ["$min": "$date"],
          "last_at": ["$max": "$date"],
          "doc": ["$first": ["$cond": [valid, .null, .document(fields)]]],
        ]
      ],
      ["$sort": byUser ? ["_id.user": 1, "_id.day": 1] : ["_id.day": 1]],
    ]
  }
}

/// One group of `FidoStore.dailyPipeline`: a day's figures, or one
/// transaction fido cannot read.
enum DailyGroup {
  case day(Document)
  case invalid(UnreadableDocument)

  /// `userCurrency`: the user's, to name a currency mismatch (nil: not known).
  init(_ group: Document, userCurrency: Currency?) {
    let key = group["_id"]?.documentValue ?? [:]
    guard let bad = key["bad"], !bad.isNull else {
      self = .day(group)
      return
    }
    let doc = group["doc"]?.documentValue ?? ["_id": bad]
    self = .invalid(
      StoredTransaction.check(doc, userCurrency: userCurrency)
        ?? UnreadableDocument(
          kind: "transaction", id: bad.objectIDValue?.hex ?? UnreadableDocument.describe(bad),
          userID: doc["user_id"]?.objectIDValue, field: "currency",
          found: UnreadableDocument.describe(doc["currency"]),
          expected: userCurrency.map { "its user's \($0.code)" } ?? "an ISO 4217 code"))
  }

  /// The group's user (`byUser` pipelines), as stored: nil when it is no ObjectId.
  static func user(_ group: Document) -> (ObjectID?, isSet: Bool) {
    let u = group["_id"]?.documentValue?["user"]
    return (u?.objectIDValue, u != nil && u?.isNull == false)
  }
}

/// One day's group of `FidoStore.dailyPipeline`: its UTC day and its figures, exact.
struct DayTotal {
  static let half: Int64 = 1 << 32
  let day: Int64?
  let stats: UserStats
  /// The group's currency (`byUser` pipelines).
  let currency: String?
  /// What a day counter's `amount` holds: credits plus debits.
  var amount: Int128 { stats.totalAmount }

  /// nil when a figure did not come back as an integer.
  init?(_ group: Document) {
    func figure(_ key: String) -> Int128? { group[key]?.exactInt64.map { Int128($0) } }
    guard let count = figure("count"), let credits = figure("credit_count"),
      let debits = figure("debit_count"), let creditHigh = figure("credit_high"),
      let creditLow = figure("credit_low"), let debitHigh = figure("debit_high"),
      let debitLow = figure("debit_low")
    else { return nil }
    var stats = UserStats()
    stats.count = count
    stats.creditCount = credits
    stats.debitCount = debits
    stats.creditTotal = creditHigh * Int128(Self.half) + creditLow
    stats.debitTotal = debitHigh * Int128(Self.half) + debitLow
    stats.firstAt = group["first_at"]?.dateValue
    stats.lastAt = group["last_at"]?.dateValue
    self.stats = stats
    day = group["_id"]?.documentValue?["day"]?.dateValue
    currency = group["_id"]?.documentValue?["currency"]?.stringValue
  }

  /// A group as analytics needs it: exact, or invalid data naming the user.
  static func read(_ group: Document, user: ObjectID) throws(FidoError) -> DayTotal {
    guard let total = DayTotal(group) else {
      throw .invalidData(
        "user \(user.hex): MongoDB returned a day's totals that are not integers; run 'fido db check'"
      )
    }
    return total
  }
}
