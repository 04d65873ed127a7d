internal import CMongoc

/// A libmongoc or server error as a value: libmongoc's (domain, code) pair
/// (with error API v2 a server error has domain `serverDomain` and the
/// server's own code), its message, the reply's `errorLabels`, and the reply.
///
/// Built in one place (`init(_:reply:)`) and mapped to `FidoError` in one
/// `switch` (`fidoError(uri:)`), which `FidoStore.fail` alone calls.
public struct MongoError: Error, Sendable, CustomStringConvertible, BSONFailure {
  public var domain: UInt32
  public var code: UInt32
  public var message: String
  /// `errorLabels` from the reply, e.g. `TransientTransactionError`.
  public var labels: [String]
  public var reply: Document?
  /// Set by `MongoClient.withTransaction` when it gave up on a commit whose
  /// outcome stayed unknown (the transaction may or may not have been
  /// applied): the commit attempts made, libmongoc's own retry-once inside
  /// one not counted. The rest of the error is the last attempt's.
  public var unknownCommitAttempts: Int?

  public init(
    domain: UInt32, code: UInt32, message: String, labels: [String] = [], reply: Document? = nil
  ) {
    self.domain = domain
    self.code = code
    self.message = message
    self.labels = labels
    self.reply = reply
  }

  public var isDuplicateKey: Bool {
    code == Self.duplicateKey || code == Self.duplicateKeyLegacy
  }

  /// The unique index a duplicate-key error names (`email_1`, `_id_`,
  /// `user_id_1_key_1`), or nil: read from the server's message ("… index:
  /// NAME dup key: …"), else named from the reply's `keyPattern` as MongoDB
  /// names an index by default.
  public var duplicateKeyIndex: String? {
    guard isDuplicateKey else { return nil }
    if let range = message.firstRange(of: " index: ") {
      let name = message[range.upperBound...].prefix { $0 != " " }
      if !name.isEmpty { return String(name) }
    }
    let firstWriteError = reply?["writeErrors"]?.arrayValue?.first?.documentValue
    guard let pattern = (firstWriteError ?? reply)?["keyPattern"]?.documentValue, !pattern.isEmpty
    else { return nil }
    return pattern.map { key, value in
      "\(key)_\(value.replyInt64.map(String.init) ?? value.stringValue ?? "1")"
    }.joined(separator: "_")
  }

  public func hasLabel(_ l: String) -> Bool { labels.contains(l) }

  public var description: String {
    let text = "\(message) (domain \(domain), code \(code))"
    guard let attempts = unknownCommitAttempts else { return text }
    return "commit outcome unknown after \(attempts) attempt(s): \(text)"
  }

  // MARK: Domains (libmongoc's mongoc_error_domain_t)

  public static let clientDomain = MONGOC_ERROR_CLIENT.rawValue
  public static let streamDomain = MONGOC_ERROR_STREAM.rawValue
  public static let protocolDomain = MONGOC_ERROR_PROTOCOL.rawValue
  public static let cursorDomain = MONGOC_ERROR_CURSOR.rawValue
  public static let queryDomain = MONGOC_ERROR_QUERY.rawValue
  public static let saslDomain = MONGOC_ERROR_SASL.rawValue
  public static let bsonDomain = MONGOC_ERROR_BSON.rawValue
  public static let commandDomain = MONGOC_ERROR_COMMAND.rawValue
  public static let collectionDomain = MONGOC_ERROR_COLLECTION.rawValue
  public static let scramDomain = MONGOC_ERROR_SCRAM.rawValue
  public static let serverSelectionDomain = MONGOC_ERROR_SERVER_SELECTION.rawValue
  public static let writeConcernDomain = MONGOC_ERROR_WRITE_CONCERN.rawValue
  /// Errors the server returned (error API v2): `code` is the server's code.
  public static let serverDomain = MONGOC_ERROR_SERVER.rawValue
  public static let transactionDomain = MONGOC_ERROR_TRANSACTION.rawValue
  /// fido's own domain for connection strings libmongoc refused to parse.
  public static let uriDomain: UInt32 = 0xF1D0
  /// fido's own domain for a libmongoc that cannot be loaded; the message is
  /// the whole sentence.
  public static let libraryDomain: UInt32 = 0xF1D1
  /// fido's own domain for client options it cannot use (an application
  /// name too long, a TLS file that does not open); the message is the whole
  /// sentence.
  public static let optionsDomain: UInt32 = 0xF1D2

  // MARK: Server codes fido uses

  public static let unauthorized: UInt32 = 13
  public static let authenticationFailed: UInt32 = 18
  public static let namespaceNotFound: UInt32 = 26
  public static let maxTimeMSExpired: UInt32 = 50
  public static let writeConflict: UInt32 = 112
  public static let noSuchTransaction: UInt32 = 251
  public static let transactionExceededLifetimeLimitSeconds: UInt32 = 290
  public static let transactionTooLargeForCache: UInt32 = 429
  public static let exceededTimeLimit: UInt32 = 262
  /// createIndexes: an index of the same name exists with other options (85)
  /// or another key (86).
  public static let indexOptionsConflict: UInt32 = 85
  public static let indexKeySpecsConflict: UInt32 = 86
  public static let duplicateKey: UInt32 = 11000
  public static let duplicateKeyLegacy: UInt32 = 11001
  public static let hostUnreachable: UInt32 = 6
  public static let hostNotFound: UInt32 = 7
  public static let networkTimeout: UInt32 = 89
  public static let shutdownInProgress: UInt32 = 91
  public static let primarySteppedDown: UInt32 = 189
  public static let socketException: UInt32 = 9001
  public static let notWritablePrimary: UInt32 = 10107
  public static let interruptedAtShutdown: UInt32 = 11600
  public static let interruptedDueToReplStateChange: UInt32 = 11602
  public static let notPrimaryNoSecondaryOk: UInt32 = 13435
  public static let notPrimaryOrSecondary: UInt32 = 13436

  /// Labels the transaction helper acts on.
  public static let transientTransactionError = "TransientTransactionError"
  public static let unknownTransactionCommitResult = "UnknownTransactionCommitResult"

  /// What an unreachable server's message suggests when the caller has nothing better.
  public static let defaultUnreachableFix = "check --uri and that the server is running"

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
  public var isUnknownCommitOutcome: Bool {
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
  public func endedLargeTransaction(openFor: Duration?) -> Bool {
    guard domain == Self.serverDomain else { return false }
    switch code {
    case Self.transactionTooLargeForCache, Self.transactionExceededLifetimeLimitSeconds: return true
    case Self.noSuchTransaction: return openFor.map { $0 >= .seconds(1) } ?? false
    default: return false
    }
  }

  /// One switch over (domain, code). Never matches on message text.
  /// `unreachableFix` ends the "cannot reach MongoDB" message (`Config.unreachableFix`).
  public func fidoError(uri: String, unreachableFix: String = MongoError.defaultUnreachableFix)
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
public protocol MongoFailure: Error {
  init(_ error: MongoError)
  /// The driver error this is, if it is one.
  var mongoError: MongoError? { get }
}

extension MongoError: MongoFailure {
  public init(_ error: MongoError) { self = error }
  public var mongoError: MongoError? { self }
}
