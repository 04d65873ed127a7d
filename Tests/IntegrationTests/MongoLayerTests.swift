import FidoCore
import Synchronization
import XCTest

/// The Mongo layer against a real server: set FIDO_TEST_URI (for example
/// mongodb://127.0.0.1:28101 for a SecantusDB started with
/// --enable-test-commands). Each test uses a fresh database and drops it.
final class MongoLayerTests: XCTestCase {
  private var uri = ""
  private var dbName = ""
  private var client: MongoClient!
  private let log = LogLines()

  override func setUpWithError() throws {
    guard let uri = ProcessInfo.processInfo.environment["FIDO_TEST_URI"], !uri.isEmpty else {
      throw XCTSkip("set FIDO_TEST_URI to run the Mongo layer tests")
    }
    self.uri = uri
    dbName = "fido_mongo_\(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff)"
    let log = self.log
    client = try MongoClient(ClientOptions(uri: uri, log: { log.add($0) }))
  }

  override func tearDownWithError() throws {
    guard let client else { return }
    _ = try? client.command(["configureFailPoint": "failCommand", "mode": "off"], db: "admin")
    _ = try? client.command(["dropDatabase": 1], db: dbName)
    self.client = nil
  }

  private func collection(_ name: String = "things") -> MongoCollection {
    client.collection(name, db: dbName)
  }

  private func failCommand(_ commands: [String], code: Int32, labels: [String], times: Int32 = 1)
    throws
  {
    _ = try client.command(
      [
        "configureFailPoint": "failCommand",
        "mode": ["times": .int32(times)],
        "data": [
          "failCommands": .array(commands.map(BSONValue.string)),
          "errorCode": .int32(code),
          "errorLabels": .array(labels.map(BSONValue.string)),
        ],
      ], db: "admin")
  }

  // MARK: CRUD

  func testInsertFindSortLimitRoundTrip() throws {
    let c = collection()
    let generator = ObjectIDGenerator()
    let ids = (0..<10).map { _ in generator.next(nowMs: FidoDate.currentMs()) }
    for (i, id) in ids.enumerated() {
      try c.insertOne([
        "_id": .objectID(id), "n": .int64(Int64(i)), "small": .int32(Int32(i)),
        "name": .string("user \(i)"),
        "at": .date(1_692_372_600_000 + Int64(i)), "tags": ["a", .int32(1)],
        "nested": ["x": .double(0.5)],
      ])
    }
    let cursor = try c.find(
      ["n": ["$gte": 3]], sort: ["n": -1], limit: 4, projection: ["name": 1, "n": 1, "small": 1])
    var got: [Document] = []
    while let d = try cursor.next() { got.append(d) }
    XCTAssertEqual(got.map { $0["n"] }, [.int64(9), .int64(8), .int64(7), .int64(6)])
    XCTAssertEqual(got[0].keys, ["_id", "n", "small", "name"])
    XCTAssertEqual(got[0]["small"], .int32(9))
    XCTAssertEqual(got[0]["_id"], .objectID(ids[9]))

    let one = try XCTUnwrap(try c.findOne(["_id": .objectID(ids[2])]))
    XCTAssertEqual(one["at"], .date(1_692_372_600_002))
    XCTAssertEqual(one["tags"], ["a", .int32(1)])
    XCTAssertEqual(one["nested"], ["x": .double(0.5)])
    XCTAssertNil(try c.findOne(["n": 99]))
    XCTAssertEqual(try c.findOne([:], sort: ["n": 1])?["n"], .int64(0))

    XCTAssertEqual(try c.countDocuments([:]), 10)
    XCTAssertEqual(try c.countDocuments(["n": ["$lt": 5]]), 5)
    XCTAssertEqual(try c.countDocuments([:], limit: 3), 3)

    var r = try c.updateOne(["n": 1], update: ["$set": ["flag": true]])
    XCTAssertEqual(r, UpdateResult(matched: 1, modified: 1))
    r = try c.updateMany(["n": ["$lt": 5]], update: ["$inc": ["n": 100]])
    XCTAssertEqual(r.matched, 5)
    XCTAssertEqual(r.modified, 5)
    r = try c.updateOne(["n": -1], update: ["$set": ["n": -1]], upsert: true)
    XCTAssertEqual(r.matched, 0)
    XCTAssertEqual(r.upserted, 1)
    XCTAssertNotNil(r.upsertedID?.objectIDValue)
    // A pipeline update.
    r = try c.updateOne(["n": -1], update: [["$set": ["double": ["$multiply": ["$n", 2]]]]])
    XCTAssertEqual(r.modified, 1)
    XCTAssertEqual(try c.findOne(["n": -1])?["double"], .int64(-2))

    let sums = try c.aggregate([
      ["$match": ["n": ["$gte": 100]]],
      ["$group": ["_id": .null, "total": ["$sum": "$n"], "count": ["$sum": 1]]],
    ])
    let sum = try XCTUnwrap(try sums.next())
    XCTAssertEqual(sum["total"]?.int64Value, 510)
    XCTAssertEqual(sum["count"]?.int64Value, 5)
    XCTAssertNil(try sums.next())

    XCTAssertEqual(try c.deleteOne(["n": ["$gte": 100]]), 1)
    XCTAssertEqual(try c.deleteMany(["n": ["$gte": 100]]), 4)
    XCTAssertEqual(try c.deleteMany(["n": ["$gte": 100]]), 0)
    XCTAssertEqual(try c.countDocuments([:]), 6)

    try c.drop()
    try c.drop()  // a missing collection is fine
    XCTAssertEqual(try c.countDocuments([:]), 0)
    XCTAssertEqual(try c.listIndexes(), [])
  }

  func testCursorStreamsFiveThousandDocumentsInOrder() throws {
    let c = collection()
    let docs = (0..<5000).map { i -> Document in
      ["_id": .int32(Int32(i)), "pad": .string(String(repeating: "x", count: 100))]
    }
    let before = client.roundTrips
    try c.insertMany(docs)
    XCTAssertEqual(
      client.roundTrips - before, 1, "insertMany of 5,000 small documents is one insert command")

    let start = client.roundTrips
    let cursor = try c.find([:], sort: ["_id": 1], batchSize: 500)
    var expected: Int32 = 0
    while let d = try cursor.next() {
      XCTAssertEqual(d["_id"], .int32(expected))
      expected += 1
    }
    XCTAssertEqual(expected, 5000)
    // One find plus getMores: it streamed batch by batch.
    XCTAssertGreaterThanOrEqual(client.roundTrips - start, 10)
    XCTAssertTrue(
      log.all.contains { $0.hasPrefix("mongo: → getMore \(dbName).") }, "\(log.all.suffix(3))")
  }

  // MARK: Errors

  func testDuplicateKeyOnAUniqueIndexIsAConflict() throws {
    let c = collection("users")
    let spec: Document = ["key": ["email": 1], "name": "email_1", "unique": true]
    try c.createIndexes([spec])
    try c.createIndexes([spec])  // idempotent
    let indexes = try c.listIndexes()
    XCTAssertEqual(Set(indexes.compactMap { $0["name"]?.stringValue }), ["_id_", "email_1"])
    XCTAssertEqual(indexes.first { $0["name"] == "email_1" }?["unique"], .bool(true))

    try c.insertOne(["email": "ama@example.com"])

    func assertDuplicate(_ what: String, _ body: () throws -> Void) {
      XCTAssertThrowsError(try body(), what) { error in
        guard let e = error as? MongoError else { return XCTFail("\(what): \(error)") }
        XCTAssertTrue(e.isDuplicateKey, "\(what): \(e)")
        XCTAssertEqual(e.code, MongoError.duplicateKey, what)
        XCTAssertEqual(e.duplicateKeyIndex, "email_1", "\(what): \(e)")
        guard case .conflict(let message) = e.fidoError(uri: uri) else {
          return XCTFail("\(what): \(e.fidoError(uri: uri))")
        }
        XCTAssertTrue(message.contains("duplicate key"), message)
      }
    }
    assertDuplicate("insertOne") { try c.insertOne(["email": "ama@example.com"]) }
    assertDuplicate("insertMany") {
      try c.insertMany([["email": "kofi@example.com"], ["email": "ama@example.com"]])
    }
    assertDuplicate("findOneAndUpdate upsert") {
      _ = try c.findOneAndUpdate(
        ["email": "yaw@example.com"], update: ["$set": ["email": "ama@example.com"]], upsert: true)
    }
    assertDuplicate("updateOne") {
      _ = try c.updateOne(
        ["email": "kofi@example.com"], update: ["$set": ["email": "ama@example.com"]])
    }
    assertDuplicate("bulkUpdate") {
      _ = try c.bulkUpdate([
        (filter: ["email": "esi@example.com"], update: ["$set": ["n": 1]], upsert: true),
        (
          filter: ["email": "kofi@example.com"], update: ["$set": ["email": "ama@example.com"]],
          upsert: false
        ),
      ])
    }
    XCTAssertTrue(
      log.all.contains { $0.hasPrefix("mongo: ← insert failed ") && $0.hasSuffix(": code 11000") },
      "\(log.all)")
  }

  func testUnreachableServerIsUnavailableWithinTwoSeconds() throws {
    let lines = LogLines()
    let start = ContinuousClock.now
    let c = try MongoClient(
      ClientOptions(
        uri: "mongodb://fido:secretpw@127.0.0.1:1/?authSource=admin", timeoutMS: 500,
        log: { lines.add($0) }))
    XCTAssertThrowsError(try c.command(["ping": 1], db: "admin")) { error in
      guard let e = error as? MongoError else { return XCTFail("\(error)") }
      guard
        case .unavailable(let message) = e.fidoError(
          uri: "mongodb://fido:secretpw@127.0.0.1:1/?authSource=admin")
      else { return XCTFail("\(e)") }
      XCTAssertTrue(message.contains("mongodb://fido:****@127.0.0.1:1"), message)
      XCTAssertFalse(message.contains("secretpw"), message)
    }
    XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    XCTAssertEqual(
      lines.all.first, "mongo: connecting to mongodb://fido:****@127.0.0.1:1/?authSource=admin")
    XCTAssertFalse(lines.all.contains { $0.contains("secretpw") })
  }

  func testMalformedURIIsAConfigErrorWithoutThePassword() {
    for bad in [
      "mongodb://a:secretpw@", "http://x", "mongodb://a:secretpw@host:99999/",
      "mongodb+srv://a:secretpw@",
    ] {
      XCTAssertThrowsError(try MongoClient(ClientOptions(uri: bad)), bad) { error in
        guard case .config(let message) = (error as? MongoError)?.fidoError(uri: bad) else {
          return XCTFail("\(bad): \(error)")
        }
        XCTAssertFalse(message.contains("secretpw"), message)
        XCTAssertTrue(message.contains("mongodb://host:port"), message)
      }
    }
    XCTAssertEqual(
      Config.redact(uri: "mongodb://a:secretpw@h:1/db"), "mongodb://a:****@h:1/db")
  }

  func testCredentialsNeverReachTheLog() throws {
    // The test server has no authentication; a URI with credentials makes
    // libmongoc authenticate anyway, which either works or is refused.
    let lines = LogLines()
    let withCredentials = uri.replacingOccurrences(
      of: "mongodb://", with: "mongodb://fido:secretpw@")
    let c = try MongoClient(
      ClientOptions(uri: withCredentials, timeoutMS: 2000, log: { lines.add($0) }))
    do {
      _ = try c.command(["ping": 1], db: "admin")
    } catch {
      let mapped = error.fidoError(uri: withCredentials)
      XCTAssertFalse(mapped.message.contains("secretpw"), mapped.message)
      XCTAssertEqual(mapped.code, "unauthorized", mapped.message)
    }
    XCTAssertFalse(lines.all.isEmpty)
    XCTAssertTrue(lines.all[0].hasPrefix("mongo: connecting to mongodb://fido:****@"), lines.all[0])
    XCTAssertFalse(lines.all.contains { $0.contains("secretpw") }, "\(lines.all)")
  }

  func testRoundTripsCountEveryCommandAndTheLogShowsThem() throws {
    let before = client.roundTrips
    for _ in 0..<3 { _ = try client.command(["ping": 1], db: "admin") }
    XCTAssertEqual(client.roundTrips - before, 3)
    let lines = log.all
    XCTAssertTrue(lines[0].hasPrefix("mongo: connecting to "), lines[0])
    XCTAssertTrue(
      lines.contains { $0.hasPrefix("mongo: → ping admin (request ") && $0.hasSuffix(")") },
      "\(lines)")
    XCTAssertTrue(
      lines.contains { $0.hasPrefix("mongo: ← ping ok ") && $0.hasSuffix(" ms") }, "\(lines)")

    _ = try? client.command(["noSuchCommand": 1], db: "admin")
    XCTAssertTrue(
      log.all.contains {
        $0.hasPrefix("mongo: ← noSuchCommand failed ") && $0.hasSuffix("code 59")
      }, "\(log.all)")

    // Without a log sink the count still works.
    let quiet = try MongoClient(ClientOptions(uri: uri))
    _ = try quiet.command(["ping": 1], db: "admin")
    XCTAssertEqual(quiet.roundTrips, 1)
  }

  func testDeploymentDescription() throws {
    XCTAssertTrue(try client.supportsTransactions())
    XCTAssertFalse(try client.serverVersion().isEmpty)
    let topology = client.topologyDescription()
    XCTAssertTrue(
      topology.hasPrefix("replica set") || topology == "standalone"
        || topology.hasPrefix("sharded"), topology)
    XCTAssertNotNil(try client.hello()["maxWireVersion"])
  }

  // MARK: findAndModify and bulk

  func testFindOneAndUpdateUpsertAndReturnNew() throws {
    let c = collection("counters")
    let created = try XCTUnwrap(
      try c.findOneAndUpdate(
        ["_id": "txn"], update: ["$inc": ["seq": 1]], upsert: true, returnNew: true))
    XCTAssertEqual(created, ["_id": "txn", "seq": 1])
    let old = try c.findOneAndUpdate(["_id": "txn"], update: ["$inc": ["seq": 1]], returnNew: false)
    XCTAssertEqual(old?["seq"], 1)
    let new = try c.findOneAndUpdate(
      ["_id": "txn"], update: [["$set": ["seq": ["$add": ["$seq", 10]]]]], projection: ["seq": 1])
    XCTAssertEqual(new?["seq"], 12)
    XCTAssertNil(try c.findOneAndUpdate(["_id": "none"], update: ["$inc": ["seq": 1]]))

    try c.insertMany([["_id": "a", "p": 2], ["_id": "b", "p": 1]])
    let first = try c.findOneAndUpdate(
      ["p": ["$exists": true]], update: ["$set": ["taken": true]], sort: ["p": 1])
    XCTAssertEqual(first?["_id"], "b")
    XCTAssertEqual(try c.findOneAndDelete(["_id": "a"])?["p"], 2)
    XCTAssertNil(try c.findOneAndDelete(["_id": "a"]))
  }

  func testBulkUpdateIsOneRoundTripWithCounts() throws {
    let c = collection()
    try c.insertMany([["_id": 1, "v": 0], ["_id": 2, "v": 0], ["_id": 3, "v": 5]])
    let before = client.roundTrips
    let r = try c.bulkUpdate([
      (filter: ["_id": 1], update: ["$set": ["v": 1]], upsert: false),
      (filter: ["_id": 2], update: ["$inc": ["v": 2]], upsert: false),
      (filter: ["_id": 3], update: ["$set": ["v": 5]], upsert: false),  // matched, not modified
      (filter: ["_id": 4], update: ["$set": ["v": 4]], upsert: true),
      (filter: ["_id": 9], update: [["$set": ["v": 9]]], upsert: false),  // pipeline, no match
    ])
    XCTAssertEqual(client.roundTrips - before, 1)
    XCTAssertEqual(r.matched, 3)
    XCTAssertEqual(r.modified, 2)
    XCTAssertEqual(r.upserted, 1)
    XCTAssertEqual(r.upsertedID, 4)
    XCTAssertEqual(try c.bulkUpdate([]), UpdateResult())
    let all = try c.find([:], sort: ["_id": 1])
    var values: [BSONValue?] = []
    while let d = try all.next() { values.append(d["v"]) }
    XCTAssertEqual(values, [1, 2, 5, 4])
  }

  // MARK: Transactions

  /// A body's own error next to the driver's.
  private enum BodyError: MongoFailure {
    case mongo(MongoError)
    case boom
    init(_ error: MongoError) { self = .mongo(error) }
    var mongoError: MongoError? {
      if case .mongo(let error) = self { return error }
      return nil
    }
  }

  func testWithTransactionCommitsAndAbortsOnAThrow() throws {
    let a = collection("a")
    let b = collection("b")
    try a.insertOne(["_id": 0])  // create the collections outside the transaction
    try b.insertOne(["_id": 0])

    let value = try client.withTransaction { (session) throws(MongoError) -> Int in
      try a.insertOne(["_id": 1], session: session)
      try b.insertOne(["_id": 1], session: session)
      XCTAssertEqual(try a.countDocuments([:], session: session), 2)
      XCTAssertEqual(try a.countDocuments([:]), 1, "not visible outside before commit")
      return 42
    }
    XCTAssertEqual(value, 42)
    XCTAssertEqual(try a.countDocuments([:]), 2)
    XCTAssertEqual(try b.countDocuments([:]), 2)

    var runs = 0
    XCTAssertThrowsError(
      try client.withTransaction { (session) throws(BodyError) in
        runs += 1
        do throws(MongoError) {
          try a.insertOne(["_id": 2], session: session)
          _ = try b.updateOne(["_id": 1], update: ["$set": ["x": 1]], session: session)
        } catch {
          throw .mongo(error)
        }
        throw .boom
      }
    ) { error in
      guard case .boom? = error as? BodyError else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(runs, 1)
    XCTAssertNil(try a.findOne(["_id": 2]))
    XCTAssertNil(try b.findOne(["_id": 1])?["x"])
  }

  func testWithTransactionRetriesTheBodyOnATransientError() throws {
    let c = collection()
    try c.insertOne(["_id": "seed"])
    try failCommand(["insert"], code: 112, labels: ["TransientTransactionError"])
    var runs = 0
    try client.withTransaction { (session) throws(MongoError) in
      runs += 1
      try c.insertOne(["_id": "once"], session: session)
    }
    XCTAssertEqual(runs, 2)
    XCTAssertEqual(try c.countDocuments(["_id": "once"]), 1)
    XCTAssertTrue(log.all.contains { $0.contains("transient); retrying") }, "\(log.all)")
  }

  func testWithTransactionRetriesTheCommitOnUnknownCommitResult() throws {
    let c = collection()
    try c.insertOne(["_id": "seed"])
    try failCommand(["commitTransaction"], code: 91, labels: ["UnknownTransactionCommitResult"])
    var runs = 0
    let commitsBefore = log.all.filter { $0.hasPrefix("mongo: → commitTransaction") }.count
    try client.withTransaction { (session) throws(MongoError) in
      runs += 1
      try c.insertOne(["_id": "once"], session: session)
    }
    let commits =
      log.all.filter { $0.hasPrefix("mongo: → commitTransaction") }.count - commitsBefore
    XCTAssertEqual(runs, 1)
    XCTAssertGreaterThanOrEqual(commits, 2)
    XCTAssertEqual(try c.countDocuments(["_id": "once"]), 1)
    XCTAssertTrue(
      log.all.contains { $0.contains("result unknown); retrying commit") }, "\(log.all)")
  }

  func testWithTransactionGivesUpAfterTheTimeLimit() throws {
    let c = collection()
    try c.insertOne(["_id": "seed"])
    let quick = try MongoClient(ClientOptions(uri: uri, timeoutMS: 300))
    try failCommand(["insert"], code: 112, labels: ["TransientTransactionError"], times: 10_000)
    var runs = 0
    let start = ContinuousClock.now
    XCTAssertThrowsError(
      try quick.withTransaction { (session) throws(MongoError) in
        runs += 1
        try quick.collection("things", db: dbName).insertOne(["_id": "never"], session: session)
      }
    ) { error in
      XCTAssertEqual((error as? MongoError)?.code, MongoError.writeConflict, "\(error)")
    }
    XCTAssertGreaterThan(runs, 1)
    XCTAssertLessThan(ContinuousClock.now - start, .seconds(3))
    _ = try client.command(["configureFailPoint": "failCommand", "mode": "off"], db: "admin")
    XCTAssertEqual(try c.countDocuments(["_id": "never"]), 0)
  }
}

/// Collects log lines from the client's @Sendable sink.
private final class LogLines: Sendable {
  private let lines = Mutex<[String]>([])
  func add(_ line: String) { lines.withLock { $0.append(line) } }
  var all: [String] { lines.withLock { $0 } }
}
