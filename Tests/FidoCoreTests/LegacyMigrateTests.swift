import XCTest

@testable import FidoCore

final class LegacyMigrateTests: XCTestCase {
  let ghs = Currency.lookup("GHS")!

  func minor(_ d: Double, digits: Int = 2, round: Bool = false) -> Int64? {
    if case .success(let c) = LegacyAmount.minorUnits(of: d, digits: digits, round: round) {
      return c.minor
    }
    return nil
  }

  /// Exact conversions, checked against Python's `Decimal(repr(x))` by hand.
  func testShortestDecimalIsTakenExactly() {
    XCTAssertEqual(minor(1000.1), 100_010)  // 1000.1 * 100 as doubles is 100009.99999999999
    XCTAssertEqual(minor(21.5), 2150)
    XCTAssertEqual(minor(0.01), 1)
    XCTAssertEqual(minor(0.07), 7)  // 0.07 * 100 is 7.000000000000001
    XCTAssertEqual(minor(1.15), 115)  // 1.15 * 100 is 114.99999999999999
    XCTAssertEqual(minor(4.35), 435)  // 4.35 * 100 is 434.99999999999994
    XCTAssertEqual(minor(50.0), 5000)
    XCTAssertEqual(minor(0.0), 0)
    XCTAssertEqual(minor(-0.0), 0)
    XCTAssertEqual(minor(-50.25), -5025)
    XCTAssertEqual(minor(9_999_999_999_999.99), 999_999_999_999_999)
    XCTAssertEqual(minor(1e12), 100_000_000_000_000)
    XCTAssertEqual(minor(100.0, digits: 0), 100)  // trailing zeros are no precision
    XCTAssertEqual(minor(1.5, digits: 3), 1500)
    XCTAssertEqual(minor(123.0, digits: 0), 123)
    for cents in stride(from: Int64(1), to: 2_000_000, by: 997) {
      XCTAssertEqual(minor(Double(cents) / 100), cents, "\(Double(cents) / 100)")
    }
  }

  func testMoreDecimalsAreRefusedUnlessRounded() {
    for d in [0.1 + 0.2, 2.675, 1.005, 1e-5, 5e-324, 10.005] {
      XCTAssertNil(minor(d), "\(d)")
    }
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: 0.1 + 0.2, digits: 2, round: false),
      .failure(.tooPrecise("0.30000000000000004", digits: 2)))
    // Half-even on the shortest decimal, not on the binary value (2.675 is
    // 2.67499999… in binary, yet its decimal is a tie: 2.68).
    XCTAssertEqual(minor(0.1 + 0.2, round: true), 30)
    XCTAssertEqual(minor(2.675, round: true), 268)
    XCTAssertEqual(minor(2.665, round: true), 266)
    XCTAssertEqual(minor(1.005, round: true), 100)
    XCTAssertEqual(minor(-2.675, round: true), -268)
    XCTAssertEqual(minor(0.004, round: true), 0)
    XCTAssertEqual(minor(0.006, round: true), 1)
    XCTAssertEqual(minor(5e-324, round: true), 0)
    XCTAssertEqual(minor(0.5, digits: 0, round: true), 0)
    XCTAssertEqual(minor(1.5, digits: 0, round: true), 2)
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: 2.675, digits: 2, round: true),
      .success(.init(minor: 268, roundedFrom: "2.675")))
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: 2.5, digits: 2, round: true),
      .success(.init(minor: 250, roundedFrom: nil)), "an exact figure is not listed as rounded")
  }

  func testNonFiniteAndPastTheLimit() {
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: .nan, digits: 2, round: true), .failure(.notFinite("nan")))
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: -.infinity, digits: 2, round: true),
      .failure(.notFinite("-inf")))
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: 1e16, digits: 2, round: false), .failure(.tooLarge("1e+16")))
    XCTAssertEqual(
      LegacyAmount.minorUnits(of: 1e300, digits: 2, round: false), .failure(.tooLarge("1e+300")))
    XCTAssertNil(minor(10_000_000_000_000.0))  // 10^15 minor units: one past the limit
    XCTAssertEqual(
      LegacyAmount.minorUnits(ofWhole: 21, digits: 2),
      .success(.init(minor: 2100, roundedFrom: nil)))
    if case .success = LegacyAmount.minorUnits(ofWhole: Int64.max, digits: 2) {
      XCTFail("Int64.max whole units overflow")
    }
  }

  func testShortestDecimalParsing() {
    func parts(_ text: String) -> [String]? {
      ShortestDecimal(text).map { ["\($0.negative)", "\($0.mantissa)", "\($0.exponent)"] }
    }
    XCTAssertEqual(parts("1000.1"), ["false", "10001", "-1"])
    XCTAssertEqual(parts("1e-05"), ["false", "1", "-5"])
    XCTAssertEqual(parts("1.2345e+19"), ["false", "12345", "15"])
    XCTAssertEqual(parts("-0.0"), ["true", "0", "0"])
    XCTAssertEqual(parts("100.0"), ["false", "1", "2"])
    XCTAssertEqual(parts("0.30000000000000004"), ["false", "30000000000000004", "-17"])
    XCTAssertNil(parts("nan"))
    XCTAssertNil(parts("1.2.3"))
    XCTAssertNil(parts("1e"))
  }

  func doc(_ fields: [(String, BSONValue)]) -> Document { Document(fields) }

  func testLegacyUserIsNormalisedAndEveryProblemNamed() throws {
    let id = ObjectID(hex: "5f5e100135bf992dc9e9c616")!
    let good = doc([
      ("_id", .objectID(id)), ("name", "  Ama Mensah "), ("email", " AMA@Example.COM "),
      ("phone_number", ""), ("password", "abc"), ("balance", .double(1000.1)),
      ("transactions", ["2023-08-18": [.double(1.5)]]), ("credit_score", .double(2.5)),
    ])
    guard case .success(let u) = LegacyUser.parse(good, currency: ghs, round: false) else {
      return XCTFail("a valid legacy user")
    }
    XCTAssertEqual(u.name, "Ama Mensah")
    XCTAssertEqual(u.email, "ama@example.com")
    XCTAssertNil(u.phone, "an empty phone_number is no phone")
    XCTAssertEqual(u.balance, 100_010)
    XCTAssertTrue(u.hasPassword)
    XCTAssertTrue(u.shortPassword)

    let bad = doc([
      ("_id", .objectID(id)), ("name", "   "), ("email", "no-at-sign"),
      ("phone_number", "024 123 4567"), ("password", .int32(5)), ("balance", "12"),
    ])
    guard case .failure(let p) = LegacyUser.parse(bad, currency: ghs, round: false) else {
      return XCTFail("an invalid legacy user")
    }
    XCTAssertEqual(p.label, "user 5f5e100135bf992dc9e9c616")
    XCTAssertEqual(p.reasons.count, 5, p.description)
    XCTAssertFalse(p.description.contains("'5'"), "a password value is never quoted")
    guard case .failure(let q) = LegacyUser.parse(doc([("_id", "x")]), currency: ghs, round: false)
    else { return XCTFail() }
    XCTAssertEqual(q.description, "user 'x': _id is not an ObjectId, so fido cannot keep it")
  }

  func testLegacyTransactionRules() {
    let id = ObjectID(hex: "5f5e10d92dd66631a98a6ddc")!
    let user = "5f5e100135bf992dc9e9c616"
    func parse(
      _ amount: BSONValue, type: BSONValue = "credit", userID: BSONValue? = nil, round: Bool = false
    )
      -> Result<LegacyTransaction, LegacyProblems>
    {
      LegacyTransaction.parse(
        doc([
          ("_id", .objectID(id)), ("user_id", userID ?? .string(user)), ("full_name", "Ama"),
          ("transaction_date", .date(1_692_316_800_000)), ("transaction_amount", amount),
          ("transaction_type", type),
        ]), currency: ghs, round: round)
    }
    guard case .success(let t) = parse(.double(1000.1)) else { return XCTFail() }
    XCTAssertEqual(t.amount, 100_010)
    XCTAssertEqual(t.user.hex, user)
    XCTAssertEqual(t.date, 1_692_316_800_000)
    for bad: BSONValue in [
      .double(-25), .double(0), .double(.nan), "12.50", .null, .double(0.1 + 0.2),
    ] {
      guard case .failure = parse(bad) else { return XCTFail("\(bad) is invalid") }
    }
    guard case .failure = parse(.double(12.5), type: "refund") else { return XCTFail() }
    guard case .failure = parse(.double(12.5), userID: "not-an-id") else { return XCTFail() }
    guard case .success(let r) = parse(.double(0.1 + 0.2), round: true) else { return XCTFail() }
    XCTAssertEqual(r.amount, 30)
    XCTAssertEqual(r.amountRoundedFrom, "0.30000000000000004")
    guard case .failure(let z) = parse(.double(0.004), round: true) else {
      return XCTFail("rounded to zero is not positive")
    }
    XCTAssertTrue(z.description.contains("not positive"), z.description)
  }

  func testReconciliationSumsPrintPastInt64() {
    var r = MigrateReport(currency: ghs)
    r.legacySum = Int128(Int64.max) * 3
    XCTAssertEqual(r.money(r.legacySum), "276701161105643274.21")
    XCTAssertEqual(r.money(5), "0.05")
    XCTAssertEqual(r.money(-123), "-1.23")
    XCTAssertEqual(MigrateReport(currency: Currency.lookup("JPY")!).money(42), "42")
  }

  /// `--fields` is checked against the schema before the command runs: it
  /// must name the record's keys, in its order.
  func testTheSchemaNamesTheRecordsFields() {
    XCTAssertEqual(
      MigrateReport(currency: ghs).out.fields.map(\.key), OutSchema.migrateSummary.columns)
  }
}
