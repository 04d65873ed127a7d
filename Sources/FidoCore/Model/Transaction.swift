package enum TxnType: String, Sendable, CaseIterable {
  case credit, debit

  /// The amount's effect on the balance (Int128: `-Int64.min` fits).
  func signed(_ amount: Int64) -> Int128 { self == .credit ? Int128(amount) : -Int128(amount) }

  package static func parse(_ text: String) throws(FidoError) -> TxnType {
    guard let t = TxnType(rawValue: text) else {
      throw .invalidData("invalid type \(CoreText.quoted(text)): use credit or debit")
    }
    return t
  }
}

/// The SMS notification a transaction carries (the outbox entry).
package struct SMSState: Sendable, Equatable {
  /// `sent`: Twilio accepted it. `delivered` / `undelivered`: what Twilio
  /// later said of it (`fido sms sync`, `fido sms worker`); both are final.
  package enum Status: String, Sendable, CaseIterable {
    case pending, sent, failed, skipped, delivered, undelivered
  }
  package var status: Status
  package var sid: String?
  package var attempts: Int64
  package var lastError: String?
  package var to: String?
  package var body: String?
  package var nextAttemptAt: Int64?
  package var updatedAt: Int64?
  /// Set after an unclear send: the next attempt looks the message up first.
  package var ambiguousSince: Int64?
  /// When Twilio accepted it; delivery is synced for 72 hours after.
  package var sentAt: Int64?
  /// When its delivery status is due to be fetched again (sent only).
  package var nextSyncAt: Int64?
  /// Twilio's `error_code` for an undelivered message.
  package var errorCode: Int64?

  init(_ doc: Document) {
    status = doc["status"]?.stringValue.flatMap(Status.init(rawValue:)) ?? .skipped
    sid = doc["sid"]?.stringValue
    attempts = doc["attempts"]?.int64Value ?? 0
    lastError = doc["last_error"]?.stringValue
    to = doc["to"]?.stringValue
    body = doc["body"]?.stringValue
    nextAttemptAt = doc["next_attempt_at"]?.dateValue
    updatedAt = doc["updated_at"]?.dateValue
    ambiguousSince = doc["ambiguous_since"]?.dateValue
    sentAt = doc["sent_at"]?.dateValue
    nextSyncAt = doc["next_sync_at"]?.dateValue
    errorCode = doc["error_code"]?.int64Value
  }

  /// Why a new transaction's alert is `skipped`, or nil to queue it: the
  /// caller's opt-out first (`--no-sms`, an import without `--sms`), then a
  /// user without a phone, then a phone that unsubscribed (Twilio 21610),
  /// then SMS not configured.
  package static func skipReason(
    optOut: String?, phone: String?, smsConfigured: Bool, phoneOptedOut: Bool = false
  ) -> String? {
    if let optOut { return optOut }
    if phone == nil { return "user has no phone" }
    if phoneOptedOut { return optedOutReason }
    return smsConfigured ? nil : "SMS not configured"
  }

  /// The reason of an alert skipped because its phone unsubscribed (replied STOP).
  package static let optedOutReason = "opted_out"

  init(status: Status, to: String?, lastError: String?, nextAttemptAt: Int64?, now: Int64) {
    self.status = status
    self.to = to
    self.lastError = lastError
    self.nextAttemptAt = nextAttemptAt
    self.attempts = 0
    self.updatedAt = now
  }

  var document: Document {
    var d: Document = ["status": .string(status.rawValue), "attempts": .int64(attempts)]
    d["sid"] = sid.map { .string($0) } ?? .null
    d["last_error"] = lastError.map { .string($0) } ?? .null
    d["to"] = to.map { .string($0) } ?? .null
    d["body"] = body.map { .string($0) } ?? .null
    d["next_attempt_at"] = nextAttemptAt.map { .date($0) } ?? .null
    d["updated_at"] = updatedAt.map { .date($0) } ?? .null
    return d
  }
}

/// A transaction as fido reads it from `transactions`.
package struct Transaction: Sendable, Equatable {
  package var id: ObjectID
  package var userID: ObjectID
  package var fullName: String
  package var amount: Int64
  package var currency: Currency
  package var type: TxnType
  package var date: Int64
  package var key: String?
  package var sms: SMSState
  package var createdAt: Int64
  package var updatedAt: Int64

  /// Reads a stored transaction, or fails naming the field fido cannot read
  /// (exit 65). `userCurrency`, when known, is the currency it must be in.
  init(_ doc: Document, userCurrency: Currency? = nil) throws(FidoError) {
    do {
      try self.init(reading: doc, userCurrency: userCurrency)
    } catch {
      throw error.error
    }
  }

  /// Reads a stored transaction exactly: every field as fido writes it, or
  /// the first one that is not (see `StoredTransaction.rules`).
  init(reading doc: Document, userCurrency: Currency?) throws(UnreadableDocument) {
    if let problem = StoredTransaction.check(doc, userCurrency: userCurrency) { throw problem }
    // check() vouched for every field read below.
    id = doc["_id"]!.objectIDValue!
    userID = doc["user_id"]!.objectIDValue!
    fullName = doc["full_name"]!.stringValue!
    amount = doc["amount"]!.int64Value!
    currency = Currency.lookup(doc["currency"]!.stringValue!)!
    type = TxnType(rawValue: doc["type"]!.stringValue!)!
    date = doc["date"]!.dateValue!
    key = doc["key"]?.stringValue
    sms = SMSState(doc["sms"]?.documentValue ?? [:])
    createdAt = doc["created_at"]?.dateValue ?? Int64(id.timestamp) * 1000
    updatedAt = doc["updated_at"]?.dateValue ?? createdAt
  }

  package var money: Money { Money(minor: amount, currency: currency) }
}
