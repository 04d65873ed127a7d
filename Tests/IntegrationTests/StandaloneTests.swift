import Foundation
import XCTest

/// Against a standalone server (no transactions), fido makes ordered writes:
/// the results are the same, and `db check --repair` reconciles a write
/// sequence cut short.
final class StandaloneTests: XCTestCase {
  var fido: FidoRunner!
  var server: Process?
  var dataDir: URL?

  override func setUpWithError() throws {
    fido = try FidoRunner()
    guard let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] else {
      throw XCTSkip("FIDO_TEST_PYTHON (the venv's python) is not set: run with 'make test'")
    }
    let secantus = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent(
      "secantusd-py")
    guard FileManager.default.isExecutableFile(atPath: secantus.path) else {
      throw XCTSkip("no secantusd-py beside \(python)")
    }
    let port = try freePort()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-standalone-\(UUID().uuidString)")
    dataDir = dir
    let p = Process()
    p.executableURL = secantus
    p.arguments = [
      "--host", "127.0.0.1", "--port", "\(port)", "--storage-path", dir.path, "--standalone",
      "--log-level",
      "WARNING",
    ]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    server = p
    let uri = "mongodb://127.0.0.1:\(port)"
    fido.environment["MONGO_URI"] = uri
    fido.uri = uri
    // Wait until it answers.
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      if fido.run(["whoami", "-o", "json", "--timeout", "1"]).status == 0 { return }
      usleep(200_000)
    }
    XCTFail("the standalone server did not start")
  }

  override func tearDown() {
    if let server, server.isRunning {
      server.terminate()
      server.waitUntilExit()
    }
    if let dataDir { try? FileManager.default.removeItem(at: dataDir) }
  }

  func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  func testOrderedWritesWithoutTransactions() {
    XCTAssertEqual(fido.run(["db", "init"]).status, 0)
    let doctor = fido.object(["doctor"])
    XCTAssertEqual(doctor["transactions"] as? Bool, false, "\(doctor)")
    let u =
      fido.object(["user", "create", "--name", "S", "--email", "s@example.com", "--balance", "10"])[
        "id"] as! String
    let a = fido.object([
      "txn", "add", "--user", u, "--amount", "5", "--type", "credit", "--key", "s1", "--no-sms",
    ])
    let again = fido.object([
      "txn", "add", "--user", u, "--amount", "5", "--type", "credit", "--key", "s1", "--no-sms",
    ])
    XCTAssertEqual(a["id"] as? String, again["id"] as? String)
    XCTAssertEqual(
      fido.run([
        "txn", "add", "--user", u, "--amount", "6", "--type", "credit", "--key", "s1", "--no-sms",
      ]).status, 4)
    let b = fido.object([
      "txn", "add", "--user", u, "--amount", "2.50", "--type", "debit", "--no-sms",
    ])
    _ = fido.object(["txn", "update", b["id"] as! String, "--amount", "3"])
    XCTAssertEqual(
      fido.run(
        ["txn", "import", "-"], stdin: "{\"user\":\"\(u)\",\"amount\":\"1\",\"type\":\"credit\"}\n"
      ).status, 0)
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "13.00")
    XCTAssertEqual(fido.run(["db", "check"]).status, 0)
    _ = fido.object(["txn", "delete", a["id"] as! String, "--yes"])
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "8.00")
    XCTAssertEqual(fido.run(["db", "check"]).status, 0)

    // A crash between the transaction insert and the statistics update
    // (simulated: a transaction document written alone) is drift that
    // --repair reconciles.
    _ = fido.mongoPython(
      "db.transactions.insert_one({'user_id': db.users.find_one()['_id'], 'full_name': 'S', 'amount': 700, 'currency': 'GHS', 'type': 'credit', 'date': __import__('datetime').datetime(2023, 8, 18), 'sms': {'status': 'skipped'}})"
    )
    XCTAssertEqual(fido.run(["db", "check"]).status, 1)
    XCTAssertEqual(fido.run(["db", "check", "--repair"]).status, 0)
    XCTAssertEqual(fido.run(["db", "check"]).status, 0)
    XCTAssertEqual(fido.object(["user", "get", u])["balance"] as? String, "15.00")
  }

  /// No change streams on a standalone server: the worker says so and polls
  /// every --interval, so a queued alert still goes out within two intervals.
  func testTheSMSWorkerPollsWithoutAChangeStream() throws {
    let double = try TwilioDouble()
    defer { double.stop() }
    let sms = [
      "TWILIO_ACCOUNT_SID": TwilioDouble.accountSID, "TWILIO_AUTH_TOKEN": TwilioDouble.authToken,
      "TWILIO_FROM": "+15005550006", "TWILIO_API_BASE": double.baseURL,
    ]
    let u =
      fido.object([
        "user", "create", "--name", "S", "--email", "s@example.com", "--phone", "+233241234567",
      ])["id"] as! String
    let worker = try SMSDeliveryTests.Worker(
      binary: fido.binary, args: ["sms", "worker", "--interval", "0.5", "-o", "ndjson"],
      env: fido.environment.merging(sms) { $1 })
    defer { if worker.process.isRunning { _ = worker.stop() } }
    func watchEvent() -> [String: Any]? {
      worker.events.first { $0["event"] as? String == "watch" }
    }
    let deadline = Date().addingTimeInterval(10)
    while watchEvent() == nil && Date() < deadline { usleep(50_000) }
    XCTAssertEqual(watchEvent()?["change_stream"] as? Bool, false, worker.stderr)

    let added = fido.run(
      ["txn", "add", "--user", u, "--amount", "3", "--type", "credit", "-q"],
      env: sms.merging(["FIDO_SMS_MODE": "queue"]) { $1 })
    XCTAssertEqual(added.status, 0, added.stderr)
    let start = Date()
    while try double.messages().isEmpty && Date().timeIntervalSince(start) < 5 { usleep(20_000) }
    XCTAssertEqual(try double.messages().count, 1, worker.stderr)
    XCTAssertLessThan(Date().timeIntervalSince(start), 1.0, "within two --interval of 0.5 s")
    XCTAssertEqual(worker.stop(), 0, worker.stderr)
    XCTAssertEqual(
      fido.mongoPython("print(db.transactions.find_one()['sms']['status'])"), "sent")
  }
}
