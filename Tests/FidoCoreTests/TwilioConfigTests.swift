import XCTest

@testable import FidoCore

final class TwilioConfigTests: XCTestCase {
  private let sid = "AC0123456789abcdef0123456789ABCDEF"
  private let token = "s3cr3t-token-value"

  private func config(
    sid: String? = nil, from: String? = "+15017122661", service: String? = nil,
    base: String = TwilioConfig.defaultAPIBase
  ) -> TwilioConfig {
    TwilioConfig(
      accountSID: sid ?? self.sid, authToken: token, from: from, messagingServiceSID: service,
      apiBase: base)
  }

  func testAValidConfigPasses() throws {
    try config().validate()
    try config(from: nil, service: "MG0123456789abcdef0123456789abcdef").validate()
    try config(base: "http://127.0.0.1:8080").validate()
    try config(base: "http://localhost:9/").validate()
    try config(base: "http://[::1]:8080").validate()
    try config(base: "https://twilio-proxy.example.com/prefix").validate()
  }

  func testBadSettingsAreConfigErrors() {
    let bad = [
      config(sid: "AC123"), config(sid: "XX0123456789abcdef0123456789abcdef"),
      config(sid: "AC0123456789abcdef0123456789abcdeg"), config(from: nil), config(from: ""),
      config(from: nil, service: "MG123"), config(base: "http://api.twilio.com"),
      config(base: "http://127.0.0.1.evil.example"), config(base: "ftp://api.twilio.com"),
      config(base: "https://user:pw@api.twilio.com"), config(base: "https://"),
      config(base: "api.twilio.com"),
    ]
    for c in bad {
      XCTAssertThrowsError(try c.validate(), "\(c)") { error in
        XCTAssertEqual((error as? FidoError)?.exitCode, 78)
      }
    }
  }

  func testPrintingAConfigNeverShowsTheToken() {
    let c = config()
    var dumped = ""
    dump(c, to: &dumped)
    for text in [String(describing: c), String(reflecting: c), "\(c)", dumped] {
      XCTAssertFalse(text.contains(token), text)
      XCTAssertTrue(text.contains("<redacted>"), text)
    }
  }

  func testFormEncodingEscapesEverythingButUnreservedCharacters() {
    XCTAssertEqual(FormURLEncoding.percentEncode("+1 a&b=c/é~-._"), "%2B1%20a%26b%3Dc%2F%C3%A9~-._")
    XCTAssertEqual(
      FormURLEncoding.encode([("To", "+233"), ("DateSent>", "2024-01-01")]),
      "To=%2B233&DateSent%3E=2024-01-01")
  }

  func testUTCDays() {
    XCTAssertEqual(FidoDate.day(0), "1970-01-01")
    XCTAssertEqual(FidoDate.day(86_399_999), "1970-01-01")
    XCTAssertEqual(FidoDate.day(-1), "1969-12-31")
    XCTAssertEqual(FidoDate.day(951_782_400_000), "2000-02-29")
    XCTAssertEqual(FidoDate.day(1_709_164_800_000 - 1), "2024-02-28")
    XCTAssertEqual(FidoDate.day(1_709_164_800_000), "2024-02-29")
    XCTAssertEqual(FidoDate.day(-2_203_891_200_000), "1900-03-01")
    XCTAssertEqual(FidoDate.day(4_133_894_400_000), "2100-12-31")
  }
}
