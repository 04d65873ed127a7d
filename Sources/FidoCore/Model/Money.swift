/// An ISO 4217 currency: its upper-case code and how many minor digits it has.
public struct Currency: Hashable, Sendable {
  public let code: String
  public let minorDigits: Int
  public init(code: String, minorDigits: Int) {
    self.code = code
    self.minorDigits = minorDigits
  }
  public static let ghs = Currency(code: "GHS", minorDigits: 2)
}

/// An amount of money: minor units plus its currency. No floating point.
/// Stored figures are Int64; sums of them (analytics, `db check`) are
/// Int128, so a `Money` holds either exactly.
public struct Money: Hashable, Sendable {
  public var minor: Int128
  public var currency: Currency
  public init<T: BinaryInteger>(minor: T, currency: Currency) {
    self.minor = Int128(minor)
    self.currency = currency
  }

  /// The largest amount one transaction or opening balance may have:
  /// 10^15 − 1 minor units (GHS 9,999,999,999,999.99). Far enough below
  /// Int64.max that ~9,000 maximal transactions fit in one figure.
  public static let maxMinor: Int64 = 999_999_999_999_999
}
