internal import CMongoc

/// A libmongoc or server error as a value: libmongoc's (domain, code) pair
/// (with error API v2 a server error has domain `serverDomain` and the
/// server's own code), its message, the reply's `errorLabels`, and the reply.
///
/// Built in one place (`init(_:reply:)`) and mapped to `FidoError` in one
/// `switch` (`fidoError(uri:)`), which `FidoStore.fail` alone calls.
package struct MongoError: Error, Sendable, CustomStringConvertible, BSONFailure {
  package var domain: UInt32
  package var code: UInt32
  package var message: String
  /// `errorLabels` from the reply, e.g. `TransientTransactionError`.
  package var labels: [String]
  package var reply: Document?
  /// Set by `MongoClient.withTransaction` when it gave up on a commit whose
  /// outcome stayed unknown (the transaction may or may not have been
  /// applied): the commit attempts made, libmongoc's own retry-once inside
  /// one not counted. The rest of the error is the last attempt's.
  package var unknownCommitAttempts: Int?

  package init(
    domain: UInt32, code: UInt32, message: String, labels: [String] = [], reply: Document? = nil
  ) {
    self.domain = domain
    self.code = code
    self.message = message
    self.labels = labels
    self.reply = reply
  }

  package var isDuplicateKey: Bool {
    code == Self.duplicateKey || code == Self.duplicateKeyLegacy
  }

  /// The unique index a duplicate-key error names (`email_1`, `_id_`,
  /// `user_id_1_key_1`), or nil: read from the server's message ("… index:
  /// NAME dup key: …"), else named from the reply's `keyPattern` as MongoDB
  /// names an index by default.
  package var duplicateKeyIndex: String? {
    guard isDuplicateKey else { return nil }
    if let range = message.firstRange(of: " index: ") {
      let name = message[range.upperBound...].prefix { $0 != " " }
      if !name.isEmpty { return String(name) }
    }
    let firstWriteError = reply?["writeErrors"]?.arrayValue?.first?.documentValue
    guard let pattern = (firstWriteError ?? reply)?["keyPattern"]?.documentValue, !pattern.isEmpty
    else { return nil }
    // The `_id` index is the one not named after its key pattern.
    if pattern.keys == ["_id"] { return "_id_" }
    return pattern.map { key, value in
      "\(key)_\(value.replyInt64.map(String.init) ?? value.stringValue ?? "1")"
    }.joined(separator: "_")
  }

  package func hasLabel(_ l: String) -> Bool { labels.contains(l) }

  package var description: String {
    let text = "\(message) (domain \(domain), code \(code))"
    guard let attempts = unknownCommitAttempts else { return text }
    return "commit outcome unknown after \(attempts) attempt(s): \(text)"
  }

  // MARK: Domains (libmongoc's mongoc_error_domain_t)

  package static let clientDomain = MONGOC_ERROR_CLIENT.rawValue
  package static let streamDomain = MONGOC_ERROR_STREAM.rawValue
  package static let protocolDomain = MONGOC_ERROR_PROTOCOL.rawValue
  package static let cursorDomain = MONGOC_ERROR_CURSOR.rawValue
  package static let queryDomain = MONGOC_ERROR_QUERY.rawValue
  package static let saslDomain = MONGOC_ERROR_SASL.rawValue
  package static let bsonDomain = MONGOC_ERROR_BSON.rawValue
  package static let commandDomain = MONGOC_ERROR_COMMAND.rawValue
  package static let collectionDomain = MONGOC_ERROR_COLLECTION.rawValue
  package static let scramDomain = MONGOC_ERROR_SCRAM.rawValue
  package static let serverSelectionDomain = MONGOC_ERROR_SERVER_SELECTION.rawValue
  package static let writeConcernDomain = MONGOC_ERROR_WRITE_CONCERN.rawValue
  /// Errors the server returned (error API v2): `code` is the server's code.
  package static let serverDomain = MONGOC_ERROR_SERVER.rawValue
  package static let transactionDomain = MONGOC_ERROR_TRANSACTION.rawValue
  /// fido's own domain for connection strings libmongoc refused to parse.
  package static let uriDomain: UInt32 = 0xF1D0
  /// fido's own domain for a libmongoc that cannot be loaded; the message is
  /// the whole sentence.
  package static let libraryDomain: UInt32 = 0xF1D1
  /// fido's own domain for client options it cannot use (an application
  /// name too long, a TLS file that does not open); the message is the whole
  /// sentence.
  package static let optionsDomain: UInt32 = 0xF1D2

  // MARK: Server codes fido uses

  package static let unauthorized: UInt32 = 13
  package static let authenticationFailed: UInt32 = 18
  package static let namespaceNotFound: UInt32 = 26
  package static let maxTimeMSExpired: UInt32 = 50
  package static let writeConflict: UInt32 = 112
  package static let noSuchTransaction: UInt32 = 251
  package static let transactionExceededLifetimeLimitSeconds: UInt32 = 290
  package static let transactionTooLargeForCache: UInt32 = 429
  package static let exceededTimeLimit: UInt32 = 262
  /// createIndexes: an index of the same name exists with other options (85)
  /// or another key (86).
  package static let indexOptionsConflict: UInt32 = 85
  package static let indexKeySpecsConflict: UInt32 = 86
  package static let duplicateKey: UInt32 = 11000
  package static let duplicateKeyLegacy: UInt32 = 11001
  package static let hostUnreachable: UInt32 = 6
  package static let hostNotFound: UInt32 = 7
  package static let networkTimeout: UInt32 = 89
  package static let shutdownInProgress: UInt32 = 91
  package static let primarySteppedDown: UInt32 = 189
  package static let socketException: UInt32 = 9001
  package static let notWritablePrimary: UInt32 = 10107
  package static let interruptedAtShutdown: UInt32 = 11600
  package static let interruptedDueToReplStateChange: UInt32 = 11602
  package static let notPrimaryNoSecondaryOk: UInt32 = 13435
  package static let notPrimaryOrSecondary: UInt32 = 13436

  /// Labels the transaction helper acts on.
  package static let transientTransactionError = "TransientTransactionError"
  package static let unknownTransactionCommitResult = "UnknownTransactionCommitResult"

  /// What an unreachable server's message suggests when the caller has nothing better.
  package static let defaultUnreachableFix = "check --uri and that the server is running"

  /// The codes the retryable-writes spec lists as retryable, plus
  /// ExceededTimeLimit: a commit that failed with one may have been applied.
  static let retryableWriteCodes: Set<UInt32> = [
    hostUnreachable, hostNotFound, networkTimeout, shutdownInProgress, primarySteppedDown,
    exceededTimeLimit, socketException, notWritablePrimary, interruptedAtShutdown,
    interruptedDueToReplStateChange, notPrimaryNoSecondaryOk, notPrimaryOrSecondary,
    /* WriteConcernFailed */ 64, /* ReadConcernMajorityNotAvailableYet */ 134,
  ]

  /// True when this error from commitTransaction leaves the outcome unknown:
  /// the server may have committed. The transactions spec's list (a network
  /// error, a server selection error, MaxTimeMSExpired, a write-concern
  /// error) plus the label. libmongoc 1.23 labels a retried network error
  /// but not a `writeConcernError` on an `ok: 1` reply (measured), so the
  /// list is checked here too. A TransientTransactionError means the commit
  /// did not happen.
  package var isUnknownCommitOutcome: Bool {
    if hasLabel(Self.unknownTransactionCommitResult) { return true }
    if hasLabel(Self.transientTransactionError) { return false }
    if domain == Self.writeConcernDomain || reply?["writeConcernError"] != nil { return true }
    switch domain {
    case Self.streamDomain, Self.serverSelectionDomain, Self.protocolDomain: return true
    case Self.serverDomain:
      return code == Self.maxTimeMSExpired || Self.retryableWriteCodes.contains(code)
    default: return false
    }
  }

  /// The server ended a transaction for its size or its length, so the same
  /// writes can succeed in smaller transactions: TransactionTooLargeForCache
  /// (MongoDB 6.2 and later, never retried by the server), or the lifetime
  /// (`transactionLifetimeLimitSeconds`, 60 s by default, at least 1 s):
  /// TransactionExceededLifetimeLimitSeconds, or NoSuchTransaction from a
  /// transaction that had been open at least 1 s (`openFor`; nil when not
  /// known) — what the next command of a transaction the server aborted at
  /// its lifetime gets. Nothing of such a transaction was committed.
  package func endedLargeTransaction(openFor: Duration?) -> Bool {
    guard domain == Self.serverDomain else { return false }
    switch code {
    case Self.transactionTooLargeForCache, Self.transactionExceededLifetimeLimitSeconds: return true
    case Self.noSuchTransaction: return openFor.map { $0 >= .seconds(1) } ?? false
    default: return false
    }
  }

  /// One switch over (domain, code). Never matches on message text.
  /// `unreachableFix` ends the "cannot reach MongoDB" message (`Config.unreachableFix`).
  package func fidoError(uri: String, unreachableFix: String = MongoError.defaultUnreachableFix)
    -> FidoError
  {
    let text = MongoError.scrub(message, uri: uri)
    let server = Self.serverDomain
    switch (domain, code) {
    case (Self.uriDomain, _):
      return .config("invalid MongoDB URI: \(text); use mongodb://host:port or mongodb+srv://…")
    case (Self.libraryDomain, _):
      return .unavailable(text)
    case (Self.optionsDomain, _):
      return .config(text)
    case (Self.streamDomain, _), (Self.serverSelectionDomain, _), (Self.protocolDomain, _),
      (Self.clientDomain, MONGOC_ERROR_CLIENT_NOT_READY.rawValue),
      (Self.clientDomain, MONGOC_ERROR_CLIENT_NO_ACCEPTABLE_PEER.rawValue),
      (server, Self.maxTimeMSExpired), (server, Self.exceededTimeLimit),
      (server, Self.hostUnreachable),
      (server, Self.hostNotFound), (server, Self.networkTimeout), (server, Self.shutdownInProgress),
      (server, Self.primarySteppedDown), (server, Self.socketException),
      (server, Self.notWritablePrimary),
      (server, Self.interruptedAtShutdown), (server, Self.interruptedDueToReplStateChange),
      (server, Self.notPrimaryNoSecondaryOk), (server, Self.notPrimaryOrSecondary):
      if let tls = TLSDiagnosis.settings(uri: uri),
        let why = TLSDiagnosis.explain(message: message, settings: tls)
      {
        return .unavailable(
          "cannot reach MongoDB at \(URIRedaction.redact(uri: uri)): \(MongoError.scrub(why, uri: uri))"
        )
      }
      return .unavailable(
        "cannot reach MongoDB at \(URIRedaction.redact(uri: uri)): \(text); \(unreachableFix)"
      )
    case (Self.clientDomain, MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue), (Self.saslDomain, _),
      (Self.scramDomain, _),
      (server, Self.authenticationFailed), (server, Self.unauthorized):
      return .unauthorized(
        "MongoDB refused the credentials or the operation: \(text); check the user, password and roles in --uri"
      )
    case (server, Self.duplicateKey), (server, Self.duplicateKeyLegacy),
      (Self.writeConcernDomain, Self.duplicateKey):
      return .conflict("duplicate key: \(text)")
    default:
      return .failure("MongoDB error (domain \(domain), code \(code)): \(text)")
    }
  }

  /// Removes the URI's secrets from a libmongoc message, in case one echoes
  /// them: every connection string in it is redacted; when `uri` has
  /// userinfo, so are its password and userinfo wherever they appear (when 3
  /// characters or longer, else when quoted alone) and whatever precedes an `@` in a word (a part of
  /// a malformed userinfo that libmongoc took for a host).
  static func scrub(_ message: String, uri: String) -> String {
    var text = URIRedaction.redact(message: message)
    let secrets = URIRedaction.secrets(in: uri)
    for secret in secrets {
      if secret.count >= 3 { text = text.replacing(secret, with: "****") }
      for q in ["\"", "'"] { text = text.replacing(q + secret + q, with: q + "****" + q) }
    }
    if !secrets.isEmpty { text = URIRedaction.redactBeforeAt(message: text) }
    return text
  }

  // MARK: Building

  /// The one constructor from libmongoc's error plus the reply (which holds
  /// `errorLabels`, `writeErrors`, `writeConcernError`).
  init(_ error: bson_error_t, reply: Document?) {
    let message = withUnsafeBytes(of: error.message) { raw in
      let bytes = raw.prefix { $0 != 0 }
      return String(decoding: bytes, as: UTF8.self)
    }
    var code = error.code
    var domain = error.domain
    if code == 0, let reply, let first = reply["writeErrors"]?.arrayValue?.first?.documentValue,
      let c = first["code"]?.replyInt64
    {
      code = UInt32(truncatingIfNeeded: c)
      domain = Self.serverDomain
    }
    let labels = reply?["errorLabels"]?.arrayValue?.compactMap(\.stringValue) ?? []
    self.init(
      domain: domain, code: code, message: message.isEmpty ? "unknown error" : message,
      labels: labels,
      reply: reply.flatMap { $0.isEmpty ? nil : $0 })
  }

  /// A document that could not be encoded, or an argument of the wrong shape,
  /// in the domains libmongoc would report them in.
  init(_ error: BSONError) {
    switch error.kind {
    case .encoding: self = .bsonInvalid(error.message)
    case .argument: self = .invalidArgument(error.message)
    }
  }

  static func bsonInvalid(_ message: String) -> MongoError {
    MongoError(domain: bsonDomain, code: MONGOC_ERROR_BSON_INVALID.rawValue, message: message)
  }

  static func invalidArgument(_ message: String) -> MongoError {
    MongoError(
      domain: commandDomain, code: MONGOC_ERROR_COMMAND_INVALID_ARG.rawValue, message: message)
  }
}

/// An error type a transaction body throws (`MongoClient.withTransaction`):
/// it carries the driver's errors unchanged, whose labels decide whether the
/// body runs again, next to the caller's own.
package protocol MongoFailure: Error {
  init(_ error: MongoError)
  /// The driver error this is, if it is one.
  var mongoError: MongoError? { get }
}

extension MongoError: MongoFailure {
  package init(_ error: MongoError) { self = error }
  package var mongoError: MongoError? { self }
}
