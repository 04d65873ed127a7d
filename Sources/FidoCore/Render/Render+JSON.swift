extension Render {
  /// RFC 8259 JSON text. Strings escape `"`, `\` and control characters
  /// (`\n \r \t \b \f`, others `\u00XX`); `/` and non-ASCII are written as
  /// they are (UTF-8). Money and dates are strings, `.number` its exact text.
  enum JSONWriter {
    static func string(_ s: String, into out: inout String) {
      out += "\""
      var run = ""  // unescaped text is appended in runs
      for sc in s.unicodeScalars {
        let escape: String?
        switch sc {
        case "\"": escape = "\\\""
        case "\\": escape = "\\\\"
        case "\n": escape = "\\n"
        case "\r": escape = "\\r"
        case "\t": escape = "\\t"
        case "\u{08}": escape = "\\b"
        case "\u{0C}": escape = "\\f"
        default:
          if sc.value < 0x20 {
            let hex = String(sc.value, radix: 16)
            escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
          } else {
            escape = nil
          }
        }
        if let escape {
          out += run
          run = ""
          out += escape
        } else {
          run.unicodeScalars.append(sc)
        }
      }
      out += run
      out += "\""
    }

    static func scalar(_ v: OutValue, into out: inout String) -> Bool {
      switch v {
      case .null: out += "null"
      case .string(let s): string(s, into: &out)
      case .int(let i): out += String(i)
      case .bool(let b): out += b ? "true" : "false"
      case .number(let n): out += n
      case .money(let m): string(m.plain, into: &out)
      case .date(let ms): string(FidoDate.format(ms), into: &out)
      case .object, .array: return false
      }
      return true
    }

    static func compact(_ v: OutValue, into out: inout String) {
      if scalar(v, into: &out) { return }
      switch v {
      case .object(let o):
        out += "{"
        for (i, f) in o.fields.enumerated() {
          if i > 0 { out += "," }
          string(f.key, into: &out)
          out += ":"
          compact(f.value, into: &out)
        }
        out += "}"
      case .array(let a):
        out += "["
        for (i, e) in a.enumerated() {
          if i > 0 { out += "," }
          compact(e, into: &out)
        }
        out += "]"
      default: break
      }
    }

    static func pretty(_ v: OutValue, indent: Int, into out: inout String) {
      if scalar(v, into: &out) { return }
      let inner = String(repeating: " ", count: indent + 2)
      let outer = String(repeating: " ", count: indent)
      switch v {
      case .object(let o):
        if o.fields.isEmpty {
          out += "{}"
          return
        }
        out += "{\n"
        for (i, f) in o.fields.enumerated() {
          if i > 0 { out += ",\n" }
          out += inner
          string(f.key, into: &out)
          out += ": "
          pretty(f.value, indent: indent + 2, into: &out)
        }
        out += "\n" + outer + "}"
      case .array(let a):
        if a.isEmpty {
          out += "[]"
          return
        }
        out += "[\n"
        for (i, e) in a.enumerated() {
          if i > 0 { out += ",\n" }
          out += inner
          pretty(e, indent: indent + 2, into: &out)
        }
        out += "\n" + outer + "]"
      default: break
      }
    }
  }
}
