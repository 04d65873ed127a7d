import Foundation
import XCTest

/// Server-side faults through MongoDB's `failCommand` fail point (the test
/// server runs with test commands on). Each fault applies only to clients
/// whose app name is "fido", so the test's own reads are unaffected.
final class FaultTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  override func tearDown() {
    if fido != nil { setFailPoint("{'mode': 'off'}") }
  }

  func setFailPoint(_ spec: String) {
    _ = fido.mongoPython("client.admin.command({'configureFailPoint': 'failCommand', **\(spec)})")
  }

  func failOnce(
    _ commands: [String], times: Int = 1, code: Int? = nil, labels: [String] = [],
    close: Bool = false
  ) {
    var data = "'failCommands': \(commands.map { "'\($0)'" }), 'appName': 'fido'"
    if let code { data += ", 'errorCode': \(code)" }
    if !labels.isEmpty { data += ", 'errorLabels': \(labels.map { "'\($0)'" })" }
    if close { data += ", 'closeConnection': True" }
    setFailPoint("{'mode': {'times': \(times)}, 'data': {\(data)}}")
  }

  func counts() -> String {
    fido.mongoPython(
      "u = db.users.find_one({'email': 'f@example.com'}); print(db.transactions.count_documents({}), u['balance'], u['stats']['count'])"
    )
  }

  func dbCheckClean(file: StaticString = #filePath, line: UInt = #line) {
    let r = fido.run(["db", "check"])
    XCTAssertEqual(r.status, 0, "drift: \(r.stdout)", file: file, line: line)
  }

  /// Every fault: the command either succeeds exactly once or fails with a
  /// documented status having written nothing; statistics always match.
  func testTxnAddUnderFaults() {
    let u =
      fido.object(["user", "create", "--name", "F", "--email", "f@example.com", "--balance", "0"])[
        "id"] as! String
    let documented: Set<Int32> = [0, 1, 4, 69, 75, 77]
    struct Fault {
      var name: String
      var commands: [String]
      var code: Int?
      var labels: [String]
      var close: Bool
    }
    let faults: [Fault] = [
      Fault(
        name: "insert transient", commands: ["insert"], code: 112,
        labels: ["TransientTransactionError"], close: false),
      Fault(
        name: "findAndModify write conflict", commands: ["findAndModify"], code: 112,
        labels: ["TransientTransactionError"], close: false),
      Fault(
        name: "update transient", commands: ["update"], code: 112,
        labels: ["TransientTransactionError"], close: false),
      Fault(
        name: "commit unknown result", commands: ["commitTransaction"], code: 91,
        labels: ["UnknownTransactionCommitResult"], close: false),
      Fault(
        name: "commit transient", commands: ["commitTransaction"], code: 251,
        labels: ["TransientTransactionError"], close: false),
      Fault(
        name: "insert closes connection", commands: ["insert"], code: nil, labels: [], close: true),
      Fault(
        name: "commit closes connection", commands: ["commitTransaction"], code: nil, labels: [],
        close: true),
      Fault(name: "insert plain error", commands: ["insert"], code: 2, labels: [], close: false),
    ]
    var expected = 0
    var balance: Int64 = 0
    for (i, fault) in faults.enumerated() {
      failOnce(fault.commands, code: fault.code, labels: fault.labels, close: fault.close)
      let r = fido.run([
        "txn", "add", "--user", u, "--amount", "\(i + 1)", "--type", "credit", "--key", "f\(i)",
        "--no-sms",
      ])
      setFailPoint("{'mode': 'off'}")
      XCTAssertTrue(documented.contains(r.status), "\(fault.name): exit \(r.status) \(r.stderr)")
      XCTAssertFalse(r.stderr.contains("Fatal error"), fault.name)
      let stored =
        Int(fido.mongoPython("print(db.transactions.count_documents({'key': 'f\(i)'}))")) ?? -1
      XCTAssertLessThanOrEqual(stored, 1, "\(fault.name): duplicated")
      if r.status == 0 {
        XCTAssertEqual(stored, 1, "\(fault.name): reported success but nothing stored")
      }
      if stored == 1 {
        expected += 1
        balance += Int64(i + 1) * 100
      }
      XCTAssertEqual(counts(), "\(expected) \(balance) \(expected)", fault.name)
      dbCheckClean()
      // Running the same command again (as a script would after a failure) converges.
      let again = fido.run([
        "txn", "add", "--user", u, "--amount", "\(i + 1)", "--type", "credit", "--key", "f\(i)",
        "--no-sms",
      ])
      XCTAssertEqual(again.status, 0, again.stderr)
      if stored == 0 {
        expected += 1
        balance += Int64(i + 1) * 100
      }
      XCTAssertEqual(counts(), "\(expected) \(balance) \(expected)", "\(fault.name), after re-run")
    }
    dbCheckClean()
  }

  func testUpdateAndDeleteUnderFaults() {
    let u =
      fido.object(["user", "create", "--name", "F", "--email", "f@example.com", "--balance", "0"])[
        "id"] as! String
    let t =
      fido.object(["txn", "add", "--user", u, "--amount", "10", "--type", "credit", "--no-sms"])[
        "id"] as! String
    failOnce(["findAndModify"], code: 112, labels: ["TransientTransactionError"])
    XCTAssertEqual(fido.run(["txn", "update", t, "--amount", "20"]).status, 0)
    dbCheckClean()
    XCTAssertEqual(counts(), "1 2000 1")
    failOnce(["commitTransaction"], code: 91, labels: ["UnknownTransactionCommitResult"])
    XCTAssertEqual(fido.run(["txn", "delete", t, "--yes"]).status, 0)
    dbCheckClean()
    XCTAssertEqual(counts(), "0 0 0")
  }

  func testUnavailableServerExits69() {
    let r = fido.run(
      ["user", "list", "--timeout", "1"], env: ["MONGO_URI": "mongodb://127.0.0.1:1"])
    XCTAssertEqual(r.status, 69, r.stderr)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
  }
}
