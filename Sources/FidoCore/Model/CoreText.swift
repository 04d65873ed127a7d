/// Small text helpers shared by the model, config, renderers and the CLI.
package enum CoreText {
  /// The longest quotation of input in a message, in characters.
  package static let quoteLimit = 80
  /// A character made of more scalars than this (a pile of combining marks)
  /// is cut there, so a quotation stays short whatever the input.
  static let quoteScalarsPerCharacter = 8

  /// Shows a value a person typed (or any text from outside) inside a
  /// message: quoted, control characters made visible as by `escaped` (so a
  /// stray escape sequence or bidi override cannot rewrite the terminal), and
  /// cut after `limit` characters with `…`.
  package static func quoted(_ text: String, limit: Int = quoteLimit) -> String {
    var out = "'"
    var count = 0
    for ch in text {
      if count == limit {
        out += "…"
        break
      }
      count += 1
      var scalars = 0
      for s in ch.unicodeScalars {
        if scalars == quoteScalarsPerCharacter { break }
        scalars += 1
        appendEscaped(s, into: &out)
      }
      if scalars < ch.unicodeScalars.count {
        out += "…"
        break
      }
    }
    return out + "'"
  }

  /// `text` with each control character (`isControlLike`) made visible:
  /// `\n`, `\r`, `\t`, else `\u{1b}` (its code point in hex). Other text,
  /// backslashes included, is left as it is. Tables, CSV and messages use it.
  package static func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControlLike) else { return text }
    var out = ""
    for s in text.unicodeScalars { appendEscaped(s, into: &out) }
    return out
  }

  static func appendEscaped(_ s: Unicode.Scalar, into out: inout String) {
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

  /// C0/C1 controls, DEL, the line/paragraph separators and the
  /// bidirectional embedding, override and isolate controls (U+202A–U+202E,
  /// U+2066–U+2069): characters that would break a table row, hide text on a
  /// terminal or show it in another order than it is stored.
  package static func isControlLike(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
    default: false
    }
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
