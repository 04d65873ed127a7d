import FidoCore
import Foundation
import Synchronization
import XCTest

/// TwilioClient against the loopback double (scripts/twilio_double.py).
final class TwilioClientTests: XCTestCase {
  private var double: TwilioDouble!
  private let to = "+233241234567"
  private let from = "+15017122661"
  private let service = "MG0123456789abcdef0123456789abcdef"
  /// Commas, an ampersand, a plus, an equals sign, a percent sign, accents, emoji and a flag.
  private let text =
    "Hi Ama Mensah, your account has been credited with GHS 1,121.00 & more: +5% = café ☕️ 🇬🇭"

  override func setUpWithError() throws {
    double = try TwilioDouble()
  }

  override func tearDown() {
    double?.stop()
    double = nil
    super.tearDown()
  }

  private func config(
    token: String = TwilioDouble.authToken, from: String? = "+15017122661",
    service: String? = nil, base: String? = nil, timeoutMS: Int64 = 5_000
  ) -> TwilioConfig {
    TwilioConfig(
      accountSID: TwilioDouble.accountSID, authToken: token, from: from,
      messagingServiceSID: service, apiBase: base ?? double.baseURL, timeoutMS: timeoutMS)
  }

  private func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

  // MARK: - Create

  func testSendPostsTheFormWithBasicAuthAndReturnsTheSid() throws {
    let outcome = TwilioClient(config()).send(to: to, body: text)

    let stored = try double.messages()
    XCTAssertEqual(stored.count, 1)
    let sid = try XCTUnwrap(stored.first?["sid"] as? String)
    XCTAssertEqual(outcome, .sent(sid: sid, status: "queued"))

    let request = try XCTUnwrap(try double.requests().first)
    XCTAssertEqual(
      request["path"] as? String, "/2010-04-01/Accounts/\(TwilioDouble.accountSID)/Messages.json")
    XCTAssertEqual(request["query"] as? String, "")
    let headers = try XCTUnwrap(request["headers"] as? [String: String])
    let credentials = Data("\(TwilioDouble.accountSID):\(TwilioDouble.authToken)".utf8)
      .base64EncodedString()
    XCTAssertEqual(headers["Authorization"], "Basic \(credentials)")
    XCTAssertEqual(headers["Content-Type"], "application/x-www-form-urlencoded")
    XCTAssertEqual(headers["Accept"], "application/json")
    XCTAssertNil(headers["Expect"])
    let raw = try XCTUnwrap(request["raw_body"] as? String)
    XCTAssertTrue(raw.hasPrefix("To=%2B233241234567&From=%2B15017122661&Body="), raw)
    XCTAssertFalse(raw.contains(TwilioDouble.authToken))
    let form = try XCTUnwrap(request["form"] as? [String: String])
    XCTAssertEqual(form, ["To": to, "From": from, "Body": text, "ValidityPeriod": "3600"])
    XCTAssertEqual(stored.first?["body"] as? String, text)
  }

  func testSendWithAMessagingServiceSendsMessagingServiceSidInsteadOfFrom() throws {
    let outcome = TwilioClient(config(from: nil, service: service)).send(to: to, body: "hello")

    let sid = try XCTUnwrap(try double.messages().first?["sid"] as? String)
    XCTAssertEqual(outcome, .sent(sid: sid, status: "accepted"))
    let form = try XCTUnwrap(try double.requests().first?["form"] as? [String: String])
    XCTAssertEqual(
      form, ["To": to, "MessagingServiceSid": service, "Body": "hello", "ValidityPeriod": "3600"])
  }

  func testAnInvalidNumberIsPermanent21211() throws {
    XCTAssertEqual(code(of: TwilioClient(config()).send(to: "0241234567", body: "x")), 21211)

    try double.program([["status": 400, "code": 21211]])
    XCTAssertEqual(code(of: TwilioClient(config()).send(to: to, body: "x")), 21211)
    XCTAssertEqual(try double.messages().count, 0)
  }

  func testTwilioErrorCodesMapToOutcomes() throws {
    try double.program([
      ["status": 400, "code": 21610], ["status": 400, "code": 21614],
      ["status": 400, "code": 21611],
      ["status": 403, "code": 20003], ["status": 404],
    ])
    let client = TwilioClient(config())
    XCTAssertEqual(code(of: client.send(to: to, body: "x")), 21610)
    XCTAssertEqual(code(of: client.send(to: to, body: "x")), 21614)
    guard case .retryable(_, nil) = client.send(to: to, body: "x") else {
      return XCTFail("21611 (sender queue full) is retryable")
    }
    guard case .unauthorized = client.send(to: to, body: "x") else {
      return XCTFail("403 is unauthorized")
    }
    XCTAssertEqual(code(of: client.send(to: to, body: "x")), 20404)
  }

  func testTooManyRequestsIsRetryableWithRetryAfter() throws {
    try double.program([["status": 429, "retry_after": 2]])
    let outcome = TwilioClient(config()).send(to: to, body: "x")
    guard case .retryable(let reason, let retryAfter) = outcome else {
      return XCTFail("\(outcome)")
    }
    XCTAssertEqual(retryAfter, 2)
    XCTAssertTrue(reason.contains("20429"), reason)
  }

  func testServerErrorsAreAmbiguous() throws {
    try double.program([["status": 500], ["status": 503]])
    let client = TwilioClient(config())
    for status in ["500", "503"] {
      let outcome = client.send(to: to, body: "x")
      guard case .ambiguous(let reason) = outcome else { return XCTFail("\(status): \(outcome)") }
      XCTAssertTrue(reason.contains("HTTP \(status)"), reason)
    }
  }

  func testACreatedAnswerWithoutAValidSidIsAmbiguous() throws {
    try double.program([
      ["status": 201, "body": ["status": "queued"]],
      ["status": 201, "body": ["sid": "SMnothex", "status": "queued"]],
    ])
    let client = TwilioClient(config())
    for _ in 0..<2 {
      let outcome = client.send(to: to, body: "x")
      guard case .ambiguous = outcome else { return XCTFail("\(outcome)") }
    }
  }

  func testATimeoutAfterTheRequestWentOutIsAmbiguousAndTheLookupFindsTheMessage() throws {
    try double.program([["hang_ms": 5000, "record_as_sent": true]])
    let client = TwilioClient(config(timeoutMS: 500))
    let before = nowMs()
    let started = Date()

    let outcome = client.send(to: to, body: text)

    XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
    guard case .ambiguous = outcome else { return XCTFail("\(outcome)") }
    let sid = try XCTUnwrap(try double.messages().first?["sid"] as? String)
    XCTAssertEqual(client.lookup(to: to, body: text, sentAfterMs: before), .found(sid: sid))

    let list = try XCTUnwrap(try double.allRequests().last)
    XCTAssertEqual(list["method"] as? String, "GET")
    let query = try XCTUnwrap(list["query"] as? String)
    let yesterday = TwilioDouble.utcDay(Date().addingTimeInterval(-86_400))
    XCTAssertEqual(query, "To=%2B233241234567&DateSent%3E=\(yesterday)&PageSize=50")
  }

  func testADroppedConnectionIsAmbiguous() throws {
    try double.program([["drop": true, "record_as_sent": true]])
    let outcome = TwilioClient(config()).send(to: to, body: "x")
    guard case .ambiguous = outcome else { return XCTFail("\(outcome)") }
    XCTAssertEqual(try double.messages().count, 1)
  }

  func testARefusedConnectionWasNeverSentSoIsRetryable() throws {
    let closed = try TwilioDouble()
    let port = closed.port
    closed.stop()

    let outcome = TwilioClient(config(base: "http://127.0.0.1:\(port)")).send(to: to, body: "x")

    guard case .retryable(let reason, nil) = outcome else { return XCTFail("\(outcome)") }
    XCTAssertTrue(reason.hasPrefix("not sent"), reason)
  }

  func testAWrongTokenIsUnauthorizedAndNoLogLineShowsASecret() throws {
    let lines = LogLines()
    let wrong = "wrong-token-Q7x"
    let outcome = TwilioClient(config(token: wrong), log: lines.append).send(to: to, body: "x")
    guard case .unauthorized(let reason) = outcome else { return XCTFail("\(outcome)") }
    XCTAssertTrue(reason.contains("20003"), reason)

    let good = TwilioClient(config(), log: lines.append)
    _ = good.send(to: to, body: "x")
    XCTAssertEqual(good.lookup(to: to, body: "x", sentAfterMs: nowMs()), .found(sid: try sid(0)))
    XCTAssertEqual(
      TwilioClient(config(token: wrong), log: lines.append).lookup(
        to: to, body: "x", sentAfterMs: 0),
      .unauthorized(reason: reason))

    let all = lines.all
    XCTAssertEqual(
      all.filter { $0.hasPrefix("twilio: → POST /2010-04-01/Accounts/AC0123…/Messages.json") }
        .count, 2)
    XCTAssertTrue(
      all.contains { $0.hasPrefix("twilio: ← 401 in ") && $0.hasSuffix(" ms") }, "\(all)")
    XCTAssertTrue(all.contains { $0.hasPrefix("twilio: → GET ") }, "\(all)")
    let basic = Data("\(TwilioDouble.accountSID):".utf8).base64EncodedString().prefix(20)
    for line in all {
      for secret in [
        wrong, TwilioDouble.authToken, TwilioDouble.accountSID, String(basic), "Basic ",
      ] {
        XCTAssertFalse(line.contains(secret), "log line shows \(secret): \(line)")
      }
    }
  }

  // MARK: - Lookup

  func testLookupWithNoMatchingMessageIsNotFound() throws {
    let client = TwilioClient(config())
    _ = client.send(to: to, body: "another text")
    _ = client.send(to: "+233200000000", body: text)
    XCTAssertEqual(client.lookup(to: to, body: text, sentAfterMs: nowMs()), .notFound)
    XCTAssertEqual(client.lookup(to: to, body: "another tex", sentAfterMs: nowMs()), .notFound)
  }

  /// The same text to the same number, created well before the attempt
  /// began or already held by another notification, is not the attempt's.
  func testLookupSkipsOlderMessagesAndTakenSids() throws {
    let client = TwilioClient(config())
    guard case .sent(let sid, _) = client.send(to: to, body: text) else { return XCTFail() }
    let created = Int64(nowMs())
    // Twilio's stamps are whole seconds: an attempt that began within the
    // allowed clock skew after the message still finds it; later, not.
    let skew = TwilioClient.clockSkewMillis
    XCTAssertEqual(
      client.lookup(to: to, body: text, sentAfterMs: created + skew - 5_000), .found(sid: sid))
    XCTAssertEqual(
      client.lookup(to: to, body: text, sentAfterMs: created + skew + 5_000), .notFound)
    XCTAssertEqual(
      client.lookup(to: to, body: text, sentAfterMs: created, isTaken: { $0 == sid }), .notFound)
    guard case .sent(let second, _) = client.send(to: to, body: text) else { return XCTFail() }
    XCTAssertEqual(
      client.lookup(to: to, body: text, sentAfterMs: created, isTaken: { $0 == sid }),
      .found(sid: second))
  }

  func testLookupFollowsNextPages() throws {
    let client = TwilioClient(config())
    _ = client.send(to: to, body: text)
    for n in 0..<55 { _ = client.send(to: to, body: "filler \(n)") }
    XCTAssertEqual(client.lookup(to: to, body: text, sentAfterMs: nowMs()), .found(sid: try sid(0)))
    XCTAssertEqual(try double.allRequests().filter { $0["method"] as? String == "GET" }.count, 2)
  }

  func testAFailingLookupIsFailed() throws {
    let client = TwilioClient(config())
    _ = client.send(to: to, body: text)
    try double.program([["list_status": 500]])
    let result = client.lookup(to: to, body: text, sentAfterMs: nowMs())
    guard case .failed(let reason) = result else { return XCTFail("\(result)") }
    XCTAssertTrue(reason.contains("HTTP 500"), reason)
    XCTAssertEqual(client.lookup(to: to, body: text, sentAfterMs: nowMs()), .found(sid: try sid(0)))
  }

  func testALookupThatCannotConnectIsFailed() throws {
    let closed = try TwilioDouble()
    let port = closed.port
    closed.stop()
    let result = TwilioClient(config(base: "http://127.0.0.1:\(port)")).lookup(
      to: to, body: text, sentAfterMs: nowMs())
    guard case .failed = result else { return XCTFail("\(result)") }
  }

  // MARK: - Helpers

  private func code(of outcome: SendOutcome) -> Int? {
    guard case .permanent(let code, _) = outcome else {
      XCTFail("expected a permanent outcome, got \(outcome)")
      return nil
    }
    return code
  }

  private func sid(_ index: Int) throws -> String {
    try XCTUnwrap(try double.messages()[index]["sid"] as? String)
  }
}

/// Log lines from a `@Sendable` logger.
private final class LogLines: Sendable {
  private let lines = Mutex<[String]>([])
  var all: [String] { lines.withLock { $0 } }
  @Sendable func append(_ line: String) { lines.withLock { $0.append(line) } }
}

extension TwilioDouble {
  static func utcDay(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd"
    return formatter.string(from: date)
  }
}
