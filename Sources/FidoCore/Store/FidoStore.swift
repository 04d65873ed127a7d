/// fido's records in one MongoDB database: `users` (with their balance and
/// statistics, per-UTC-day counters included) and `transactions`. One client,
/// one thread; every method maps driver errors to `FidoError` on the way out.
package final class FidoStore {
  let client: MongoClient
  package let config: Config
  let users: MongoCollection
  let transactions: MongoCollection
  let ids = ObjectIDGenerator()
  /// Who history entries name as making the changes. Looked up at the first
  /// write, so a read-only command never consults the user database (nss).
  package lazy var auditActor = AuditActor.current(
    fidoVersion: auditVersion, profile: auditProfile)
  /// The fido version and profile `auditActor` records; set before writing.
  package var auditVersion = "unknown"
  package var auditProfile: String?
  /// Whether writes run in transactions; nil until the first `atomically`.
  private(set) var transactionSupport: Bool?

  package init(
    config: Config, log: (@Sendable (String) -> Void)? = nil, routesLibraryLog: Bool = true
  ) throws(FidoError) {
    self.config = config
    do {
      var options = ClientOptions(uri: config.uri, timeoutMS: config.timeoutMS, log: log)
      options.routesLibraryLog = routesLibraryLog
      client = try MongoClient(options)
    } catch {
      throw Self.fail(error, config: config)
    }
    users = client.collection(Collections.users, db: config.db)
    transactions = client.collection(Collections.transactions, db: config.db)
  }

  /// Another store on the same database with its own client (connection),
  /// for another thread: the same settings, -v sink and history actor.
  /// libmongoc's own warnings, from any thread, stay with this store's
  /// client, which outlives its siblings.
  func sibling() throws(FidoError) -> FidoStore {
    let other = try FidoStore(config: config, log: client.options.log, routesLibraryLog: false)
    other.auditActor = auditActor
    other.transactionSupport = transactionSupport
    return other
  }

  package enum Collections {
    package static let users = "users"
    package static let transactions = "transactions"
    package static let audit = "audit"
  }

  /// What `atomically` says when a commit's outcome stayed unknown and the
  /// caller named nothing better to run.
  static let unknownOutcomeHint =
    "the change may or may not have been applied: run the matching 'get' or 'list' command to see"

  /// Maps a store error to the error fido reports (`fail(_:config:ifUnknown:)`).
  func fail(_ error: StoreError, ifUnknown hint: String? = nil) -> FidoError {
    switch error {
    case .fido(let error): error
    case .mongo(let error): Self.fail(error, config: config, ifUnknown: hint)
    }
  }

  /// Maps a driver error to the error fido reports.
  func fail(_ error: MongoError) -> FidoError {
    Self.fail(error, config: config)
  }

  /// The one place a driver error becomes the error fido reports. `hint` is
  /// set for the errors of `atomically` (what to run to see whether the
  /// change was applied):
  /// - a commit whose outcome stayed unknown is `.outcomeUnknown` (exit 75),
  ///   never "check --uri", always how to find out;
  /// - a transient error or a write conflict left once the retries ran out
  ///   means another transaction still holds these documents (a killed
  ///   fido's, say, which the server aborts when its lifetime ends);
  /// - anything else goes through `MongoError.fidoError`'s table.
  static func fail(_ error: MongoError, config: Config, ifUnknown hint: String? = nil)
    -> FidoError
  {
    if let attempts = error.unknownCommitAttempts {
      let reason = MongoError.scrub(error.message, uri: config.uri)
      return .outcomeUnknown(
        "MongoDB did not confirm the commit (\(reason); \(attempts) attempt(s)): \(hint ?? unknownOutcomeHint)"
      )
    }
    if hint != nil,
      error.hasLabel(MongoError.transientTransactionError) || error.code == MongoError.writeConflict
    {
      return .unavailable(
        "the records are locked by another transaction (MongoDB error \(error.code)); run the command again in a minute"
      )
    }
    return error.fidoError(uri: config.uri, unreachableFix: config.unreachableFix)
  }

  /// Runs `body` through the driver, mapping its errors.
  func mongo<T>(_ body: () throws(MongoError) -> T) throws(FidoError) -> T {
    do { return try body() } catch { throw fail(error) }
  }

  /// Runs `body` atomically: in a multi-document transaction where the
  /// deployment has them, else as the ordered writes it makes (which
  /// `db check --repair` can always reconcile). Its errors are mapped by
  /// `fail`: a commit whose outcome stayed unknown is `.outcomeUnknown`
  /// (exit 75), and `ifUnknown` says what to run to see whether the change
  /// was applied.
  ///
  /// `ifTooLarge`, where given, is what to return when the server ended the
  /// transaction for its size or its lifetime
  /// (`MongoError.endedLargeTransaction`): nothing of it was committed, and
  /// the caller can make the same writes in smaller parts. It gets the error
  /// to report should that be impossible.
  func atomically<T>(
    ifUnknown hint: @autoclosure () -> String = FidoStore.unknownOutcomeHint,
    ifTooLarge: ((FidoError) -> T)? = nil,
    _ body: (MongoSession?) throws(StoreError) -> T
  ) throws(FidoError) -> T {
    do {
      return try unmappedAtomically(ifTooLarge: ifTooLarge, body)
    } catch {
      throw fail(error, ifUnknown: hint())
    }
  }

  /// `atomically` with its errors unmapped, for a caller that acts on a
  /// driver error (a duplicate key) before it maps it with
  /// `fail(_:ifUnknown:)`.
  func unmappedAtomically<T>(
    ifTooLarge: ((FidoError) -> T)? = nil,
    _ body: (MongoSession?) throws(StoreError) -> T
  ) throws(StoreError) -> T {
    let supported: Bool
    if let transactionSupport {
      supported = transactionSupport
    } else {
      supported = try driver { () throws(MongoError) in try client.supportsTransactions() }
      transactionSupport = supported
    }
    // Set when the transaction helper stopped retrying for a size or lifetime end.
    var tooLarge = false
    do {
      if supported {
        return try client.withTransaction(
          giveUpOn: { error, openFor in
            tooLarge = ifTooLarge != nil && error.endedLargeTransaction(openFor: openFor)
            return tooLarge
          }, body)
      }
      return try body(nil)
    } catch .mongo(let error) {
      // A commit whose outcome stayed unknown may have applied the batch:
      // never written again in smaller parts (exit 75 says how to see).
      if let ifTooLarge, supported, error.unknownCommitAttempts == nil,
        tooLarge || error.endedLargeTransaction(openFor: nil)
      {
        return ifTooLarge(fail(error))
      }
      throw .mongo(error)
    }
  }

  /// What `doctor` reports of the server: version, topology, transactions.
  package func serverReport() throws(FidoError) -> (
    version: String, topology: String, transactions: Bool
  ) {
    try mongo { () throws(MongoError) in
      (try client.serverVersion(), client.topologyDescription(), try client.supportsTransactions())
    }
  }

  /// The indexes every query relies on. Idempotent; run by `db init` and by
  /// the writes that can be a database's first (user create, txn import).
  ///
  /// An existing index of the same name with other options or another key
  /// (MongoDB codes 85 and 86: the old service's non-unique `email_1`, say)
  /// is a conflict (exit 4) naming the index and the fix, in one line.
  package func ensureIndexes() throws(FidoError) {
    do {
      try users.createIndexes(Indexes.users)
      try transactions.createIndexes(Indexes.transactions)
      try auditLog.createIndexes(AuditIndexes.specs)
    } catch {
      guard
        error.code == MongoError.indexOptionsConflict
          || error.code == MongoError.indexKeySpecsConflict,
        let first = try indexConflicts().first
      else { throw fail(error) }
      throw .conflict(first.sentence)
    }
  }

  /// One of fido's indexes that exists under its name with other options.
  package struct IndexConflict: Sendable, Equatable {
    package var collection: String
    package var name: String
    /// `not unique`, `key {email: 1, name: 1}`, …
    package var difference: String

    /// The problem and its fix, in one line.
    package var sentence: String {
      let drop =
        "drop it (mongosh: db.\(collection).dropIndex(\"\(name)\")), then run 'fido db init'"
      let fix =
        collection == Collections.users && name == "email_1"
        ? "once no two users share an email ('fido db check' reports those not in normal form), "
          + drop
        : drop
      return "index \(collection).\(name) exists with other options (\(difference)): " + fix
    }
  }

  /// fido's indexes that exist under their names with another key or other
  /// options (`unique`, `partialFilterExpression`); `doctor` reports them.
  package func indexConflicts() throws(FidoError) -> [IndexConflict] {
    var out: [IndexConflict] = []
    for (name, specs) in Indexes.all {
      let present = try mongo { () throws(MongoError) in
        try client.collection(name, db: config.db).listIndexes()
      }
      for spec in specs {
        guard let index = spec["name"]?.stringValue,
          let existing = present.first(where: { $0["name"]?.stringValue == index }),
          let difference = Self.indexDifference(existing, spec)
        else { continue }
        out.append(IndexConflict(collection: name, name: index, difference: difference))
      }
    }
    return out
  }

  /// How an existing index differs from fido's spec of the same name, or nil.
  static func indexDifference(_ existing: Document, _ spec: Document) -> String? {
    func keyText(_ d: Document?) -> String {
      let parts = (d ?? [:]).map { k, v in
        "\(k): \(v.replyInt64.map(String.init) ?? v.stringValue.map { "\"\($0)\"" } ?? "?")"
      }
      return "{" + parts.joined(separator: ", ") + "}"
    }
    let key = keyText(existing["key"]?.documentValue)
    if key != keyText(spec["key"]?.documentValue) {
      return "key \(key); fido's is \(keyText(spec["key"]?.documentValue))"
    }
    func flag(_ v: BSONValue?) -> Bool { v?.boolValue ?? (v?.replyInt64 ?? 0 != 0) }
    let unique = flag(existing["unique"])
    let wanted = flag(spec["unique"])
    if unique != wanted {
      return unique ? "unique; fido's is not" : "not unique; fido's is unique"
    }
    if existing["partialFilterExpression"] != spec["partialFilterExpression"] {
      return "another partialFilterExpression"
    }
    return nil
  }

  package enum Indexes {
    package static let keyIndex = "user_id_1_key_1"
    package static let users: [Document] = [
      ["key": ["email": 1], "name": "email_1", "unique": true]
    ]
    package static let transactions: [Document] = [
      // History, windows and paging: equality on the user, range and order on the date.
      ["key": ["user_id": 1, "date": 1], "name": "user_id_1_date_1"],
      // Idempotency keys are unique per user; transactions without one are not indexed.
      [
        "key": ["user_id": 1, "key": 1], "name": .string(keyIndex), "unique": true,
        "partialFilterExpression": ["key": ["$type": "string"]],
      ],
      // The SMS outbox: pending notifications by next attempt time.
      [
        "key": ["sms.status": 1, "sms.next_attempt_at": 1],
        "name": "sms_status_1_sms_next_attempt_at_1",
      ],
      // Delivery sync: sent alerts by the time their status is next fetched.
      [
        "key": ["sms.status": 1, "sms.next_sync_at": 1],
        "name": "sms_status_1_sms_next_sync_at_1",
      ],
    ]
    package static var all: [(collection: String, specs: [Document])] {
      [
        (Collections.users, users), (Collections.transactions, transactions),
        (Collections.audit, AuditIndexes.specs),
      ]
    }
  }
}
