/// Renders single objects and JSON text. Lists go through `ListRenderer`.
package enum Render {
  /// Writes one object (get/create/update/delete/analytics):
  /// json → 2-space indented; ndjson → one compact line; csv → header and
  /// row; tsv → one row; table → a two-column key/value list with nested
  /// objects flattened with `_`; quiet → just its id. With `options.fields`
  /// only those fields, in that order (quiet still prints the id). In a
  /// table wider than `options.width`, only `schema`'s free-text values are cut.
  package static func object(
    _ object: OutObject, options: RenderOptions, sink: TextSink, schema: OutSchema? = nil
  ) {
    if options.quiet {
      if let id = quietID(object) { sink.write(id + "\n") }
      return
    }
    let o = options.fields.map { project(object, fields: $0) } ?? object
    switch options.format {
    case .json:
      var out: [UInt8] = []
      JSONWriter.pretty(.object(o), indent: 0, into: &out)
      out.append(UInt8(ascii: "\n"))
      sink.write(utf8: out)
    case .ndjson:
      var out: [UInt8] = []
      JSONWriter.compact(.object(o), into: &out)
      out.append(UInt8(ascii: "\n"))
      sink.write(utf8: out)
    case .csv:
      let flat = flatten(o)
      sink.write(csvRow(flat.map(\.key)))
      sink.write(csvRow(flat.map { fieldText($0.value) }))
    case .tsv:
      sink.write(tsvRow(flatten(o).map { fieldText($0.value) }))
    case .table:
      sink.write(keyValueTable(o, options: options, text: schema?.text ?? []))
    }
  }

  /// Only `fields`, in that order, each under the name given: a top-level
  /// key (`sms`, the whole object) or a flattened one (`sms_status`). A
  /// field the object lacks is null.
  package static func project(_ o: OutObject, fields: [String]) -> OutObject {
    var flat: [(key: String, value: OutValue)]? = nil
    var out = OutObject()
    for name in fields {
      if let v = o[name] {
        out.append(name, v)
        continue
      }
      if flat == nil { flat = flatten(o) }
      out.append(name, flat?.first { $0.key == name }?.value ?? .null)
    }
    return out
  }

  /// The JSON error object written to stderr with `-o json`/`-o ndjson`:
  /// `{"error":{"code":"not_found","message":"…","exit":3}}` (no newline).
  package static func jsonError(code: String, message: String, exit: Int32) -> String {
    json(
      .object(
        OutObject([
          (
            "error",
            .object(
              OutObject([
                ("code", .string(code)), ("message", .string(message)), ("exit", .int(Int64(exit))),
              ]))
          )
        ])))
  }

  /// Compact JSON text of a value (RFC 8259; money and dates as strings).
  package static func json(_ v: OutValue) -> String {
    var out: [UInt8] = []
    JSONWriter.compact(v, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// 2-space indented JSON text of a value (no trailing newline).
  package static func prettyJSON(_ v: OutValue) -> String {
    var out: [UInt8] = []
    JSONWriter.pretty(v, indent: 0, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  /// The value as one CSV/TSV field: money `1234.50`, dates RFC 3339, null
  /// empty, arrays and objects compact JSON.
  package static func fieldText(_ v: OutValue) -> String {
    switch v {
    case .null, .nullObject: ""
    case .string(let s): s
    case .int(let i): String(i)
    case .bool(let b): b ? "true" : "false"
    case .number(let n): n
    case .money(let m): m.plain
    case .date(let ms): FidoDate.format(ms)
    case .object, .array: json(v)
    }
  }

  /// The value as a table cell: money `GHS 1,234.50`, null `-`, times to
  /// the second (`2023-08-18T15:30:00Z`: the milliseconds are in the other
  /// formats), control characters shown as escapes so a value cannot break
  /// the row.
  package static func tableText(_ v: OutValue) -> String {
    switch v {
    case .null, .nullObject: "-"
    case .money(let m): m.display
    case .date(let ms):
      FidoDate.format(ms).replacing(/\.[0-9]{3}Z$/, with: "Z")
    default: visible(fieldText(v))
    }
  }

  /// Nested objects flattened with `_` (`sms_status`, `busiest_day_date`),
  /// an absent object (`.nullObject`) into its keys with null values; other
  /// values, arrays included, kept as they are.
  package static func flatten(_ o: OutObject) -> [(key: String, value: OutValue)] {
    var out: [(key: String, value: OutValue)] = []
    flatten(o, prefix: "", into: &out)
    return out
  }

  private static func flatten(
    _ o: OutObject, prefix: String, into out: inout [(key: String, value: OutValue)]
  ) {
    for (key, value) in o.fields {
      let name = prefix.isEmpty ? key : prefix + "_" + key
      if case .object(let inner) = value {
        flatten(inner, prefix: name, into: &out)
      } else if case .nullObject(let keys) = value {
        for key in keys { out.append((key: name + "_" + key, value: .null)) }
      } else {
        out.append((key: name, value: value))
      }
    }
  }

  static func quietID(_ o: OutObject) -> String? {
    if let id = o["id"], id != .null { return fieldText(id) }
    if let id = o["transaction_id"], id != .null { return fieldText(id) }
    return nil
  }

  // MARK: - CSV / TSV

  /// One RFC 4180 record. Control characters are written visibly
  /// (`CoreText.escaped`: `\n`, `\t`, `\u{1b}`…; CSV has no escape of its
  /// own, so a backslash is left as it is), so a record is always one line. A
  /// cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or
  /// CR first) gets a `'` in front, unless it is a decimal number as fido
  /// writes money and counts (`-1234.50`, `42`). Fields holding `,` or `"`
  /// are quoted, quotes doubled; CRLF ends the record.
  static func csvRow(_ fields: [String]) -> String {
    var out = ""
    for (i, raw) in fields.enumerated() {
      if i > 0 { out += "," }
      var f = CoreText.escaped(raw)
      if let first = raw.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
        !isDecimalNumber(raw)
      {
        f = "'" + f
      }
      if f.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 }) {
        out += "\""
        for ch in f.unicodeScalars {
          if ch == "\"" { out += "\"\"" } else { out.unicodeScalars.append(ch) }
        }
        out += "\""
      } else {
        out += f
      }
    }
    return out + "\r\n"
  }

  /// `-?[0-9]+(\.[0-9]+)?`: money and counts as fido writes them.
  static func isDecimalNumber(_ s: String) -> Bool {
    var bytes = Substring(s).utf8[...]
    if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
    let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
    let parts = bytes.split(
      separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
    return !parts.isEmpty && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isDigit) }
  }

  /// One TSV line: backslash, tab, newline and carriage return escaped as
  /// `\\ \t \n \r`, every other control character as `\u{1b}` (its code
  /// point in hex), so a line is always one record and reads back exactly.
  static func tsvRow(_ fields: [String]) -> String {
    var out = ""
    for (i, f) in fields.enumerated() {
      if i > 0 { out += "\t" }
      for s in f.unicodeScalars {
        if s == "\\" { out += "\\\\" } else { CoreText.appendEscaped(s, into: &out) }
      }
    }
    return out + "\n"
  }

  // MARK: - table text

  /// Control characters as visible escapes (`\n`, `\t`, `\u{1b}`).
  static func visible(_ s: String) -> String { CoreText.escaped(s) }

  /// Per column: right-align it when it holds numbers (int, money, number) and nothing
  /// else but nulls.
  static func rightAligned(_ rows: [[OutValue]], columns: Int) -> [Bool] {
    var numeric = [Bool](repeating: false, count: columns)
    var other = [Bool](repeating: false, count: columns)
    for row in rows {
      for (c, v) in row.enumerated() where c < columns {
        switch v {
        case .null, .nullObject: break
        case .int, .money, .number: numeric[c] = true
        default: other[c] = true
        }
      }
    }
    return zip(numeric, other).map { $0 && !$1 }
  }

  static func bold(_ s: String, _ on: Bool) -> String { on ? "\u{1B}[1m" + s + "\u{1B}[0m" : s }
}
