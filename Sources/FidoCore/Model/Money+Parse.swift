extension Money {
  /// Parses an AMOUNT as a person writes it: ASCII digits, optionally a `.`
  /// followed by one to `currency.minorDigits` digits (`21`, `21.5`, `21.50`;
  /// for a currency without minor digits, such as JPY, no `.` at all).
  /// Leading zeros are fine (`007.5`). Zero is refused unless `allowZero`
  /// (the opening balance). Signs, exponents, thousands separators,
  /// whitespace, more decimals than the currency has and more than
  /// `maxMinor` minor units are refused with a message that says how to
  /// write the amount instead. No floating point.
  package static func parse(_ text: String, currency: Currency, allowZero: Bool = false)
    throws(FidoError) -> Money
  {
    Money(minor: try minorUnits(text, currency: currency, allowZero: allowZero), currency: currency)
  }

  /// `parse`'s minor units, as an Int64 figure (at most `maxMinor`).
  package static func minorUnits(_ text: String, currency: Currency, allowZero: Bool = false)
    throws(FidoError) -> Int64
  {
    try parseMinor(text, currency: currency, allowZero: allowZero)
  }

  /// An example amount in the currency's own shape: `21.50`, `21`, `21.500`.
  static func example(_ currency: Currency) -> String {
    currency.minorDigits == 0
      ? "21" : "21." + "5" + String(repeating: "0", count: currency.minorDigits - 1)
  }

  private static func parseMinor(_ text: String, currency: Currency, allowZero: Bool)
    throws(FidoError) -> Int64
  {
    let shown = CoreText.quoted(text)
    let example = example(currency)
    let bytes = Array(text.utf8)
    func invalid(_ why: String) -> FidoError { .invalidData("invalid amount \(shown): \(why)") }

    guard !bytes.isEmpty else { throw invalid("it is empty; write e.g. \(example)") }

    // Classify what is wrong before looking at the digits, so the message names it.
    var dots = 0
    var other: UInt8? = nil
    for b in bytes {
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): continue
      case UInt8(ascii: "."): dots += 1
      default: if other == nil { other = b }
      }
    }
    if let other {
      if bytes.first == UInt8(ascii: "-") {
        throw invalid("it must not be negative; write e.g. \(example)")
      }
      if bytes.first == UInt8(ascii: "+") {
        throw invalid("write it without a sign, e.g. \(example)")
      }
      if bytes.contains(where: {
        $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == 0x0A || $0 == 0x0D
      }) {
        throw invalid("remove the spaces; write e.g. \(example)")
      }
      if bytes.contains(UInt8(ascii: "e")) || bytes.contains(UInt8(ascii: "E")) {
        let allDigitsOrExp = bytes.allSatisfy {
          ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
            || $0 == UInt8(ascii: "E")
            || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
        if allDigitsOrExp {
          throw invalid("write plain digits without an exponent, e.g. \(example)")
        }
      }
      if other == UInt8(ascii: ",") || other == UInt8(ascii: "_") || other == UInt8(ascii: "'") {
        throw invalid("do not use thousands separators; write e.g. 1000\(example.dropFirst(2))")
      }
      throw invalid(
        currency.minorDigits == 0
          ? "use digits only, e.g. \(example)"
          : "use digits with an optional '.' and up to \(currency.minorDigits) decimal places, e.g. \(example)"
      )
    }
    if dots > 1 { throw invalid("it has more than one '.'; write e.g. \(example)") }

    var intPart = bytes[...]
    var fracPart = bytes[bytes.endIndex...]
    if let dot = bytes.firstIndex(of: UInt8(ascii: ".")) {
      intPart = bytes[..<dot]
      fracPart = bytes[(dot + 1)...]
      if currency.minorDigits == 0 {
        throw invalid("\(currency.code) has no decimal places; write e.g. \(example)")
      }
      if intPart.isEmpty {
        throw invalid("write a digit before the '.', e.g. 0.\(example.dropFirst(3))")
      }
      if fracPart.isEmpty {
        throw invalid("write digits after the '.' or leave it out, e.g. \(example)")
      }
      if fracPart.count > currency.minorDigits {
        throw invalid(
          "\(currency.code) has \(currency.minorDigits) decimal place\(currency.minorDigits == 1 ? "" : "s"); write e.g. \(example)"
        )
      }
    }

    let tooLarge = FidoError.invalidData(
      "amount \(shown) is too large: at most \(Money(minor: maxMinor, currency: currency).display)"
    )
    // Stops as soon as the value passes the limit: `value * 10 + 9` stays
    // far inside Int64 while `value ≤ maxMinor`.
    var value: Int64 = 0
    for b in intPart {
      value = value * 10 + Int64(b - 0x30)
      if value > maxMinor { throw tooLarge }
    }
    for i in 0..<currency.minorDigits {
      let digit = i < fracPart.count ? Int64(fracPart[fracPart.startIndex + i] - 0x30) : 0
      value = value * 10 + digit
      if value > maxMinor { throw tooLarge }
    }
    if value == 0 && !allowZero {
      throw invalid("it must be greater than zero")
    }
    return value
  }
}
