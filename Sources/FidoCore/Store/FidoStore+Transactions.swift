/// What `txn add` records. The amount is already parsed in the user's currency.
package struct NewTransaction: Sendable {
  package var user: User
  package var amount: Int64
  package var type: TxnType
  /// nil: now.
  package var date: Int64?
  package var key: String?
  /// Why no SMS will be sent (`--no-sms`, no phone, SMS not configured); nil queues one.
  package var smsSkipReason: String?
  /// How long `txn add`, about to send the alert itself, holds it (the
  /// sender's lease, `SMSSender.leaseMillis`), so a concurrent `sms retry`
  /// leaves it alone. nil (`FIDO_SMS_MODE=queue`): the alert is left
  /// pending, without a lease, for `fido sms worker`.
  package var smsLeaseMillis: Int64?
  package init(
    user: User, amount: Int64, type: TxnType, date: Int64?, key: String?, smsSkipReason: String?
  ) {
    self.user = user
    self.amount = amount
    self.type = type
    self.date = date
    self.key = key
    self.smsSkipReason = smsSkipReason
  }
}

package struct TxnAddResult: Sendable {
  package var transaction: Transaction
  /// false when an idempotency key matched an existing transaction.
  package var created: Bool
}

package struct TxnFilter: Sendable {
  package var user: ObjectID
  package var since: Int64?
  package var until: Int64?
  package var type: TxnType?
  package var after: ObjectID?
  /// 0 means all.
  package var limit: Int64
  package init(
    user: ObjectID, since: Int64? = nil, until: Int64? = nil, type: TxnType? = nil,
    after: ObjectID? = nil,
    limit: Int64 = 100
  ) {
    self.user = user
    self.since = since
    self.until = until
    self.type = type
    self.after = after
    self.limit = limit
  }
}

package struct TxnChanges: Sendable {
  /// Decimal text such as `21.50`, parsed in the transaction's own currency
  /// when the update reads the transaction.
  package var amount: String?
  package var type: TxnType?
  package var date: Int64?
  package init(amount: String? = nil, type: TxnType? = nil, date: Int64? = nil) {
    self.amount = amount
    self.type = type
    self.date = date
  }
  package var isEmpty: Bool { amount == nil && type == nil && date == nil }
}

extension FidoStore {
  // MARK: add

  package func addTransaction(_ new: NewTransaction, now: Int64) throws(FidoError) -> TxnAddResult {
    let user = new.user
    let date = new.date ?? now
    let id = ids.next(nowMs: now)
    // `txn add` holds the notification it is about to send, so a concurrent
    // `sms retry` leaves it alone (and picks it up if this process dies).
    let lease = new.smsSkipReason == nil ? new.smsLeaseMillis.map { now + $0 } : nil
    /// The document; a pending alert's text once the new balance is known.
    func document(balance: Int64?) -> Document {
      Self.newTransactionDocument(
        id: id, user: user, amount: new.amount, type: new.type, date: date, key: new.key,
        smsSkipReason: new.smsSkipReason, balanceAfter: balance, leaseUntil: lease, now: now)
    }
    let doc = document(balance: nil)

    let effect = StatsEffect.add(type: new.type, amount: new.amount, date: date)
    func created(_ doc: Document) -> (Document, Document) -> AuditDraft {
      { before, after in
        AuditDraft(
          action: .txnCreate, collection: Collections.transactions, ids: [id],
          before: ["user": .document(before)],
          after: ["transactions": [.document(AuditState.txn(doc))], "user": .document(after)])
      }
    }
    // The `_id` is fixed before the first attempt: it is this invocation's
    // own idempotency key. Every retry inserts the same `_id`, so a retry
    // after an attempt that did commit fails on the `_id` index (and its
    // transaction, balance update included, aborts) instead of posting twice.
    let check =
      new.key == nil
      ? "transaction \(id.hex) may or may not have been recorded: run 'fido txn get \(id.hex)' to see before adding it again (with --key KEY, running the same command again is always safe)"
      : "transaction \(id.hex) may or may not have been recorded: run 'fido txn get \(id.hex)' to see; running the same command again with the same --key is safe either way"
    let stored: Document
    do throws(StoreError) {
      stored = try unmappedAtomically { (session) throws(StoreError) -> Document in
        if session != nil {
          // Balance first: the message text needs the new balance.
          let balance = try applyAudited(
            user.id, known: user, effect, now: now, session: session, draft: created(doc)
          ).balance
          let doc = document(balance: balance)
          try driver { () throws(MongoError) in try transactions.insertOne(doc, session: session) }
          return doc
        } else {
          // No transactions: the transaction document first, so a duplicate key
          // changes nothing; `db check --repair` reconciles a crash in between.
          try driver { () throws(MongoError) in try transactions.insertOne(doc, session: nil) }
          let balance: Int64
          do throws(StoreError) {
            balance = try applyAudited(
              user.id, known: user, effect, now: now, session: nil, draft: created(doc)
            ).balance
          } catch .fido(let error) {
            // The user was deleted meanwhile: take the document back rather
            // than leave an orphan (which no repair can attach to a user).
            _ = try? transactions.deleteOne(["_id": .objectID(id)])
            throw .fido(error)
          }
          let doc = document(balance: balance)
          _ = try driver { () throws(MongoError) in
            try transactions.updateOne(
              ["_id": .objectID(id)], update: ["$set": ["sms": doc["sms"]!]])
          }
          return doc
        }
      }
    } catch .mongo(let error) where error.isDuplicateKey {
      // The `_id` index: an earlier attempt of this command committed it.
      if error.duplicateKeyIndex != Indexes.keyIndex,
        let mine = try mongo({ () throws(MongoError) in
          try transactions.findOne(["_id": .objectID(id)])
        })
      {
        return TxnAddResult(transaction: try Transaction(mine), created: true)
      }
      // The key index: the key is stored already.
      guard error.duplicateKeyIndex != "_id_", let key = new.key else {
        throw fail(.mongo(error), ifUnknown: check)
      }
      return try existingForKey(key, new: new)
    } catch {
      throw fail(error, ifUnknown: check)
    }
    return TxnAddResult(transaction: try Transaction(stored), created: true)
  }

  /// The same key again: the same data returns the first transaction, other data is a conflict.
  private func existingForKey(_ key: String, new: NewTransaction) throws(FidoError) -> TxnAddResult
  {
    let found = try mongo { () throws(MongoError) in
      try transactions.findOne(Self.keyFilter(new.user.id, [key]))
    }
    guard let found else {
      throw .conflict(
        "idempotency key \(CoreText.quoted(key)) is in use and could not be read back; retry")
    }
    let existing = try Transaction(found)
    let sameDate = new.date.map { $0 == existing.date } ?? true
    guard existing.amount == new.amount, existing.type == new.type, sameDate else {
      throw .conflict(
        "idempotency key \(CoreText.quoted(key)) was already used for transaction \(existing.id.hex) with other data; use a new key"
      )
    }
    return TxnAddResult(transaction: existing, created: false)
  }

  /// Transactions of `user` with one of `keys`. The `$type` term makes the
  /// query imply the partial index's filter, so MongoDB can use the unique
  /// (user_id, key) index for it.
  static func keyFilter(_ user: ObjectID, _ keys: [String]) -> Document {
    let key: Document =
      keys.count == 1
      ? ["$eq": .string(keys[0]), "$type": "string"]
      : ["$in": .array(keys.map { .string($0) }), "$type": "string"]
    return ["user_id": .objectID(user), "key": .document(key)]
  }

  /// A new transaction's document as `txn add` and `txn import` store it,
  /// with its notification: `skipped` with `smsSkipReason`, or `pending` and
  /// due now. `balanceAfter`, the balance after the transaction, gives the
  /// message text (which names it); nil leaves the text out (`txn add` has
  /// it once its balance update returned; an import works it out for the
  /// alerts it queues only). `leaseUntil`: `txn add` holds a pending alert it
  /// is about to send until then.
  static func newTransactionDocument(
    id: ObjectID, user: User, amount: Int64, type: TxnType, date: Int64, key: String?,
    smsSkipReason: String?, balanceAfter: Int64?, leaseUntil: Int64? = nil, now: Int64
  ) -> Document {
    var sms: SMSState
    if let reason = smsSkipReason {
      sms = SMSState(
        status: .skipped, to: user.phone, lastError: reason, nextAttemptAt: nil, now: now)
    } else {
      sms = SMSState(status: .pending, to: user.phone, lastError: nil, nextAttemptAt: now, now: now)
    }
    sms.body = balanceAfter.map {
      SMSText.make(user: user, type: type, amount: amount, balance: $0)
    }
    var smsDoc = sms.document
    if sms.status == .pending, let leaseUntil { smsDoc["lease_until"] = .date(leaseUntil) }
    return transactionDocument(
      id: id, user: user, amount: amount, type: type, date: date, key: key, sms: smsDoc, now: now)
  }

  /// The fields of a transaction document in their stored order, around a
  /// notification built by the caller: `newTransactionDocument` for a new
  /// transaction (`db migrate-legacy` still builds its `skipped` one itself).
  static func transactionDocument(
    id: ObjectID, user: User, amount: Int64, type: TxnType, date: Int64, key: String?,
    sms: Document, now: Int64
  ) -> Document {
    var doc: Document = [
      "_id": .objectID(id), "user_id": .objectID(user.id), "full_name": .string(user.name),
      "amount": .int64(amount), "currency": .string(user.currency.code),
      "type": .string(type.rawValue), "date": .date(date),
    ]
    if let key { doc["key"] = .string(key) }
    doc["sms"] = .document(sms)
    doc["created_at"] = .date(now)
    doc["updated_at"] = .date(now)
    return doc
  }

  // MARK: read

  /// One transaction, read exactly: a document fido cannot read (an amount
  /// that is not an integer, a currency other than its user's, …) is invalid
  /// data naming the field, never a guessed value. Its user's currency is
  /// read too (a second find); an orphan's currency is checked on its own.
  package func transaction(_ id: ObjectID) throws(FidoError) -> Transaction {
    let found = try mongo { () throws(MongoError) in
      try transactions.findOne(["_id": .objectID(id)])
    }
    guard let found else {
      throw .notFound("no transaction \(id.hex); list them with 'fido txn list --user USER'")
    }
    // The fields first: a document unreadable on its own needs no user.
    if let problem = StoredTransaction.check(found, userCurrency: nil),
      problem.field != "currency"
    {
      throw problem.error
    }
    let currency = try userCurrency(found["user_id"]?.objectIDValue)
    return try Transaction(found, userCurrency: currency)
  }

  /// The currency of a user, read alone; nil when there is no such user or
  /// its currency is unreadable (`db check` reports both).
  package func userCurrency(_ id: ObjectID?) throws(FidoError) -> Currency? {
    guard let id else { return nil }
    let doc = try mongo { () throws(MongoError) in
      try users.findOne(["_id": .objectID(id)], projection: ["currency": 1])
    }
    return doc?["currency"]?.stringValue.flatMap(Currency.lookup)
  }

  /// Streams a user's transactions newest first (date, then id). A document
  /// fido cannot read goes to `invalid` instead (and the list goes on); with
  /// `userCurrency`, one in another currency is such a document.
  package func listTransactions(
    _ filter: TxnFilter, userCurrency: Currency?,
    invalid: (UnreadableDocument) throws(FidoError) -> Void,
    _ each: (Transaction) throws(FidoError) -> Void
  )
    throws(FidoError)
  {
    var query: Document = ["user_id": .objectID(filter.user)]
    var range = Document()
    if let since = filter.since { range["$gte"] = .date(since) }
    if let until = filter.until { range["$lte"] = .date(until) }
    if !range.isEmpty { query["date"] = .document(range) }
    if let type = filter.type { query["type"] = .string(type.rawValue) }
    if let after = filter.after {
      let anchor = try transaction(after)
      guard anchor.userID == filter.user else {
        throw .invalidData("--after \(after.hex) is a transaction of another user")
      }
      query["$or"] = .array([
        ["date": ["$lt": .date(anchor.date)]],
        ["date": .date(anchor.date), "_id": ["$lt": .objectID(after)]],
      ])
    }
    let cursor = try mongo { () throws(MongoError) in
      try transactions.find(query, sort: ["date": -1, "_id": -1], limit: filter.limit)
    }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      let txn: Transaction
      do {
        txn = try Transaction(reading: doc, userCurrency: userCurrency)
      } catch {
        try invalid(error)
        continue
      }
      try each(txn)
    }
  }

  // MARK: update and delete

  package func updateTransaction(_ id: ObjectID, _ changes: TxnChanges, now: Int64)
    throws(FidoError)
    -> Transaction
  {
    try atomically(
      ifUnknown:
        "the change to transaction \(id.hex) may or may not have been applied: run 'fido txn get \(id.hex)' to see"
    ) { (session) throws(StoreError) -> Transaction in
      guard
        let found = try driver({ () throws(MongoError) in
          try transactions.findOne(["_id": .objectID(id)], session: session)
        })
      else {
        throw .fido(
          .notFound("no transaction \(id.hex); list them with 'fido txn list --user USER'"))
      }
      let old = try checked { () throws(FidoError) in try Transaction(found) }
      let amount = try checked { () throws(FidoError) in
        try changes.amount.map { text throws(FidoError) in
          try Money.minorUnits(text, currency: old.currency)
        } ?? old.amount
      }
      let type = changes.type ?? old.type
      let date = changes.date ?? old.date
      // The filter holds the old values, so a concurrent change to the same
      // transaction makes this one match nothing instead of losing an update.
      let updated = try driver { () throws(MongoError) in
        try transactions.findOneAndUpdate(
          [
            "_id": .objectID(id), "amount": .int64(old.amount), "type": .string(old.type.rawValue),
            "date": .date(old.date),
          ],
          update: [
            "$set": [
              "amount": .int64(amount), "type": .string(type.rawValue), "date": .date(date),
              "updated_at": .date(now),
            ]
          ], returnNew: true, session: session)
      }
      guard let updated else {
        throw .fido(
          .conflict(
            "transaction \(id.hex) changed while it was being updated; run the command again"))
      }
      let removeOld = StatsEffect.remove(type: old.type, amount: old.amount, date: old.date)
      let addNew = StatsEffect.add(type: type, amount: amount, date: date)
      // The changed fields, before and after.
      var was: Document = ["id": .objectID(id)]
      var becomes: Document = ["id": .objectID(id)]
      let fields: [(String, BSONValue, BSONValue)] = [
        ("amount", .int64(old.amount), .int64(amount)),
        ("type", .string(old.type.rawValue), .string(type.rawValue)),
        ("date", .date(old.date), .date(date)),
      ]
      for (field, from, to) in fields where from != to {
        was.append(field, from)
        becomes.append(field, to)
      }
      let applied = try applyAudited(
        old.userID, known: nil, removeOld.combined(with: addNew), now: now, session: session
      ) { [was, becomes] before, after in
        AuditDraft(
          action: .txnUpdate, collection: Collections.transactions, ids: [id],
          before: ["transactions": [.document(was)], "user": .document(before)],
          after: ["transactions": [.document(becomes)], "user": .document(after)])
      }
      // Only a new date can empty the old day, and it moves first/last too.
      if date != old.date {
        try refreshFirstLast(old.userID, dropping: applied.emptiedDays, session: session)
      }
      return try checked { () throws(FidoError) in try Transaction(updated) }
    }
  }

  package func deleteTransaction(_ id: ObjectID, now: Int64) throws(FidoError) -> Transaction {
    try atomically(
      ifUnknown:
        "transaction \(id.hex) may or may not have been deleted: run 'fido txn get \(id.hex)' to see (\"no transaction\" means it was)"
    ) { (session) throws(StoreError) -> Transaction in
      // Only a document fido can read is deleted (its figures are known);
      // one it cannot read is reported, and nothing is written.
      guard
        let found = try driver({ () throws(MongoError) in
          try transactions.findOneAndDelete(
            ["_id": .objectID(id), "$expr": StoredTransaction.predicate(currency: nil)],
            session: session)
        })
      else {
        if let doc = try driver({ () throws(MongoError) in
          try transactions.findOne(["_id": .objectID(id)], session: session)
        }) {
          throw .fido(
            (StoredTransaction.check(doc, userCurrency: nil)?.error)
              ?? .conflict(
                "transaction \(id.hex) changed while it was being deleted; run the command again"))
        }
        throw .fido(
          .notFound("no transaction \(id.hex); list them with 'fido txn list --user USER'"))
      }
      let old = try checked { () throws(FidoError) in try Transaction(found) }
      let effect = StatsEffect.remove(type: old.type, amount: old.amount, date: old.date)
      let applied = try applyAudited(old.userID, known: nil, effect, now: now, session: session) {
        before, after in
        AuditDraft(
          action: .txnDelete, collection: Collections.transactions, ids: [id],
          before: ["transactions": [.document(AuditState.txn(found))], "user": .document(before)],
          after: ["user": .document(after)])
      }
      try refreshFirstLast(old.userID, dropping: applied.emptiedDays, session: session)
      return old
    }
  }

  // MARK: statistics

  /// Applies an effect to the user's balance, counters and day counters with
  /// `$inc`/`$min`/`$max` in one findAndModify whose filter lets it through
  /// only while every figure it changes stays in Int64 (so concurrent writers
  /// cannot jointly overflow one, with or without transactions). Returns the
  /// new balance and the days the effect took a transaction from that are
  /// now empty. A figure that would leave Int64 is invalid data naming the
  /// user and the figure. `audit` adds filter terms (the history head it was
  /// built from) and `$set` terms (the new head); a write it alone keeps from
  /// matching returns nil.
  func applyToUser(
    _ user: ObjectID, _ effect: StatsEffect, now: Int64, session: MongoSession?,
    audit: (filter: Document, set: Document)? = nil
  ) throws(StoreError) -> (balance: Int64, emptiedDays: [String])? {
    var projection: Document = ["balance": 1]
    let shrinking = effect.days.filter { $0.value.count < 0 }.map { FidoDate.day($0.key) }
    for day in shrinking { projection["stats.days.\(day).count"] = 1 }
    var filter = Self.guardedFilter(user, effect, pinned: audit?.filter ?? [:])
    var update = try checked { () throws(FidoError) in
      try Self.userUpdate(effect, now: now, user: user)
    }
    if let audit {
      filter = Self.allOf(filter, audit.filter)
      var set = update["$set"]?.documentValue ?? [:]
      set.append(contentsOf: audit.set)
      update["$set"] = .document(set)
    }
    let write = update
    let doc = try driver { () throws(MongoError) in
      try users.findOneAndUpdate(
        filter, update: .document(write), returnNew: true, projection: projection,
        session: session)
    }
    guard let doc else {
      if let why = try refusal(user, effect, session: session) { throw .fido(why) }
      // Nothing explains it but a change in between.
      if audit != nil { return nil }
      throw .fido(Self.changedMeanwhile(user))
    }
    guard let balance = doc["balance"]?.int64Value else {
      throw .fido(
        .invalidData(
          "user \(user.hex): its stored balance is not a whole number of minor units; run 'fido db check'"
        ))
    }
    let days = doc["stats"]?.documentValue?["days"]?.documentValue
    let emptied = shrinking.filter { day in
      (days?[day]?.documentValue?["count"]?.int64Value ?? 0) <= 0
    }
    return (balance, emptied)
  }

  /// The user's `_id` and, for each figure the effect changes, a bound that
  /// its stored value must keep for the `$inc` to stay in Int64
  /// (`$not: {$gt: …}` also matches a figure not stored yet).
  ///
  /// A figure the write also pins to a value (`pinned`, by path) whose sum
  /// with the change fits needs no bound: the update matches that value or
  /// nothing. Each term is a condition the server evaluates per update.
  static func guardedFilter(_ user: ObjectID, _ effect: StatsEffect, pinned: Document = [:])
    -> Document
  {
    var filter: Document = ["_id": .objectID(user)]
    for change in effect.changes where change.delta != 0 {
      // Deltas that do not fit Int64 are refused by userUpdate before this runs.
      guard let delta = Int64(exactly: change.delta) else { continue }
      if let value = pinned[change.path]?.int64Value,
        Int64(exactly: Int128(value) + change.delta) != nil
      {
        continue
      }
      filter.append(
        change.path,
        delta > 0
          ? ["$not": ["$gt": .int64(Int64.max - delta)]]
          : ["$not": ["$lt": .int64(Int64.min - delta)]])
    }
    return filter
  }

  /// A filter matching what both `a` and `b` match. A field both constrain
  /// (a figure's guard and its pinned value) gets one condition holding both
  /// terms, a plain value becoming `$eq`: a filter naming a field twice is
  /// read differently by different servers and drivers (SecantusDB keeps
  /// only the last, which dropped the guard).
  static func allOf(_ a: Document, _ b: Document) -> Document {
    func operators(_ v: BSONValue) -> Document {
      if case .document(let d) = v, !d.isEmpty, d.allSatisfy({ $0.key.hasPrefix("$") }) {
        return d
      }
      return ["$eq": v]
    }
    var out = a
    var rest: [BSONValue] = []
    for (key, value) in b {
      guard let existing = out[key] else {
        out.append(key, value)
        continue
      }
      let x = operators(existing)
      let y = operators(value)
      if y.allSatisfy({ term in x[term.key] == nil }) {
        out[key] = .document(x.merging(y))
      } else {
        rest.append(.document([key: value]))
      }
    }
    if !rest.isEmpty { out["$and"] = .array((out["$and"]?.arrayValue ?? []) + rest) }
    return out
  }

  /// Why a guarded update matched nothing, read in the same session (the
  /// same snapshot inside a transaction): the user is gone (not found), or a
  /// figure would leave Int64 (invalid data, naming the user and the
  /// figure). Nil when neither: it changed in between (`changedMeanwhile`).
  func refusal(
    _ user: ObjectID, _ effect: StatsEffect, session: MongoSession?,
    outcome: String = "nothing was written"
  ) throws(StoreError) -> FidoError? {
    var projection: Document = ["currency": 1]
    for change in effect.changes where change.delta != 0 { projection[change.path] = 1 }
    guard
      let doc = try driver({ () throws(MongoError) in
        try users.findOne(["_id": .objectID(user)], projection: projection, session: session)
      })
    else { return .notFound("no user \(user.hex); it was deleted meanwhile") }
    if let problem = Self.overflow(doc, effect) {
      return .invalidData("user \(user.hex): \(problem); \(outcome)")
    }
    return nil
  }

  /// A guarded update that matched nothing for no reason `refusal` finds:
  /// without transactions, the user changed in between.
  static func changedMeanwhile(_ user: ObjectID) -> FidoError {
    .conflict("user \(user.hex) changed while it was being updated; run the command again")
  }

  /// The first figure of a user document that `effect` would take out of
  /// Int64, as a sentence; nil when every figure fits. Computed in Int128.
  static func overflow(_ user: Document, _ effect: StatsEffect) -> String? {
    let currency = user["currency"]?.stringValue.flatMap(Currency.lookup) ?? .ghs
    for change in effect.changes where change.delta != 0 {
      var value: BSONValue? = .document(user)
      for part in change.path.split(separator: ".") {
        value = value?.documentValue?[String(part)]
      }
      let stored: Int128
      switch value {
      case nil, .null?: stored = 0
      case let v?:
        guard let n = v.exactInt64 else {
          return "its stored \(change.name) is not a whole number; run 'fido db check'"
        }
        stored = Int128(n)
      }
      if let problem = Self.pastLimit(
        change.name, stored + change.delta, money: change.money, currency)
      {
        return problem
      }
    }
    return nil
  }

  /// nil when `value` fits Int64, else a sentence naming the figure, the
  /// value it would reach and the limit.
  static func pastLimit(_ name: String, _ value: Int128, money: Bool, _ currency: Currency)
    -> String?
  {
    if Int64(exactly: value) != nil { return nil }
    let limit: Int64 = value > 0 ? .max : .min
    func show(_ v: Int128) -> String {
      money ? Money(minor: v, currency: currency).display : "\(v)"
    }
    return
      "\(name) would become \(show(value)), past the \(value > 0 ? "largest" : "smallest") figure fido stores (\(show(Int128(limit))))"
  }

  /// The update document for an effect: `$inc` counters and day counters,
  /// `$min`/`$max` dates. A change too large for one Int64 `$inc` (an
  /// import batch of many maximal amounts) is refused.
  static func userUpdate(_ effect: StatsEffect, now: Int64, user: ObjectID) throws(FidoError)
    -> Document
  {
    var inc = Document()
    for change in effect.changes where change.always || change.delta != 0 {
      guard let delta = Int64(exactly: change.delta) else {
        throw .invalidData(
          "user \(user.hex): one write would change \(change.name) by \(change.delta), more than a figure holds; import in smaller batches (--batch-size)"
        )
      }
      // Distinct paths by construction: append, no look-up.
      inc.append(change.path, .int64(delta))
    }
    var update: Document = ["$inc": .document(inc), "$set": ["updated_at": .date(now)]]
    if let first = effect.extendFrom ?? effect.extendTo, let last = effect.extendTo {
      update["$min"] = ["stats.first_at": .date(first)]
      update["$max"] = ["stats.last_at": .date(last)]
    }
    return update
  }

  /// Recomputes first/last transaction time from the (user_id, date) index
  /// after a removal, and drops the day counters it left empty.
  func refreshFirstLast(_ user: ObjectID, dropping emptied: [String], session: MongoSession?)
    throws(StoreError)
  {
    try driver { () throws(MongoError) in
      let filter: Document = ["user_id": .objectID(user)]
      let first = try transactions.findOne(
        filter, sort: ["date": 1], projection: ["date": 1], session: session)
      let last = try transactions.findOne(
        filter, sort: ["date": -1], projection: ["date": 1], session: session)
      var update = Document()
      var unset = Document()
      if let f = first?["date"], let l = last?["date"] {
        update["$set"] = ["stats.first_at": f, "stats.last_at": l]
      } else {
        unset["stats.first_at"] = ""
        unset["stats.last_at"] = ""
      }
      for day in emptied { unset["stats.days.\(day)"] = "" }
      if !unset.isEmpty { update["$unset"] = .document(unset) }
      _ = try users.updateOne(
        ["_id": .objectID(user)], update: .document(update), session: session)
    }
  }
}

/// How an effect names the stored figures it changes (the user document's
/// paths; the arithmetic itself is the model's `StatsEffect`).
extension StatsEffect {
  /// One stored figure the effect changes.
  struct Change {
    /// Its path in the user document (`stats.days.2023-08-18.amount`).
    var path: String
    /// Its name in messages, as `db check` names it (`day 2023-08-18 amount`).
    var name: String
    var delta: Int128
    var money: Bool
    /// `$inc`ed even by 0 (so a new user's counters exist as Int64).
    var always: Bool
  }

  /// Balance, counters, then day counters in day order.
  var changes: [Change] {
    let c = counters
    var out: [Change] = [
      Change(path: "balance", name: "balance", delta: balance, money: true, always: true),
      Change(path: "stats.count", name: "count", delta: c.count, money: false, always: true),
      Change(
        path: "stats.credit_count", name: "credit_count", delta: c.creditCount, money: false,
        always: true),
      Change(
        path: "stats.debit_count", name: "debit_count", delta: c.debitCount, money: false,
        always: true),
      Change(
        path: "stats.credit_total", name: "credit_total", delta: c.creditTotal, money: true,
        always: true),
      Change(
        path: "stats.debit_total", name: "debit_total", delta: c.debitTotal, money: true,
        always: true),
    ]
    for (day, delta) in days.sorted(by: { $0.key < $1.key }) {
      let key = FidoDate.day(day)
      out.append(
        Change(
          path: "stats.days.\(key).count", name: "day \(key) count", delta: delta.count,
          money: false, always: false))
      out.append(
        Change(
          path: "stats.days.\(key).amount", name: "day \(key) amount", delta: delta.amount,
          money: true, always: false))
    }
    return out
  }
}
