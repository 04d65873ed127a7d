/// Small text helpers shared by the model, config, renderers and the CLI.
public enum CoreText {
  /// Shows a value a person typed inside an error message: quoted, control
  /// characters escaped (so a stray escape sequence cannot rewrite the
  /// terminal), and shortened after `limit` characters.
  public static func quoted(_ text: String, limit: Int = 80) -> String {
    var out = "'"
    var count = 0
    for ch in text {
      if count == limit {
        out += "…"
        break
      }
      count += 1
      if !ch.unicodeScalars.contains(where: isControlLike) {
        out.append(ch)
        continue
      }
      for s in ch.unicodeScalars {
        switch s {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
          if isControlLike(s) {
            out += "\\u{" + String(s.value, radix: 16) + "}"
          } else {
            out.unicodeScalars.append(s)
          }
        }
      }
    }
    return out + "'"
  }

  /// The decimal digits of `v`, at least `width` of them (zero-padded).
  static func appendDigits(_ v: UInt64, width: Int = 1, into out: inout [UInt8]) {
    var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
    withUnsafeMutableBytes(of: &tmp) { raw in
      var n = v
      var i = raw.count
      repeat {
        i -= 1
        raw[i] = UInt8(ascii: "0") + UInt8(n % 10)
        n /= 10
      } while n > 0
      while raw.count - i < width && i > 0 {
        i -= 1
        raw[i] = UInt8(ascii: "0")
      }
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[i...]))
    }
  }

  /// C0/C1 controls, DEL, and the line/paragraph separators: characters
  /// that would break a table row or hide text on a terminal.
  static func isControlLike(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
  }

  /// The text without leading and trailing whitespace (Unicode White_Space).
  static func trim<S: StringProtocol>(_ text: S) -> S.SubSequence {
    var start = text.startIndex
    var end = text.endIndex
    while start < end, text[start].isWhitespace { start = text.index(after: start) }
    while end > start, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
    return text[start..<end]
  }
}
