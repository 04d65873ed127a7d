import FidoCore
import XCTest

final class AnalyticsTests: XCTestCase {
  func testAverageHalfEven() {
    let cases: [(Int64, Int64, Int64)] = [
      (5, 2, 2), (7, 2, 4), (-5, 2, -2), (-7, 2, -4), (310, 7, 44), (31000, 7, 4429), (1, 3, 0),
      (2, 3, 1),
      (-2, 3, -1), (15, 10, 2), (25, 10, 2), (35, 10, 4), (-25, 10, -2), (0, 5, 0), (9, 1, 9),
      (10, 0, 0),
      (Int64.max, 1, Int64.max), (Int64.max, 2, 4_611_686_018_427_387_904),
      (Int64.min, 2, Int64.min / 2),
      (Int64.min, 3, -3_074_457_345_618_258_603), (Int64.max, Int64.max, 1),
      (Int64.max - 1, Int64.max, 1),
      (Int64.max / 2, Int64.max, 0), (Int64.max / 2 + 1, Int64.max, 1), (Int64.min, Int64.max, -1),
    ]
    for (total, count, expected) in cases {
      XCTAssertEqual(
        Analytics.average(total: Int128(total), count: Int128(count)), Int128(expected),
        "\(total)/\(count)")
    }
  }

  /// Cross-check against exact rational arithmetic on small values.
  func testAverageAgainstRationals() {
    for total in Int64(-200)...200 {
      for count in Int64(1)...12 {
        // round-half-even of total/count done with doubled numerators
        let twice = 2 * total
        var q = twice / (2 * count)
        if twice - q * 2 * count < 0 { q -= 1 }  // floor
        let rem2 = twice - q * 2 * count  // in [0, 2count)
        let expected = rem2 > count || (rem2 == count && q % 2 != 0) ? q + 1 : q
        XCTAssertEqual(
          Analytics.average(total: Int128(total), count: Int128(count)), Int128(expected),
          "\(total)/\(count)")
      }
    }
  }

  func factors(_ v: OutValue) -> [String: (value: String, weight: String, detail: String)] {
    guard case .object(let o) = v, case .array(let items)? = o["factors"] else { return [:] }
    var out: [String: (String, String, String)] = [:]
    for case .object(let f) in items {
      guard case .string(let name)? = f["name"], case .number(let value)? = f["value"],
        case .number(let weight)? = f["weight"], case .string(let detail)? = f["detail"]
      else { continue }
      out[name] = (value, weight, detail)
    }
    return out
  }

  func score(_ v: OutValue) -> String? {
    guard case .object(let o) = v, case .number(let s)? = o["value"] else { return nil }
    return s
  }

  /// No transactions: JSON null, but the same keys as a score so csv and
  /// tsv keep their columns.
  func testNoTransactions() {
    let none = CreditScore.out(
      CreditScore.compute(
        creditTotal: 0, debitTotal: 0, balance: 0, count: 0, firstMs: nil, lastMs: nil))
    XCTAssertEqual(Render.json(none), "null")
    let some = CreditScore.out(
      CreditScore.compute(
        creditTotal: 1, debitTotal: 0, balance: 1, count: 1, firstMs: 0, lastMs: 0))
    guard case .nullObject(let keys) = none, case .object(let o) = some else {
      return XCTFail("\(none) \(some)")
    }
    XCTAssertEqual(keys, o.fields.map(\.key))
  }

  func testHandComputedExample() {
    // credits 250.00, debits 60.00, balance 121.00, 7 transactions over 2 days.
    // net_flow 25000/31000 = 0.80645 → 0.8064; balance_cover 12100/6000 ≥ 1 → 1.0000;
    // activity 7/100 = 0.0700; tenure 2/365 = 0.00547 → 0.0054.
    // Σ = 0.40·0.8064 + 0.30·1 + 0.15·0.07 + 0.15·0.0054 = 0.63387 → 1 + 4·0.63387 = 3.535 → 3.5
    let v = CreditScore.out(
      CreditScore.compute(
        creditTotal: 25000, debitTotal: 6000, balance: 12100, count: 7, firstMs: 0,
        lastMs: 2 * 86_400_000 + 5))
    XCTAssertEqual(score(v), "3.5")
    // The model value the output shows: tenths and basis points.
    let model = CreditScore.compute(
      creditTotal: 25000, debitTotal: 6000, balance: 12100, count: 7, firstMs: 0,
      lastMs: 2 * 86_400_000 + 5)
    XCTAssertEqual(model?.tenths, 35)
    XCTAssertEqual(model?.factors.map(\.basisPoints), [8064, 10000, 700, 54])
    XCTAssertEqual(model?.factors.map(\.weight.name), CreditScore.weights.map(\.name))
    let f = factors(v)
    XCTAssertEqual(f["net_flow"]?.value, "0.8064")
    XCTAssertEqual(f["net_flow"]?.weight, "0.40")
    XCTAssertEqual(f["balance_cover"]?.value, "1.0000")
    XCTAssertEqual(f["balance_cover"]?.weight, "0.30")
    XCTAssertEqual(f["activity"]?.value, "0.0700")
    XCTAssertEqual(f["activity"]?.weight, "0.15")
    XCTAssertEqual(f["tenure"]?.value, "0.0054")
    XCTAssertEqual(f["tenure"]?.weight, "0.15")
    XCTAssertTrue(f["net_flow"]?.detail.contains("80.64%") ?? false)
    XCTAssertTrue(f["activity"]?.detail.contains("7 transactions") ?? false)
    XCTAssertTrue(f["tenure"]?.detail.contains("2 whole days") ?? false)
    guard case .object(let o) = v else { return XCTFail() }
    XCTAssertEqual(o.fields.map(\.key), ["value", "scale", "formula", "factors"])
    XCTAssertEqual(o["scale"], .string("1-5"))
    XCTAssertEqual(o["formula"], .string("1 + 4 × Σ weight·factor"))
  }

  func testExtremes() {
    // Only a debit, balance negative: only activity counts. Σ = 0.15·0.01 → 1.006 → 1.0
    let low = CreditScore.out(
      CreditScore.compute(
        creditTotal: 0, debitTotal: 5000, balance: -5000, count: 1, firstMs: 7, lastMs: 7))
    XCTAssertEqual(score(low), "1.0")
    XCTAssertEqual(factors(low)["balance_cover"]?.value, "0.0000")
    XCTAssertEqual(factors(low)["net_flow"]?.value, "0.0000")
    // Everything maxed out.
    let high = CreditScore.out(
      CreditScore.compute(
        creditTotal: 1_000_000, debitTotal: 0, balance: 1_000_000, count: 150, firstMs: 0,
        lastMs: 400 * 86_400_000))
    XCTAssertEqual(score(high), "5.0")
    XCTAssertEqual(factors(high)["tenure"]?.value, "1.0000")
    XCTAssertEqual(factors(high)["activity"]?.value, "1.0000")
    // Totals at Int64.max: net_flow exactly one half, no overflow.
    let huge = CreditScore.out(
      CreditScore.compute(
        creditTotal: Int128(Int64.max), debitTotal: Int128(Int64.max), balance: .max, count: 100,
        firstMs: .min, lastMs: .max))
    XCTAssertEqual(factors(huge)["net_flow"]?.value, "0.5000")
    XCTAssertEqual(factors(huge)["balance_cover"]?.value, "1.0000")
    XCTAssertEqual(factors(huge)["tenure"]?.value, "1.0000")
    // Σ = 0.2 + 0.3 + 0.15 + 0.15 = 0.8 → 4.2
    XCTAssertEqual(score(huge), "4.2")
  }

  func testPartialCoverAndHalfEvenScore() {
    let partial = CreditScore.out(
      CreditScore.compute(
        creditTotal: 9000, debitTotal: 6000, balance: 3000, count: 2, firstMs: 0, lastMs: 0))
    XCTAssertEqual(factors(partial)["balance_cover"]?.value, "0.5000")
    XCTAssertEqual(factors(partial)["net_flow"]?.value, "0.6000")
    // Σ = 0.24 + 0.15 + 0.003 = 0.393 → 2.572 → 2.6
    XCTAssertEqual(score(partial), "2.6")

    // Ties: 25 transactions → Σ = 0.0375 → 4·Σ = 0.15 → tenths 1.5 → 2 (even) → 1.2
    let tieUp = CreditScore.out(
      CreditScore.compute(
        creditTotal: 0, debitTotal: 2500, balance: -2500, count: 25, firstMs: 0, lastMs: 0))
    XCTAssertEqual(score(tieUp), "1.2")
    // 75 transactions → 4·Σ = 0.45 → tenths 4.5 → 4 (even) → 1.4
    let tieDown = CreditScore.out(
      CreditScore.compute(
        creditTotal: 0, debitTotal: 7500, balance: -7500, count: 75, firstMs: 0, lastMs: 0))
    XCTAssertEqual(score(tieDown), "1.4")
  }

  func testNoDebitsNonNegativeBalance() {
    let v = CreditScore.out(
      CreditScore.compute(
        creditTotal: 100, debitTotal: 0, balance: 0, count: 1, firstMs: 0, lastMs: 0))
    XCTAssertEqual(factors(v)["balance_cover"]?.value, "1.0000")
  }
}
