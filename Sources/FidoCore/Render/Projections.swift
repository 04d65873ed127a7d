/// The output objects of fido's model values: how a user, a transaction, a
/// summary or a report is shown (DESIGN.md's objects, field order = column
/// order). The model, store and analytics return plain values; only this
/// layer (and the executable) builds `OutValue`s.

extension User {
  /// `id, name, email, phone, currency, balance, created_at, updated_at` (DESIGN.md).
  package var out: OutObject {
    OutObject([
      ("id", .string(id.hex)),
      ("name", .string(name)),
      ("email", .string(email)),
      ("phone", phone.map { .string($0) } ?? .null),
      ("currency", .string(currency.code)),
      ("balance", .money(balanceMoney)),
      ("created_at", .date(createdAt)),
      ("updated_at", .date(updatedAt)),
    ])
  }
}

extension SMSState {
  var out: OutObject {
    OutObject([
      ("status", .string(status.rawValue)),
      ("sid", sid.map { .string($0) } ?? .null),
      ("attempts", .int(attempts)),
      ("last_error", lastError.map { .string($0) } ?? .null),
    ])
  }
}

extension Transaction {
  /// `id, user_id, full_name, amount, currency, type, date, key, created_at,
  /// updated_at, sms{status, sid, attempts, last_error}` (DESIGN.md).
  package var out: OutObject {
    OutObject([
      ("id", .string(id.hex)),
      ("user_id", .string(userID.hex)),
      ("full_name", .string(fullName)),
      ("amount", .money(money)),
      ("currency", .string(currency.code)),
      ("type", .string(type.rawValue)),
      ("date", .date(date)),
      ("key", key.map { .string($0) } ?? .null),
      ("created_at", .date(createdAt)),
      ("updated_at", .date(updatedAt)),
      ("sms", .object(sms.out)),
    ])
  }

  /// `transaction_id, user_id, to, status, attempts, last_error, sid,
  /// next_attempt_at, updated_at` (DESIGN.md's SMS list object).
  package var smsOut: OutObject {
    OutObject([
      ("transaction_id", .string(id.hex)),
      ("user_id", .string(userID.hex)),
      ("to", sms.to.map { .string($0) } ?? .null),
      ("status", .string(sms.status.rawValue)),
      ("attempts", .int(sms.attempts)),
      ("last_error", sms.lastError.map { .string($0) } ?? .null),
      ("sid", sms.sid.map { .string($0) } ?? .null),
      ("next_attempt_at", sms.nextAttemptAt.map { .date($0) } ?? .null),
      ("updated_at", sms.updatedAt.map { .date($0) } ?? .null),
    ])
  }
}

extension ImportSummary {
  package var out: OutObject {
    OutObject([
      ("read", .int(Int64(read))), ("inserted", .int(Int64(inserted))),
      ("skipped", .int(Int64(skipped))),
    ])
  }
}

extension MigrateReport {
  package var out: OutObject {
    func int(_ v: Int) -> OutValue { .int(Int64(v)) }
    return OutObject([
      ("dry_run", .bool(dryRun)), ("currency", .string(currency.code)),
      ("users_read", int(usersRead)), ("users_inserted", int(usersInserted)),
      ("users_existing", int(usersExisting)), ("users_skipped", int(usersSkipped)),
      ("transactions_inserted", int(transactionsInserted)),
      ("transactions_existing", int(transactionsExisting)),
      ("rounded", int(rounded)), ("short_passwords", int(shortPasswords)),
      ("legacy_count", int(legacyCount)), ("legacy_sum", .string(money(legacySum))),
      ("migrated_count", int(migratedCount)), ("migrated_sum", .string(money(migratedSum))),
      ("skipped_count", int(skippedCount)), ("skipped_sum", .string(money(skippedSum))),
      ("reconciled", .bool(reconciled)), ("passwords_scrubbed", int(passwordsScrubbed)),
    ])
  }
}

extension Drift {
  package var out: OutObject {
    OutObject([
      ("user_id", userID.map { .string($0.hex) } ?? .null), ("figure", .string(figure)),
      ("stored", .string(stored)), ("expected", .string(expected)),
    ])
  }
}

extension AuditProblem {
  package var out: OutObject {
    OutObject([
      ("user_id", .string(userID.hex)), ("problem", .string(what)),
      ("recorded", .string(recorded)), ("live", .string(live)),
    ])
  }
}

/// An entry as `audit list` shows it: `id, at, user_id, action,
/// target{collection, id}, actor{os_user, host, fido_version, profile},
/// before, after, seq, prev, hash`. Money in before/after shows as money in
/// the entry's currency. With `nested` false (csv, tsv, table), before and
/// after are compact JSON text, so every row has the same columns.
package enum AuditView {
  package static func out(_ e: Document, nested: Bool) -> OutObject {
    let currency = e["currency"]?.stringValue.flatMap(Currency.lookup)
    func value(_ v: BSONValue, key: String) -> OutValue {
      switch v {
      case .null: return .null
      case .string(let s): return .string(s)
      case .bool(let b): return .bool(b)
      case .date(let ms): return .date(ms)
      case .objectID(let o): return .string(o.hex)
      case .int32, .int64:
        let n = v.int64Value ?? 0
        if AuditReplay.moneyFields.contains(key), let currency {
          return .money(Money(minor: n, currency: currency))
        }
        return .int(n)
      case .array(let items): return .array(items.map { value($0, key: key) })
      case .document(let d):
        return .object(OutObject(d.map { ($0.key, value($0.value, key: $0.key)) }))
      default: return .string("\(v)")
      }
    }
    func change(_ key: String) -> OutValue {
      let v = value(e[key] ?? .null, key: key)
      if nested { return v }
      if case .null = v { return .null }
      return .string(Render.json(v))
    }
    let target = e["target"]?.documentValue ?? [:]
    let actor = e["actor"]?.documentValue ?? [:]
    return OutObject([
      ("id", value(e["_id"] ?? .null, key: "id")),
      ("at", value(e["at"] ?? .null, key: "at")),
      ("user_id", value(e["user_id"] ?? .null, key: "user_id")),
      ("action", value(e["action"] ?? .null, key: "action")),
      (
        "target",
        .object(
          OutObject([
            ("collection", value(target["collection"] ?? .null, key: "collection")),
            ("id", value(target["id"] ?? .null, key: "id")),
          ]))
      ),
      (
        "actor",
        .object(
          OutObject(
            ["os_user", "host", "fido_version", "profile"].map {
              ($0, value(actor[$0] ?? .null, key: $0))
            }))
      ),
      ("before", change("before")),
      ("after", change("after")),
      ("seq", value(e["seq"] ?? .null, key: "seq")),
      ("prev", value(e["prev"] ?? .null, key: "prev")),
      ("hash", value(e["hash"] ?? .null, key: "hash")),
    ])
  }
}

extension AnalyticsFigures {
  /// DESIGN.md's analytics object.
  package func out(user: User, since: Int64?, until: Int64?) -> OutObject {
    let c = user.currency
    func money<T: BinaryInteger>(_ v: T) -> OutValue { .money(Money(minor: v, currency: c)) }
    // Counts are real documents or stored Int64 counters, so they fit; the
    // exact text stands in should one ever not.
    func count(_ v: Int128) -> OutValue { Int64(exactly: v).map { .int($0) } ?? .number("\(v)") }
    let s = stats
    let total = s.totalAmount
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
    o.append("transaction_count", count(s.count))
    o.append("credit_count", count(s.creditCount))
    o.append("debit_count", count(s.debitCount))
    o.append("total_amount", money(total))
    o.append("credit_total", money(s.creditTotal))
    o.append("debit_total", money(s.debitTotal))
    o.append("average_transaction_value", money(Analytics.average(total: total, count: s.count)))
    if s.count > 0, let b = busiestDay {
      o.append(
        "busiest_day",
        .object(OutObject([("date", .string(FidoDate.day(b.day))), ("count", count(b.count))])))
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
      CreditScore.out(
        CreditScore.compute(
          creditTotal: s.creditTotal, debitTotal: s.debitTotal, balance: user.balance,
          count: s.count, firstMs: s.firstAt, lastMs: s.lastAt)))
    return o
  }
}

extension CreditScore {
  /// The `credit_score` object's keys, in order.
  static let keys = ["value", "scale", "formula", "factors"]

  /// The `credit_score` object of the analytics output, or null (`keys`
  /// shaped, so csv and tsv keep their columns) when there is no score (a
  /// user without transactions).
  package static func out(_ score: CreditScore?) -> OutValue {
    guard let score else { return .nullObject(keys: keys) }
    let tenths = score.tenths
    let factors: [OutValue] = score.factors.map { f in
      .object(
        OutObject([
          ("name", .string(f.weight.name)),
          ("value", .number(decimal4(f.basisPoints))),
          ("weight", .number(f.weight.text)),
          ("detail", .string(f.detail)),
        ]))
    }
    let values: [OutValue] = [
      .number("\(tenths / 10).\(tenths % 10)"), .string("1-5"), .string(formula), .array(factors),
    ]
    return .object(OutObject(Array(zip(keys, values))))
  }

  /// Basis points as a decimal with four places: 8125 → "0.8125", 10000 → "1.0000".
  static func decimal4(_ bp: UInt64) -> String {
    let frac = String(bp % 10000)
    return "\(bp / 10000)." + String(repeating: "0", count: 4 - frac.count) + frac
  }
}

extension SMSWorker.Event {
  /// A line of `sms worker`'s log: `at`, `event`, then the event's fields.
  package var out: OutObject {
    var action: String
    var fields: [(String, OutValue)]
    func seconds(_ ms: Int64) -> OutValue { .number(SMSWorker.seconds(ms)) }
    switch what {
    case .start(let intervalMS, let once):
      action = "start"
      fields = [("interval_seconds", seconds(intervalMS)), ("once", .bool(once))]
    case .backoff(let service, let error, let retryInMS):
      action = "backoff"
      fields = [
        ("service", .string(service)), ("error", .string(error)),
        ("retry_in_seconds", seconds(retryInMS)),
      ]
    case .watch(let changeStream, let error, let pollMS):
      action = "watch"
      fields = [("change_stream", .bool(changeStream))]
      if let error { fields.append(("error", .string(error))) }
      if let pollMS { fields.append(("poll_seconds", seconds(pollMS))) }
    case .attempt(let txn):
      fields = [("transaction_id", .string(txn.id.hex))]
      if let to = txn.sms.to { fields.append(("to", .string(to))) }
      switch txn.sms.status {
      case .sent, .delivered, .undelivered:
        fields.append(("sid", txn.sms.sid.map { .string($0) } ?? .null))
      case .failed:
        fields.append(("error", .string(txn.sms.lastError ?? "")))
      case .skipped:
        fields.append(("reason", .string(txn.sms.lastError ?? "")))
      case .pending:
        fields.append(("error", .string(txn.sms.lastError ?? "")))
        fields.append(("next_attempt_at", txn.sms.nextAttemptAt.map { .date($0) } ?? .null))
      }
      fields.append(("attempts", .int(txn.sms.attempts)))
      action = txn.sms.status == .pending ? "retry" : txn.sms.status.rawValue
    case .sync(let report):
      let txn = report.transaction
      fields = [
        ("transaction_id", .string(txn.id.hex)), ("sid", txn.sms.sid.map { .string($0) } ?? .null),
      ]
      if let status = report.twilioStatus { fields.append(("twilio_status", .string(status))) }
      switch report.recorded {
      case .delivered?: action = "delivered"
      case .undelivered?: action = "undelivered"
      default: action = report.error == nil ? "in_flight" : "sync_error"
      }
      if let error = report.error { fields.append(("error", .string(error))) }
    case .unreadable(let why):
      action = "unreadable"
      fields = [
        ("transaction_id", .string(why.id)), ("error", .string(why.sentence)),
        ("retry_in_seconds", seconds(SMSSender.putOffMillis)),
      ]
    case .stop(let totals):
      action = "stop"
      fields = [
        ("sent", .int(Int64(totals.sent))), ("failed", .int(Int64(totals.failed))),
        ("skipped", .int(Int64(totals.skipped))), ("retry", .int(Int64(totals.pending))),
        ("delivered", .int(Int64(totals.delivered))),
        ("undelivered", .int(Int64(totals.undelivered))),
      ]
    }
    return OutObject([("at", .date(at)), ("event", .string(action))] + fields)
  }
}

extension SMSWorker {
  /// Milliseconds as decimal seconds (`1.5`), for the log.
  static func seconds(_ ms: Int64) -> String {
    ms % 1000 == 0
      ? String(ms / 1000)
      : String(ms / 1000) + "." + String(String(ms % 1000 + 1000).dropFirst()).trimmingTrailingZeros
  }
}

extension String {
  fileprivate var trimmingTrailingZeros: String {
    var s = self
    while s.hasSuffix("0") { s.removeLast() }
    return s
  }
}
