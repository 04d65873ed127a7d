import FidoCore
import XCTest

final class JSONValueTests: XCTestCase {
  private func parse(_ text: String, maxDepth: Int = JSONValue.defaultMaxDepth) throws -> JSONValue
  {
    try JSONValue.parse(Array(text.utf8), maxDepth: maxDepth)
  }

  func testValidDocumentsParse() throws {
    let table: [(String, JSONValue)] = [
      ("null", .null),
      ("true", .bool(true)),
      (" false ", .bool(false)),
      ("0", .number("0")),
      ("-0", .number("-0")),
      ("21.50", .number("21.50")),
      ("-12.340e+10", .number("-12.340e+10")),
      ("1E400", .number("1E400")),
      ("123456789012345678901234567890", .number("123456789012345678901234567890")),
      (#""""#, .string("")),
      (#""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{08}\u{0C}\n\r\t")),
      (#""caf\u00e9 \u00E9""#, .string("café é")),
      (#""\ud83d\ude00 \uD83C\uDDEC\uD83C\uDDED""#, .string("😀 🇬🇭")),
      (#""\u0000""#, .string("\u{0}")),
      ("\"café ☕️ 🇬🇭\"", .string("café ☕️ 🇬🇭")),
      ("[]", .array([])),
      ("{}", .object([])),
      (
        " \t\r\n[1, \"x\", {\"a\": [null, true]}]\n",
        .array([
          .number("1"), .string("x"),
          .object([JSONMember(key: "a", value: .array([.null, .bool(true)]))]),
        ])
      ),
      (
        #"{"b":1,"a":"2","":{}}"#,
        .object([
          JSONMember(key: "b", value: .number("1")), JSONMember(key: "a", value: .string("2")),
          JSONMember(key: "", value: .object([])),
        ])
      ),
    ]
    for (text, expected) in table {
      XCTAssertEqual(try parse(text), expected, text)
    }
  }

  func testInvalidDocumentsAreRejected() {
    let table = [
      "", " ", "nul", "tru", "nulls", "True", "01", "-01", "1.", ".5", "-", "+1", "1e", "1e+",
      "0x10", "NaN", "Infinity", "[1,]", "[,1]", "[1 2]", "[1]]", "[", "{", #"{"a":1,}"#, "{a:1}",
      "{'a':1}", #"{"a" 1}"#, #"{"a":}"#, #"{"a":1}{}"#, #""a"x"#, #""abc"#, #""\x""#, #""\u12""#,
      #""\u12G4""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\ud800x""#, "\"tab\there\"",
      "\"line\nbreak\"", "\u{FEFF}{}", "/* c */ 1", "\u{0C}1", "[1]\u{0B}", #"{"a":1,"a":2}"#,
    ]
    for text in table {
      XCTAssertThrowsError(try parse(text), "accepted \(text.debugDescription)")
    }
  }

  func testStringsMustBeValidUTF8() {
    let table: [[UInt8]] = [
      [0x22, 0xFF, 0x22],  // not UTF-8 at all
      [0x22, 0xC3, 0x22],  // truncated sequence
      [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
      [0x22, 0xED, 0xA0, 0x80, 0x22],  // a UTF-16 surrogate encoded as UTF-8
      [0x22, 0x5C, 0x6E, 0xFF, 0x22],  // after an escape (the slow path)
      [0xC3, 0xA9],  // non-ASCII outside a string
    ]
    for bytes in table {
      XCTAssertThrowsError(try JSONValue.parse(bytes), "accepted \(bytes)")
    }
  }

  func testErrorsCarryTheByteOffset() {
    XCTAssertThrowsError(try parse("[1,]")) { error in
      XCTAssertEqual((error as? JSONParseError)?.offset, 3)
    }
    XCTAssertThrowsError(try parse(#"{"a":1, "a":2}"#)) { error in
      XCTAssertEqual((error as? JSONParseError)?.offset, 8)
      XCTAssertEqual((error as? JSONParseError)?.reason, #"duplicate member name "a""#)
    }
    XCTAssertThrowsError(try parse(#"["ok", "\q"]"#)) { error in
      XCTAssertEqual((error as? JSONParseError)?.offset, 8)
    }
  }

  func testDuplicatesAreFoundInLargeObjectsToo() {
    let members = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ",")
    XCTAssertNoThrow(try parse("{\(members)}"))
    XCTAssertThrowsError(try parse("{\(members), \"k7\": 0}"))
  }

  func testNestingIsLimited() throws {
    let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
    XCTAssertNoThrow(try parse(ok))
    let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
    XCTAssertThrowsError(try parse(tooDeep)) { error in
      XCTAssertEqual((error as? JSONParseError)?.reason, "nesting deeper than 128")
    }
    XCTAssertThrowsError(try parse(String(repeating: "{\"a\":", count: 100_000)))
    XCTAssertThrowsError(try parse(String(repeating: "[", count: 100_000)))
    XCTAssertNoThrow(try parse("[[[1]]]", maxDepth: 3))
    XCTAssertThrowsError(try parse("[[[1]]]", maxDepth: 2))
  }

  func testNumberLiteralTextIsKept() throws {
    let value = try parse(#"{"amount": 21.50, "count": 7, "big": 12345678901234567890}"#)
    XCTAssertEqual(value["amount"], .number("21.50"))
    XCTAssertEqual(value["count"]?.intValue, 7)
    XCTAssertNil(value["amount"]?.intValue)
    XCTAssertNil(value["big"]?.intValue)
    XCTAssertEqual(value["big"], .number("12345678901234567890"))
  }

  func testAccessors() throws {
    let value = try parse(#"{"sid": "SM1", "ok": true, "list": [1], "none": null}"#)
    XCTAssertEqual(value["sid"]?.stringValue, "SM1")
    XCTAssertEqual(value["ok"]?.boolValue, true)
    XCTAssertEqual(value["list"]?.arrayValue, [.number("1")])
    XCTAssertEqual(value["none"]?.isNull, true)
    XCTAssertNil(value["missing"])
    XCTAssertNil(value["sid"]?["x"])
    XCTAssertEqual(value.objectValue?.map(\.key), ["sid", "ok", "list", "none"])
  }

  func testASliceParsesWithOffsetsFromItsStart() throws {
    let lines = Array("{\"a\":1}\n{\"b\":}\n".utf8)
    let newline = lines.firstIndex(of: UInt8(ascii: "\n"))!
    XCTAssertEqual(
      try JSONValue.parse(lines[..<newline]), .object([JSONMember(key: "a", value: .number("1"))]))
    XCTAssertThrowsError(try JSONValue.parse(lines[(newline + 1)..<(lines.count - 1)])) { error in
      XCTAssertEqual((error as? JSONParseError)?.offset, 5)
    }
  }
}
