/// A JSON value read by a strict RFC 8259 parser.
///
/// - Numbers keep their literal text (`case number("21.50")`), so money is
///   never read through a `Double`.
/// - Objects keep member order; a repeated member name is an error (RFC 8259
///   leaves duplicates undefined, and for records an ambiguous field is a bad line).
/// - Input is UTF-8 without a byte order mark; strings must be valid UTF-8 and
///   `\u` escapes must pair surrogates correctly.
/// - Only space, tab, LF and CR count as whitespace; any scalar may be the top
///   value; anything after it but whitespace is an error.
/// - Nesting deeper than `maxDepth` arrays/objects is an error, not a crash.
package enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([JSONMember])

  /// The nesting limit `parse` uses unless told otherwise.
  package static let defaultMaxDepth = 128

  package static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth)
    throws(JSONParseError)
    -> JSONValue
  {
    try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
      var parser = JSONParser(buffer, maxDepth: maxDepth)
      return try parser.parseDocument()
    }
  }

  /// Parses part of a larger buffer (one NDJSON line, say); error offsets
  /// count from the slice's first byte.
  package static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int = defaultMaxDepth)
    throws(JSONParseError) -> JSONValue
  {
    try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
      var parser = JSONParser(buffer, maxDepth: maxDepth)
      return try parser.parseDocument()
    }
  }

  /// The value of the member named `key`, when this is an object that has one.
  package subscript(key: String) -> JSONValue? {
    guard case .object(let members) = self else { return nil }
    return members.first { $0.key == key }?.value
  }

  package var stringValue: String? {
    if case .string(let s) = self { s } else { nil }
  }

  /// The number as an `Int` when its literal is a plain integer that fits.
  package var intValue: Int? {
    if case .number(let text) = self { Int(text) } else { nil }
  }

  package var boolValue: Bool? {
    if case .bool(let b) = self { b } else { nil }
  }

  package var arrayValue: [JSONValue]? {
    if case .array(let a) = self { a } else { nil }
  }

  package var objectValue: [JSONMember]? {
    if case .object(let m) = self { m } else { nil }
  }

  package var isNull: Bool { self == .null }
}

/// One `"key": value` member of a JSON object.
package struct JSONMember: Sendable, Equatable {
  package var key: String
  package var value: JSONValue

  package init(key: String, value: JSONValue) {
    self.key = key
    self.value = value
  }
}

/// Why and where (byte offset into the input) parsing stopped.
package struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
  package var offset: Int
  package var reason: String

  package init(offset: Int, reason: String) {
    self.offset = offset
    self.reason = reason
  }

  package var description: String { "\(reason) at byte \(offset)" }
}

/// Recursive descent over a byte buffer; depth is bounded, so recursion is too.
private struct JSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  let maxDepth: Int
  var index = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  mutating func parseDocument() throws(JSONParseError) -> JSONValue {
    if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
      throw fail("byte order mark before the value", at: 0)
    }
    skipWhitespace()
    let value = try parseValue(depth: 0)
    skipWhitespace()
    guard index == bytes.count else { throw fail("unexpected \(describe(index)) after the value") }
    return value
  }

  private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
    guard index < bytes.count else { throw fail("unexpected end of input, expected a value") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
    case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"):
      try expectLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try expectLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try expectLiteral("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    default: throw fail("unexpected \(describe(index)), expected a value")
    }
  }

  private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
    guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
    index += 1  // {
    var members: [JSONMember] = []
    var keys: Set<String> = []  // filled only once an object grows past a linear scan
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
        throw fail(index < bytes.count ? "expected a member name in quotes" : "unterminated object")
      }
      let keyOffset = index
      let key = try parseString()
      if members.count < 16 {
        if members.contains(where: { $0.key == key }) {
          throw fail("duplicate member name \"\(key)\"", at: keyOffset)
        }
      } else {
        if keys.isEmpty { keys = Set(members.map(\.key)) }
        guard keys.insert(key).inserted else {
          throw fail("duplicate member name \"\(key)\"", at: keyOffset)
        }
      }
      skipWhitespace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
        throw fail(index < bytes.count ? "expected ':' after a member name" : "unterminated object")
      }
      index += 1
      skipWhitespace()
      members.append(JSONMember(key: key, value: try parseValue(depth: depth)))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unterminated object") }
      switch bytes[index] {
      case UInt8(ascii: ","):
        index += 1
        skipWhitespace()
      case UInt8(ascii: "}"):
        index += 1
        return .object(members)
      default:
        throw fail("expected ',' or '}' in an object, found \(describe(index))")
      }
    }
  }

  private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
    guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
    index += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      elements.append(try parseValue(depth: depth))
      skipWhitespace()
      guard index < bytes.count else { throw fail("unterminated array") }
      switch bytes[index] {
      case UInt8(ascii: ","):
        index += 1
        skipWhitespace()
      case UInt8(ascii: "]"):
        index += 1
        return .array(elements)
      default:
        throw fail("expected ',' or ']' in an array, found \(describe(index))")
      }
    }
  }

  /// `index` is at the opening quote; leaves it after the closing one.
  private mutating func parseString() throws(JSONParseError) -> String {
    let open = index
    index += 1
    let start = index
    // Fast path: no escapes, so the text is the bytes between the quotes.
    var seen: UInt8 = 0  // OR of the bytes: below 0x80 means ASCII, valid as it stands
    while index < bytes.count {
      let byte = bytes[index]
      seen |= byte
      if byte == UInt8(ascii: "\"") {
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        let text =
          seen < 0x80 ? String(decoding: raw, as: UTF8.self) : try decodeUTF8(raw, at: open)
        index += 1
        return text
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw fail("unescaped control character in a string") }
      index += 1
    }
    var buffer = Array(bytes[start..<index])
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return try buffer.withUnsafeBufferPointer { (b) throws(JSONParseError) in
          try decodeUTF8(b, at: open)
        }
      case UInt8(ascii: "\\"):
        try parseEscape(into: &buffer)
      case ..<0x20:
        throw fail("unescaped control character in a string")
      default:
        buffer.append(byte)
        index += 1
      }
    }
    throw fail("unterminated string", at: open)
  }

  /// `index` is at a backslash.
  private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
    let escapeOffset = index
    index += 1
    guard index < bytes.count else { throw fail("unterminated string") }
    let letter = bytes[index]
    index += 1
    switch letter {
    case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
    case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
    case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
    case UInt8(ascii: "b"): buffer.append(0x08)
    case UInt8(ascii: "f"): buffer.append(0x0C)
    case UInt8(ascii: "n"): buffer.append(0x0A)
    case UInt8(ascii: "r"): buffer.append(0x0D)
    case UInt8(ascii: "t"): buffer.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = UInt32(try parseHex4())
      if (0xD800...0xDBFF).contains(scalar) {
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
          bytes[index + 1] == UInt8(ascii: "u")
        else { throw fail("high surrogate without a following low surrogate", at: escapeOffset) }
        index += 2
        let low = UInt32(try parseHex4())
        guard (0xDC00...0xDFFF).contains(low) else {
          throw fail("high surrogate without a following low surrogate", at: escapeOffset)
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw fail("low surrogate without a preceding high surrogate", at: escapeOffset)
      }
      // Not a surrogate, or a valid pair: always a Unicode scalar.
      buffer.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
    default:
      throw fail("invalid escape sequence", at: escapeOffset)
    }
  }

  private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
    guard index + 4 <= bytes.count else { throw fail("incomplete \\u escape") }
    var value: UInt16 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw fail("invalid hex digit in a \\u escape")
      }
      value = value << 4 | UInt16(digit)
      index += 1
    }
    return value
  }

  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as its text.
  private mutating func parseNumber() throws(JSONParseError) -> String {
    let start = index
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    guard index < bytes.count, isDigit(bytes[index]) else {
      throw fail("a number needs a digit here", at: index)
    }
    if bytes[index] == UInt8(ascii: "0") {
      index += 1
    } else {
      skipDigits()
    }
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      index += 1
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw fail("a fraction needs a digit after '.'")
      }
      skipDigits()
    }
    if index < bytes.count
      && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E"))
    {
      index += 1
      if index < bytes.count
        && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"))
      {
        index += 1
      }
      guard index < bytes.count, isDigit(bytes[index]) else {
        throw fail("an exponent needs a digit")
      }
      skipDigits()
    }
    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
  }

  private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
    let start = index
    let count = word.utf8CodeUnitCount
    guard index + count <= bytes.count else { throw fail("invalid literal", at: start) }
    for k in 0..<count where bytes[index + k] != word.utf8Start[k] {
      throw fail("invalid literal", at: start)
    }
    index += count
  }

  private func decodeUTF8(_ raw: UnsafeBufferPointer<UInt8>, at offset: Int) throws(JSONParseError)
    -> String
  {
    // Decoding repairs invalid UTF-8 with U+FFFD, so the text is valid exactly
    // when its bytes are the input's. (Faster than the generic `String(validating:as:)`.)
    let text = String(decoding: raw, as: UTF8.self)
    guard text.utf8.elementsEqual(raw) else {
      throw fail("invalid UTF-8 in a string", at: offset)
    }
    return text
  }

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  private mutating func skipDigits() {
    while index < bytes.count && isDigit(bytes[index]) { index += 1 }
  }

  private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  private func describe(_ offset: Int) -> String {
    guard offset < bytes.count else { return "end of input" }
    let byte = bytes[offset]
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  private func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
    JSONParseError(offset: offset ?? index, reason: reason)
  }
}
