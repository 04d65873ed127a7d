/// One figure of one user that disagrees with its recomputation from
/// `transactions`, or (`figure` `invalid`) a stored document fido cannot read.
package struct Drift: Sendable, Equatable {
  /// nil for a transaction whose `user_id` is no ObjectId.
  package var userID: ObjectID?
  package var figure: String
  package var stored: String
  package var expected: String
  /// False when `--repair` cannot fix it: the recomputed figure does not fit
  /// Int64, or the transactions it comes from cannot be added exactly.
  package var repairable = true

  package init(
    userID: ObjectID?, figure: String, stored: String, expected: String, repairable: Bool = true
  ) {
    self.userID = userID
    self.figure = figure
    self.stored = stored
    self.expected = expected
    self.repairable = repairable
  }

  /// A document fido cannot read: `invalid`, what it holds, what fido reads.
  /// `--repair` leaves it as it is and out of every figure.
  package init(invalid doc: UnreadableDocument) {
    self.init(
      userID: doc.userID, figure: Self.invalid,
      stored: "\(doc.kind) \(doc.id): \(doc.field) is \(doc.found)", expected: doc.expected,
      repairable: false)
  }

  package static let invalid = "invalid"
  package var isInvalid: Bool { figure == Self.invalid }
}

extension FidoStore {
  /// Recomputes every user's balance, counters and day counters from
  /// `transactions` and reports each difference; with `repair`, rewrites the
  /// drifted users' figures, each user in its own transaction from a fresh
  /// recomputation. Streams users and aggregates in `_id` order (merge join).
  ///
  /// Documents fido cannot read (DESIGN.md, "Documents fido did not write")
  /// are reported one by one as `invalid` drifts, never repaired, and left
  /// out of every figure: a transaction's (an amount that is not an
  /// integer, a currency other than its user's, …) are not counted in its
  /// user's expected figures; an unreadable user's figures are not compared.
  ///
  /// `each` gets every drift and, with `repair`, whether it was repaired:
  /// a user's drifts are reported after that user's repair committed, so
  /// `true` is never said of a repair that did not happen. Orphan
  /// transactions (their user is missing) cannot be repaired: `false`.
  package func check(repair: Bool, now: Int64, _ each: (Drift, Bool?) throws(FidoError) -> Void)
    throws(FidoError) -> Int
  {
    var driftCount = 0
    let notRepaired: Bool? = repair ? false : nil
    let userCursor = try mongo { () throws(MongoError) in
      try users.find([:], sort: ["_id": 1], projection: User.projectionWithDays)
    }
    let totals = try mongo { () throws(MongoError) in
      try transactions.aggregate(Self.dailyPipeline(match: [:], byUser: true, currency: nil))
    }
    var nextTotal = try mongo { () throws(MongoError) in try totals.next() }
    func report(_ drift: Drift) throws(FidoError) {
      try each(drift, notRepaired)
      driftCount += 1
    }
    /// A group with no user to merge with: an unreadable transaction, or
    /// an orphan day (its user is missing).
    func unmatched(_ t: Document) throws(FidoError) {
      switch DailyGroup(t, userCurrency: nil) {
      case .invalid(let doc): try report(Drift(invalid: doc))
      case .day:
        try report(
          Drift(
            userID: DailyGroup.user(t).0, figure: "user", stored: "missing",
            expected: "exists (orphan transactions)"))
      }
    }

    while let doc = try mongo({ () throws(MongoError) in try userCursor.next() }) {
      let id = doc["_id"]?.objectIDValue
      // Groups that sort before this user: orphans, and (first of all)
      // transactions whose user_id is null or not an ObjectId.
      // (A user whose _id is no ObjectId owns no group: it merges with none.)
      while let id, let t = nextTotal {
        let (u, isSet) = DailyGroup.user(t)
        if let u, u >= id { break }
        if u == nil && isSet {
          // Non-ObjectId user_ids that sort after ObjectIds (dates, booleans) come last.
          if case .some(let v) = t["_id"]?.documentValue?["user"], Self.sortsAfterObjectIDs(v) {
            break
          }
        }
        try unmatched(t)
        nextTotal = try mongo { () throws(MongoError) in try totals.next() }
      }
      let user: User?
      do {
        user = try User(reading: doc)
      } catch {
        user = nil
        try report(Drift(invalid: error))
      }
      var expected = UserStats()
      var expectedDays: [String: (count: Int128, amount: Int128)] = [:]
      var unreadable: [String] = []
      var otherCurrency = false
      while let t = nextTotal, let id, DailyGroup.user(t).0 == id {
        switch DailyGroup(t, userCurrency: user?.currency) {
        case .invalid(let problem):
          try report(Drift(invalid: problem))
        case .day(let group):
          guard let user else { break }
          if let total = DayTotal(group) {
            if total.currency != user.currency.code {
              otherCurrency = true
            } else {
              expected.add(total.stats)
              if let day = total.day {
                expectedDays[FidoDate.day(day)] = (total.stats.count, total.amount)
              }
            }
          } else {
            let day =
              group["_id"]?.documentValue?["day"]?.dateValue.map(FidoDate.day) ?? "unknown day"
            unreadable.append(day)
          }
        }
        nextTotal = try mongo { () throws(MongoError) in try totals.next() }
      }
      guard let user else { continue }
      if otherCurrency {
        // Readable on their own, but not in the user's currency: each one is
        // reported (one find on the user's transactions).
        let cursor = try mongo { () throws(MongoError) in
          try transactions.find(
            [
              "user_id": .objectID(user.id), "currency": ["$ne": .string(user.currency.code)],
              "$expr": StoredTransaction.predicate(currency: nil),
            ], sort: ["_id": 1])
        }
        while let t = try mongo({ () throws(MongoError) in try cursor.next() }) {
          if let problem = StoredTransaction.check(t, userCurrency: user.currency) {
            try report(Drift(invalid: problem))
          }
        }
      }
      var actualDays: [String: (count: Int128, amount: Int128)] = [:]
      for d in user.stats.days { actualDays[d.day] = (Int128(d.count), Int128(d.amount)) }
      // Figures that cannot be recomputed exactly are reported, never guessed.
      let found =
        unreadable.isEmpty
        ? Self.compare(
          user: user, expected: expected, expectedDays: expectedDays, actualDays: actualDays)
        : [
          Drift(
            userID: user.id, figure: "transactions",
            stored: "MongoDB's day totals are not integers",
            expected: "integer totals (days \(unreadable.joined(separator: ", ")))",
            repairable: false)
        ]
      // A user with a figure that cannot be stored is left as it is.
      let repaired: Bool? =
        repair
        ? (!found.isEmpty && found.allSatisfy(\.repairable)
          ? try repairUser(user.id, now: now) : false)
        : nil
      for drift in found { try each(drift, repaired) }
      driftCount += found.count
    }
    while let t = nextTotal {
      try unmatched(t)
      nextTotal = try mongo { () throws(MongoError) in try totals.next() }
    }
    return driftCount
  }

  /// Whether a BSON value sorts after every ObjectId (MongoDB's comparison
  /// order: … ObjectId, Boolean, Date, Timestamp, Regular Expression, MaxKey).
  static func sortsAfterObjectIDs(_ v: BSONValue) -> Bool {
    switch v {
    case .bool, .date, .timestamp, .regex, .maxKey: true
    default: false
    }
  }

  /// Stored figures against their recomputation, all in Int128 (no sum
  /// wraps or traps). An expected figure that does not fit Int64 is a drift
  /// `--repair` cannot fix: it says so and is not repairable.
  static func compare(
    user: User, expected: UserStats, expectedDays: [String: (count: Int128, amount: Int128)],
    actualDays: [String: (count: Int128, amount: Int128)]
  ) -> [Drift] {
    var out: [Drift] = []
    func check(_ figure: String, _ stored: Int128, _ want: Int128) {
      let fits = Int64(exactly: want) != nil
      if stored != want || !fits {
        out.append(
          Drift(
            userID: user.id, figure: figure, stored: "\(stored)",
            expected: fits ? "\(want)" : "\(want) (past the Int64 limit: cannot be stored)",
            repairable: fits))
      }
    }
    func check(_ figure: String, _ stored: String, _ want: String) {
      if stored != want {
        out.append(Drift(userID: user.id, figure: figure, stored: stored, expected: want))
      }
    }
    let s = user.stats
    let balance = Int128(user.openingBalance) + expected.creditTotal - expected.debitTotal
    check("balance", Int128(user.balance), balance)
    check("count", s.count, expected.count)
    check("credit_count", s.creditCount, expected.creditCount)
    check("debit_count", s.debitCount, expected.debitCount)
    check("credit_total", s.creditTotal, expected.creditTotal)
    check("debit_total", s.debitTotal, expected.debitTotal)
    let date = { (v: Int64?) in v.map(FidoDate.format) ?? "null" }
    check("first_at", date(s.firstAt), date(expected.firstAt))
    check("last_at", date(s.lastAt), date(expected.lastAt))
    for day in Set(expectedDays.keys).union(actualDays.keys).sorted() {
      let want = expectedDays[day] ?? (0, 0)
      let have = actualDays[day] ?? (0, 0)
      check("day \(day) count", have.count, want.count)
      check("day \(day) amount", have.amount, want.amount)
    }
    return out
  }

  /// Rewrites one user's figures from a recomputation inside one
  /// transaction. False when the user no longer exists (nothing repaired).
  /// A figure that does not fit Int64 (the transactions changed since the
  /// check) writes nothing: invalid data.
  func repairUser(_ id: ObjectID, now: Int64) throws(FidoError) -> Bool {
    try atomically(
      ifUnknown:
        "the repair of user \(id.hex) may or may not have been applied: run 'fido db check' to see"
    ) {
      (session) throws(StoreError) -> Bool in
      guard
        let doc = try driver({ () throws(MongoError) in
          try users.findOne(["_id": .objectID(id)], projection: User.projection, session: session)
        })
      else { return false }
      let user = try checked { () throws(FidoError) in try User(doc) }
      func stored(_ figure: String, _ value: Int128, money: Bool) throws(StoreError) -> BSONValue {
        guard let v = Int64(exactly: value) else {
          throw .fido(
            .invalidData(
              "user \(id.hex): "
                + Self.pastLimit(figure, value, money: money, user.currency)!
                + "; it was not repaired"))
        }
        return .int64(v)
      }
      var stats = UserStats()
      var days = Document()
      // Only the transactions fido can read, in the user's currency.
      let cursor = try driver { () throws(MongoError) in
        try transactions.aggregate(
          Self.dailyPipeline(
            match: ["user_id": .objectID(id)], byUser: false, currency: user.currency),
          session: session)
      }
      while let t = try driver({ () throws(MongoError) in try cursor.next() }) {
        guard case .day(let group) = DailyGroup(t, userCurrency: user.currency) else { continue }
        guard let total = DayTotal(group) else {
          throw .fido(
            .invalidData(
              "user \(id.hex): MongoDB's day totals of its transactions are not integers; it was not repaired"
            ))
        }
        stats.add(total.stats)
        if let day = total.day {
          let key = FidoDate.day(day)
          days.append(
            key,
            [
              "count": try stored("day \(key) count", total.stats.count, money: false),
              "amount": try stored("day \(key) amount", total.amount, money: true),
            ])
        }
      }
      let balance = Int128(user.openingBalance) + stats.creditTotal - stats.debitTotal
      var set: Document = [
        "balance": try stored("balance", balance, money: true),
        "stats.count": try stored("count", stats.count, money: false),
        "stats.credit_count": try stored("credit_count", stats.creditCount, money: false),
        "stats.debit_count": try stored("debit_count", stats.debitCount, money: false),
        "stats.credit_total": try stored("credit_total", stats.creditTotal, money: true),
        "stats.debit_total": try stored("debit_total", stats.debitTotal, money: true),
        "stats.days": .document(days),
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
