/// A user as fido reads it from `users`.
package struct User: Sendable, Equatable {
  package var id: ObjectID
  package var name: String
  package var email: String
  package var phone: String?
  package var currency: Currency
  package var openingBalance: Int64
  package var balance: Int64
  package var createdAt: Int64
  package var updatedAt: Int64
  package var stats: UserStats
  /// The end of the user's history chain (`audit_head`, `audit_seq`).
  package var auditHead: String?
  package var auditSeq: Int64
  /// The phone that unsubscribed from SMS (Twilio 21610 on a send to it),
  /// from `sms_opt_out.phone`. It applies only while it is still `phone`.
  package var optedOutPhone: String?

  /// Reads a stored user, or fails naming the field fido cannot read (exit 65).
  init(_ doc: Document) throws(FidoError) {
    do {
      try self.init(reading: doc)
    } catch {
      throw error.error
    }
  }

  /// Reads a stored user exactly, or throws the first field that is not as
  /// fido writes it (see `StoredUser.check`).
  init(reading doc: Document) throws(UnreadableDocument) {
    if let problem = StoredUser.check(doc) { throw problem }
    // check() vouched for every field read below.
    id = doc["_id"]!.objectIDValue!
    name = doc["name"]!.stringValue!
    email = doc["email"]!.stringValue!
    phone = doc["phone"]?.stringValue
    currency = Currency.lookup(doc["currency"]!.stringValue!)!
    openingBalance = doc["opening_balance"]!.int64Value!
    balance = doc["balance"]!.int64Value!
    createdAt = doc["created_at"]?.dateValue ?? Int64(id.timestamp) * 1000
    updatedAt = doc["updated_at"]?.dateValue ?? createdAt
    stats = UserStats(doc["stats"]?.documentValue ?? [:])
    auditHead = doc["audit_head"]?.stringValue
    auditSeq = doc["audit_seq"]?.int64Value ?? 0
    optedOutPhone = doc["sms_opt_out"]?.documentValue?["phone"]?.stringValue
  }

  /// Whether the user's current phone has unsubscribed from SMS.
  package var phoneOptedOut: Bool { phone != nil && optedOutPhone == phone }

  package var balanceMoney: Money { Money(minor: balance, currency: currency) }

  /// Only what a user needs to be shown: never the password hash, nor the
  /// day counters (they grow by a day per active day; analytics and
  /// `db check` read them with `projectionWithDays`).
  static let projection: Document = ["password_hash": 0, "stats.days": 0]
  static let projectionWithDays: Document = ["password_hash": 0]
}

/// A user's statistics: the stored counters (each an Int64 in MongoDB,
/// changed only by atomic operators) or sums of them (analytics, `db
/// check`). Held as Int128 so that sums never wrap or trap; a figure is
/// stored only after `Int64(exactly:)` says it fits.
package struct UserStats: Sendable, Equatable {
  package var count: Int128 = 0
  package var creditCount: Int128 = 0
  package var debitCount: Int128 = 0
  package var creditTotal: Int128 = 0
  package var debitTotal: Int128 = 0
  package var firstAt: Int64?
  package var lastAt: Int64?
  /// Per-UTC-day counters (`stats.days`), in stored order; empty unless the
  /// user was read with them.
  package var days: [DayCounter] = []

  package init() {}

  init(_ doc: Document) {
    func figure(_ key: String) -> Int128 { Int128(doc[key]?.int64Value ?? 0) }
    count = figure("count")
    creditCount = figure("credit_count")
    debitCount = figure("debit_count")
    creditTotal = figure("credit_total")
    debitTotal = figure("debit_total")
    firstAt = doc["first_at"]?.dateValue
    lastAt = doc["last_at"]?.dateValue
    if let days = doc["days"]?.documentValue {
      self.days = days.map { key, value in
        let d = value.documentValue
        return DayCounter(
          day: key, count: d?["count"]?.int64Value ?? 0, amount: d?["amount"]?.int64Value ?? 0)
      }
    }
  }

  /// credit_total + debit_total: what `total_amount` and a day's `amount` add.
  package var totalAmount: Int128 { creditTotal + debitTotal }

  /// Adds another set of figures (a day's, say) to these. Int128: the sum
  /// of any number of Int64 figures fido could ever read fits.
  mutating func add(_ other: UserStats) {
    count += other.count
    creditCount += other.creditCount
    debitCount += other.debitCount
    creditTotal += other.creditTotal
    debitTotal += other.debitTotal
    if let f = other.firstAt { firstAt = min(firstAt ?? f, f) }
    if let l = other.lastAt { lastAt = max(lastAt ?? l, l) }
  }

  /// A new user's statistics: zero counters. First/last are left out, not
  /// null, until there is a transaction: `$min` would keep a null (null
  /// sorts before every date).
  static let emptyDocument: Document = [
    "count": .int64(0), "credit_count": .int64(0), "debit_count": .int64(0),
    "credit_total": .int64(0), "debit_total": .int64(0),
  ]
}

/// One UTC day's counters: `stats.days.<YYYY-MM-DD>: {count, amount}`, where
/// amount is credits plus debits.
package struct DayCounter: Sendable, Equatable {
  package var day: String
  package var count: Int64
  package var amount: Int64
}
