import XCTest

@testable import FidoCore

/// Delivery status, validity and worker settings, without a server.
final class SMSDeliveryUnitTests: XCTestCase {
  private func response(_ status: Int, _ body: String, headers: [(String, String)] = [])
    -> HTTPResponse
  {
    HTTPResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8))
  }

  func testAFetchIsReadAsTwilioAnswersIt() {
    XCTAssertEqual(
      TwilioClient.result(
        ofFetch: response(
          200,
          #"{"sid":"SMx","status":"undelivered","error_code":30006,"error_message":"Landline or unreachable carrier"}"#
        )),
      .message(
        status: "undelivered", errorCode: 30006, errorMessage: "Landline or unreachable carrier"))
    XCTAssertEqual(
      TwilioClient.result(
        ofFetch: response(200, #"{"status":"delivered","error_code":null,"error_message":null}"#)),
      .message(status: "delivered", errorCode: nil, errorMessage: nil))
    XCTAssertEqual(
      TwilioClient.result(
        ofFetch: response(429, #"{"code":20429,"status":429}"#, headers: [("Retry-After", "7")])),
      .rateLimited(reason: "Twilio error 20429 (HTTP 429)", retryAfterSeconds: 7))
    XCTAssertEqual(
      TwilioClient.result(ofFetch: response(401, #"{"code":20003,"message":"Authenticate"}"#)),
      .unauthorized(reason: "Twilio error 20003 (HTTP 401): Authenticate"))
    XCTAssertEqual(
      TwilioClient.result(ofFetch: response(404, #"{"code":20404}"#)),
      .notFound(reason: "Twilio error 20404 (HTTP 404)"))
    // A 200 without a status, or a 5xx: ask again later, never a guess.
    XCTAssertEqual(
      TwilioClient.result(ofFetch: response(200, "{}")),
      .failed(reason: "message fetch: HTTP 200"))
    XCTAssertEqual(
      TwilioClient.result(ofFetch: response(503, "oops")),
      .failed(reason: "message fetch: HTTP 503"))
  }

  /// A refused create names Twilio's code once, with the HTTP status and the body's message.
  func testCreateRefusalNamesTheCodeOnce() {
    let body =
      #"{"code":21211,"message":"The 'To' number +1555 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#
    XCTAssertEqual(
      TwilioClient.outcome(ofCreate: response(400, body)),
      .permanent(
        code: 21211,
        reason:
          "Twilio error 21211 (HTTP 400): The 'To' number +1555 is not a valid phone number. (https://www.twilio.com/docs/errors/21211)"
      ))
    XCTAssertEqual(
      TwilioClient.outcome(ofCreate: response(503, "down")), .ambiguous(reason: "HTTP 503"))
  }

  func testValidityAndModeSettings() throws {
    let base = [
      "TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef", "TWILIO_AUTH_TOKEN": "t",
      "TWILIO_FROM": "+15017122661",
    ]
    var config = try Config.resolve(flags: [:], environment: base)
    XCTAssertEqual(config.smsValiditySeconds, 3600)
    XCTAssertEqual(config.twilio?.validitySeconds, 3600)
    XCTAssertEqual(config.smsMode, .send)
    config = try Config.resolve(
      flags: [:],
      environment: base.merging(["FIDO_SMS_VALIDITY": "1", "FIDO_SMS_MODE": "queue"]) {
        $1
      })
    XCTAssertEqual(config.twilio?.validitySeconds, 1)
    XCTAssertEqual(config.smsMode, .queue)
    XCTAssertEqual(
      try Config.resolve(flags: [:], environment: ["FIDO_SMS_VALIDITY": "36000"])
        .smsValiditySeconds, 36000)
    for bad in ["0", "36001", "1e3", "+5", "60s", "3600.0", "0x10", "99999999999999999999"] {
      XCTAssertThrowsError(
        try Config.resolve(flags: [:], environment: ["FIDO_SMS_VALIDITY": bad]), bad
      ) { error in
        XCTAssertEqual((error as? FidoError)?.exitCode, 78, bad)
      }
    }
    for bad in ["Queue", "worker", "send "] {
      XCTAssertThrowsError(try Config.resolve(flags: [:], environment: ["FIDO_SMS_MODE": bad])) {
        XCTAssertEqual(($0 as? FidoError)?.exitCode, 78, bad)
      }
    }
    XCTAssertThrowsError(
      try TwilioConfig(
        TwilioSettings(
          accountSID: base["TWILIO_ACCOUNT_SID"]!, authToken: "t", from: "+15017122661",
          validitySeconds: 0), timeoutMS: 1000
      ).validate())
  }

  func testTheWorkerPollsFreshMessagesOftenAndOldOnesRarely() {
    let sent: Int64 = 1_000_000_000
    XCTAssertEqual(SMSSender.workerPollDelay(sentAt: sent, now: sent), 15_000)
    XCTAssertEqual(SMSSender.workerPollDelay(sentAt: sent, now: sent + 600_000), 60_000)
    XCTAssertEqual(SMSSender.workerPollDelay(sentAt: sent, now: sent + 72 * 3_600_000), 1_800_000)
    XCTAssertEqual(SMSSender.workerPollDelay(sentAt: nil, now: sent), 15_000)
  }

  func testWorkerBackoffDoublesToAMinute() {
    var ms: Int64 = 0
    var seen: [Int64] = []
    for _ in 0..<9 {
      ms = SMSWorker.grow(ms)
      seen.append(ms)
    }
    XCTAssertEqual(seen, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000])
    XCTAssertEqual(SMSWorker.seconds(500), "0.5")
    XCTAssertEqual(SMSWorker.seconds(1250), "1.25")
    XCTAssertEqual(SMSWorker.seconds(60_000), "60")
  }

  func testOptOutSkipsOnlyWhileThePhoneIsTheOneThatOptedOut() {
    XCTAssertEqual(
      SMSState.skipReason(
        optOut: nil, phone: "+233241234567", smsConfigured: true, phoneOptedOut: true),
      "opted_out")
    XCTAssertNil(SMSState.skipReason(optOut: nil, phone: "+233241234567", smsConfigured: true))
    XCTAssertEqual(
      SMSState.skipReason(
        optOut: "--no-sms", phone: "+1", smsConfigured: true, phoneOptedOut: true),
      "--no-sms")
  }
}
