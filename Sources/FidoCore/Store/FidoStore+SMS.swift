extension FidoStore {
  /// Streams the outbox, oldest first.
  package func listSMS(
    status: SMSState.Status?, limit: Int64,
    invalid: (UnreadableDocument) throws(FidoError) -> Void = { _ in },
    _ each: (Transaction) throws(FidoError) -> Void
  )
    throws(FidoError)
  {
    var query = Document()
    if let status { query["sms.status"] = .string(status.rawValue) }
    let cursor = try mongo { () throws(MongoError) in
      try transactions.find(query, sort: ["_id": 1], limit: limit)
    }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      let txn: Transaction
      do {
        txn = try Transaction(reading: doc, userCurrency: nil)
      } catch {
        try invalid(error)
        continue
      }
      try each(txn)
    }
  }

  /// Whether another transaction of `user` already records Twilio message
  /// `sid` (the (user_id, date) index narrows the search to that user).
  func smsSIDIsRecorded(_ sid: String, user: ObjectID, except: ObjectID) throws(FidoError) -> Bool {
    try mongo { () throws(MongoError) in
      try transactions.countDocuments(
        ["user_id": .objectID(user), "sms.sid": .string(sid), "_id": ["$ne": .objectID(except)]],
        limit: 1) > 0
    }
  }

  /// The phone an alert of `user` goes to now: the user's current phone,
  /// `.noPhone` when it was removed or the user deleted, `.optedOut` when
  /// that phone unsubscribed (Twilio 21610). One find by `_id` (the phone
  /// and its opt-out only), made just before a send.
  func currentPhone(of user: ObjectID) throws(FidoError) -> SMSTarget {
    let doc = try mongo { () throws(MongoError) in
      try users.findOne(["_id": .objectID(user)], projection: ["phone": 1, "sms_opt_out": 1])
    }
    guard let phone = doc?["phone"]?.stringValue else { return .noPhone }
    if doc?["sms_opt_out"]?.documentValue?["phone"]?.stringValue == phone {
      return .optedOut(phone)
    }
    return .phone(phone)
  }

  /// Twilio refused a send to `phone` with 21610 (the recipient replied
  /// STOP): records the opt-out on the user, tied to that number, so later
  /// alerts are skipped until the phone changes. Nothing happens when the
  /// user's phone is no longer `phone`.
  func markOptedOut(user: ObjectID, phone: String, reason: String, now: Int64) throws(FidoError) {
    _ = try mongo { () throws(MongoError) in
      try users.updateOne(
        ["_id": .objectID(user), "phone": .string(phone)],
        update: [
          "$set": [
            "sms_opt_out": ["phone": .string(phone), "at": .date(now), "reason": .string(reason)]
          ]
        ])
    }
  }

  /// Claims one due pending notification for `owner` until the lease ends.
  /// The filter and the update are one atomic findAndModify, so two senders
  /// never hold the same notification; an expired lease (a crashed sender)
  /// can be claimed again.
  ///
  /// A claimed alert whose transaction fido cannot read (another tool wrote
  /// it) is not sent: it is put off by `putOffMillis`, its lease released and
  /// the reason kept in `sms.last_error`, so one such document never holds
  /// up the alerts behind it.
  func claimDueSMS(owner: String, leaseMillis: Int64, putOffMillis: Int64, now: Int64)
    throws(FidoError) -> SMSClaim?
  {
    let filter: Document = [
      "sms.status": "pending",
      "sms.next_attempt_at": ["$lte": .date(now)],
      "$or": [["sms.lease_until": .null], ["sms.lease_until": ["$lte": .date(now)]]],
    ]
    let update: BSONValue = [
      "$set": ["sms.lease_until": .date(now + leaseMillis), "sms.lease_owner": .string(owner)]
    ]
    let doc = try mongo { () throws(MongoError) in
      try transactions.findOneAndUpdate(
        filter, update: update, sort: ["sms.next_attempt_at": 1], returnNew: true)
    }
    guard let doc else { return nil }
    return try claim(
      doc,
      putOff: [
        "$set": [
          "sms.next_attempt_at": .date(now + putOffMillis), "sms.updated_at": .date(now),
        ],
        "$unset": ["sms.lease_until": "", "sms.lease_owner": ""],
      ], owner: owner)
  }

  /// The claimed alert, or (its transaction unreadable) the reason, once
  /// `putOff` and the reason are written to it.
  private func claim(_ doc: Document, putOff: Document, owner: String?) throws(FidoError)
    -> SMSClaim
  {
    let unreadable: UnreadableDocument
    do {
      return .alert(try Transaction(reading: doc, userCurrency: nil))
    } catch {
      unreadable = error
    }
    var filter: Document = ["_id": doc["_id"] ?? .null]
    if let owner { filter["sms.lease_owner"] = .string(owner) }
    var update = putOff
    var set = update["$set"]?.documentValue ?? [:]
    set["sms.last_error"] = .string(
      "left alone: \(unreadable.sentence); fido shows no guessed value: see 'fido db check'")
    update["$set"] = .document(set)
    let write = update
    _ = try mongo { () throws(MongoError) in
      try transactions.updateOne(filter, update: .document(write))
    }
    return .unreadable(unreadable)
  }

  /// Records an attempt's outcome and releases the lease. With an owner, only
  /// that owner's claim is updated; `txn add` (owner nil) holds the lease it
  /// set at insert.
  func recordSMS(_ id: ObjectID, _ attempt: SMSAttempt, owner: String?, now: Int64)
    throws(FidoError) -> Transaction
  {
    var set: Document = ["sms.updated_at": .date(now)]
    var unset: Document = ["sms.lease_until": "", "sms.lease_owner": ""]
    var inc: Document = [:]
    switch attempt.kind {
    case .sent(let sid):
      set["sms.status"] = "sent"
      set["sms.sid"] = .string(sid)
      set["sms.last_error"] = .null
      set["sms.next_attempt_at"] = .null
      // Its delivery status can be fetched from now on (`sms sync`, the worker).
      set["sms.sent_at"] = .date(now)
      set["sms.next_sync_at"] = .date(now)
      inc["sms.attempts"] = 1
    case .retry(let delay, let reason):
      set["sms.status"] = "pending"
      set["sms.last_error"] = .string(reason)
      set["sms.next_attempt_at"] = .date(now + delay)
      inc["sms.attempts"] = 1
    case .failed(let reason):
      set["sms.status"] = "failed"
      set["sms.last_error"] = .string(reason)
      set["sms.next_attempt_at"] = .null
      inc["sms.attempts"] = 1
    case .skipped(let reason):
      set["sms.status"] = "skipped"
      set["sms.last_error"] = .string(reason)
      set["sms.next_attempt_at"] = .null
    case .unauthorized(let reason):
      set["sms.status"] = "pending"
      set["sms.last_error"] = .string(
        "Twilio refused the credentials (\(reason)); fix TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN, then run 'fido sms retry'"
      )
      set["sms.next_attempt_at"] = .date(now)
    }
    if let to = attempt.to { set["sms.to"] = .string(to) }
    if attempt.ambiguous {
      if let at = attempt.ambiguousAt { set["sms.ambiguous_since"] = .date(at) }
    } else {
      unset["sms.ambiguous_since"] = ""
    }
    var filter: Document = ["_id": .objectID(id), "sms.status": "pending"]
    if let owner { filter["sms.lease_owner"] = .string(owner) }
    var update: Document = ["$set": .document(set), "$unset": .document(unset)]
    if !inc.isEmpty { update["$inc"] = .document(inc) }
    let doc = try mongo { () throws(MongoError) in
      try transactions.findOneAndUpdate(filter, update: .document(update), returnNew: true)
    }
    if let doc { return try Transaction(doc) }
    // The claim was lost (lease expired and taken over): report the stored state.
    return try transaction(id)
  }
}

/// What claiming an alert found.
package enum SMSClaim {
  case alert(Transaction)
  /// Its transaction cannot be read: put off, not sent or fetched.
  case unreadable(UnreadableDocument)
}

/// Where an alert goes when it is about to be sent.
enum SMSTarget: Equatable {
  case phone(String)
  /// The user has no phone any more, or was deleted.
  case noPhone
  /// The user's phone unsubscribed (Twilio 21610).
  case optedOut(String)
}

// MARK: - Delivery status

extension FidoStore {
  /// How long after its send an alert's delivery status is still fetched.
  package static let syncWindowMillis: Int64 = 72 * 3_600_000

  /// Claims one sent alert whose delivery status is due to be fetched: sent
  /// less than 72 hours before `now` (and at least `minAgeMillis` before
  /// it), `next_sync_at` before `dueBefore`.
  /// The claim moves `next_sync_at` `leaseMillis` ahead, so concurrent
  /// syncers fetch different alerts, and a syncer that dies leaves the alert
  /// due again once that time has passed.
  func claimSyncableSMS(
    dueBefore: Int64, minAgeMillis: Int64, leaseMillis: Int64, putOffMillis: Int64, now: Int64
  ) throws(FidoError) -> SMSClaim? {
    let filter: Document = [
      "sms.status": "sent",
      "sms.next_sync_at": ["$lt": .date(dueBefore)],
      "sms.sent_at": [
        "$gte": .date(now - Self.syncWindowMillis), "$lte": .date(now - minAgeMillis),
      ],
    ]
    let update: BSONValue = ["$set": ["sms.next_sync_at": .date(now + leaseMillis)]]
    let doc = try mongo { () throws(MongoError) in
      try transactions.findOneAndUpdate(
        filter, update: update, sort: ["sms.next_sync_at": 1], returnNew: true)
    }
    guard let doc else { return nil }
    return try claim(
      doc, putOff: ["$set": ["sms.next_sync_at": .date(now + putOffMillis)]], owner: nil)
  }

  /// What a fetch of a sent alert's message came to.
  enum SyncRecord {
    /// Final: `delivered`, or `undelivered` with Twilio's error code and message.
    case delivered
    case undelivered(code: Int64?, message: String)
    /// Not final yet, or the fetch failed: fetch again at `at`.
    case again(at: Int64)
    /// Twilio has no such message: stop fetching it, saying why.
    case abandon(reason: String)
  }

  /// Records a sync's result, only while the alert is still `sent` with that
  /// sid. Returns false when it was not (another syncer got there first).
  @discardableResult
  func recordSync(_ id: ObjectID, sid: String, _ record: SyncRecord, now: Int64) throws(FidoError)
    -> Bool
  {
    var set: Document = [:]
    var unset: Document = [:]
    switch record {
    case .delivered:
      set = ["sms.status": "delivered", "sms.updated_at": .date(now), "sms.last_error": .null]
      unset = ["sms.next_sync_at": ""]
    case .undelivered(let code, let message):
      set = [
        "sms.status": "undelivered", "sms.updated_at": .date(now),
        "sms.last_error": .string(message),
        "sms.error_code": code.map { .int64($0) } ?? .null,
      ]
      unset = ["sms.next_sync_at": ""]
    case .again(let at):
      set = ["sms.next_sync_at": .date(at)]
    case .abandon(let reason):
      set = ["sms.last_error": .string(reason), "sms.updated_at": .date(now)]
      unset = ["sms.next_sync_at": ""]
    }
    var update: Document = ["$set": .document(set)]
    if !unset.isEmpty { update["$unset"] = .document(unset) }
    let result = try mongo { () throws(MongoError) in
      try transactions.updateOne(
        ["_id": .objectID(id), "sms.status": "sent", "sms.sid": .string(sid)],
        update: .document(update))
    }
    return result.matched > 0
  }
}

/// Transactions inserted with a pending alert, as they arrive (a change
/// stream): what `txn add` in queue mode and `txn import --sms` write, for
/// the worker to wake on.
package final class PendingSMSWatch {
  private let store: FidoStore
  private let stream: MongoChangeStream

  fileprivate init(store: FidoStore, stream: MongoChangeStream) {
    self.store = store
    self.stream = stream
  }

  /// Waits up to the stream's await time: true when a new pending alert
  /// was inserted meanwhile.
  package func next() throws(FidoError) -> Bool {
    try store.mongo { () throws(MongoError) in try stream.next() } != nil
  }
}

extension FidoStore {
  /// A watch of new pending alerts, each wait at most `maxAwaitMS`.
  package func watchNewPendingSMS(maxAwaitMS: Int64) throws(FidoError) -> PendingSMSWatch {
    let stream = try mongo { () throws(MongoError) in
      try transactions.watch(
        [["$match": ["operationType": "insert", "fullDocument.sms.status": "pending"]]],
        maxAwaitTimeMS: maxAwaitMS)
    }
    return PendingSMSWatch(store: self, stream: stream)
  }
}
