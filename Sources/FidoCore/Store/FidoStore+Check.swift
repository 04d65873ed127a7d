/// One figure of one user that disagrees with its recomputation from `transactions`.
public struct Drift: Sendable, Equatable {
  public var userID: ObjectID
  public var figure: String
  public var stored: String
  public var expected: String

  public var out: OutObject {
    OutObject([
      ("user_id", .string(userID.hex)), ("figure", .string(figure)), ("stored", .string(stored)),
      ("expected", .string(expected)),
    ])
  }
}

extension FidoStore {
  /// Recomputes every user's balance, counters and day counters from
  /// `transactions` and reports each difference; with `repair`, rewrites the
  /// drifted users' figures, each user in its own transaction from a fresh
  /// recomputation. Streams users and aggregates in `_id` order (merge join).
  ///
  /// `each` gets every drift and, with `repair`, whether it was repaired:
  /// a user's drifts are reported after that user's repair committed, so
  /// `true` is never said of a repair that did not happen. Orphan
  /// transactions (their user is missing) cannot be repaired: `false`.
  public func check(repair: Bool, now: Int64, _ each: (Drift, Bool?) throws(FidoError) -> Void)
    throws(FidoError) -> Int
  {
    var driftCount = 0
    let orphanRepaired: Bool? = repair ? false : nil
    let userCursor = try mongo { () throws(MongoError) in
      try users.find([:], sort: ["_id": 1], projection: User.projectionWithDays)
    }
    let totals = try mongo { () throws(MongoError) in
      try transactions.aggregate(Self.dailyPipeline(match: [:], byUser: true))
    }
    var nextTotal = try mongo { () throws(MongoError) in try totals.next() }

    while let doc = try mongo({ () throws(MongoError) in try userCursor.next() }) {
      let user = try User(doc)
      // Skip aggregates of users that no longer exist (orphans sort before this user).
      while let t = nextTotal, let u = t["_id"]?.documentValue?["user"]?.objectIDValue, u < user.id
      {
        try each(
          Drift(
            userID: u, figure: "user", stored: "missing", expected: "exists (orphan transactions)"),
          orphanRepaired)
        driftCount += 1
        nextTotal = try mongo { () throws(MongoError) in try totals.next() }
      }
      var expected = UserStats()
      var expectedDays: [String: (count: Int64, amount: Int64)] = [:]
      while let t = nextTotal, t["_id"]?.documentValue?["user"]?.objectIDValue == user.id {
        let total = DayTotal(t)
        expected.add(total.stats)
        if let day = total.day {
          expectedDays[FidoDate.day(day)] = (total.stats.count, total.amount)
        }
        nextTotal = try mongo { () throws(MongoError) in try totals.next() }
      }
      var actualDays: [String: (count: Int64, amount: Int64)] = [:]
      for d in user.stats.days { actualDays[d.day] = (d.count, d.amount) }
      let found = Self.compare(
        user: user, expected: expected, expectedDays: expectedDays, actualDays: actualDays)
      let repaired: Bool? =
        repair && !found.isEmpty ? try repairUser(user.id, now: now) : (repair ? false : nil)
      for drift in found { try each(drift, repaired) }
      driftCount += found.count
    }
    while let t = nextTotal {
      if let u = t["_id"]?.documentValue?["user"]?.objectIDValue {
        try each(
          Drift(
            userID: u, figure: "user", stored: "missing", expected: "exists (orphan transactions)"),
          orphanRepaired)
        driftCount += 1
      }
      nextTotal = try mongo { () throws(MongoError) in try totals.next() }
    }
    return driftCount
  }

  static func compare(
    user: User, expected: UserStats, expectedDays: [String: (count: Int64, amount: Int64)],
    actualDays: [String: (count: Int64, amount: Int64)]
  ) -> [Drift] {
    var out: [Drift] = []
    func check(_ figure: String, _ stored: String, _ want: String) {
      if stored != want {
        out.append(Drift(userID: user.id, figure: figure, stored: stored, expected: want))
      }
    }
    let s = user.stats
    let balance = user.openingBalance &+ expected.creditTotal &- expected.debitTotal
    check("balance", "\(user.balance)", "\(balance)")
    check("count", "\(s.count)", "\(expected.count)")
    check("credit_count", "\(s.creditCount)", "\(expected.creditCount)")
    check("debit_count", "\(s.debitCount)", "\(expected.debitCount)")
    check("credit_total", "\(s.creditTotal)", "\(expected.creditTotal)")
    check("debit_total", "\(s.debitTotal)", "\(expected.debitTotal)")
    let date = { (v: Int64?) in v.map(FidoDate.format) ?? "null" }
    check("first_at", date(s.firstAt), date(expected.firstAt))
    check("last_at", date(s.lastAt), date(expected.lastAt))
    for day in Set(expectedDays.keys).union(actualDays.keys).sorted() {
      let want = expectedDays[day] ?? (0, 0)
      let have = actualDays[day] ?? (0, 0)
      check("day \(day) count", "\(have.count)", "\(want.count)")
      check("day \(day) amount", "\(have.amount)", "\(want.amount)")
    }
    return out
  }

  /// Rewrites one user's figures from a recomputation inside one
  /// transaction. False when the user no longer exists (nothing repaired).
  func repairUser(_ id: ObjectID, now: Int64) throws(FidoError) -> Bool {
    try atomically(
      ifUnknown:
        "the repair of user \(id.hex) may or may not have been applied: run 'fido db check' to see"
    ) {
      (session) throws -> Bool in
      guard
        let doc = try users.findOne(
          ["_id": .objectID(id)], projection: User.projection, session: session)
      else { return false }
      let user = try User(doc)
      var stats = UserStats()
      var days = Document()
      let cursor = try transactions.aggregate(
        Self.dailyPipeline(match: ["user_id": .objectID(id)], byUser: false), session: session)
      while let t = try cursor.next() {
        let total = DayTotal(t)
        stats.add(total.stats)
        if let day = total.day {
          days.append(
            FidoDate.day(day),
            ["count": .int64(total.stats.count), "amount": .int64(total.amount)])
        }
      }
      var set: Document = [
        "balance": .int64(user.openingBalance &+ stats.creditTotal &- stats.debitTotal),
        "stats.count": .int64(stats.count), "stats.credit_count": .int64(stats.creditCount),
        "stats.debit_count": .int64(stats.debitCount),
        "stats.credit_total": .int64(stats.creditTotal),
        "stats.debit_total": .int64(stats.debitTotal), "stats.days": .document(days),
        "updated_at": .date(now),
      ]
      var update = Document()
      if let f = stats.firstAt, let l = stats.lastAt {
        set["stats.first_at"] = .date(f)
        set["stats.last_at"] = .date(l)
      } else {
        update["$unset"] = ["stats.first_at": "", "stats.last_at": ""]
      }
      update["$set"] = .document(set)
      try auditedRepair(doc, update: &update, session: session, now: now)
      return true
    }
  }
}
