/// What `user create` stores.
public struct NewUser: Sendable {
  public var name: String
  public var email: String
  public var phone: String?
  public var currency: Currency
  public var openingBalance: Int64
  public var passwordHash: String?
  public init(
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
public struct UserChanges: Sendable {
  public var name: String?
  public var email: String?
  /// `.some(nil)` removes the phone.
  public var phone: String??
  public var passwordHash: String?
  public init(
    name: String? = nil, email: String? = nil, phone: String?? = nil, passwordHash: String? = nil
  ) {
    self.name = name
    self.email = email
    self.phone = phone
    self.passwordHash = passwordHash
  }
  public var isEmpty: Bool { name == nil && email == nil && phone == nil && passwordHash == nil }
}

public struct UserFilter: Sendable {
  public var email: String?
  public var nameContains: String?
  public var after: ObjectID?
  /// 0 means all.
  public var limit: Int64
  public init(
    email: String? = nil, nameContains: String? = nil, after: ObjectID? = nil, limit: Int64 = 100
  ) {
    self.email = email
    self.nameContains = nameContains
    self.after = after
    self.limit = limit
  }
}

/// A user reference from the command line: a 24-hex id or an email address.
public enum UserRef: Sendable, Hashable {
  case id(ObjectID)
  case email(String)

  public static func parse(_ text: String) throws(FidoError) -> UserRef {
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

  public var description: String {
    switch self {
    case .id(let id): id.hex
    case .email(let email): email
    }
  }
}

extension FidoStore {
  public func createUser(_ new: NewUser, now: Int64) throws(FidoError) -> User {
    try ensureIndexes()
    var doc: Document = [
      "_id": .objectID(ids.next(nowMs: now)),
      "name": .string(new.name),
      "email": .string(new.email),
    ]
    if let phone = new.phone { doc["phone"] = .string(phone) }
    if let hash = new.passwordHash { doc["password_hash"] = .string(hash) }
    doc["currency"] = .string(new.currency.code)
    doc["opening_balance"] = .int64(new.openingBalance)
    doc["balance"] = .int64(new.openingBalance)
    doc["stats"] = .document(UserStats().document)
    doc["created_at"] = .date(now)
    doc["updated_at"] = .date(now)
    do {
      try users.insertOne(doc)
    } catch {
      if error.isDuplicateKey { throw .conflict("a user with email \(new.email) already exists") }
      throw fail(error)
    }
    return try User(doc)
  }

  /// `withDays` reads the day counters (`stats.days`) too.
  public func user(_ ref: UserRef, withDays: Bool = false, session: MongoSession? = nil)
    throws(FidoError) -> User
  {
    let projection = withDays ? User.projectionWithDays : User.projection
    let found = try mongo { () throws(MongoError) in
      try users.findOne(ref.filter, projection: projection, session: session)
    }
    guard let found else {
      throw .notFound("no user \(ref.description); list users with 'fido user list'")
    }
    return try User(found)
  }

  /// Streams users in creation order to `each`.
  public func listUsers(
    _ filter: UserFilter, prefix: String? = nil, _ each: (User) throws(FidoError) -> Void
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
      try each(try User(doc))
    }
  }

  public func updateUser(_ ref: UserRef, _ changes: UserChanges, now: Int64) throws(FidoError)
    -> User
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
    var update: Document = ["$set": .document(set)]
    if !unset.isEmpty { update["$unset"] = .document(unset) }
    let updated: Document?
    do {
      updated = try users.findOneAndUpdate(
        ref.filter, update: .document(update), returnNew: true, projection: User.projection)
    } catch {
      if error.isDuplicateKey, let email = changes.email {
        throw .conflict("a user with email \(email) already exists")
      }
      throw fail(error)
    }
    guard let updated else {
      throw .notFound("no user \(ref.description); list users with 'fido user list'")
    }
    return try User(updated)
  }

  public func hasTransactions(_ user: ObjectID) throws(FidoError) -> Bool {
    try mongo { () throws(MongoError) in
      try transactions.countDocuments(["user_id": .objectID(user)], limit: 1) > 0
    }
  }

  /// Removes the user; with `cascade`, its transactions too, in one
  /// transaction. Without it, a user who has transactions is a conflict.
  public func deleteUser(_ user: User, cascade: Bool) throws(FidoError) {
    let id = BSONValue.objectID(user.id)
    try atomically { (session) throws -> Void in
      if cascade {
        _ = try transactions.deleteMany(["user_id": id], session: session)
      } else if try transactions.countDocuments(["user_id": id], limit: 1, session: session) > 0 {
        throw Self.hasTransactionsConflict(user)
      }
      let removed = try users.deleteOne(["_id": id], session: session)
      if removed == 0 {
        throw FidoError.notFound("no user \(user.id.hex); it was deleted meanwhile")
      }
    }
  }

  /// Why a user who has transactions cannot be deleted without --cascade.
  public static func hasTransactionsConflict(_ user: User) -> FidoError {
    .conflict("user \(user.email) has transactions; delete them first or pass --cascade")
  }

  /// "all 4 present" or the names missing, for `doctor`.
  public func indexReport() throws(FidoError) -> String {
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
