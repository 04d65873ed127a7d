/// What history records of a user and of a transaction, read from their
/// documents. `before`/`after` of an entry hold a part of these: `user` (a
/// document of some of `userFields`) and `transactions` (records with `id`).
enum AuditState {
  /// The user's fields history records, in this order. `password` is `set`
  /// or `none`: never the hash.
  static let profileFields = ["name", "email", "phone", "currency", "opening_balance", "password"]
  static let figureFields = [
    "balance", "count", "credit_count", "debit_count", "credit_total", "debit_total",
  ]
  static var userFields: [String] { profileFields + figureFields }
  static let txnFields = ["amount", "type", "date", "key", "currency"]

  /// The projection that reads what `user(_:)` needs (the password hash is
  /// read only to know that there is one) and the chain head.
  static let userProjection: Document = [
    "name": 1, "email": 1, "phone": 1, "currency": 1, "opening_balance": 1, "password_hash": 1,
    "balance": 1, "stats.count": 1, "stats.credit_count": 1, "stats.debit_count": 1,
    "stats.credit_total": 1, "stats.debit_total": 1, "audit_head": 1, "audit_seq": 1,
  ]

  /// Every recorded field of a stored user document.
  static func user(_ doc: Document) -> Document {
    var d = Document()
    for f in profileFields { d.append(f, profileValue(f, doc)) }
    d.append(contentsOf: figures(doc))
    return d
  }

  static func profileValue(_ field: String, _ doc: Document) -> BSONValue {
    switch field {
    case "password": doc["password_hash"]?.stringValue == nil ? "none" : "set"
    case "opening_balance": recordable(doc["opening_balance"] ?? .int64(0))
    default: recordable(doc[field] ?? .null)
    }
  }

  /// The user's balance and counters.
  static func figures(_ doc: Document) -> Document {
    let stats = doc["stats"]?.documentValue ?? [:]
    var d: Document = ["balance": recordable(doc["balance"] ?? .int64(0))]
    for f in figureFields.dropFirst() { d.append(f, recordable(stats[f] ?? .int64(0))) }
    return d
  }

  /// A stored value as history can hold it. A value of a type fido never
  /// writes (a double amount, a decimal, …: a document fido cannot read,
  /// written by another tool) is recorded as `{unreadable: "21.5 (a
  /// double)"}`, so a `repair` entry that adopts it, or a cascade that
  /// deletes it, still hashes, and the replay compares like with like.
  static func recordable(_ v: BSONValue) -> BSONValue {
    switch v {
    case .null, .bool, .int32, .int64, .date, .string, .objectID: v
    case .array(let items): .array(items.map(recordable))
    case .document(let d): .document(Document(d.map { ($0.key, recordable($0.value)) }))
    default: ["unreadable": .string(UnreadableDocument.describe(v))]
    }
  }

  /// Figures after an effect (the same arithmetic as the `$inc` that applies
  /// it), added in Int128. A figure past Int64 is clamped: the guarded user
  /// write that would carry it is refused, so no entry ever records one.
  static func figures(_ before: Document, plus e: StatsEffect) -> Document {
    func v(_ k: String, _ delta: Int128) -> BSONValue {
      .int64(Int64(clamping: Int128(before[k]?.int64Value ?? 0) + delta))
    }
    let c = e.counters
    return [
      "balance": v("balance", e.balance), "count": v("count", c.count),
      "credit_count": v("credit_count", c.creditCount),
      "debit_count": v("debit_count", c.debitCount),
      "credit_total": v("credit_total", c.creditTotal),
      "debit_total": v("debit_total", c.debitTotal),
    ]
  }

  /// The filter terms that pin a user document's figures to these values.
  static func figureFilter(_ figures: Document) -> Document {
    var f = Document()
    for (k, v) in figures { f.append(k == "balance" ? k : "stats.\(k)", v) }
    return f
  }

  /// A transaction's record: `id` and every recorded field.
  static func txn(_ doc: Document) -> Document {
    var d: Document = ["id": recordable(doc["_id"] ?? .null)]
    for f in txnFields { d.append(f, recordable(doc[f] ?? .null)) }
    return d
  }
}

extension Document {
  mutating func append(contentsOf other: Document) {
    for (k, v) in other { append(k, v) }
  }
  /// This document with `other`'s fields appended.
  func merging(_ other: Document) -> Document {
    var d = self
    d.append(contentsOf: other)
    return d
  }
}
