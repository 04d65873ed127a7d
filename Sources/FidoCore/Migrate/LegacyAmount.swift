/// The old service's money: Python floats stored as BSON doubles. A double
/// becomes minor units through its shortest round-trip decimal (the text
/// Swift's `description` gives, as Python's `repr` does: `1000.1`,
/// `0.30000000000000004`, `1e-05`), parsed exactly as decimal text; the
/// double is never multiplied or rounded as a binary number.
package enum LegacyAmount {
  /// A converted figure and, when `round` had to round, the decimal it came from.
  package struct Converted: Sendable, Equatable {
    package var minor: Int64
    /// The shortest decimal of the double when it was rounded to get `minor`; nil when exact.
    package var roundedFrom: String?
  }

  package enum Failure: Error, Sendable, Equatable {
    /// NaN or an infinity.
    case notFinite(String)
    /// More decimal places than the currency has (and no `--round`).
    case tooPrecise(String, digits: Int)
    /// Past ±`Money.maxMinor`.
    case tooLarge(String)
  }

  /// The exact minor units of `value`'s shortest round-trip decimal in a
  /// currency with `digits` minor digits. More decimals than that are a
  /// failure unless `round`, which rounds that decimal half-even (so
  /// `2.675` gives 268, `0.30000000000000004` gives 30). Signs are kept;
  /// the magnitude must stay within `Money.maxMinor`.
  package static func minorUnits(of value: Double, digits: Int, round: Bool) -> Result<
    Converted, Failure
  > {
    let text = value.description
    guard value.isFinite else { return .failure(.notFinite(text)) }
    guard let decimal = ShortestDecimal(text) else { return .failure(.notFinite(text)) }
    // value = ±mantissa × 10^exponent; minor = ±mantissa × 10^(exponent + digits).
    let scale = decimal.exponent + digits
    var magnitude: UInt64
    var rounded = false
    if decimal.mantissa == 0 {
      magnitude = 0
    } else if scale >= 0 {
      // The mantissa has at most 17 digits; past 10^15 is too large anyway.
      guard scale <= 18 else { return .failure(.tooLarge(text)) }
      let (m, o) = decimal.mantissa.multipliedReportingOverflow(by: pow10(scale))
      guard !o else { return .failure(.tooLarge(text)) }
      magnitude = m
    } else {
      let drop = -scale
      guard round else { return .failure(.tooPrecise(text, digits: digits)) }
      rounded = true
      if drop > 19 {
        // 10^drop exceeds every 17-digit mantissa by far: below half a minor unit.
        magnitude = 0
      } else {
        let divisor = pow10(drop)
        var q = decimal.mantissa / divisor
        let r = decimal.mantissa % divisor
        // Half of 10^drop (drop ≥ 1, so it is even); compare r with it exactly.
        let half = divisor / 2
        if r > half || (r == half && q % 2 == 1) { q += 1 }
        magnitude = q
      }
    }
    guard magnitude <= UInt64(Money.maxMinor) else { return .failure(.tooLarge(text)) }
    let minor = decimal.negative ? -Int64(magnitude) : Int64(magnitude)
    return .success(Converted(minor: minor, roundedFrom: rounded ? text : nil))
  }

  /// Whole units stored as a BSON integer (never what the service wrote, but
  /// exact): `21` is 2100 minor units in GHS.
  package static func minorUnits(ofWhole value: Int64, digits: Int) -> Result<Converted, Failure> {
    let text = String(value)
    guard digits <= 18 else { return .failure(.tooLarge(text)) }
    let (m, o) = value.multipliedReportingOverflow(by: Int64(pow10(digits)))
    guard !o, m.magnitude <= UInt64(Money.maxMinor) else { return .failure(.tooLarge(text)) }
    return .success(Converted(minor: m, roundedFrom: nil))
  }

  static func pow10(_ n: Int) -> UInt64 {
    var p: UInt64 = 1
    for _ in 0..<n { p &*= 10 }
    return p
  }
}

/// A finite double's shortest decimal text split into sign, digits and a
/// power of ten: `1000.1` is 10001 × 10^-1, `1e-05` is 1 × 10^-5,
/// `1.2345e+19` is 12345 × 10^15.
struct ShortestDecimal: Equatable {
  var negative: Bool
  /// The significant digits (at most 17 for a double) as an integer.
  var mantissa: UInt64
  var exponent: Int

  init?(_ text: String) {
    var bytes = Array(text.utf8)[...]
    negative = bytes.first == UInt8(ascii: "-")
    if negative { bytes = bytes.dropFirst() }
    var mantissa: UInt64 = 0
    var exponent = 0
    var digits = 0
    var seenDot = false
    var sawDigit = false
    while let b = bytes.first {
      if b == UInt8(ascii: ".") {
        if seenDot { return nil }
        seenDot = true
      } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
        sawDigit = true
        if mantissa == 0 && b == UInt8(ascii: "0") {
          // A leading zero adds no digit; after the dot it still moves the point.
          if seenDot { exponent -= 1 }
        } else {
          digits += 1
          // A double's shortest form has at most 17 significant digits.
          guard digits <= 19 else { return nil }
          mantissa = mantissa * 10 + UInt64(b - UInt8(ascii: "0"))
          if seenDot { exponent -= 1 }
        }
      } else {
        break
      }
      bytes = bytes.dropFirst()
    }
    guard sawDigit else { return nil }
    if let e = bytes.first {
      guard e == UInt8(ascii: "e") || e == UInt8(ascii: "E") else { return nil }
      bytes = bytes.dropFirst()
      var expNegative = false
      if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") {
        expNegative = bytes.first == UInt8(ascii: "-")
        bytes = bytes.dropFirst()
      }
      guard !bytes.isEmpty, bytes.count <= 4 else { return nil }
      var e10 = 0
      for b in bytes {
        guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else { return nil }
        e10 = e10 * 10 + Int(b - UInt8(ascii: "0"))
      }
      exponent += expNegative ? -e10 : e10
    }
    if mantissa == 0 { exponent = 0 }
    // Trailing zeros are no precision: `100.0` is 1 × 10^2.
    while mantissa != 0 && mantissa % 10 == 0 {
      mantissa /= 10
      exponent += 1
    }
    self.mantissa = mantissa
    self.exponent = exponent
  }
}
