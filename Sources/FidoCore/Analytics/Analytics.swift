/// Arithmetic shared by the analytics command (integer only).
package enum Analytics {
  /// `total / count` rounded half-even to a whole minor unit (banker's
  /// rounding, so a long series of ties does not drift upwards). Works for
  /// negative totals and the full Int128 range (sums of Int64 figures); a
  /// `count` of 0 (or less) gives 0.
  ///
  /// 5/2 → 2, 7/2 → 4, -5/2 → -2, 310/7 → 44.
  package static func average(total: Int128, count: Int128) -> Int128 {
    guard count > 0 else { return 0 }
    let q = total / count  // truncates toward zero; cannot overflow as count ≥ 1
    let r = (total % count).magnitude  // UInt128, |r| < count
    let rest = UInt128(count) - r  // distance to the next multiple
    if r > rest || (r == rest && q % 2 != 0) {
      return total < 0 ? q - 1 : q + 1
    }
    return q
  }
}
