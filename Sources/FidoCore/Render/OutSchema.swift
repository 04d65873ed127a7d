/// The fields an object prints, known before any object exists: what
/// `--fields` accepts, the CSV header of an empty list, and how a table on a
/// narrow terminal chooses and cuts its columns.
///
/// A field is a top-level key (`sms`) or, for a nested object, one of its
/// flattened keys (`sms_status`). `columns` are the flattened keys in order
/// (the CSV/TSV columns).
package struct OutSchema: Sendable, Equatable {
  package struct Field: Sendable, Equatable {
    package var name: String
    /// The nested object's keys; empty for a plain value.
    package var parts: [String]
    package var columns: [String] { parts.isEmpty ? [name] : parts.map { name + "_" + $0 } }
  }

  package var fields: [Field]
  /// Free-text columns (names, emails, keys, errors): the ones a table on a
  /// narrow terminal cuts with `…`. Ids, money, dates and counts are never cut.
  package var text: Set<String>
  /// Table columns by importance, most important first: on a narrow terminal a
  /// table without `--fields` leaves out the least important until it fits.
  /// Columns not listed come last.
  package var priority: [String]

  /// `spec` is DESIGN.md's notation: `id, user_id, sms{status, sid}`. Read
  /// byte by byte: every command builds its schemas at start-up, and
  /// Character-wise slicing cost 0.3 ms of each run.
  package init(_ spec: String, text: [String] = [], priority: [String] = []) {
    var fields: [Field] = []
    var open: String?  // the nested object whose `{` is open
    var parts: [String] = []
    var word: [UInt8] = []
    func take() -> String {
      defer { word.removeAll(keepingCapacity: true) }
      return String(decoding: word, as: UTF8.self)
    }
    for byte in spec.utf8 {
      switch byte {
      case UInt8(ascii: " "): continue
      case UInt8(ascii: "{"):
        open = take()
        parts = []
      case UInt8(ascii: "}"):
        if !word.isEmpty { parts.append(take()) }
        fields.append(Field(name: open ?? "", parts: parts))
        open = nil
      case UInt8(ascii: ","):
        guard !word.isEmpty else { continue }
        if open != nil {
          parts.append(take())
        } else {
          fields.append(Field(name: take(), parts: []))
        }
      default: word.append(byte)
      }
    }
    if !word.isEmpty { fields.append(Field(name: take(), parts: [])) }
    self.fields = fields
    self.text = Set(text)
    self.priority = priority
  }

  /// The flattened keys, in order: CSV/TSV columns.
  package var columns: [String] { fields.flatMap(\.columns) }

  /// Every name `--fields` accepts: each column, and each nested object's name.
  package var selectors: [String] {
    fields.flatMap { $0.parts.isEmpty ? [$0.name] : [$0.name] + $0.columns }
  }

  /// `--fields LIST` checked against the schema: comma-separated names, in
  /// the order given, each once. Unknown, empty or repeated names are usage
  /// errors listing the valid ones.
  package func select(_ list: String, command: String) throws(FidoError) -> [String] {
    let valid = selectors.joined(separator: ",")
    var chosen: [String] = []
    for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
      let name = raw.trimmingSpaces()
      guard !name.isEmpty else {
        throw .usage(
          "'--fields' has an empty field name in \(CoreText.quoted(list)); valid fields: \(valid)")
      }
      guard selectors.contains(name) else {
        throw .usage(
          "unknown field \(CoreText.quoted(name)) for '\(command)'; valid fields: \(valid)")
      }
      guard !chosen.contains(name) else {
        throw .usage("field \(CoreText.quoted(name)) is given twice in '--fields'; give it once")
      }
      chosen.append(name)
    }
    return chosen
  }

  /// The flattened columns `fields` stand for (`sms` → `sms_status`, …).
  package func columns(of fields: [String]) -> [String] {
    fields.flatMap { name in self.fields.first { $0.name == name }?.columns ?? [name] }
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String {
    let bytes = utf8
    var start = bytes.startIndex
    var end = bytes.endIndex
    while start < end, bytes[start] == UInt8(ascii: " ") { start = bytes.index(after: start) }
    while end > start, bytes[bytes.index(before: end)] == UInt8(ascii: " ") {
      end = bytes.index(before: end)
    }
    return String(self[start..<end])
  }
}

extension OutSchema {
  package static let user = OutSchema(
    "id, name, email, phone, currency, balance, created_at, updated_at",
    text: ["name", "email"],
    priority: ["id", "name", "email", "balance", "phone", "created_at", "currency", "updated_at"])

  package static let transaction = OutSchema(
    "id, user_id, full_name, amount, currency, type, date, key, created_at, updated_at, "
      + "sms{status, sid, attempts, last_error}",
    text: ["full_name", "key", "sms_last_error"],
    priority: [
      "id", "amount", "type", "date", "sms_status", "key", "full_name", "user_id",
      "sms_attempts", "sms_last_error", "created_at", "currency", "sms_sid", "updated_at",
    ])

  package static let sms = OutSchema(
    "transaction_id, user_id, to, status, attempts, last_error, sid, next_attempt_at, updated_at",
    text: ["last_error"],
    priority: [
      "transaction_id", "status", "to", "attempts", "last_error", "next_attempt_at", "user_id",
      "sid", "updated_at",
    ])

  package static let analytics = OutSchema(
    "user_id, name, currency, balance, window{since, until}, transaction_count, credit_count, "
      + "debit_count, total_amount, credit_total, debit_total, average_transaction_value, "
      + "busiest_day{date, count}, highest_amount_day{date, amount}, first_transaction_at, "
      + "last_transaction_at, credit_score{value, scale, formula, factors}",
    text: ["name", "credit_score_formula"])

  /// `db check`'s drift; `--repair` adds `repaired` (`driftRepaired`).
  package static let drift = OutSchema("user_id, figure, stored, expected, repaired")
  static let driftReport = OutSchema("user_id, figure, stored, expected")

  /// What a command prints: `drift` with `--repair`, else without `repaired`.
  package static func drift(repair: Bool) -> OutSchema { repair ? drift : driftReport }

  package static let doctor = OutSchema(
    "uri, database, connection, server_version, topology, transactions, indexes, "
      + "twilio_api_base, sms, twilio_account")

  package static let importSummary = OutSchema("read, inserted, skipped, dry_run")

  package static let retrySummary = OutSchema("claimed, sent, failed, skipped, pending")

  /// `sms sync`'s record.
  package static let syncSummary = OutSchema("checked, delivered, undelivered, in_flight, errors")

  /// `db migrate-legacy`'s record (`MigrateReport.out`), reconciliation included.
  package static let migrateSummary = OutSchema(
    "dry_run, currency, users_read, users_inserted, users_existing, users_skipped, "
      + "transactions_inserted, transactions_existing, rounded, short_passwords, legacy_count, "
      + "legacy_sum, migrated_count, migrated_sum, skipped_count, skipped_sum, reconciled, "
      + "passwords_scrubbed")

  package static let index = OutSchema("collection, index, unique")

  package static let whoami = OutSchema(
    "profile, config_file, uri, database, server_version, twilio_account")

  /// `audit list`'s entries (`before`/`after` as compact JSON outside JSON formats).
  package static let auditEntry = OutSchema(
    "id, at, user_id, action, target{collection, id}, actor{os_user, host, fido_version, profile}, "
      + "before, after, seq, prev, hash",
    text: ["before", "after", "actor_os_user", "actor_host"],
    priority: [
      "at", "action", "user_id", "target_id", "after", "before", "seq", "id", "target_collection",
    ])

  /// `audit verify`'s problems.
  package static let auditProblem = OutSchema(
    "user_id, problem, recorded, live", text: ["recorded", "live"])

  package static let profile = OutSchema(
    "name, active, protected, database, uri",
    priority: ["name", "active", "protected", "database", "uri"])
}
