/// What commands hand to the renderers: ordered objects whose values know
/// how each output format should show them.
package indirect enum OutValue: Sendable, Equatable {
  case null
  case string(String)
  case int(Int64)
  case bool(Bool)
  /// A JSON number given by its exact decimal text (e.g. the credit score "3.4"); never a Double.
  case number(String)
  /// Money: `"1234.50"` in json/csv/tsv, `GHS 1,234.50` in table.
  case money(Money)
  /// A BSON date (ms since the epoch): RFC 3339 UTC with milliseconds.
  case date(Int64)
  case object(OutObject)
  case array([OutValue])
  /// An object that is absent (JSON `null`) but whose fields are known: csv,
  /// tsv and table flatten it to one empty field per key (`busiest_day_date`,
  /// `busiest_day_count`), so a record has the same columns whether or not
  /// the object is there. Keys may name nested objects' flattened fields.
  case nullObject(keys: [String])
}

/// An ordered list of fields; the order is the column order in csv/tsv/table.
package struct OutObject: Sendable, Equatable {
  package var fields: [(key: String, value: OutValue)]
  package init(_ fields: [(String, OutValue)] = []) {
    self.fields = fields.map { (key: $0.0, value: $0.1) }
  }
  package mutating func append(_ key: String, _ value: OutValue) {
    fields.append((key: key, value: value))
  }
  package subscript(key: String) -> OutValue? { fields.first { $0.key == key }?.value }
  package static func == (a: OutObject, b: OutObject) -> Bool {
    a.fields.count == b.fields.count
      && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }
}

/// Where renderers write. The executable's streams conform; tests capture text.
package protocol TextSink: AnyObject {
  func write(_ text: String)
  /// Valid UTF-8 text as bytes (the JSON renderers' output). A sink that
  /// stores bytes takes them as they are; the default goes through `write(_:)`.
  func write(utf8 bytes: [UInt8])
}

extension TextSink {
  package func write(utf8 bytes: [UInt8]) { write(String(decoding: bytes, as: UTF8.self)) }
}
