/// An ISO 4217 currency: its upper-case code and how many minor digits it has.
package struct Currency: Hashable, Sendable {
  package let code: String
  package let minorDigits: Int
  package init(code: String, minorDigits: Int) {
    self.code = code
    self.minorDigits = minorDigits
  }
  package static let ghs = Currency(code: "GHS", minorDigits: 2)
}

/// An amount of money: minor units plus its currency. No floating point.
/// Stored figures are Int64; sums of them (analytics, `db check`) are
/// Int128, so a `Money` holds either exactly.
package struct Money: Hashable, Sendable {
  package var minor: Int128
  package var currency: Currency
  package init<T: BinaryInteger>(minor: T, currency: Currency) {
    self.minor = Int128(minor)
    self.currency = currency
  }

  /// The largest amount one transaction or opening balance may have:
  /// 10^15 − 1 minor units (GHS 9,999,999,999,999.99). Far enough below
  /// Int64.max that ~9,000 maximal transactions fit in one figure.
  package static let maxMinor: Int64 = 999_999_999_999_999
}
