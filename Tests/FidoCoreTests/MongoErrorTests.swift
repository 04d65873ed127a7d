import XCTest

@testable import FidoCore

/// Error mapping and URI redaction, no server.
final class MongoErrorTests: XCTestCase {
  private let uri = "mongodb://fido:s3cr3tpw@db.example.com:27017/fido?authSource=admin"

  /// The first client loads libmongoc; initialize() does it ahead of time.
  func testLibmongocLoadsOnDemand() throws {
    try MongoRuntime.initialize()
    XCTAssertNotNil(MongoRuntime.loaded)
  }

  func testRedactHidesOnlyThePassword() {
    XCTAssertEqual(
      Config.redact(uri: uri), "mongodb://fido:****@db.example.com:27017/fido?authSource=admin"
    )
    XCTAssertEqual(
      Config.redact(uri: "mongodb+srv://u:p%40ss@cluster0.x.mongodb.net/"),
      "mongodb+srv://u:****@cluster0.x.mongodb.net/")
    XCTAssertEqual(
      Config.redact(uri: "mongodb://127.0.0.1:27017"), "mongodb://127.0.0.1:27017")
    XCTAssertEqual(
      Config.redact(uri: "mongodb://user@h/?authMechanism=MONGODB-X509"),
      "mongodb://user@h/?authMechanism=MONGODB-X509")
    XCTAssertEqual(Config.redact(uri: "mongodb://a:b@"), "mongodb://a:****@")
    XCTAssertEqual(Config.redact(uri: "mongodb://a:pa@ss@h1,h2/"), "mongodb://a:****@h1,h2/")
    XCTAssertEqual(
      Config.redact(uri: "mongodb://h/?tls=true&tlsCertificateKeyFilePassword=hunter22&w=1"),
      "mongodb://h/?tls=true&tlsCertificateKeyFilePassword=****&w=1")
    // What the -v "connecting to" line and doctor print: AWS session tokens too.
    XCTAssertEqual(
      Config.redact(
        uri: "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok9"
      ),
      "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties=****")
  }

  func testMappingFollowsDomainAndCode() {
    func map(_ domain: UInt32, _ code: UInt32, labels: [String] = []) -> FidoError {
      MongoError(domain: domain, code: code, message: "m", labels: labels).fidoError(uri: uri)
    }
    XCTAssertEqual(map(MongoError.serverSelectionDomain, 13053).code, "unavailable")
    XCTAssertEqual(map(MongoError.streamDomain, 4).code, "unavailable")
    XCTAssertEqual(map(MongoError.serverDomain, MongoError.maxTimeMSExpired).code, "unavailable")
    XCTAssertEqual(map(MongoError.serverDomain, MongoError.notWritablePrimary).code, "unavailable")
    XCTAssertEqual(map(MongoError.clientDomain, 11).code, "unauthorized")
    XCTAssertEqual(map(MongoError.serverDomain, 18).code, "unauthorized")
    XCTAssertEqual(map(MongoError.serverDomain, 13).code, "unauthorized")
    XCTAssertEqual(map(MongoError.serverDomain, 11000).code, "conflict")
    XCTAssertEqual(map(MongoError.uriDomain, 22).code, "config")
    // 13 outside the server domain is not Unauthorized.
    XCTAssertEqual(map(MongoError.commandDomain, 13).code, "failure")
    let failure = map(MongoError.serverDomain, 2)
    XCTAssertEqual(failure.code, "failure")
    XCTAssertTrue(failure.message.contains("domain \(MongoError.serverDomain), code 2"))
  }

  /// Which commit errors leave the outcome unknown (the transactions spec's
  /// list), and that exit 75's message never sends the operator to --uri.
  func testUnknownCommitOutcome() {
    func e(_ domain: UInt32, _ code: UInt32, labels: [String] = [], reply: Document? = nil)
      -> MongoError
    {
      MongoError(domain: domain, code: code, message: "m", labels: labels, reply: reply)
    }
    let server = MongoError.serverDomain
    XCTAssertTrue(
      e(server, 2, labels: [MongoError.unknownTransactionCommitResult]).isUnknownCommitOutcome)
    // A write-concern error on an ok reply: libmongoc 1.23 adds no label.
    XCTAssertTrue(e(MongoError.writeConcernDomain, 91).isUnknownCommitOutcome)
    XCTAssertTrue(
      e(server, 0, reply: ["ok": 1, "writeConcernError": ["code": 64]]).isUnknownCommitOutcome)
    XCTAssertTrue(e(MongoError.streamDomain, 4).isUnknownCommitOutcome)
    XCTAssertTrue(e(MongoError.serverSelectionDomain, 13053).isUnknownCommitOutcome)
    XCTAssertTrue(e(server, MongoError.maxTimeMSExpired).isUnknownCommitOutcome)
    XCTAssertTrue(e(server, MongoError.primarySteppedDown).isUnknownCommitOutcome)
    XCTAssertTrue(e(server, MongoError.interruptedDueToReplStateChange).isUnknownCommitOutcome)
    // Not committed: a transient error, or a plain refusal.
    XCTAssertFalse(
      e(server, MongoError.noSuchTransaction, labels: [MongoError.transientTransactionError])
        .isUnknownCommitOutcome)
    XCTAssertFalse(e(server, 2).isUnknownCommitOutcome)
    XCTAssertFalse(e(server, MongoError.duplicateKey).isUnknownCommitOutcome)

    var gaveUp = e(MongoError.streamDomain, 4)
    gaveUp.unknownCommitAttempts = 3
    let config = Config(uri: uri)
    let unknown = FidoStore.fail(gaveUp, config: config, ifUnknown: "run 'fido txn get X' to see")
    XCTAssertEqual(unknown.exitCode, 75)
    XCTAssertEqual(unknown.code, "outcome_unknown")
    XCTAssertTrue(unknown.message.hasSuffix("run 'fido txn get X' to see"), unknown.message)
    XCTAssertFalse(unknown.message.contains("--uri"), unknown.message)
    XCTAssertFalse(unknown.message.contains("s3cr3tpw"), unknown.message)
  }

  /// Which errors end a transaction for its size or lifetime, so that an
  /// import batch is written in halves instead of failing the import.
  func testLargeTransactionEnds() {
    func e(_ code: UInt32, domain: UInt32 = MongoError.serverDomain) -> MongoError {
      MongoError(
        domain: domain, code: code, message: "m", labels: [MongoError.transientTransactionError])
    }
    XCTAssertTrue(e(429).endedLargeTransaction(openFor: nil), "TransactionTooLargeForCache")
    XCTAssertTrue(e(290).endedLargeTransaction(openFor: nil), "lifetime")
    // NoSuchTransaction is the lifetime only once the transaction was open
    // as long as the shortest lifetime MongoDB allows (1 s).
    XCTAssertTrue(e(251).endedLargeTransaction(openFor: .milliseconds(1000)))
    XCTAssertFalse(e(251).endedLargeTransaction(openFor: .milliseconds(999)))
    XCTAssertFalse(e(251).endedLargeTransaction(openFor: nil))
    XCTAssertFalse(e(MongoError.writeConflict).endedLargeTransaction(openFor: .seconds(61)))
    XCTAssertFalse(e(2).endedLargeTransaction(openFor: .seconds(61)))
    XCTAssertFalse(e(429, domain: MongoError.streamDomain).endedLargeTransaction(openFor: nil))
  }

  func testUnavailableMessageNamesTheRedactedURI() {
    let e = MongoError(
      domain: MongoError.serverSelectionDomain, code: 13053, message: "No suitable servers found"
    )
    .fidoError(uri: uri)
    XCTAssertTrue(e.message.contains("mongodb://fido:****@db.example.com:27017"), e.message)
    XCTAssertFalse(e.message.contains("s3cr3tpw"))
  }

  /// The fix the caller passes ends the unreachable message; other errors ignore it.
  func testUnavailableMessageEndsWithTheCallersFix() throws {
    let refused = MongoError(
      domain: MongoError.serverSelectionDomain, code: 13053, message: "No suitable servers found")
    let config = try Config.resolve(flags: [:], environment: [:])
    let e = refused.fidoError(uri: config.uri, unreachableFix: config.unreachableFix)
    XCTAssertEqual(e.code, "unavailable")
    XCTAssertTrue(
      e.message.hasPrefix("cannot reach MongoDB at mongodb://127.0.0.1:27017: No suitable"),
      e.message)
    XCTAssertTrue(e.message.hasSuffix(config.unreachableFix), e.message)
    XCTAssertFalse(e.message.contains("\n"))
    XCTAssertTrue(
      refused.fidoError(uri: uri).message.hasSuffix("; \(MongoError.defaultUnreachableFix)"))
    let auth = MongoError(domain: MongoError.serverDomain, code: 18, message: "m")
      .fidoError(uri: config.uri, unreachableFix: config.unreachableFix)
    XCTAssertFalse(auth.message.contains("make server"), auth.message)
  }

  func testMessagesThatEchoThePasswordAreScrubbed() {
    let e = MongoError(
      domain: MongoError.serverDomain, code: 2, message: "bad uri \(uri) or s3cr3tpw"
    ).fidoError(uri: uri)
    XCTAssertFalse(e.message.contains("s3cr3tpw"), e.message)
  }

  func testDuplicateKeyAndLabels() {
    let e = MongoError(
      domain: MongoError.serverDomain, code: 11000, message: "E11000",
      labels: ["TransientTransactionError"])
    XCTAssertTrue(e.isDuplicateKey)
    XCTAssertTrue(e.hasLabel(MongoError.transientTransactionError))
    XCTAssertFalse(e.hasLabel(MongoError.unknownTransactionCommitResult))
  }

  /// The index a duplicate key names: from the server's message, else from
  /// the reply's keyPattern (as MongoDB names an index by default).
  func testDuplicateKeyNamesItsIndex() {
    let server = MongoError.serverDomain
    let fromMessage = MongoError(
      domain: server, code: 11000,
      message:
        "E11000 duplicate key error collection: fido.transactions index: user_id_1_key_1 dup key: { user_id: ObjectId('65a0'), key: \"k\" }"
    )
    XCTAssertEqual(fromMessage.duplicateKeyIndex, "user_id_1_key_1")
    let fromPattern = MongoError(
      domain: server, code: 11000, message: "E11000 duplicate key error",
      reply: ["writeErrors": [["code": 11000, "keyPattern": ["user_id": 1, "key": 1]]]])
    XCTAssertEqual(fromPattern.duplicateKeyIndex, "user_id_1_key_1")
    let commandReply = MongoError(
      domain: server, code: 11001, message: "duplicate", reply: ["keyPattern": ["email": 1]])
    XCTAssertEqual(commandReply.duplicateKeyIndex, "email_1")
    // MongoDB names the `_id` index `_id_`, not after its pattern.
    let id = MongoError(
      domain: server, code: 11000, message: "E11000 duplicate key error",
      reply: ["writeErrors": [["code": 11000, "keyPattern": ["_id": 1]]]])
    XCTAssertEqual(id.duplicateKeyIndex, "_id_")
    XCTAssertNil(MongoError(domain: server, code: 11000, message: "E11000").duplicateKeyIndex)
    XCTAssertNil(
      MongoError(domain: server, code: 2, message: "x index: email_1 dup").duplicateKeyIndex)
  }

  func testMalformedURIIsConfigWithoutThePassword() {
    for bad in [
      "mongodb://fido:s3cr3tpw@", "http://x", "mongodb://fido:s3cr3tpw@host:notaport/", "",
    ] {
      XCTAssertThrowsError(try MongoClient(ClientOptions(uri: bad))) { error in
        guard let e = (error as? MongoError)?.fidoError(uri: bad) else {
          return XCTFail("\(error)")
        }
        XCTAssertEqual(e.code, "config", bad)
        XCTAssertFalse(e.message.contains("s3cr3tpw"), e.message)
        XCTAssertTrue(e.message.hasPrefix("invalid MongoDB URI: "), e.message)
      }
    }
  }

  /// Malformed strings leaked their password: an unescaped `?` or `#` ended
  /// the authority early, and a scheme typo (`mongodb:/`) meant no redaction
  /// at all. The userinfo runs to the LAST `@`; when the scheme is not a
  /// well-formed `scheme://`, the whole userinfo goes.
  func testRedactionOfMalformedURIs() {
    let cases: [(String, String)] = [
      ("mongodb://us:pa?ss@h:1/", "mongodb://us:****@h:1/"),
      ("mongodb://us:pa#ss@h:1/", "mongodb://us:****@h:1/"),
      ("mongodb://us:p@ss@h:1/?w=1", "mongodb://us:****@h:1/?w=1"),
      ("mongodb://us:p/ss@h:1/", "mongodb://us:****@h:1/"),
      ("mongodb://us:p ss@h:1/", "mongodb://us:****@h:1/"),
      ("mongodb://us:p:ss@h:1/", "mongodb://us:****@h:1/"),
      ("mongodb://u/s:pass@h:1/", "mongodb://****@h:1/"),
      ("mongodb://us?x:pass@h:1/", "mongodb://****@h:1/"),
      ("mongodb:/us:pass@h:1/", "mongodb:/****@h:1/"),
      ("mongodb:us:pass@h:1/", "mongodb:****@h:1/"),
      ("mongodb:///us:pass@h:1/", "mongodb://****@h:1/"),
      ("mongdb://us:pass@h:1/", "mongdb://us:****@h:1/"),
      ("mongodb+srv:/us:pass@h.example.com/", "mongodb+srv:/****@h.example.com/"),
      ("mongodb//us:pass@h:1/", "****@h:1/"),
      ("us:pass@h:1", "us:****@h:1"),
      ("://us:pass@h", "****@h"),
      ("mongodb:\\us:pass@h", "mongodb:\\****@h"),
      ("https://user:tok3n@api.example.com", "https://user:****@api.example.com"),
      ("mongodb://us:pass@h/?appname=a@b", "mongodb://us:****@b"),
    ]
    for (uri, expected) in cases {
      XCTAssertEqual(Config.redact(uri: uri), expected, uri)
      let message = URIRedaction.redact(message: "cannot use '\(uri)' here")
      XCTAssertFalse(message.contains("pass") || message.contains("tok3n"), message)
      let scrubbed = MongoError.scrub("bad \(uri); Failed to resolve 'ss@h:1'", uri: uri)
      XCTAssertFalse(scrubbed.contains("pass") || scrubbed.contains("tok3n"), scrubbed)
    }
    // libmongoc splits `us:p@ss@h` at the first "@" and quotes the rest as a host.
    XCTAssertEqual(
      MongoError.scrub("[Failed to resolve 'ss@127.0.0.1']", uri: "mongodb://us:p@ss@127.0.0.1/"),
      "[Failed to resolve '****@127.0.0.1']")
    // A short password quoted alone (libmongoc's `Password "…" must not …`).
    XCTAssertEqual(
      MongoError.scrub(#"Password "p:" must not have unescaped chars"#, uri: "mongodb://u:p:@h/"),
      #"Password "****" must not have unescaped chars"#)
  }

  func testDurationFormatting() {
    XCTAssertEqual(CommandMonitor.milliseconds(1840), "1.84")
    XCTAssertEqual(CommandMonitor.milliseconds(2100), "2.10")
    XCTAssertEqual(CommandMonitor.milliseconds(5), "0.01")
    XCTAssertEqual(CommandMonitor.milliseconds(1_234_567), "1234.57")
  }
}
