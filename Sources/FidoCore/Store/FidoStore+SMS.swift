extension FidoStore {
  /// Streams the outbox, oldest first.
  public func listSMS(
    status: SMSState.Status?, limit: Int64, _ each: (Transaction) throws(FidoError) -> Void
  )
    throws(FidoError)
  {
    var query = Document()
    if let status { query["sms.status"] = .string(status.rawValue) }
    let cursor = try mongo { () throws(MongoError) in
      try transactions.find(query, sort: ["_id": 1], limit: limit)
    }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      try each(try Transaction(doc))
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

  /// The phone an alert of `user` goes to now: the user's current phone, nil
  /// when it was removed or the user deleted. One find by `_id` (the phone
  /// only), made just before a send.
  func currentPhone(of user: ObjectID) throws(FidoError) -> String? {
    let doc = try mongo { () throws(MongoError) in
      try users.findOne(["_id": .objectID(user)], projection: ["phone": 1])
    }
    return doc?["phone"]?.stringValue
  }

  /// Claims one due pending notification for `owner` until the lease ends.
  /// The filter and the update are one atomic findAndModify, so two senders
  /// never hold the same notification; an expired lease (a crashed sender)
  /// can be claimed again.
  func claimDueSMS(owner: String, leaseMillis: Int64, now: Int64) throws(FidoError) -> Transaction?
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
    return try doc.map { (d) throws(FidoError) in try Transaction(d) }
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
