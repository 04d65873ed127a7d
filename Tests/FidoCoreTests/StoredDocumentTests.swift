import XCTest

@testable import FidoCore

/// DESIGN.md, "Documents fido did not write": what fido reads exactly, and
/// what it names when it cannot.
final class StoredDocumentTests: XCTestCase {
  let id = ObjectID(hex: "64df1c2a9b1e8a0012345678")!
  let user = ObjectID(hex: "64df1c2a9b1e8a0012345679")!

  var txn: Document {
    [
      "_id": .objectID(id), "user_id": .objectID(user), "full_name": "Ama", "amount": .int64(2150),
      "currency": "GHS", "type": "credit", "date": .date(1_692_316_800_000),
      "sms": ["status": "skipped"],
    ]
  }

  /// Stored figures are Int32 or Int64; a double never reads as a number,
  /// integral or not (the old service's `21.0`).
  func testStoredFiguresAreIntegersOnly() {
    XCTAssertEqual(BSONValue.int32(7).int64Value, 7)
    XCTAssertEqual(BSONValue.int64(.max).int64Value, .max)
    XCTAssertNil(BSONValue.double(21.0).int64Value)
    XCTAssertNil(BSONValue.double(21.5).int64Value)
    XCTAssertNil(BSONValue.decimal128("21").int64Value)
    XCTAssertNil(BSONValue.string("21").int64Value)
    // A server's reply may carry a count as a double.
    XCTAssertEqual(BSONValue.double(3.0).replyInt64, 3)
  }

  func testReadableTransactionReads() throws {
    let t = try Transaction(reading: txn, userCurrency: .ghs)
    XCTAssertEqual(t.amount, 2150)
    XCTAssertEqual(t.type, .credit)
    XCTAssertEqual(try Transaction(reading: txn, userCurrency: nil).id, id)
    var small = txn
    small["amount"] = .int32(5)
    XCTAssertEqual(try Transaction(reading: small, userCurrency: .ghs).amount, 5)
  }

  /// Each case the contract lists names its field; nothing is guessed.
  func testEachUnreadableFieldIsNamed() {
    let usd = Currency.lookup("USD")!
    let cases: [(String, BSONValue?, String, Currency?)] = [
      ("amount", .double(21.5), "21.5 (a double)", .ghs),
      ("amount", .double(21.0), "21.0 (a double)", .ghs),
      ("amount", .int64(-5), "-5 (an Int64)", .ghs),
      ("amount", .int64(0), "0 (an Int64)", .ghs),
      ("amount", nil, "missing", .ghs),
      ("date", .string("2023-08-18"), "'2023-08-18' (a string)", .ghs),
      ("type", .string("refund"), "'refund' (a string)", .ghs),
      ("type", .array(["credit"]), "an array", .ghs),
      ("currency", .string("GHS"), "'GHS' (a string)", usd),
      ("currency", .string("QQQ"), "'QQQ' (a string)", nil),
      ("user_id", .string(user.hex), "'\(user.hex)' (a string)", .ghs),
    ]
    for (field, value, found, currency) in cases {
      var doc = txn
      doc[field] = value
      if value == nil { doc = Document(doc.filter { $0.key != field }) }
      XCTAssertThrowsError(try Transaction(reading: doc, userCurrency: currency)) { error in
        let e = error as? UnreadableDocument
        XCTAssertEqual(e?.field, field, "\(field) \(found)")
        XCTAssertEqual(e?.found, found)
        XCTAssertEqual(e?.id, id.hex)
      }
      // The FidoError a get fails with: 65, naming document, field and db check.
      XCTAssertThrowsError(try Transaction(doc, userCurrency: currency)) { error in
        let e = error as? FidoError
        XCTAssertEqual(e?.exitCode, 65)
        let m = e?.message ?? ""
        XCTAssertTrue(m.contains("transaction \(id.hex): \(field) is"), m)
        XCTAssertTrue(m.contains("'fido db check'"), m)
      }
    }
  }

  /// The server-side predicate holds exactly the fields the Swift check reads.
  func testPredicateCoversEveryRule() {
    let text = "\(StoredTransaction.predicate(currency: .ghs))"
    for field in StoredTransaction.fields { XCTAssertTrue(text.contains("$" + field), field) }
    XCTAssertTrue(text.contains("GHS"))
    XCTAssertFalse("\(StoredTransaction.predicate(currency: nil))".contains("GHS"))
  }

  func testUnreadableUsers() {
    let base: Document = [
      "_id": .objectID(user), "name": "Ama", "email": "ama@example.com", "currency": "GHS",
      "opening_balance": .int64(0), "balance": .int64(100),
      "stats": [
        "count": .int64(1), "days": ["2023-08-18": ["count": .int64(1), "amount": .int64(100)]],
      ],
    ]
    XCTAssertNil(StoredUser.check(base))
    let cases: [(String, BSONValue)] = [
      ("balance", .double(100.0)), ("opening_balance", .double(1.5)),
      ("email", .string("Old.User@Example.COM")), ("email", .string(" ama@example.com")),
      ("currency", .string("ghs")), ("name", .int32(1)),
    ]
    for (field, value) in cases {
      var doc = base
      doc[field] = value
      XCTAssertEqual(StoredUser.check(doc)?.field, field, "\(value)")
    }
    var doc = base
    doc["email"] = "Old.User@Example.COM"
    XCTAssertEqual(
      StoredUser.check(doc)?.fix, "fido user update \(user.hex) --email old.user@example.com")
    doc = base
    doc["stats"] = ["count": .double(1)]
    XCTAssertEqual(StoredUser.check(doc)?.field, "stats.count")
    doc["stats"] = ["days": ["2023-08-18": ["count": .int64(1), "amount": .double(1)]]]
    XCTAssertEqual(StoredUser.check(doc)?.field, "stats.days.2023-08-18.amount")
  }

  /// History never holds a value it cannot hash: an unreadable value is
  /// recorded as its description.
  func testHistoryRecordsUnreadableValuesHashably() throws {
    var doc = txn
    doc["amount"] = .double(21.5)
    let record = AuditState.txn(doc)
    XCTAssertEqual(record["amount"], ["unreadable": "21.5 (a double)"])
    var out: [UInt8] = []
    XCTAssertNoThrow(try AuditChain.encode(.document(record), into: &out))
    XCTAssertEqual(AuditReplay.text(record["amount"]!, "amount", "GHS"), "21.5 (a double)")
  }
}
