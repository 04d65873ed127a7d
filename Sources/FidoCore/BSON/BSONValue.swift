/// A BSON value as a Swift value. Dates are milliseconds since the Unix epoch
/// (BSON's own representation), so no floating point touches them.
package indirect enum BSONValue: Sendable, Equatable {
  case double(Double)
  case string(String)
  case document(Document)
  case array([BSONValue])
  case binary(subtype: UInt8, data: [UInt8])
  case objectID(ObjectID)
  case bool(Bool)
  case date(Int64)
  case null
  case regex(pattern: String, options: String)
  case int32(Int32)
  case timestamp(seconds: UInt32, increment: UInt32)
  case int64(Int64)
  /// Decimal128 as its canonical string (fido never writes one; read-only).
  case decimal128(String)
  case minKey
  case maxKey

  /// The value as an Int64 only when it is an Int32 or an Int64. A double is
  /// never read as a stored figure, integral or not: the old service stored
  /// money as doubles, and `21.0` is no more an amount of minor units than
  /// `21.5` (DESIGN.md, "Documents fido did not write").
  package var int64Value: Int64? {
    switch self {
    case .int32(let v): Int64(v)
    case .int64(let v): v
    default: nil
    }
  }
  /// The same as `int64Value`: what a server-side `$sum` that overflowed (a
  /// double) must never pass for.
  package var exactInt64: Int64? { int64Value }
  /// A number in a server's reply (an error code, a count, a wire version),
  /// which some servers send as a double: integral doubles are read too.
  /// Never for stored figures (`int64Value`).
  package var replyInt64: Int64? {
    switch self {
    case .double(let d) where d == d.rounded() && abs(d) < 9.0e15: Int64(d)
    default: int64Value
    }
  }
  package var stringValue: String? { if case .string(let s) = self { s } else { nil } }
  package var objectIDValue: ObjectID? { if case .objectID(let o) = self { o } else { nil } }
  package var documentValue: Document? { if case .document(let d) = self { d } else { nil } }
  package var arrayValue: [BSONValue]? { if case .array(let a) = self { a } else { nil } }
  package var dateValue: Int64? { if case .date(let d) = self { d } else { nil } }
  package var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
  package var isNull: Bool { if case .null = self { true } else { false } }
}

extension BSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByBooleanLiteral,
  ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
  package init(stringLiteral value: String) { self = .string(value) }
  /// Integer literals are Int64: fido stores every count and amount as Int64.
  package init(integerLiteral value: Int64) { self = .int64(value) }
  package init(booleanLiteral value: Bool) { self = .bool(value) }
  package init(arrayLiteral elements: BSONValue...) { self = .array(elements) }
  package init(dictionaryLiteral elements: (String, BSONValue)...) {
    self = .document(Document(elements))
  }
  package init(nilLiteral: ()) { self = .null }
}
