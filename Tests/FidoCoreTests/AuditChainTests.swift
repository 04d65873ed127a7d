import Foundation
import XCTest

@testable import FidoCore

final class AuditChainTests: XCTestCase {
  // MARK: SHA-256

  func testFIPS180Examples() {
    // FIPS 180-4 / the NIST examples: "abc", the two-block message, and a million 'a'.
    XCTAssertEqual(
      SHA256.hex(SHA256.hash(Array("abc".utf8))),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hex(
        SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(
      SHA256.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    XCTAssertEqual(
      SHA256.hex(SHA256.hash([UInt8]())),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  /// Every length around the padding boundaries, against coreutils' sha256sum.
  func testAgainstSha256sum() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else {
      throw XCTSkip("no /usr/bin/sha256sum")
    }
    var rng = CoreTestRNG(seed: 7)
    for length in [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000] {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
      let input = Pipe()
      let output = Pipe()
      p.standardInput = input
      p.standardOutput = output
      try p.run()
      input.fileHandleForWriting.write(Data(bytes))
      try input.fileHandleForWriting.close()
      let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      p.waitUntilExit()
      XCTAssertEqual(SHA256.hex(SHA256.hash(bytes)), String(text.prefix(64)), "length \(length)")
    }
  }

  // MARK: canonical encoding

  func testEncodingBytes() throws {
    var out: [UInt8] = []
    try AuditChain.encode(
      .document(["b": .int64(-1), "a": .string("é"), "c": .array([.null, .bool(true)])]),
      into: &out)
    // Keys sorted by bytes; lengths and counts 4-byte big-endian.
    let want: [UInt8] =
      [0x08, 0, 0, 0, 3]
      + [0, 0, 0, 1, 0x61, 0x05, 0, 0, 0, 2, 0xC3, 0xA9]
      + [0, 0, 0, 1, 0x62, 0x03, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
      + [0, 0, 0, 1, 0x63, 0x07, 0, 0, 0, 2, 0x00, 0x01, 0x01]
    XCTAssertEqual(out, want)
  }

  func testEncodingDistinguishesTypesAndBoundaries() throws {
    func enc(_ v: BSONValue) throws -> [UInt8] {
      var out: [UInt8] = []
      try AuditChain.encode(v, into: &out)
      return out
    }
    // Same number, other type; date vs int64; string split differently.
    XCTAssertNotEqual(try enc(.int64(5)), try enc(.int32(5)))
    XCTAssertNotEqual(try enc(.int64(5)), try enc(.date(5)))
    XCTAssertNotEqual(
      try enc(.array([.string("ab"), .string("c")])),
      try enc(.array([.string("a"), .string("bc")])))
    XCTAssertNotEqual(try enc(.document(["a": "bc"])), try enc(.document(["ab": "c"])))
    // Field order in storage does not matter.
    XCTAssertEqual(try enc(.document(["x": 1, "y": 2])), try enc(.document(["y": 2, "x": 1])))
    XCTAssertThrowsError(try enc(.double(1.5)))
    XCTAssertThrowsError(try enc(.document(Document([("a", 1), ("a", 2)]))))
  }

  // MARK: chain

  private let actor = AuditActor(osUser: "ops", host: "box", fidoVersion: "0.1.0", profile: nil)
  private let user = ObjectID(hex: "64df1c2a9b1e8a0012345678")!

  private func chain(_ drafts: [AuditDraft]) -> (entries: [Document], head: AuditHead) {
    let gen = ObjectIDGenerator()
    return AuditChain.link(
      drafts, user: user, currency: "GHS", after: .empty, at: 1_700_000_000_000, actor: actor,
      ids: { gen.next(nowMs: 1_700_000_000_000) })
  }

  private func created() -> AuditDraft {
    var u = Document()
    for f in AuditState.userFields {
      u.append(
        f,
        f == "name"
          ? "Ama"
          : f == "email"
            ? "ama@example.com"
            : f == "phone"
              ? .null
              : f == "currency" ? "GHS" : f == "password" ? "none" : .int64(0))
    }
    return AuditDraft(
      action: .userCreate, collection: "users", ids: [user], before: nil,
      after: ["user": .document(u)])
  }

  func testLinkAndReplay() throws {
    let t = ObjectID(hex: "64df1c2a9b1e8a0012345679")!
    let add = AuditDraft(
      action: .txnCreate, collection: "transactions", ids: [t],
      before: ["user": ["balance": 0, "count": 0]],
      after: [
        "transactions": [
          [
            "id": .objectID(t), "amount": 2100, "type": "credit", "date": .date(5), "key": .null,
            "currency": "GHS",
          ]
        ],
        "user": ["balance": 2100, "count": 1],
      ])
    let (entries, head) = chain([created(), add])
    XCTAssertEqual(entries.count, 2)
    XCTAssertEqual(entries[0]["prev"], .null)
    XCTAssertEqual(entries[1]["prev"], entries[0]["hash"])
    XCTAssertEqual(head, AuditHead(hash: entries[1]["hash"]?.stringValue, seq: 2))
    XCTAssertEqual(try AuditChain.hash(entries[1]), entries[1]["hash"]?.stringValue)

    var userDoc: Document = [
      "_id": .objectID(user), "name": "Ama", "email": "ama@example.com", "currency": "GHS",
      "opening_balance": 0, "balance": 2100, "stats": ["count": 1],
      "audit_head": entries[1]["hash"]!, "audit_seq": 2,
    ]
    let txnDoc: Document = [
      "_id": .objectID(t), "user_id": .objectID(user), "amount": 2100, "type": "credit",
      "date": .date(5), "currency": "GHS",
    ]
    func problems(_ entries: [Document], _ user: Document?, _ txns: [Document]) -> [String] {
      var r = AuditReplay(userID: self.user)
      for e in entries { r.feed(e) }
      r.finish(liveUser: user, liveTxns: txns)
      return r.problems.map(\.what)
    }
    XCTAssertEqual(problems(entries, userDoc, [txnDoc]), [])

    // A balance changed outside fido.
    userDoc["balance"] = 999
    XCTAssertEqual(problems(entries, userDoc, [txnDoc]), ["balance"])
    userDoc["balance"] = 2100
    // An entry edited (its after), an entry removed, the last entry removed.
    var edited = entries
    edited[1]["after"] = ["user": ["balance": 999]]
    XCTAssertTrue(
      problems(edited, userDoc, [txnDoc]).contains { $0.contains("do not match its hash") })
    XCTAssertTrue(problems([entries[1]], userDoc, [txnDoc]).contains { $0.contains("missing") })
    XCTAssertTrue(problems([entries[0]], userDoc, [txnDoc]).contains { $0.contains("audit_head") })
    // A transaction changed or inserted outside fido.
    var other = txnDoc
    other["amount"] = 1
    XCTAssertEqual(problems(entries, userDoc, [other]), ["transaction \(t.hex) amount"])
    other["_id"] = .objectID(ObjectID(hex: "64df1c2a9b1e8a001234567a")!)
    XCTAssertTrue(
      problems(entries, userDoc, [txnDoc, other]).contains { $0.contains("not in history") })
  }

  func testDeletedUserChainIsComplete() {
    let del = AuditDraft(
      action: .userDelete, collection: "users", ids: [user], before: ["user": ["balance": 0]],
      after: nil)
    let (entries, _) = chain([created(), del])
    var r = AuditReplay(userID: user)
    for e in entries { r.feed(e) }
    r.finish(liveUser: nil, liveTxns: [])
    XCTAssertEqual(r.problems, [])
    // Without its deletion entry the missing user is reported.
    var cut = AuditReplay(userID: user)
    cut.feed(entries[0])
    cut.finish(liveUser: nil, liveTxns: [])
    XCTAssertEqual(cut.problems.count, 1)
  }
}
