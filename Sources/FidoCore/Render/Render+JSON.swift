extension Render {
  /// RFC 8259 JSON text. Strings escape `"`, `\` and control characters
  /// (`\n \r \t \b \f`, others `\u00XX`); `/` and non-ASCII are written as
  /// they are (UTF-8). Money and dates are strings, `.number` its exact text.
  ///
  /// Writes UTF-8 bytes into a reusable `[UInt8]`: a listed record costs a
  /// few appends instead of a String per scalar (the ndjson stream of
  /// `txn list` spent two thirds of its instructions building Strings here).
  enum JSONWriter {
    static func string(_ s: String, into out: inout [UInt8]) {
      out.append(UInt8(ascii: "\""))
      var s = s
      s.withUTF8 { escape($0, into: &out) }
      out.append(UInt8(ascii: "\""))
    }

    /// Appends `bytes` with the characters JSON requires escaped, copying
    /// the unescaped stretches between them whole.
    private static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
      var start = 0
      var i = 0
      let count = bytes.count
      while i < count {
        let b = bytes[i]
        if b >= 0x20 && b != 0x22 && b != 0x5C {
          i += 1
          continue
        }
        if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i])) }
        out.append(UInt8(ascii: "\\"))
        switch b {
        case 0x22: out.append(UInt8(ascii: "\""))
        case 0x5C: out.append(UInt8(ascii: "\\"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
          out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
          out.append(hexDigits[Int(b >> 4)])
          out.append(hexDigits[Int(b & 0xF)])
        }
        i += 1
        start = i
      }
      if start < count {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<count]))
      }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func append(_ text: StaticString, into out: inout [UInt8]) {
      text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    static func int(_ v: Int64, into out: inout [UInt8]) {
      if v < 0 { out.append(UInt8(ascii: "-")) }
      CoreText.appendDigits(v.magnitude, into: &out)
    }

    /// `"2023-08-18T15:30:00.000Z"`, quoted.
    static func date(_ ms: Int64, into out: inout [UInt8]) {
      out.append(UInt8(ascii: "\""))
      FidoDate.appendRFC3339(ms, into: &out)
      out.append(UInt8(ascii: "\""))
    }

    static func scalar(_ v: OutValue, into out: inout [UInt8]) -> Bool {
      switch v {
      case .null, .nullObject: append("null", into: &out)
      case .string(let s): string(s, into: &out)
      case .int(let i): int(i, into: &out)
      case .bool(let b): append(b ? "true" : "false", into: &out)
      case .number(let n): out.append(contentsOf: n.utf8)
      case .money(let m): string(m.plain, into: &out)
      case .date(let ms): date(ms, into: &out)
      case .object, .array: return false
      }
      return true
    }

    static func compact(_ v: OutValue, into out: inout [UInt8]) {
      if scalar(v, into: &out) { return }
      switch v {
      case .object(let o):
        out.append(UInt8(ascii: "{"))
        var first = true
        for f in o.fields {
          if !first { out.append(UInt8(ascii: ",")) }
          first = false
          string(f.key, into: &out)
          out.append(UInt8(ascii: ":"))
          compact(f.value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
      case .array(let a):
        out.append(UInt8(ascii: "["))
        var first = true
        for e in a {
          if !first { out.append(UInt8(ascii: ",")) }
          first = false
          compact(e, into: &out)
        }
        out.append(UInt8(ascii: "]"))
      default: break
      }
    }

    private static func spaces(_ n: Int, into out: inout [UInt8]) {
      out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n))
    }

    static func pretty(_ v: OutValue, indent: Int, into out: inout [UInt8]) {
      if scalar(v, into: &out) { return }
      switch v {
      case .object(let o):
        if o.fields.isEmpty {
          append("{}", into: &out)
          return
        }
        append("{\n", into: &out)
        var first = true
        for f in o.fields {
          if !first { append(",\n", into: &out) }
          first = false
          spaces(indent + 2, into: &out)
          string(f.key, into: &out)
          append(": ", into: &out)
          pretty(f.value, indent: indent + 2, into: &out)
        }
        out.append(UInt8(ascii: "\n"))
        spaces(indent, into: &out)
        out.append(UInt8(ascii: "}"))
      case .array(let a):
        if a.isEmpty {
          append("[]", into: &out)
          return
        }
        append("[\n", into: &out)
        var first = true
        for e in a {
          if !first { append(",\n", into: &out) }
          first = false
          spaces(indent + 2, into: &out)
          pretty(e, indent: indent + 2, into: &out)
        }
        out.append(UInt8(ascii: "\n"))
        spaces(indent, into: &out)
        out.append(UInt8(ascii: "]"))
      default: break
      }
    }
  }
}
