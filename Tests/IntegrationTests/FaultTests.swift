import FidoCore
import Foundation
import XCTest

/// Server-side faults through MongoDB's `failCommand` fail point (the test
/// server runs with test commands on). Each fault applies only to clients
/// whose app name is fido's ("fido/VERSION"), so the test's own reads are unaffected.
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
    var data =
      "'failCommands': \(commands.map { "'\($0)'" }), 'appName': '\(ClientOptions.defaultAppName)'"
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
    // Set in the environment: the advice names MONGO_URI, not --uri.
    XCTAssertTrue(
      r.stderr.hasSuffix("; check MONGO_URI and that the server is running\n"), r.stderr)
    XCTAssertFalse(r.stderr.contains("make server"), "a URI someone set gets no hint: \(r.stderr)")
  }

  /// A newcomer's first command: no --uri, no MONGO_URI, no env file, and no
  /// server on the default port. The one error line says how to start one.
  ///
  /// The default is not injectable (that would be a knob users could find), so
  /// this needs 127.0.0.1:27017 to be free; on a machine where `make server`
  /// (or a real mongod) holds it, the test skips. A clean CI machine has it free.
  func testUnreachableDefaultURIHintsAtMakeServer() throws {
    guard !Self.somethingListens(onLoopbackPort: 27017) else {
      throw XCTSkip("127.0.0.1:27017 is in use (make server?): the default URI is reachable here")
    }
    // MONGO_URI empty counts as unset; the runner sets no env file.
    let r = fido.run(["user", "list", "--timeout", "1"], env: ["MONGO_URI": ""])
    if r.status == 0, Self.somethingListens(onLoopbackPort: 27017) {
      throw XCTSkip("a server started on 127.0.0.1:27017 during the test")
    }
    XCTAssertEqual(r.status, 69, r.stderr)
    XCTAssertEqual(r.stdout, "")
    let lines = r.stderr.split(separator: "\n")
    XCTAssertEqual(lines.count, 1, r.stderr)
    XCTAssertTrue(
      r.stderr.hasPrefix("fido: error: cannot reach MongoDB at mongodb://127.0.0.1:27017: "),
      r.stderr)
    XCTAssertTrue(r.stderr.contains("start a local server with 'make server'"), r.stderr)
    XCTAssertTrue(r.stderr.contains("or set MONGO_URI"), r.stderr)
    XCTAssertFalse(r.stderr.contains("check --uri"), r.stderr)

    // The same URI chosen on purpose is not a newcomer's default: the plain advice.
    let chosen = fido.run(
      ["user", "list", "--timeout", "1", "--uri", "mongodb://127.0.0.1:27017"],
      env: ["MONGO_URI": ""])
    XCTAssertEqual(chosen.status, 69, chosen.stderr)
    XCTAssertFalse(chosen.stderr.contains("make server"), chosen.stderr)
    XCTAssertTrue(chosen.stderr.contains("check --uri"), chosen.stderr)
  }

  /// Whether a TCP connect to 127.0.0.1:`port` succeeds (refused at once otherwise).
  static func somethingListens(onLoopbackPort port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}
