import FidoCore
import XCTest

final class BackoffTests: XCTestCase {
  private let most: (ClosedRange<Double>) -> Double = { $0.upperBound }
  private let least: (ClosedRange<Double>) -> Double = { $0.lowerBound }

  func testTheBaseStartsAtFiveSecondsDoublesAndIsCappedAtAnHour() {
    let delays = (1...13).map { Backoff.delay(attempt: $0, retryAfter: nil, random: most) }
    XCTAssertEqual(
      delays,
      [
        5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_280_000, 2_560_000,
        3_600_000, 3_600_000, 3_600_000,
      ])
    XCTAssertEqual(Backoff.delay(attempt: 0, retryAfter: nil, random: most), 5_000)
    XCTAssertEqual(Backoff.delay(attempt: -3, retryAfter: nil, random: most), 5_000)
    XCTAssertEqual(Backoff.delay(attempt: 70, retryAfter: nil, random: most), 3_600_000)
    XCTAssertEqual(Backoff.delay(attempt: Int.max, retryAfter: nil, random: most), 3_600_000)
  }

  func testEqualJitterKeepsAtLeastHalfTheBase() {
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: nil, random: least), 2_500)
    XCTAssertEqual(Backoff.delay(attempt: 3, retryAfter: nil, random: least), 10_000)
    XCTAssertEqual(Backoff.delay(attempt: 20, retryAfter: nil, random: least), 1_800_000)
    for attempt in 1...14 {
      let base = Backoff.delay(attempt: attempt, retryAfter: nil, random: most)
      for _ in 0..<200 {
        let d = Backoff.delay(attempt: attempt, retryAfter: nil) { Double.random(in: $0) }
        XCTAssert(
          (base / 2...base).contains(d), "attempt \(attempt): \(d) outside \(base / 2)...\(base)")
      }
    }
  }

  func testARandomSourceOutsideItsRangeIsClamped() {
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: nil) { _ in 1e12 }, 5_000)
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: nil) { _ in -1e12 }, 2_500)
  }

  func testRetryAfterIsALowerBoundUpToTheCap() {
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: 30, random: least), 30_000)
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: 2, random: most), 5_000)
    XCTAssertEqual(Backoff.delay(attempt: 5, retryAfter: 2, random: most), 80_000)
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: 7_200, random: least), 3_600_000)
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: Int.max, random: least), 3_600_000)
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: 0, random: least), 2_500)
    XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: -5, random: least), 2_500)
  }

  func testRetryAfterIsReadAsDeltaSeconds() {
    XCTAssertEqual(Backoff.retryAfterSeconds("2"), 2)
    XCTAssertEqual(Backoff.retryAfterSeconds(" 120 "), 120)
    XCTAssertEqual(Backoff.retryAfterSeconds("0"), 0)
    XCTAssertEqual(Backoff.retryAfterSeconds("99999999999999999999999"), Int.max)
    XCTAssertNil(Backoff.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT"))
    XCTAssertNil(Backoff.retryAfterSeconds("-1"))
    XCTAssertNil(Backoff.retryAfterSeconds("1.5"))
    XCTAssertNil(Backoff.retryAfterSeconds(""))
    XCTAssertNil(Backoff.retryAfterSeconds(nil))
  }
}
