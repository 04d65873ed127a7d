/// A stored document fido cannot read exactly (DESIGN.md, "Documents fido
/// did not write"): which document, which field, what it holds and what fido
/// reads there. Such a document is never shown with a guessed value and
/// never counted: `get` fails with it, lists warn and go on, `db check`
/// reports it as `invalid`.
package struct UnreadableDocument: Error, Sendable, Equatable {
  /// `transaction` or `user`.
  package var kind: String
  /// Its `_id`: hex, or the stored value described when it is no ObjectId.
  package var id: String
  /// The user it belongs to, when that is an ObjectId (the user's own id for a user).
  package var userID: ObjectID?
  package var field: String
  /// What the field holds, described (`21.5 (a double)`, `missing`).
  package var found: String
  /// What fido reads there.
  package var expected: String
  /// How to make it readable, when fido can (`fido user update … --email …`).
  package var fix: String? = nil

  /// `transaction 65a1…: amount is 21.5 (a double), not an integer of minor units (Int32 or Int64) above 0`
  package var sentence: String { "\(kind) \(id): \(field) is \(found), not \(expected)" }

  /// The error `get` (and every other read of one document) fails with: exit 65.
  package var error: FidoError {
    .invalidData(
      "\(sentence); fido shows no guessed value: "
        + (fix.map { "fix it with '\($0)'; " } ?? "") + "see 'fido db check'")
  }

  /// A value as a message shows it: its text and its BSON type.
  package static func describe(_ value: BSONValue?) -> String {
    guard let value else { return "missing" }
    switch value {
    case .null: return "null"
    case .double(let d): return "\(d) (a double)"
    case .string(let s): return "\(CoreText.quoted(s)) (a string)"
    case .int32(let v): return "\(v) (an Int32)"
    case .int64(let v): return "\(v) (an Int64)"
    case .decimal128(let s): return "\(s) (a decimal128)"
    case .date(let ms): return "\(FidoDate.format(ms)) (a date)"
    case .objectID(let o): return "\(o.hex) (an ObjectId)"
    case .bool(let b): return "\(b) (a boolean)"
    case .document: return "a document"
    case .array: return "an array"
    case .binary: return "binary data"
    case .regex: return "a regular expression"
    case .timestamp: return "a timestamp"
    case .minKey, .maxKey: return "a MinKey/MaxKey"
    }
  }
}

/// What a stored transaction must hold for fido to read it. One table, two
/// readers: `check` (Swift, one document) and `predicate` (the same test as
/// an aggregation expression, which `dailyPipeline` uses to keep every other
/// document out of the figures) agree by construction.
enum StoredTransaction {
  /// Field, what fido reads there, and the BSON types it accepts
  /// (`missing` and `null` where the field may be absent).
  static let rules: [(field: String, expected: String, types: [String])] = [
    ("_id", "an ObjectId", ["objectId"]),
    ("user_id", "an ObjectId", ["objectId"]),
    ("amount", "an integer of minor units (Int32 or Int64) above 0", ["int", "long"]),
    ("currency", "an ISO 4217 code", ["string"]),
    ("type", "credit or debit", ["string"]),
    ("date", "a BSON date", ["date"]),
    ("full_name", "a string", ["string"]),
    ("key", "a string or absent", ["string", "missing", "null"]),
    ("created_at", "a BSON date or absent", ["date", "missing"]),
    ("updated_at", "a BSON date or absent", ["date", "missing"]),
  ]

  static func typeName(_ v: BSONValue?) -> String {
    switch v {
    case nil: "missing"
    case .null?: "null"
    case .objectID?: "objectId"
    case .int32?: "int"
    case .int64?: "long"
    case .string?: "string"
    case .date?: "date"
    default: "other"
    }
  }

  /// The first field of `doc` fido cannot read, or nil. `currency` is the
  /// user's when known: a transaction in another currency is unreadable.
  static func check(_ doc: Document, userCurrency: Currency?) -> UnreadableDocument? {
    let id = doc["_id"]
    let user = doc["user_id"]?.objectIDValue
    func bad(_ field: String, _ expected: String) -> UnreadableDocument {
      UnreadableDocument(
        kind: "transaction",
        id: id?.objectIDValue?.hex ?? UnreadableDocument.describe(id), userID: user,
        field: field, found: UnreadableDocument.describe(doc[field]), expected: expected)
    }
    for rule in rules where !rule.types.contains(typeName(doc[rule.field])) {
      return bad(rule.field, rule.expected)
    }
    if let a = doc["amount"]?.int64Value, a <= 0 { return bad("amount", rules[2].expected) }
    let code = doc["currency"]?.stringValue ?? ""
    if let userCurrency {
      if code != userCurrency.code { return bad("currency", "its user's \(userCurrency.code)") }
    } else if Currency.lookup(code) == nil {
      return bad("currency", rules[3].expected)
    }
    if TxnType(rawValue: doc["type"]?.stringValue ?? "") == nil {
      return bad("type", rules[4].expected)
    }
    return nil
  }

  /// The same test as an aggregation expression (`$type` there never looks
  /// inside arrays, unlike the query operator). With `currency`, the
  /// transaction's currency must be it; without, it must be a string and
  /// the caller compares it with the user's (`db check` groups by it).
  static func predicate(currency: Currency?) -> BSONValue {
    var terms: [BSONValue] = rules.map { rule in
      ["$in": [["$type": .string("$" + rule.field)], .array(rule.types.map { .string($0) })]]
    }
    terms.append(["$gt": ["$amount", 0]])
    terms.append(["$in": ["$type", ["credit", "debit"]]])
    if let currency { terms.append(["$eq": ["$currency", .string(currency.code)]]) }
    return ["$and": .array(terms)]
  }

  /// The fields `check` reads, for a projection or a `$group`'s `$first`.
  static var fields: [String] { rules.map(\.field) }
}

/// What a stored user must hold for fido to read it.
enum StoredUser {
  /// The first field of `doc` fido cannot read, or nil.
  static func check(_ doc: Document) -> UnreadableDocument? {
    let id = doc["_id"]
    func bad(_ field: String, _ value: BSONValue?, _ expected: String) -> UnreadableDocument {
      UnreadableDocument(
        kind: "user", id: id?.objectIDValue?.hex ?? UnreadableDocument.describe(id),
        userID: id?.objectIDValue, field: field, found: UnreadableDocument.describe(value),
        expected: expected)
    }
    guard id?.objectIDValue != nil else { return bad("_id", id, "an ObjectId") }
    guard let name = doc["name"]?.stringValue, !name.isEmpty else {
      return bad("name", doc["name"], "a non-empty string")
    }
    guard let email = doc["email"]?.stringValue else {
      return bad("email", doc["email"], "an email address")
    }
    let normal = try? Email.normalize(email)
    if normal != email {
      var problem = bad(
        "email", doc["email"],
        normal.map { "in normal form (\(CoreText.quoted($0)))" } ?? "a valid email address")
      if let normal, let hex = id?.objectIDValue?.hex {
        problem.fix = "fido user update \(hex) --email \(normal)"
      }
      return problem
    }
    switch doc["phone"] {
    case nil, .null?, .string?: break
    case let v: return bad("phone", v, "a string or absent")
    }
    guard let code = doc["currency"]?.stringValue, Currency.lookup(code) != nil else {
      return bad("currency", doc["currency"], "an ISO 4217 code")
    }
    for field in ["opening_balance", "balance"] where doc[field]?.int64Value == nil {
      return bad(field, doc[field], "an integer of minor units (Int32 or Int64)")
    }
    for field in ["created_at", "updated_at"] {
      switch doc[field] {
      case nil, .date?: continue
      case let v: return bad(field, v, "a BSON date or absent")
      }
    }
    guard let statsValue = doc["stats"] else { return nil }
    guard let stats = statsValue.documentValue else {
      return bad("stats", statsValue, "a document of counters")
    }
    for f in ["count", "credit_count", "debit_count", "credit_total", "debit_total"] {
      switch stats[f] {
      case nil, .int32?, .int64?: continue
      case let v: return bad("stats.\(f)", v, "an integer (Int32 or Int64)")
      }
    }
    for f in ["first_at", "last_at"] {
      switch stats[f] {
      case nil, .date?: continue
      case let v: return bad("stats.\(f)", v, "a BSON date or absent")
      }
    }
    switch stats["days"] {
    case nil: break
    case .document(let days)?:
      for (day, value) in days {
        guard let counter = value.documentValue else {
          return bad("stats.days.\(day)", value, "a document of counters")
        }
        for f in ["count", "amount"] {
          switch counter[f] {
          case nil, .int32?, .int64?: continue
          case let v: return bad("stats.days.\(day).\(f)", v, "an integer (Int32 or Int64)")
          }
        }
      }
    case let v?: return bad("stats.days", v, "a document of day counters")
    }
    return nil
  }
}
