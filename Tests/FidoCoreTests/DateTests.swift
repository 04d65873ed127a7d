import XCTest

@testable import FidoCore

final class DateTests: XCTestCase {
  let now: Int64 = 1_700_000_000_123
  /// 2023-08-18T15:30:00Z, checked with Python's calendar.timegm.
  let base: Int64 = 1_692_372_600_000

  func parse(_ s: String, endOfDay: Bool = false) throws -> Int64 {
    try FidoDate.parse(s, now: now, endOfDay: endOfDay)
  }

  func testForms() throws {
    let cases: [(String, Int64)] = [
      ("2023-08-18T15:30:00Z", base),
      ("2023-08-18t15:30:00z", base),
      ("2023-08-18T15:30:00", base),
      ("2023-08-18T15:30:00.5Z", base + 500),
      ("2023-08-18T15:30:00.12Z", base + 120),
      ("2023-08-18T15:30:00.123Z", base + 123),
      ("2023-08-18T15:30:00.1239Z", base + 123),
      ("2023-08-18T15:30:00.123456789Z", base + 123),
      ("2023-08-18T15:30:00.999999999", base + 999),
      ("2023-08-18T16:30:00+01:00", base),
      ("2023-08-18T10:00:00-05:30", base),
      ("2023-08-18T15:30:00+00:00", base),
      ("2023-08-18T15:30:00-00:00", base),
      ("2023-08-19T05:29:00+13:59", base),
      ("2023-08-18", base - 15 * 3_600_000 - 30 * 60_000),
      ("1970-01-01T00:00:00Z", 0),
      ("1969-12-31T23:59:59.999Z", -1),
      ("1970-01-01T01:00:00+01:00", 0),
      ("0001-01-01T00:00:00Z", -62_135_596_800_000),
      ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
      ("now", now),
    ]
    for (text, ms) in cases { XCTAssertEqual(try parse(text), ms, text) }
  }

  func testEndOfDay() throws {
    let start = try parse("2023-08-18")
    XCTAssertEqual(try parse("2023-08-18", endOfDay: true), start + 86_400_000 - 1)
    XCTAssertEqual(
      FidoDate.format(try parse("2023-08-18", endOfDay: true)), "2023-08-18T23:59:59.999Z")
    // endOfDay only widens a bare day.
    XCTAssertEqual(try parse("2023-08-18T15:30:00Z", endOfDay: true), base)
  }

  func testLeapYears() throws {
    for good in [
      "2024-02-29", "2000-02-29", "1600-02-29", "0004-02-29", "2023-02-28", "2023-12-31",
    ] {
      XCTAssertNoThrow(try parse(good), good)
    }
    for bad in ["2023-02-29", "1900-02-29", "2100-02-29", "2024-02-30", "2023-04-31", "2023-06-31"]
    {
      XCTAssertEqual(coreError { try FidoDate.parse(bad, now: 0) }?.code, "invalid_data", bad)
    }
  }

  func testInvalid() {
    let cases = [
      "", "yesterday", "NOW!", "1692372600", "2023-08-18T24:00:00Z", "2023-08-18T23:60:00Z",
      "2023-08-18T23:59:60Z",
      "0000-01-01", "10000-01-01", "2023-13-01", "2023-00-10", "2023-08-00", "2023-8-18",
      "2023-08-18T15:30Z",
      "2023-08-18 15:30:00Z", "2023-08-18T15:30:00.Z", "2023-08-18T15:30:00.1234567890Z",
      "2023-08-18T15:30:00+0100",
      "2023-08-18T15:30:00+24:00", "2023-08-18T15:30:00+01:60", "2023-08-18T15:30:00Zjunk",
      "2023-08-18T",
      "2023-08-18T15:30:00ZZ", " 2023-08-18", "2023-08-18 ", "２０２３-08-18", "-2023-08-18",
      "+2023-08-18",
    ]
    for text in cases {
      XCTAssertEqual(
        coreError { try FidoDate.parse(text, now: 0) }?.code, "invalid_data",
        "accepted \(text.debugDescription)")
    }
    XCTAssertEqual(
      coreError { try FidoDate.parse("x", now: 0) },
      .invalidData(
        "invalid date 'x': use RFC 3339 like 2023-08-18T15:30:00Z, a day like 2023-08-18, or now"))
  }

  func testFormat() {
    XCTAssertEqual(FidoDate.format(base), "2023-08-18T15:30:00.000Z")
    XCTAssertEqual(FidoDate.format(base + 7), "2023-08-18T15:30:00.007Z")
    XCTAssertEqual(FidoDate.format(0), "1970-01-01T00:00:00.000Z")
    XCTAssertEqual(FidoDate.format(-1), "1969-12-31T23:59:59.999Z")
    XCTAssertEqual(FidoDate.day(base), "2023-08-18")
    XCTAssertEqual(FidoDate.day(-1), "1969-12-31")
    XCTAssertEqual(FidoDate.dayStart(-1), -86_400_000)
    XCTAssertEqual(FidoDate.dayStart(base), base - (15 * 60 + 30) * 60_000)
    XCTAssertEqual(FidoDate.format(-62_135_596_800_000), "0001-01-01T00:00:00.000Z")
    // Extremes must not trap.
    XCTAssertFalse(FidoDate.format(.min).isEmpty)
    XCTAssertFalse(FidoDate.format(.max).isEmpty)
    XCTAssertEqual(FidoDate.dayStart(.min), .min)
    XCTAssertLessThanOrEqual(FidoDate.dayStart(.max), .max)
  }

  /// Civil date by walking years and months one at a time: slow, obviously right.
  func bruteForce(_ ms: Int64) -> String {
    var days = ms >= 0 ? ms / 86_400_000 : -((-ms + 86_400_000 - 1) / 86_400_000)
    let msOfDay = ms - days * 86_400_000
    func leap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
    var y: Int64 = 1970
    while days < 0 {
      y -= 1
      days += leap(y) ? 366 : 365
    }
    while days >= (leap(y) ? 366 : 365) {
      days -= leap(y) ? 366 : 365
      y += 1
    }
    let lengths: [Int64] = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    var m = 0
    while days >= lengths[m] {
      days -= lengths[m]
      m += 1
    }
    func p(_ v: Int64, _ w: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, w - s.count)) + s
    }
    let h = msOfDay / 3_600_000
    let mi = msOfDay / 60_000 % 60
    let s = msOfDay / 1000 % 60
    return
      "\(p(y, 4))-\(p(Int64(m + 1), 2))-\(p(days + 1, 2))T\(p(h, 2)):\(p(mi, 2)):\(p(s, 2)).\(p(msOfDay % 1000, 3))Z"
  }

  func testRoundTripAgainstBruteForce() throws {
    var rng = CoreTestRNG(seed: 2023)
    let lo: Int64 = -62_135_596_800_000
    let hi: Int64 = 253_402_300_799_999
    var samples: [Int64] = [lo, hi, 0, -1, 1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000]
    for _ in 0..<400 { samples.append(Int64.random(in: lo...hi, using: &rng)) }
    for _ in 0..<200 {
      samples.append(Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &rng))
    }
    for ms in samples {
      let text = FidoDate.format(ms)
      XCTAssertEqual(text, bruteForce(ms), "\(ms)")
      XCTAssertEqual(try parse(text), ms, text)
      XCTAssertEqual(FidoDate.day(ms), String(text.prefix(10)))
      XCTAssertEqual(
        FidoDate.format(FidoDate.dayStart(ms)), String(text.prefix(10)) + "T00:00:00.000Z")
      XCTAssertEqual(try parse(String(text.prefix(10))), FidoDate.dayStart(ms))
    }
  }
}

final class TwilioDateTests: XCTestCase {
  /// Expected values computed with Python's datetime, independently of FidoDate.
  func testRFC2822TimestampsAsTwilioWritesThem() {
    XCTAssertEqual(TwilioClient.parseRFC2822("Thu, 24 Aug 2023 05:01:45 +0000"), 1_692_853_305_000)
    XCTAssertEqual(TwilioClient.parseRFC2822("Thu, 29 Feb 2024 23:59:59 -0130"), 1_709_256_599_000)
    XCTAssertEqual(TwilioClient.parseRFC2822("Thu, 01 Jan 1970 00:00:00 +0545"), -20_700_000)
  }

  func testAnythingElseIsNotATimestamp() {
    for text in [
      "", "Thu, 24 Aug 2023 05:01:45", "Thu, 24 Aug 2023 05:01:45 GMT",
      "24 Aug 2023 05:01:45 +0000",
      "Thu, 31 Feb 2023 05:01:45 +0000", "Thu, 24 Agu 2023 05:01:45 +0000",
      "Thu, 24 Aug 2023 24:00:00 +0000", "Thu, 24 Aug 2023 05:01 +0000",
      "Thu, 29 Feb 2023 00:00:00 +0000", "Thu, 24 Aug 2023 -5:01:45 +0000",
      "Thu, 24 Aug 2023 05:01:45 -+130", "Thu, 24 Aug +2023 05:01:45 +0000",
    ] {
      XCTAssertNil(TwilioClient.parseRFC2822(text), text)
    }
  }
}
