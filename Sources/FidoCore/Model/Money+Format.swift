extension Money {
  /// `1234.50`, `-1234.50`: the machine form used in JSON, CSV and TSV.
  package var plain: String {
    Money.format(minor: minor, digits: currency.minorDigits, grouping: false)
  }

  /// `GHS 1,234.50`, `GHS -1,234.50`: the form people read (tables, SMS).
  package var display: String {
    currency.code + " " + Money.format(minor: minor, digits: currency.minorDigits, grouping: true)
  }

  /// Formats minor units as a decimal with `digits` decimal places, optionally
  /// grouping thousands with `,`. Safe for `Int128.min`.
  package static func format(minor: Int128, digits: Int, grouping: Bool) -> String {
    let magnitude = minor.magnitude
    var text = Array(String(magnitude).utf8)
    if text.count <= digits {
      text = Array(repeating: UInt8(ascii: "0"), count: digits + 1 - text.count) + text
    }
    let intDigits = text[..<(text.count - digits)]
    let fracDigits = text[(text.count - digits)...]
    var out = [UInt8]()
    out.reserveCapacity(text.count + text.count / 3 + 2)
    if minor < 0 { out.append(UInt8(ascii: "-")) }
    for (i, d) in intDigits.enumerated() {
      if grouping && i > 0 && (intDigits.count - i) % 3 == 0 { out.append(UInt8(ascii: ",")) }
      out.append(d)
    }
    if digits > 0 {
      out.append(UInt8(ascii: "."))
      out.append(contentsOf: fracDigits)
    }
    return String(decoding: out, as: UTF8.self)
  }
}
