/// `application/x-www-form-urlencoded` as Twilio reads it: every byte outside
/// RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`) becomes `%XX` of its
/// UTF-8 encoding, so `+` is sent as `%2B` (a bare `+` would decode to a
/// space) and a space as `%20`.
package enum FormURLEncoding {
  /// `name=value&name=value`, both sides percent-encoded, in the given order.
  package static func encode(_ pairs: [(String, String)]) -> String {
    pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
  }

  package static func percentEncode(_ text: String) -> String {
    let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.append(byte)
      default:
        out.append(UInt8(ascii: "%"))
        out.append(hex[Int(byte >> 4)])
        out.append(hex[Int(byte & 0x0F)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
