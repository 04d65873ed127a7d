/// What `user create` stores.
package struct NewUser: Sendable {
  package var name: String
  package var email: String
  package var phone: String?
  package var currency: Currency
  package var openingBalance: Int64
  package var passwordHash: String?
  package init(
    name: String, email: String, phone: String?, currency: Currency, openingBalance: Int64,
    passwordHash: String?
  ) {
    self.name = name
    self.email = email
    self.phone = phone
    self.currency = currency
    self.openingBalance = openingBalance
    self.passwordHash = passwordHash
  }
}

/// What `user update` changes; nil leaves a field alone.
package struct UserChanges: Sendable {
  package var name: String?
  package var email: String?
  /// `.some(nil)` removes the phone.
  package var phone: String??
  package var passwordHash: String?
  package init(
    name: String? = nil, email: String? = nil, phone: String?? = nil, passwordHash: String? = nil
  ) {
    self.name = name
    self.email = email
    self.phone = phone
    self.passwordHash = passwordHash
  }
  package var isEmpty: Bool { name == nil && email == nil && phone == nil && passwordHash == nil }
}

package struct UserFilter: Sendable {
  package var email: String?
  package var nameContains: String?
  package var after: ObjectID?
  /// 0 means all.
  package var limit: Int64
  package init(
    email: String? = nil, nameContains: String? = nil, after: ObjectID? = nil, limit: Int64 = 100
  ) {
    self.email = email
    self.nameContains = nameContains
    self.after = after
    self.limit = limit
  }
}

/// A user reference from the command line: a 24-hex id or an email address.
package enum UserRef: Sendable, Hashable {
  case id(ObjectID)
  case email(String)

  package static func parse(_ text: String) throws(FidoError) -> UserRef {
    if let id = ObjectID(hex: text) { return .id(id) }
    if text.contains("@") { return .email(try Email.normalize(text)) }
    throw .invalidData(
      "invalid user \(CoreText.quoted(text)): give a 24-hex-digit user id or an email address")
  }

  var filter: Document {
    switch self {
    case .id(let id): ["_id": .objectID(id)]
    case .email(let email): ["email": .string(email)]
    }
  }

  package var description: String {
    switch self {
    case .id(let id): id.hex
    case .email(let email): email
    }
  }
}

extension FidoStore {
  package func createUser(_ new: NewUser, now: Int64) throws(FidoError) -> User {
    try ensureIndexes()
    let id = ids.next(nowMs: now)
    var doc = Self.userDocument(id: id, new, createdAt: now, now: now)
    let (entries, head) = auditEntries(
      [
        AuditDraft(
          action: .userCreate, collection: Collections.users, ids: [id], before: nil,
          after: ["user": .document(AuditState.user(doc))])
      ], user: id, currency: new.currency.code, after: .empty, now: now)
    doc.append(contentsOf: head.set)
    let stored = doc
    try atomically { (session) throws(StoreError) -> Void in
      do throws(MongoError) {
        try users.insertOne(stored, session: session)
      } catch  where error.isDuplicateKey {
        throw .fido(.conflict("a user with email \(new.email) already exists"))
      } catch {
        throw .mongo(error)
      }
      try insertAudit(entries, session: session)
    }
    return try User(doc)
  }

  /// A new user's document as `user create` and `db migrate-legacy` store
  /// it: balance at the opening balance, no transactions counted yet.
  static func userDocument(id: ObjectID, _ new: NewUser, createdAt: Int64, now: Int64) -> Document {
    var doc: Document = [
      "_id": .objectID(id),
      "name": .string(new.name),
      "email": .string(new.email),
    ]
    if let phone = new.phone { doc["phone"] = .string(phone) }
    if let hash = new.passwordHash { doc["password_hash"] = .string(hash) }
    doc["currency"] = .string(new.currency.code)
    doc["opening_balance"] = .int64(new.openingBalance)
    doc["balance"] = .int64(new.openingBalance)
    doc["stats"] = .document(UserStats.emptyDocument)
    doc["created_at"] = .date(createdAt)
    doc["updated_at"] = .date(now)
    return doc
  }

  /// `withDays` reads the day counters (`stats.days`) too. A user document
  /// fido cannot read is invalid data naming the field. An email finds a
  /// user stored with it in another case or with surrounding spaces (written
  /// by another tool), to report that document rather than "no user": that
  /// second look (a case-insensitive scan of the email index) is made only
  /// when the exact one found nothing.
  package func user(_ ref: UserRef, withDays: Bool = false) throws(FidoError) -> User {
    let projection = withDays ? User.projectionWithDays : User.projection
    var found = try mongo { () throws(MongoError) in
      try users.findOne(ref.filter, projection: projection)
    }
    if found == nil, case .email(let email) = ref {
      found = try mongo { () throws(MongoError) in
        try users.findOne(Self.looseEmail(email), projection: projection)
      }
    }
    guard let found else {
      throw .notFound("no user \(ref.description); list users with 'fido user list'")
    }
    return try User(found)
  }

  /// Streams users in creation order to `each`; a document fido cannot read
  /// goes to `invalid` instead (and the list goes on).
  package func listUsers(
    _ filter: UserFilter, prefix: String? = nil,
    invalid: (UnreadableDocument) throws(FidoError) -> Void = { _ in },
    _ each: (User) throws(FidoError) -> Void
  ) throws(FidoError) {
    var query = Document()
    if let prefix, !prefix.isEmpty {
      query["email"] = .regex(pattern: "^" + Self.literalPattern(prefix), options: "")
    }
    if let email = filter.email { query["email"] = .string(email) }
    if let text = filter.nameContains {
      query["name"] = .regex(pattern: Self.literalPattern(text), options: "i")
    }
    if let after = filter.after { query["_id"] = ["$gt": .objectID(after)] }
    let cursor = try mongo { () throws(MongoError) in
      try users.find(query, sort: ["_id": 1], limit: filter.limit, projection: User.projection)
    }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) {
      let user: User
      do {
        user = try User(reading: doc)
      } catch {
        try invalid(error)
        continue
      }
      try each(user)
    }
  }

  /// An email finds a user stored with it in another case (another tool
  /// wrote it) too, as `user(_:)` does: `user update OLD --email NEW` is how
  /// such an email is put in normal form.
  package func updateUser(_ ref: UserRef, _ changes: UserChanges, now: Int64) throws(FidoError)
    -> User
  {
    do {
      return try updateUserExactly(ref, changes, now: now)
    } catch {
      guard case .notFound = error, case .email = ref else { throw error }
      let id: ObjectID
      do {
        id = try user(ref).id
      } catch {
        // Found only loosely, and unreadable: the update may be its fix.
        guard case .invalidData = error, let loose = try looseUserID(ref) else { throw error }
        id = loose
      }
      return try updateUserExactly(.id(id), changes, now: now)
    }
  }

  /// The id of the user an email finds in another case or with spaces, or nil.
  private func looseUserID(_ ref: UserRef) throws(FidoError) -> ObjectID? {
    guard case .email(let email) = ref else { return nil }
    return try mongo { () throws(MongoError) in
      try users.findOne(Self.looseEmail(email), projection: ["_id": 1])
    }?["_id"]?.objectIDValue
  }

  private func updateUserExactly(_ ref: UserRef, _ changes: UserChanges, now: Int64)
    throws(FidoError) -> User
  {
    var set: Document = ["updated_at": .date(now)]
    var unset = Document()
    if let name = changes.name { set["name"] = .string(name) }
    if let email = changes.email { set["email"] = .string(email) }
    if let phone = changes.phone {
      if let phone { set["phone"] = .string(phone) } else { unset["phone"] = "" }
      // A phone given again (or removed) ends an SMS opt-out (Twilio 21610):
      // the operator says this is the number to use now.
      unset["sms_opt_out"] = ""
    }
    if let hash = changes.passwordHash { set["password_hash"] = .string(hash) }
    let missing = FidoError.notFound("no user \(ref.description); list users with 'fido user list'")
    let updated = try atomically { (session) throws(StoreError) -> Document in
      var updated: Document?
      try auditedUserWrite(
        ref.filter, missing: missing, now: now, session: session,
        drafts: { (doc) throws(StoreError) in
          // The changed fields before and after; a password only as changed.
          var before = Document()
          var after = Document()
          func change(_ field: String, _ value: BSONValue) {
            let old = AuditState.profileValue(field, doc)
            if old != value {
              before.append(field, old)
              after.append(field, value)
            }
          }
          if let name = changes.name { change("name", .string(name)) }
          if let email = changes.email { change("email", .string(email)) }
          if let phone = changes.phone { change("phone", phone.map { .string($0) } ?? .null) }
          if changes.passwordHash != nil {
            before.append("password", AuditState.profileValue("password", doc))
            after.append("password", "set")
            after.append("password_changed", true)
          }
          return [
            AuditDraft(
              action: .userUpdate, collection: Collections.users,
              // auditedUserWrite read it with its ObjectId.
              ids: [doc["_id"]!.objectIDValue!],
              before: ["user": .document(before)], after: ["user": .document(after)])
          ]
        },
        write: { (filter, headSet) throws(StoreError) in
          var set = set
          set.append(contentsOf: headSet)
          var update: Document = ["$set": .document(set)]
          if !unset.isEmpty { update["$unset"] = .document(unset) }
          do throws(MongoError) {
            updated = try users.findOneAndUpdate(
              filter, update: .document(update), returnNew: true, projection: User.projection,
              session: session)
          } catch  where error.isDuplicateKey {
            throw .fido(.conflict("a user with email \(changes.email ?? "") already exists"))
          } catch {
            throw .mongo(error)
          }
          return updated != nil
        })
      return updated!
    }
    return try User(updated)
  }

  package func hasTransactions(_ user: ObjectID) throws(FidoError) -> Bool {
    try mongo { () throws(MongoError) in
      try transactions.countDocuments(["user_id": .objectID(user)], limit: 1) > 0
    }
  }

  /// Removes the user; with `cascade`, its transactions too, in one
  /// transaction. Without it, a user who has transactions is a conflict.
  /// History keeps every entry: the cascade adds one `txn.delete` entry per
  /// chunk of removed transactions (naming them, with their fields), then
  /// the `user.delete` entry, the last link of the user's chain.
  package func deleteUser(_ user: User, cascade: Bool, now: Int64) throws(FidoError) {
    let id = BSONValue.objectID(user.id)
    try atomically(
      ifUnknown:
        "user \(user.id.hex) may or may not have been deleted: run 'fido user get \(user.id.hex)' to see (\"no user\" means it was)"
    ) { (session) throws(StoreError) -> Void in
      if !cascade,
        try driver({ () throws(MongoError) in
          try transactions.countDocuments(["user_id": id], limit: 1, session: session)
        }) > 0
      {
        throw .fido(Self.hasTransactionsConflict(user))
      }
      try auditedUserWrite(
        ["_id": id],
        missing: FidoError.notFound("no user \(user.id.hex); it was deleted meanwhile"),
        now: now, session: session,
        drafts: { (doc) throws(StoreError) in
          var drafts: [AuditDraft] = []
          if cascade {
            let cursor = try driver { () throws(MongoError) in
              try transactions.find(["user_id": id], sort: ["_id": 1], session: session)
            }
            var chunk: [Document] = []
            func flush() {
              guard !chunk.isEmpty else { return }
              drafts.append(
                AuditDraft(
                  action: .txnDelete, collection: Collections.transactions,
                  ids: chunk.compactMap { $0["_id"]?.objectIDValue }, many: true,
                  before: ["transactions": .array(chunk.map { .document(AuditState.txn($0)) })],
                  after: nil))
              chunk.removeAll()
            }
            while let t = try driver({ () throws(MongoError) in try cursor.next() }) {
              chunk.append(t)
              if chunk.count == Self.auditChunk { flush() }
            }
            flush()
          }
          drafts.append(
            AuditDraft(
              action: .userDelete, collection: Collections.users, ids: [user.id],
              before: ["user": .document(AuditState.user(doc))], after: nil))
          return drafts
        },
        write: { (filter, _) throws(StoreError) in
          try driver { () throws(MongoError) in
            guard try users.deleteOne(filter, session: session) == 1 else { return false }
            if cascade { _ = try transactions.deleteMany(["user_id": id], session: session) }
            return true
          }
        })
    }
  }

  /// Transactions named per history entry when a batch removes many.
  static let auditChunk = 1000

  /// Why a user who has transactions cannot be deleted without --cascade.
  package static func hasTransactionsConflict(_ user: User) -> FidoError {
    .conflict("user \(user.email) has transactions; delete them first or pass --cascade")
  }

  /// "all 4 present" or the names missing, for `doctor`.
  package func indexReport() throws(FidoError) -> String {
    var missing: [String] = []
    var total = 0
    for (name, specs) in Indexes.all {
      let present = try mongo { () throws(MongoError) in
        try client.collection(name, db: config.db).listIndexes().compactMap {
          $0["name"]?.stringValue
        }
      }
      for spec in specs {
        total += 1
        if let n = spec["name"]?.stringValue, !present.contains(n) {
          missing.append("\(name).\(n)")
        }
      }
    }
    return missing.isEmpty
      ? "all \(total) present" : "missing \(missing.joined(separator: ", ")); run 'fido db init'"
  }

  /// Emails equal to `email` but for case and surrounding white space.
  /// `$regex` with `$options` (SecantusDB 0.7.0b3 matches no BSON regex
  /// value on an indexed field; MongoDB treats both forms alike).
  static func looseEmail(_ email: String) -> Document {
    [
      "email": [
        "$regex": .string("^\\s*" + literalPattern(email) + "\\s*$"), "$options": "i",
      ]
    ]
  }

  /// A regular expression matching `text` literally. Escapes Unicode
  /// scalars, not characters: a metacharacter that carries a combining mark
  /// (`|` + U+0301) is one Swift `Character` that is not `|`, but the regex
  /// engine sees a bare `|`.
  static func literalPattern(_ text: String) -> String {
    var out = ""
    for s in text.unicodeScalars {
      if "\\^$.|?*+()[]{}".unicodeScalars.contains(s) { out.unicodeScalars.append("\\") }
      out.unicodeScalars.append(s)
    }
    return out
  }
}
