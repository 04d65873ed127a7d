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

/// An amount of money: Int64 minor units plus its currency. No floating point.
public struct Money: Hashable, Sendable {
  public var minor: Int64
  public var currency: Currency
  public init(minor: Int64, currency: Currency) {
    self.minor = minor
    self.currency = currency
  }
}
