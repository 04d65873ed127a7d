import FidoCore
import XCTest

final class MoneyTests: XCTestCase {
  let ghs = Currency.lookup("GHS")!
  let jpy = Currency.lookup("JPY")!
  let kwd = Currency.lookup("KWD")!
  let clf = Currency.lookup("CLF")!

  func testValidAmounts() throws {
    let cases: [(String, Currency, Int64)] = [
      ("21", ghs, 2100), ("21.5", ghs, 2150), ("21.50", ghs, 2150), ("007.5", ghs, 750),
      ("0.01", ghs, 1), ("1", ghs, 100), ("0000000000000000000000000021.50", ghs, 2150),
      // The limit, 10^15 − 1 minor units, in each shape of currency.
      ("9999999999999.99", ghs, 999_999_999_999_999),
      ("0009999999999999.9", ghs, 999_999_999_999_990),
      ("21", jpy, 21), ("999999999999999", jpy, 999_999_999_999_999), ("1", jpy, 1),
      ("1.234", kwd, 1234), ("1.2", kwd, 1200), ("999999999999.999", kwd, 999_999_999_999_999),
      ("1.2345", clf, 12345), ("0.0001", clf, 1), ("99999999999.9999", clf, 999_999_999_999_999),
    ]
    for (text, currency, minor) in cases {
      let m = try Money.parse(text, currency: currency)
      XCTAssertEqual(m.minor, Int128(minor), "\(text) \(currency.code)")
      XCTAssertEqual(try Money.minorUnits(text, currency: currency), minor)
      XCTAssertEqual(m.currency, currency)
    }
  }

  func testZeroOnlyWhenAllowed() throws {
    for text in ["0", "0.00", "0.0", "000"] {
      XCTAssertNotNil(coreError { try Money.parse(text, currency: ghs) }, text)
      XCTAssertEqual(try Money.parse(text, currency: ghs, allowZero: true).minor, 0)
    }
    XCTAssertEqual(
      coreError { try Money.parse("0", currency: ghs) },
      .invalidData("invalid amount '0': it must be greater than zero"))
  }

  func testInvalidAmounts() {
    let cases: [(String, Currency)] = [
      ("", ghs), ("-5", ghs), ("-0", ghs), ("+5", ghs), ("2e3", ghs), ("2E3", ghs), ("2.15e1", ghs),
      ("1,000", ghs),
      ("1,000.00", ghs), ("1 000", ghs), (" 21", ghs), ("21 ", ghs), ("21\n", ghs), (".5", ghs),
      ("21.", ghs),
      (".", ghs), ("21.505", ghs), ("1.2.3", ghs), ("abc", ghs), ("\u{0662}\u{0661}", ghs),
      ("２１", ghs),
      ("0x10", ghs), ("1_000", ghs), ("NaN", ghs), ("Infinity", ghs), ("21.5", jpy), ("21.", jpy),
      ("1.2345", kwd),
      ("1.23456", clf), ("21,5", ghs),
    ]
    for (text, currency) in cases {
      guard let e = coreError({ try Money.parse(text, currency: currency, allowZero: true) }) else {
        XCTFail("accepted \(text.debugDescription) for \(currency.code)")
        continue
      }
      XCTAssertEqual(e.code, "invalid_data")
      XCTAssertTrue(e.message.hasPrefix("invalid amount"), e.message)
    }
  }

  func testMessagesNameTheFix() {
    XCTAssertEqual(
      coreError { try Money.parse("21.505", currency: ghs) },
      .invalidData("invalid amount '21.505': GHS has 2 decimal places; write e.g. 21.50"))
    XCTAssertEqual(
      coreError { try Money.parse("21.5", currency: jpy) },
      .invalidData("invalid amount '21.5': JPY has no decimal places; write e.g. 21"))
    XCTAssertEqual(
      coreError { try Money.parse("1.2345", currency: kwd) },
      .invalidData("invalid amount '1.2345': KWD has 3 decimal places; write e.g. 21.500"))
    XCTAssertTrue(coreError { try Money.parse("-5", currency: ghs) }!.message.contains("negative"))
    XCTAssertTrue(
      coreError { try Money.parse("1,000", currency: ghs) }!.message.contains(
        "thousands separators"))
    XCTAssertTrue(coreError { try Money.parse("2e3", currency: ghs) }!.message.contains("exponent"))
    XCTAssertTrue(coreError { try Money.parse(" 2", currency: ghs) }!.message.contains("spaces"))
    XCTAssertTrue(coreError { try Money.parse("+2", currency: ghs) }!.message.contains("sign"))
    XCTAssertTrue(coreError { try Money.parse("", currency: ghs) }!.message.contains("empty"))
    // Control characters are shown escaped, never raw.
    XCTAssertTrue(
      coreError { try Money.parse("2\u{1B}[2J", currency: ghs) }!.message.contains("\\u{1b}"))
  }

  func testAmountLimit() {
    let cases: [(String, Currency)] = [
      // Just past 10^15 − 1 minor units.
      ("10000000000000", ghs), ("10000000000000.00", ghs),
      ("1000000000000000", jpy), ("1000000000000.000", kwd), ("100000000000.0000", clf),
      // The old Int64 edge, and far past it: refused, not wrapped or trapped.
      ("92233720368547758.07", ghs), ("92233720368547758.08", ghs), ("92233720368547759", ghs),
      ("9223372036854775807", jpy), ("9223372036854775808", jpy), ("99999999999999999999", jpy),
      ("9223372036854775.808", kwd), ("922337203685477.5808", clf),
      (String(repeating: "9", count: 400), ghs), (String(repeating: "9", count: 400) + ".99", ghs),
    ]
    for (text, currency) in cases {
      let e = coreError { try Money.parse(text, currency: currency) }
      XCTAssertEqual(e?.code, "invalid_data", text)
      XCTAssertTrue(e?.message.contains("is too large") ?? false, e?.message ?? "accepted \(text)")
    }
    XCTAssertEqual(
      coreError { try Money.parse("92233720368547758.07", currency: ghs) },
      .invalidData("amount '92233720368547758.07' is too large: at most GHS 9,999,999,999,999.99"))
    XCTAssertEqual(
      coreError { try Money.parse("1000000000000000", currency: jpy, allowZero: true) },
      .invalidData("amount '1000000000000000' is too large: at most JPY 999,999,999,999,999"))
    XCTAssertEqual(Money.maxMinor, 999_999_999_999_999)
  }

  func testFormatting() {
    let cases: [(Int128, Currency, String, String)] = [
      (123_450, ghs, "1234.50", "GHS 1,234.50"),
      (-123_450, ghs, "-1234.50", "GHS -1,234.50"),
      (0, ghs, "0.00", "GHS 0.00"),
      (5, ghs, "0.05", "GHS 0.05"),
      (-5, ghs, "-0.05", "GHS -0.05"),
      (100, ghs, "1.00", "GHS 1.00"),
      (99_999, ghs, "999.99", "GHS 999.99"),
      (100_000_000, ghs, "1000000.00", "GHS 1,000,000.00"),
      (112_100, ghs, "1121.00", "GHS 1,121.00"),
      (Int128(Int64.min), ghs, "-92233720368547758.08", "GHS -92,233,720,368,547,758.08"),
      (Int128(Int64.max), ghs, "92233720368547758.07", "GHS 92,233,720,368,547,758.07"),
      (Int128(Int64.max), jpy, "9223372036854775807", "JPY 9,223,372,036,854,775,807"),
      (Int128(Int64.min), jpy, "-9223372036854775808", "JPY -9,223,372,036,854,775,808"),
      (999, jpy, "999", "JPY 999"),
      (1000, jpy, "1000", "JPY 1,000"),
      (-1000, jpy, "-1000", "JPY -1,000"),
      // Sums of Int64 figures (analytics, db check) are Int128.
      (Int128(Int64.max) * 2, ghs, "184467440737095516.14", "GHS 184,467,440,737,095,516.14"),
      (Int128(Int64.min) * 3, ghs, "-276701161105643274.24", "GHS -276,701,161,105,643,274.24"),
      (
        .max, jpy, "170141183460469231731687303715884105727",
        "JPY 170,141,183,460,469,231,731,687,303,715,884,105,727"
      ),
      (
        .min, ghs, "-1701411834604692317316873037158841057.28",
        "GHS -1,701,411,834,604,692,317,316,873,037,158,841,057.28"
      ),
      (1, kwd, "0.001", "KWD 0.001"),
      (1_234_567, kwd, "1234.567", "KWD 1,234.567"),
      (12345, clf, "1.2345", "CLF 1.2345"),
    ]
    for (minor, currency, plain, display) in cases {
      let m = Money(minor: minor, currency: currency)
      XCTAssertEqual(m.plain, plain)
      XCTAssertEqual(m.display, display)
    }
  }

  func testFormatParseRoundTrip() throws {
    var rng = CoreTestRNG(seed: 42)
    for currency in [ghs, jpy, kwd, clf] {
      for _ in 0..<300 {
        let minor =
          Int64.random(in: 1...Money.maxMinor, using: &rng) >> Int64.random(in: 0...50, using: &rng)
        let m = Money(minor: max(minor, 1), currency: currency)
        XCTAssertEqual(try Money.parse(m.plain, currency: currency), m)
      }
    }
  }

  func testSMSText() {
    let amount = Money(minor: 2100, currency: ghs)
    let balance = Money(minor: 112_100, currency: ghs)
    XCTAssertEqual(
      SMSText.make(name: "Ama Mensah", type: "credit", amount: amount, balance: balance),
      "Hi Ama Mensah, your account has been credited with GHS 21.00. New balance: GHS 1,121.00.")
    XCTAssertEqual(
      SMSText.make(
        name: "Ama Mensah", type: "debit", amount: amount,
        balance: Money(minor: -5000, currency: ghs)),
      "Hi Ama Mensah, your account has been debited with GHS 21.00. New balance: GHS -50.00.")
  }
}

final class CurrencyTests: XCTestCase {
  func testSpotChecks() throws {
    let expected: [String: Int] = [
      "GHS": 2, "NGN": 2, "KES": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "XOF": 0,
      "XAF": 0,
      "KWD": 3, "BHD": 3, "TND": 3, "OMR": 3, "JOD": 3, "IQD": 3, "LYD": 3, "CLF": 4, "UYW": 4,
      "ISK": 0,
      "UGX": 0, "VND": 0, "SLE": 2, "VES": 2, "ZWG": 2, "XCG": 2, "ZAR": 2,
    ]
    for (code, digits) in expected {
      XCTAssertEqual(Currency.lookup(code)?.minorDigits, digits, code)
      XCTAssertEqual(try Currency.parse(code).minorDigits, digits)
    }
  }

  func testCaseInsensitiveStoredUpper() throws {
    XCTAssertEqual(try Currency.parse("ghs"), Currency(code: "GHS", minorDigits: 2))
    XCTAssertEqual(try Currency.parse("nGn").code, "NGN")
    XCTAssertNil(Currency.lookup("ghs"), "lookup takes upper-case codes only")
  }

  func testUnknownCodes() {
    XCTAssertEqual(
      coreError { try Currency.parse("QQQ") },
      .invalidData("unknown currency 'QQQ': use an active ISO 4217 code such as GHS, NGN, KES, USD")
    )
    for code in ["XTS", "XXX", "XAU", "XDR", "HRK", "VEF", "", "GH", "GHSS", "G H", "ĞHS", "123"] {
      XCTAssertEqual(coreError { try Currency.parse(code) }?.code, "invalid_data", code)
    }
  }

  func testTableShape() {
    XCTAssertGreaterThan(Currency.all.count, 150)
    XCTAssertEqual(Set(Currency.all.map(\.code)).count, Currency.all.count)
    XCTAssertEqual(Currency.all.map(\.code), Currency.all.map(\.code).sorted())
    for c in Currency.all {
      XCTAssertEqual(c.code.count, 3)
      XCTAssertTrue(c.code.allSatisfy { $0.isASCII && $0.isUppercase }, c.code)
      XCTAssertTrue([0, 2, 3, 4].contains(c.minorDigits), c.code)
    }
  }
}
