import XCTest

@testable import FidoCore

/// Document ⇄ bson_t through libbson, no server.
final class BSONTests: XCTestCase {
  private func roundTrip(_ doc: Document, file: StaticString = #filePath, line: UInt = #line) throws
    -> Document
  {
    try doc.withBSON { (bson) throws(MongoError) -> Document in Document(copying: bson) }
  }

  private let oid = ObjectID(hex: "64df8c3a1b2c3d4e5f607182")!

  private var everyCase: Document {
    [
      "double": .double(-1234.5),
      "string": .string("Ama Mensah — ₵ 😀"),
      "document": .document(["a": .int32(1), "b": .string("x")]),
      "array": .array([.int32(1), .string("two"), .document(["three": .int64(3)]), .array([.null])]
      ),
      "binary": .binary(subtype: 0, data: [0, 1, 2, 255]),
      "uuid": .binary(subtype: 4, data: Array(0..<16)),
      "userBinary": .binary(subtype: 0x80, data: []),
      "objectID": .objectID(oid),
      "true": .bool(true),
      "false": .bool(false),
      "date": .date(1_692_372_600_123),
      "null": .null,
      "regex": .regex(pattern: "^ama.*$", options: "i"),
      "int32": .int32(-7),
      "timestamp": .timestamp(seconds: 1_692_372_600, increment: 42),
      "int64": .int64(9_007_199_254_740_993),
      "decimal128": .decimal128("1234.50"),
      "minKey": .minKey,
      "maxKey": .maxKey,
    ]
  }

  func testEveryValueCaseSurvivesARoundTrip() throws {
    let doc = everyCase
    let back = try roundTrip(doc)
    XCTAssertEqual(back, doc)
    for (key, value) in doc {
      XCTAssertEqual(back[key], value, key)
    }
  }

  func testKeyOrderAndRepeatedKeysAreKept() throws {
    var doc: Document = ["z": 1, "a": 2, "m": 3]
    doc.append("a", 4)
    let back = try roundTrip(doc)
    XCTAssertEqual(back.keys, ["z", "a", "m", "a"])
    XCTAssertEqual(back.fields.last?.value, .int64(4))
  }

  func testInt32AndInt64StayDistinct() throws {
    let doc: Document = [
      "small": .int32(5), "big": .int64(5), "max32": .int32(.max), "min64": .int64(.min),
    ]
    let back = try roundTrip(doc)
    XCTAssertEqual(back["small"], .int32(5))
    XCTAssertEqual(back["big"], .int64(5))
    XCTAssertNotEqual(back["small"], back["big"])
    XCTAssertEqual(back["max32"], .int32(.max))
    XCTAssertEqual(back["min64"], .int64(.min))
    XCTAssertEqual(
      doc.canonicalExtendedJSON,
      #"{ "small" : { "$numberInt" : "5" }, "big" : { "$numberLong" : "5" }, "max32" : { "$numberInt" : "2147483647" }, "min64" : { "$numberLong" : "-9223372036854775808" } }"#
    )
  }

  func testDatesKeepMillisecondsIncludingBeforeTheEpoch() throws {
    let doc: Document = [
      "d0": .date(0), "neg": .date(-1), "ms": .date(1_692_372_600_001),
      "far": .date(253_402_300_799_999),
    ]
    XCTAssertEqual(try roundTrip(doc), doc)
    let json = (["d": .date(1_692_372_600_123)] as Document).relaxedExtendedJSON
    XCTAssertEqual(json, #"{ "d" : { "$date" : "2023-08-18T15:30:00.123Z" } }"#)
  }

  func testObjectIDHexSurvivesLibbson() throws {
    let back = try roundTrip(["_id": .objectID(oid)])
    XCTAssertEqual(back["_id"]?.objectIDValue?.hex, "64df8c3a1b2c3d4e5f607182")
    XCTAssertEqual(
      (["_id": .objectID(oid)] as Document).canonicalExtendedJSON,
      #"{ "_id" : { "$oid" : "64df8c3a1b2c3d4e5f607182" } }"#)
  }

  func testObjectIDBytesHexOrderAndHashAgree() {
    var rng = CoreTestRNG(seed: 7)
    var ids: [ObjectID] = []
    for _ in 0..<500 {
      let bytes = (0..<12).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let id = try! XCTUnwrap(ObjectID(bytes: bytes))
      XCTAssertEqual(id.bytes, bytes)
      XCTAssertEqual(id.hex, bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
      XCTAssertEqual(ObjectID(hex: id.hex.uppercased()), id)
      XCTAssertEqual(
        id.timestamp,
        UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3]))
      ids.append(id)
    }
    for (a, b) in zip(ids, ids.dropFirst()) {
      XCTAssertEqual(a < b, a.bytes.lexicographicallyPrecedes(b.bytes))
      XCTAssertEqual(a == b, a.bytes == b.bytes)
    }
    XCTAssertEqual(Set(ids + ids).count, 500)
    for bad in [
      "", "64df8c3a1b2c3d4e5f60718", "64df8c3a1b2c3d4e5f6071822", "64df8c3a1b2c3d4e5f60718g",
      "64df8c3a1b2c3d4e5f60718é",
    ] {
      XCTAssertNil(ObjectID(hex: bad), bad)
    }
    XCTAssertNil(ObjectID(bytes: [1, 2, 3]))
  }

  func testGeneratedObjectIDsAreUniqueAndCarryTheCurrentTime() {
    let generator = ObjectIDGenerator()
    let ids = (0..<1000).map { _ in generator.next(nowMs: FidoDate.currentMs()) }
    XCTAssertEqual(Set(ids).count, 1000)
    let now = UInt32(Date().timeIntervalSince1970)
    XCTAssertLessThanOrEqual(abs(Int64(ids[0].timestamp) - Int64(now)), 5)
    XCTAssertEqual(ObjectID(hex: ids[0].hex), ids[0])
  }

  func testDeeplyNestedDocumentsAndArrays() throws {
    var value: BSONValue = .string("leaf")
    for depth in 0..<50 {
      value =
        depth.isMultiple(of: 2)
        ? .document(["level\(depth)": value, "n": .int32(Int32(depth))]) : .array([value, .null])
    }
    let doc: Document = ["root": value, "after": .bool(true)]
    XCTAssertEqual(try roundTrip(doc), doc)
  }

  func testStringsKeepEmbeddedNULAndEmptyValues() throws {
    let doc: Document = [
      "nul": .string("a\u{0}b"), "empty": .string(""), "": .string("empty key"),
      "emptyDoc": .document([:]), "emptyArray": .array([]),
    ]
    let back = try roundTrip(doc)
    XCTAssertEqual(back, doc)
    XCTAssertEqual(back["nul"]?.stringValue?.utf8.count, 3)
  }

  func testLargeDocumentRoundTrip() throws {
    let doc = Document((0..<10_000).map { ("k\($0)", BSONValue.int64(Int64($0) * 1_000_003)) })
    let back = try roundTrip(doc)
    XCTAssertEqual(back.count, 10_000)
    XCTAssertEqual(back, doc)
  }

  func testDecimal128IsReadBackAsItsCanonicalString() throws {
    let back = try roundTrip([
      "a": .decimal128("0.10"), "b": .decimal128("-1E+3"), "c": .decimal128("NaN"),
    ])
    XCTAssertEqual(back["a"], .decimal128("0.10"))
    XCTAssertEqual(back["b"], .decimal128("-1E+3"))
    XCTAssertEqual(back["c"], .decimal128("NaN"))
  }

  func testInvalidDecimal128IsAnErrorNotATrap() {
    XCTAssertThrowsError(try roundTrip(["bad": .decimal128("twelve")])) { error in
      XCTAssertEqual((error as? MongoError)?.domain, MongoError.bsonDomain)
    }
  }

  func testKeyWithNULIsAnErrorNotATrap() {
    XCTAssertThrowsError(try roundTrip(["outer": .document(["a\u{0}b": 1])])) { error in
      XCTAssertEqual((error as? MongoError)?.domain, MongoError.bsonDomain)
    }
  }

  func testDoubleKeepsItsBits() throws {
    let doc: Document = [
      "pi": .double(Double.pi), "negZero": .double(-0.0), "inf": .double(.infinity),
      "tiny": .double(.leastNonzeroMagnitude),
    ]
    let back = try roundTrip(doc)
    XCTAssertEqual(back, doc)
    guard case .double(let negZero)? = back["negZero"] else { return XCTFail("not a double") }
    XCTAssertEqual(negZero.sign, .minus)
    guard case .double(let nan)? = try roundTrip(["nan": .double(.nan)])["nan"] else {
      return XCTFail("not a double")
    }
    XCTAssertTrue(nan.isNaN)
  }

  func testPipelineUpdateBecomesAnArrayShapedDocument() throws {
    let pipeline: BSONValue = .array([
      .document(["$set": .document(["a": 1])]), .document(["$unset": "b"]),
    ])
    let back = try pipeline.withUpdateBSON { (bson) throws(MongoError) -> Document in
      Document(copying: bson)
    }
    XCTAssertEqual(back.keys, ["0", "1"])
    XCTAssertEqual(back["1"], .document(["$unset": "b"]))
    XCTAssertThrowsError(try BSONValue.int64(3).withUpdateBSON { (_) throws(MongoError) in })
  }

  func testExtendedJSONOfNestedValues() {
    let doc: Document = ["a": [1, "x"], "b": ["c": .int32(2)]]
    XCTAssertEqual(doc.relaxedExtendedJSON, #"{ "a" : [ 1, "x" ], "b" : { "c" : 2 } }"#)
  }
}
