/// An ordered BSON document as a Swift value. Field order is kept (MongoDB
/// commands and sort specifications depend on it); keys may repeat only if
/// built with `append`.
package struct Document: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
  package private(set) var fields: [(key: String, value: BSONValue)]

  package init() { fields = [] }
  package init(_ pairs: [(String, BSONValue)]) { fields = pairs.map { (key: $0.0, value: $0.1) } }
  /// Takes the fields as they are (the decoder builds them in this shape; no copy).
  init(fields: [(key: String, value: BSONValue)]) { self.fields = fields }
  package init(dictionaryLiteral elements: (String, BSONValue)...) {
    fields = elements.map { (key: $0.0, value: $0.1) }
  }

  package var count: Int { fields.count }
  package var isEmpty: Bool { fields.isEmpty }
  package var keys: [String] { fields.map(\.key) }

  /// The first value under `key`; setting replaces it in place, or appends; nil removes.
  package subscript(key: String) -> BSONValue? {
    get {
      // Comparing the UTF-8 lengths first (O(1)) skips most String comparisons:
      // reading a transaction made about twenty lookups over a dozen keys.
      let length = key.utf8.count
      for field in fields where field.key.utf8.count == length && field.key == key {
        return field.value
      }
      return nil
    }
    set {
      if let i = fields.firstIndex(where: { $0.key == key }) {
        if let v = newValue { fields[i].value = v } else { fields.remove(at: i) }
      } else if let v = newValue {
        fields.append((key: key, value: v))
      }
    }
  }

  package mutating func append(_ key: String, _ value: BSONValue) {
    fields.append((key: key, value: value))
  }

  package func makeIterator() -> IndexingIterator<[(key: String, value: BSONValue)]> {
    fields.makeIterator()
  }

  package static func == (a: Document, b: Document) -> Bool {
    a.fields.count == b.fields.count
      && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }
}
