/// The PHC string format's base64: standard alphabet, no padding (internal).
enum PHCBase64 {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static func encode(_ data: [UInt8]) -> String {
    var out = [UInt8]()
    out.reserveCapacity((data.count * 4 + 2) / 3)
    var i = 0
    while i + 3 <= data.count {
      let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2])
      for shift in [18, 12, 6, 0] { out.append(alphabet[Int(v >> UInt32(shift) & 63)]) }
      i += 3
    }
    let rest = data.count - i
    if rest == 1 {
      let v = UInt32(data[i]) << 16
      out.append(alphabet[Int(v >> 18 & 63)])
      out.append(alphabet[Int(v >> 12 & 63)])
    } else if rest == 2 {
      let v = UInt32(data[i]) << 16 | UInt32(data[i + 1]) << 8
      out.append(alphabet[Int(v >> 18 & 63)])
      out.append(alphabet[Int(v >> 12 & 63)])
      out.append(alphabet[Int(v >> 6 & 63)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
    var values = [UInt8]()
    for c in text.utf8 {
      switch c {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
      case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 97 + 26)
      case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c - 48 + 52)
      case UInt8(ascii: "+"): values.append(62)
      case UInt8(ascii: "/"): values.append(63)
      default: return nil
      }
    }
    if values.count % 4 == 1 { return nil }
    var out = [UInt8]()
    var i = 0
    while i < values.count {
      let chunk = values[i..<min(i + 4, values.count)]
      var v: UInt32 = 0
      for (k, x) in chunk.enumerated() { v |= UInt32(x) << UInt32(18 - 6 * k) }
      let bytes = chunk.count - 1
      for k in 0..<bytes { out.append(UInt8(v >> UInt32(16 - 8 * k) & 0xFF)) }
      i += 4
    }
    return out
  }
}
