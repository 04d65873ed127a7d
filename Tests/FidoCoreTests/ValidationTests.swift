import FidoCore
import XCTest

final class ValidationTests: XCTestCase {
  func testEmailValid() throws {
    let cases: [(String, String)] = [
      ("ama@example.com", "ama@example.com"),
      ("  Ama@Example.COM \n", "ama@example.com"),
      ("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"),
      ("x@y.z", "x@y.z"),
      ("o'brien.k@x-y.example.com", "o'brien.k@x-y.example.com"),
      ("ama@123.example", "ama@123.example"),
      ("ama@a--b.example", "ama@a--b.example"),
      // Letters of any script; a combining mark after its letter.
      ("Ama@Bücher.Example", "ama@bücher.example"),
      ("ama@मराठी.भारत", "ama@मराठी.भारत"),
      (
        String(repeating: "a", count: 242) + "@example.com",
        String(repeating: "a", count: 242) + "@example.com"
      ),
    ]
    for (input, expected) in cases { XCTAssertEqual(try Email.normalize(input), expected) }
  }

  func testEmailInvalid() {
    let cases = [
      "", "   ", "ama", "ama@", "@example.com", "ama@example", "ama@@example.com", "a@b@c.com",
      "ama@example..com", "ama@.example.com", "ama@example.com.", "ama mensah@example.com",
      "ama@exa\tmple.com",
      "ama@exa\u{0}mple.com", String(repeating: "a", count: 243) + "@example.com",
      // The local part: no dot first, last or twice in a row.
      ".ama@example.com", "ama.@example.com", "a..b@example.com", ".@example.com",
      // The domain: letters, digits and inner hyphens between dots.
      "ama@exa_mple.com", "ama@ex!ample.com", "ama@-example.com", "ama@example-.com",
      "ama@example.c-", "ama@[127.0.0.1]", "ama@exa+mple.com", "ama@\u{301}x.com",
      // Bidirectional controls count as control characters.
      "ama@exa\u{202E}mple.com", "am\u{2066}a@example.com",
    ]
    for input in cases {
      let e = coreError { try Email.normalize(input) }
      XCTAssertEqual(e?.code, "invalid_data", input.debugDescription)
      XCTAssertTrue(e?.message.hasPrefix("invalid email") ?? false)
    }
  }

  func testEmailMessagesNameTheProblem() {
    let expected = [
      ".ama@example.com":
        "invalid email '.ama@example.com': the part before '@' must not start or end with a dot",
      "ama.@example.com":
        "invalid email 'ama.@example.com': the part before '@' must not start or end with a dot",
      "a..b@example.com":
        "invalid email 'a..b@example.com': the part before '@' must not hold two dots in a row",
      "ama@exa_mple.com":
        "invalid email 'ama@exa_mple.com': the domain after '@' may hold only letters, digits, hyphens and dots, not '_'",
      "ama@example-.com":
        "invalid email 'ama@example-.com': a part of the domain must not start or end with a hyphen ('example-')",
      "ama@exa\u{202E}mple.com":
        "invalid email 'ama@exa\\u{202e}mple.com': it must not contain spaces or control characters",
    ]
    for (input, message) in expected {
      XCTAssertEqual(coreError { try Email.normalize(input) }?.message, message, input)
    }
  }

  func testPhone() throws {
    for good in ["+233241234567", "+12025550123", "+12345678", "+123456789012345"] {
      XCTAssertEqual(try Phone.validate(good), good)
    }
    for bad in [
      "233241234567", "+0233241234567", "+1234567", "+1234567890123456", "+233 24 123 4567",
      "+233-24-123",
      "", "+", " +233241234567", "+233241234567 ", "+23324123456７", "++233241234567",
    ] {
      let e = coreError { try Phone.validate(bad) }
      XCTAssertEqual(e?.code, "invalid_data", bad.debugDescription)
      XCTAssertTrue(e?.message.contains("E.164") ?? false)
    }
  }

  func testNames() throws {
    for good in [
      "Ama Mensah", "Kwame Nkrumah-Ọ̀ṣun", "李小龍", String(repeating: "é", count: 200), "A",
    ] {
      XCTAssertEqual(try PersonName.validate(good), good)
    }
    // Trimmed of surrounding white space (inner spaces kept); the limit
    // counts what is stored.
    let trimmed: [(String, String)] = [
      (" Ama ", "Ama"), ("\tAma  Mensah\n", "Ama  Mensah"), ("\u{A0}Ama\u{3000}", "Ama"),
      ("\r\nAma\r\n", "Ama"),
      ("  " + String(repeating: "é", count: 200) + "  ", String(repeating: "é", count: 200)),
    ]
    for (input, expected) in trimmed {
      XCTAssertEqual(try PersonName.validate(input), expected, input.debugDescription)
    }
    for bad in [
      "", "   ", "\t", String(repeating: "a", count: 201), "Ama\nMensah", "Ama\u{0}", "Ama\u{FFFD}",
      "Ama\u{1B}[31m", "a\u{2028}b", "a\u{85}b", "a\u{7F}",
      // Bidirectional controls count as control characters (DESIGN.md).
      "Ama \u{202E}hsnem", "a\u{202A}b", "a\u{2066}b", "a\u{2069}",
    ] {
      XCTAssertEqual(
        coreError { try PersonName.validate(bad) }?.code, "invalid_data", bad.debugDescription)
    }
  }

  func testIdempotencyKeys() throws {
    for good in ["k1", String(repeating: "k", count: 128), "order-123 / retry #2", "ключ"] {
      XCTAssertEqual(try IdempotencyKey.validate(good), good)
    }
    for bad in [
      "", String(repeating: "k", count: 129), "a\tb", "a\nb", "\u{7F}", "a\u{0}", "a\u{202E}b",
      // One character, 60 001 code points.
      "a" + String(repeating: "\u{301}", count: 60_000),
    ] {
      XCTAssertEqual(
        coreError { try IdempotencyKey.validate(bad) }?.code, "invalid_data", bad.debugDescription)
    }
  }

  func testParseID() throws {
    XCTAssertEqual(
      try parseID("64df5a8e2f1b3c4d5e6f7a8b", what: "user").hex, "64df5a8e2f1b3c4d5e6f7a8b")
    XCTAssertEqual(
      try parseID("64DF5A8E2F1B3C4D5E6F7A8B", what: "user").hex, "64df5a8e2f1b3c4d5e6f7a8b")
    XCTAssertEqual(
      coreError { try parseID("xyz", what: "transaction id") },
      .invalidData("invalid transaction id 'xyz': expected 24 hex digits"))
    for bad in [
      "", "64df5a8e2f1b3c4d5e6f7a8", "64df5a8e2f1b3c4d5e6f7a8bc", "64df5a8e2f1b3c4d5e6f7a8g",
    ] {
      XCTAssertEqual(coreError { try parseID(bad, what: "user") }?.code, "invalid_data")
    }
  }
}
