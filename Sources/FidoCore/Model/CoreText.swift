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
