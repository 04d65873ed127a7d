import FidoCore
import Foundation
import XCTest

/// Alerts that are known to arrive: delivery status (`sms sync`), opt-outs
/// (21610), `ValidityPeriod`, queue mode and `fido sms worker`, end to end
/// against the real binary, a real server and the Twilio double.
final class SMSDeliveryTests: XCTestCase {
  private var fido: FidoRunner!
  private var double: TwilioDouble!
  private var workers: [Worker] = []

  private let phone = "+233241234567"
  private let otherPhone = "+233201234567"
  private let from = "+15005550006"

  override func setUpWithError() throws {
    fido = try FidoRunner()
    double = try TwilioDouble()
  }

  override func tearDown() {
    for worker in workers where worker.process.isRunning {
      worker.process.terminate()
      worker.process.waitUntilExit()
    }
    workers = []
    if fido != nil {
      _ = fido.mongoPython(
        "client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'})")
    }
    double?.stop()
    double = nil
    super.tearDown()
  }

  // MARK: - helpers

  private var smsEnv: [String: String] {
    [
      "TWILIO_ACCOUNT_SID": TwilioDouble.accountSID, "TWILIO_AUTH_TOKEN": TwilioDouble.authToken,
      "TWILIO_FROM": from, "TWILIO_API_BASE": double.baseURL,
    ]
  }

  @discardableResult
  private func run(_ args: [String], env: [String: String] = [:], stdin: String? = nil)
    -> FidoResult
  {
    let r = fido.run(args, stdin: stdin, env: smsEnv.merging(env) { $1 })
    XCTAssertFalse(
      r.stdout.contains(TwilioDouble.authToken) || r.stderr.contains(TwilioDouble.authToken))
    return r
  }

  private func object(
    _ args: [String], env: [String: String] = [:], file: StaticString = #filePath,
    line: UInt = #line
  ) -> [String: Any] {
    let r = run(args + ["-o", "json"], env: env)
    XCTAssertEqual(
      r.status, 0, "fido \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
    return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
  }

  private func createUser(_ email: String, phone: String?) -> String {
    var args = ["user", "create", "--name", "Ama Mensah", "--email", email, "--balance", "1100"]
    if let phone { args += ["--phone", phone] }
    return object(args)["id"] as? String ?? ""
  }

  private func add(_ user: String, _ amount: String = "21", env: [String: String] = [:]) -> [String:
    Any]
  {
    object(["txn", "add", "--user", user, "--amount", amount, "--type", "credit"], env: env)
  }

  private func sms(_ txn: [String: Any]) -> [String: Any] { txn["sms"] as? [String: Any] ?? [:] }

  /// Every transaction's stored `sms`, by id; dates as ms since the epoch.
  private func storedSMS(file: StaticString = #filePath, line: UInt = #line) -> [String: [String:
    Any]]
  {
    let out = fido.mongoPython(
      """
      import datetime
      def conv(v):
          if isinstance(v, datetime.datetime):
              return int(v.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
          return str(v)
      docs = {str(d['_id']): d.get('sms') for d in db.transactions.find({}, {'sms': 1})}
      print(json.dumps(docs, default=conv))
      """, file: file, line: line)
    return (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: [String: Any]]
      ?? [:]
  }

  private func makeSyncDue() {
    _ = fido.mongoPython(
      "import datetime\ndb.transactions.update_many({'sms.status': 'sent'}, {'$set': {'sms.next_sync_at': datetime.datetime(2000, 1, 1)}})"
    )
  }

  private func makeDue() {
    _ = fido.mongoPython(
      "import datetime\ndb.transactions.update_many({'sms.status': 'pending'}, {'$set': {'sms.next_attempt_at': datetime.datetime(2000, 1, 1)}})"
    )
  }

  private func fetchCount(_ sid: String) throws -> Int {
    try double.fetches().filter { ($0["path"] as? String ?? "").hasSuffix("/\(sid).json") }.count
  }

  private func nowMs() -> Int { Int(Date().timeIntervalSince1970 * 1000) }

  private func importPending(_ user: String, count: Int) {
    let lines = (1...count).map { _ in #"{"user":"\#(user)","amount":"1","type":"credit"}"# }
    let r = run(["txn", "import", "-", "--sms"], stdin: lines.joined(separator: "\n") + "\n")
    XCTAssertEqual(r.status, 0, r.stderr)
  }

  /// A `fido sms worker` running in the background; stderr goes to a file.
  final class Worker {
    let process = Process()
    let errURL: URL
    init(binary: String, args: [String], env: [String: String]) throws {
      errURL = FileManager.default.temporaryDirectory.appendingPathComponent(
        "fido-worker-\(UUID().uuidString)")
      _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
      process.executableURL = URL(fileURLWithPath: binary)
      process.arguments = args
      process.environment = env
      process.standardOutput = FileHandle.nullDevice
      process.standardError = try FileHandle(forWritingTo: errURL)
      process.standardInput = FileHandle.nullDevice
      try process.run()
    }
    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
    /// The JSON-line events logged so far.
    var events: [[String: Any]] {
      stderr.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
      }
    }
    func stop() -> Int32 {
      if process.isRunning { process.terminate() }  // SIGTERM
      process.waitUntilExit()
      return process.terminationStatus
    }
  }

  private func startWorker(_ extra: [String] = [], env: [String: String] = [:]) throws -> Worker {
    let worker = try Worker(
      binary: fido.binary, args: ["sms", "worker", "-o", "ndjson"] + extra,
      env: fido.environment.merging(smsEnv) { $1 }.merging(env) { $1 })
    workers.append(worker)
    return worker
  }

  /// Polls `condition` every 50 ms until it holds or `seconds` pass.
  @discardableResult
  private func waitFor(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if try condition() { return true }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
  }

  // MARK: - sms sync

  func testSyncRecordsDeliveredAndUndeliveredAndLeavesFinalAndOldAlone() throws {
    let ama = createUser("ama@example.com", phone: phone)
    let kofi = createUser("kofi@example.com", phone: otherPhone)
    try double.deliveries([
      ["to": phone, "statuses": ["sent", "delivered"]],
      [
        "to": otherPhone, "statuses": ["undelivered"], "error_code": 30003,
        "error_message": "Unreachable destination handset",
      ],
    ])
    let toAma = try XCTUnwrap(add(ama)["id"] as? String)
    let toKofi = try XCTUnwrap(add(kofi)["id"] as? String)
    let old = try XCTUnwrap(add(ama, "5")["id"] as? String)
    var stored = storedSMS()
    let amaSid = try XCTUnwrap(stored[toAma]?["sid"] as? String)
    let kofiSid = try XCTUnwrap(stored[toKofi]?["sid"] as? String)
    let oldSid = try XCTUnwrap(stored[old]?["sid"] as? String)
    for id in [toAma, toKofi, old] { XCTAssertEqual(stored[id]?["status"] as? String, "sent") }
    // Sent 73 hours ago: past the 72-hour window.
    _ = fido.mongoPython(
      """
      import datetime, bson
      t = datetime.datetime.utcnow() - datetime.timedelta(hours=73)
      db.transactions.update_one({'_id': bson.ObjectId('\(old)')}, {'$set': {'sms.sent_at': t}})
      """)

    // First run: Ama's message is still on its way, Kofi's failed at the carrier.
    var summary = object(["sms", "sync"])
    XCTAssertEqual(summary["checked"] as? Int, 2, "\(summary)")
    XCTAssertEqual(summary["undelivered"] as? Int, 1)
    XCTAssertEqual(summary["in_flight"] as? Int, 1)
    stored = storedSMS()
    XCTAssertEqual(stored[toAma]?["status"] as? String, "sent")
    XCTAssertEqual(stored[toKofi]?["status"] as? String, "undelivered")
    XCTAssertEqual(stored[toKofi]?["error_code"] as? Int, 30003)
    XCTAssertEqual(
      stored[toKofi]?["last_error"] as? String,
      "Twilio error 30003: Unreachable destination handset")
    XCTAssertEqual(stored[old]?["status"] as? String, "sent")

    // Second run: Ama's is delivered now; Kofi's is final and not asked again.
    summary = object(["sms", "sync"])
    XCTAssertEqual(summary["checked"] as? Int, 1, "\(summary)")
    XCTAssertEqual(summary["delivered"] as? Int, 1)
    stored = storedSMS()
    XCTAssertEqual(stored[toAma]?["status"] as? String, "delivered")
    XCTAssertTrue(stored[toAma]?["last_error"] is NSNull)
    XCTAssertEqual(stored[toAma]?["sid"] as? String, amaSid)

    // Nothing left to ask: final alerts and the 73-hour-old one are left alone.
    makeSyncDue()
    summary = object(["sms", "sync"])
    XCTAssertEqual(summary["checked"] as? Int, 0, "\(summary)")
    XCTAssertEqual(try fetchCount(amaSid), 2)
    XCTAssertEqual(try fetchCount(kofiSid), 1)
    XCTAssertEqual(try fetchCount(oldSid), 0)
    XCTAssertEqual(try double.fetches().count, 3, "one GET per message per run")
    XCTAssertEqual(storedSMS()[old]?["status"] as? String, "sent")
    // The record's fields (--fields), and one sentence on stderr.
    let chosen = run(["sms", "sync", "--fields", "errors,checked", "-o", "csv"])
    XCTAssertEqual(chosen.status, 0, chosen.stderr)
    XCTAssertEqual(chosen.stdout, "errors,checked\r\n0,0\r\n")
    XCTAssertTrue(
      chosen.stderr.hasPrefix(
        "fido: sms sync: checked 0 messages: 0 delivered, 0 undelivered, 0 still on their way in "),
      chosen.stderr)
    XCTAssertEqual(chosen.stderr.split(separator: "\n").count, 1, chosen.stderr)

    // sms list accepts the new statuses.
    let listed = run(["sms", "list", "--status", "undelivered", "-o", "json"])
    XCTAssertEqual(listed.status, 0, listed.stderr)
    let rows = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
    XCTAssertEqual(rows.map { $0["transaction_id"] as? String }, [toKofi])
    XCTAssertTrue((rows.first?["last_error"] as? String ?? "").contains("30003"))
    let delivered = run(["sms", "list", "--status", "delivered", "-o", "json"])
    XCTAssertEqual(delivered.status, 0, delivered.stderr)
    XCTAssertTrue(delivered.stdout.contains(toAma))
    XCTAssertEqual(
      try double.requests().count, 3, "sync never creates a message")
  }

  func testSyncHonoursRetryAfterAndLimit() throws {
    let ama = createUser("ama@example.com", phone: phone)
    try double.deliveries([["to": phone, "statuses": ["delivered"]]])
    let ids = (1...3).compactMap { add(ama, String($0))["id"] as? String }
    XCTAssertEqual(ids.count, 3)

    // A 429 ends the run: the alert waits at least Retry-After, the others stay due.
    try double.program([["fetch_status": 429, "retry_after": 120]])
    let before = nowMs()
    let r = run(["sms", "sync", "-o", "json"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stderr.contains("stopped early"), r.stderr)
    XCTAssertEqual(try double.fetches().count, 1)
    let waiting = storedSMS().values.filter {
      ($0["next_sync_at"] as? Int ?? 0) >= before + 120_000
    }
    XCTAssertEqual(waiting.count, 1, "the 429'd alert is not due before Retry-After")

    // --limit bounds the GETs; the 429'd alert is not asked before its time.
    var summary = object(["sms", "sync", "--limit", "1"])
    XCTAssertEqual(summary["checked"] as? Int, 1)
    XCTAssertEqual(try double.fetches().count, 2)
    summary = object(["sms", "sync"])
    XCTAssertEqual(summary["checked"] as? Int, 1)
    XCTAssertEqual(try double.fetches().count, 3)
    XCTAssertEqual(storedSMS().values.filter { $0["status"] as? String == "delivered" }.count, 2)
    makeSyncDue()
    XCTAssertEqual(object(["sms", "sync"])["delivered"] as? Int, 1)
    XCTAssertEqual(Set(storedSMS().values.compactMap { $0["status"] as? String }), ["delivered"])

    // Refused credentials: exit 77, nothing recorded.
    XCTAssertEqual(run(["sms", "sync"], env: ["TWILIO_AUTH_TOKEN": "tok-Wrong-0000"]).status, 0)
    let user2 = createUser("kofi@example.com", phone: otherPhone)
    _ = add(user2)
    let refused = run(["sms", "sync"], env: ["TWILIO_AUTH_TOKEN": "tok-Wrong-0000"])
    XCTAssertEqual(refused.status, 77, refused.stderr)
    XCTAssertEqual(run(["sms", "sync"], env: ["TWILIO_ACCOUNT_SID": ""]).status, 78)
  }

  /// A sent alert whose transaction another tool made unreadable (a double
  /// amount): `sms sync` checks the others, puts that one off for an hour
  /// without asking Twilio, warns, and exits 65; the next run is clean.
  func testSyncPutsOffAnAlertWhoseTransactionIsUnreadable() throws {
    let ama = createUser("ama@example.com", phone: phone)
    try double.deliveries([["to": phone, "statuses": ["delivered"]]])
    let good = try XCTUnwrap(add(ama, "1")["id"] as? String)
    let bad = try XCTUnwrap(add(ama, "2")["id"] as? String)
    _ = fido.mongoPython(
      "import bson\ndb.transactions.update_one({'_id': bson.ObjectId('\(bad)')}, {'$set': {'amount': 21.5}})"
    )
    let before = nowMs()
    let r = run(["sms", "sync", "-o", "json"])
    XCTAssertEqual(r.status, 65, r.stderr)
    let summary = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    XCTAssertEqual(summary?["checked"] as? Int, 1, r.stdout)
    XCTAssertEqual(summary?["delivered"] as? Int, 1, r.stdout)
    XCTAssertTrue(
      r.stderr.contains(
        "fido: warning: transaction \(bad): amount is 21.5 (a double), not an integer of minor units"
      ), r.stderr)
    XCTAssertTrue(
      r.stderr.contains(
        "fido: error: 1 alert not checked: fido cannot read its transaction (see the warnings), tried again in 1 hour"
      ), r.stderr)
    XCTAssertEqual(try double.fetches().count, 1, "Twilio is asked about the readable one only")
    let stored = storedSMS()
    XCTAssertEqual(stored[good]?["status"] as? String, "delivered")
    let poison = try XCTUnwrap(stored[bad])
    XCTAssertEqual(poison["status"] as? String, "sent", "its status is not guessed")
    let next = try XCTUnwrap(poison["next_sync_at"] as? Int)
    XCTAssertGreaterThanOrEqual(next, before + 3_600_000 - 1_000)
    XCTAssertLessThanOrEqual(next, nowMs() + 3_600_000)
    // Put off: the next run finds nothing due and exits 0.
    let again = run(["sms", "sync", "-o", "json"])
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertEqual(try double.fetches().count, 1)
  }

  // MARK: - opt-outs

  func testAnUnsubscribedNumberIsSkippedUntilThePhoneChanges() throws {
    let ama = createUser("ama@example.com", phone: phone)
    try double.optOut([phone])

    // The send that meets 21610 fails, and marks the phone.
    let first = add(ama)
    XCTAssertEqual(sms(first)["status"] as? String, "failed")
    XCTAssertTrue((sms(first)["last_error"] as? String ?? "").contains("21610"))
    XCTAssertEqual(
      fido.mongoPython(
        "u = db.users.find_one({'email': 'ama@example.com'}); print(u['sms_opt_out']['phone'])"),
      phone)
    XCTAssertEqual(try double.requests().count, 1)

    // Later alerts to that phone: skipped (opted_out), no request at all.
    let second = add(ama, "5")
    XCTAssertEqual(sms(second)["status"] as? String, "skipped")
    XCTAssertEqual(sms(second)["last_error"] as? String, "opted_out")
    importPending(ama, count: 2)
    makeDue()
    let retried = object(["sms", "retry"])
    XCTAssertEqual(retried["skipped"] as? Int, 2, "\(retried)")
    XCTAssertEqual(try double.requests().count, 1, "nothing more went to Twilio")
    XCTAssertEqual(
      storedSMS().values.filter { $0["last_error"] as? String == "opted_out" }.count, 3)
    XCTAssertEqual(
      run(["sms", "list", "--status", "skipped", "-o", "json"]).stdout.components(
        separatedBy: "opted_out"
      ).count - 1, 3)

    // A new phone ends it: the next alert goes there.
    XCTAssertEqual(run(["user", "update", ama, "--phone", otherPhone]).status, 0)
    XCTAssertEqual(
      fido.mongoPython(
        "u = db.users.find_one({'email': 'ama@example.com'}); print('sms_opt_out' in u)"), "False")
    let third = add(ama, "7")
    XCTAssertEqual(sms(third)["status"] as? String, "sent")
    XCTAssertEqual(try double.messages().map { $0["to"] as? String }, [otherPhone])

    // Set back to the old number (the customer texted START): the opt-out was cleared.
    try double.optOut([phone], start: true)
    XCTAssertEqual(run(["user", "update", ama, "--phone", phone]).status, 0)
    XCTAssertEqual(sms(add(ama, "8"))["status"] as? String, "sent")
    XCTAssertEqual(try double.messages().count, 2)
  }

  // MARK: - ValidityPeriod and queue mode

  func testEveryCreateCarriesValidityPeriodAndABadValueIsAConfigError() throws {
    let ama = createUser("ama@example.com", phone: phone)
    _ = add(ama)
    _ = add(ama, "2", env: ["FIDO_SMS_VALIDITY": "600"])
    try double.program([["status": 429]])
    _ = add(ama, "3", env: ["FIDO_TIMEOUT": "2"])
    makeDue()
    XCTAssertEqual(
      object(["sms", "retry"], env: ["FIDO_SMS_VALIDITY": "36000"])["sent"] as? Int, 1)
    let forms = try double.requests().map { $0["form"] as? [String: String] ?? [:] }
    XCTAssertEqual(forms.count, 4)
    XCTAssertEqual(forms.map { $0["ValidityPeriod"] }, ["3600", "600", "3600", "36000"])

    for bad in ["0", "36001", "abc", "1.5", "-5", " 60", "9999999999999999999999"] {
      let r = run(
        ["txn", "add", "--user", ama, "--amount", "9", "--type", "credit", "-o", "json"],
        env: ["FIDO_SMS_VALIDITY": bad])
      XCTAssertEqual(r.status, 78, "FIDO_SMS_VALIDITY=\(bad): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains("FIDO_SMS_VALIDITY"), r.stderr)
    }
    XCTAssertEqual(storedSMS().count, 3 + 0, "a config error records nothing")
    XCTAssertEqual(run(["sms", "retry"], env: ["FIDO_SMS_VALIDITY": "0"]).status, 78)
    XCTAssertEqual(try double.requests().count, 4)
  }

  func testQueueModeLeavesTheAlertForTheWorker() throws {
    let ama = createUser("ama@example.com", phone: phone)
    let txn = add(ama, env: ["FIDO_SMS_MODE": "queue"])
    XCTAssertEqual(sms(txn)["status"] as? String, "pending")
    XCTAssertEqual(try double.allRequests().count, 0, "txn add made no Twilio request")
    let id = try XCTUnwrap(txn["id"] as? String)
    XCTAssertNil(storedSMS()[id]?["lease_until"], "no lease: a worker may take it at once")
    XCTAssertEqual(
      run(
        ["txn", "add", "--user", ama, "--amount", "1", "--type", "credit"],
        env: ["FIDO_SMS_MODE": "later"]
      ).status, 78)

    let once = run(["sms", "worker", "--once", "-o", "ndjson"])
    XCTAssertEqual(once.status, 0, once.stderr)
    XCTAssertEqual(once.stdout, "")
    XCTAssertTrue(once.stderr.contains(#""event":"sent""#), once.stderr)
    let messages = try double.messages()
    XCTAssertEqual(messages.count, 1)
    XCTAssertEqual(storedSMS()[id]?["status"] as? String, "sent")
    XCTAssertEqual(storedSMS()[id]?["sid"] as? String, messages.first?["sid"] as? String)
    // A second pass has nothing to send.
    XCTAssertEqual(run(["sms", "worker", "--once"]).status, 0)
    XCTAssertEqual(try double.requests().count, 1)
    XCTAssertEqual(run(["sms", "worker", "--interval", "0"]).status, 2)
    XCTAssertEqual(run(["sms", "worker", "--once"], env: ["TWILIO_AUTH_TOKEN": ""]).status, 78)
  }

  /// `txn add` holds the alert it is sending for the sender's lease (the
  /// length the command passes the store): a `sms retry` during the send
  /// claims nothing, and the alert is sent once.
  func testTxnAddHoldsItsAlertWhileItSends() throws {
    let ama = createUser("ama@example.com", phone: phone)
    try double.program([["hang_ms": 4000, "record_as_sent": true]])
    let started = nowMs()
    let adding = try Worker(
      binary: fido.binary,
      args: ["txn", "add", "--user", ama, "--amount", "21", "--type", "credit"],
      env: fido.environment.merging(smsEnv) { $1 })
    workers.append(adding)
    XCTAssertTrue(try waitFor(10) { try double.messages().count == 1 }, adding.stderr)
    let held = try XCTUnwrap(storedSMS().values.first)
    XCTAssertEqual(held["status"] as? String, "pending", "\(held)")
    // FidoRunner sets FIDO_TIMEOUT=10.
    let lease = Int(SMSSender.leaseMillis(timeoutMS: 10_000))
    let until = try XCTUnwrap(held["lease_until"] as? Int, "\(held)")
    XCTAssertGreaterThanOrEqual(until, started + lease)
    XCTAssertLessThanOrEqual(until, nowMs() + lease)
    makeDue()
    let retry = run(["sms", "retry", "-o", "json"])
    XCTAssertEqual(retry.status, 0, retry.stderr)
    let summary = try JSONSerialization.jsonObject(with: Data(retry.stdout.utf8)) as? [String: Any]
    XCTAssertEqual(summary?["claimed"] as? Int, 0, retry.stdout)

    adding.process.waitUntilExit()
    XCTAssertEqual(adding.process.terminationStatus, 0, adding.stderr)
    let doc = try XCTUnwrap(storedSMS().values.first)
    XCTAssertEqual(doc["status"] as? String, "sent", "\(doc)")
    XCTAssertNil(doc["lease_until"], "released once recorded")
    XCTAssertEqual(try double.messages().count, 1, "sent once")
  }

  // MARK: - the worker

  func testABackgroundWorkerSendsNewAlertsPromptlyAndStopsCleanly() throws {
    let ama = createUser("ama@example.com", phone: phone)
    try double.deliveries([["to": phone, "statuses": ["delivered"]]])
    let worker = try startWorker(["--interval", "1"])
    XCTAssertTrue(
      waitFor(10) { worker.events.contains { $0["event"] as? String == "watch" } }, worker.stderr)

    let added = Date()
    let id = try XCTUnwrap(add(ama, env: ["FIDO_SMS_MODE": "queue"])["id"] as? String)
    XCTAssertTrue(try waitFor(2) { try double.messages().count == 1 }, "sent within two intervals")
    XCTAssertLessThan(Date().timeIntervalSince(added), 2.5)
    // The worker syncs it too.
    XCTAssertTrue(
      waitFor(20) { storedSMS()[id]?["status"] as? String == "delivered" }, worker.stderr)

    // SIGTERM while a send is in hand: it is finished and recorded, then exit 0.
    try double.program([["hang_ms": 1500, "record_as_sent": true]])
    let second = try XCTUnwrap(add(ama, "2", env: ["FIDO_SMS_MODE": "queue"])["id"] as? String)
    XCTAssertTrue(try waitFor(5) { try double.requests().count == 2 })
    XCTAssertEqual(worker.stop(), 0, worker.stderr)
    let doc = try XCTUnwrap(storedSMS()[second])
    let messages = try double.messages()
    XCTAssertEqual(messages.count, 2)
    XCTAssertEqual(doc["status"] as? String, "sent", "\(doc)")
    XCTAssertEqual(doc["sid"] as? String, messages.last?["sid"] as? String)
    XCTAssertNil(doc["lease_until"], "nothing left half-done")
    let events = worker.events.compactMap { $0["event"] as? String }
    XCTAssertEqual(events.first, "start")
    XCTAssertEqual(events.last, "stop")
    XCTAssertEqual(events.filter { $0 == "sent" }.count, 2)
    for line in worker.stderr.split(separator: "\n") {
      XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8)), "not JSON: \(line)")
    }
  }

  func testTwoWorkersAndARetrySendEachOfTwoHundredAlertsOnce() throws {
    let ama = createUser("ama@example.com", phone: phone)
    importPending(ama, count: 200)
    let first = try startWorker(["--interval", "0.5"])
    let second = try startWorker(["--interval", "0.5"])
    let retry = run(["sms", "retry", "--limit", "0", "-o", "json"])
    XCTAssertEqual(retry.status, 0, retry.stderr)
    XCTAssertTrue(try waitFor(120) { try double.messages().count >= 200 })
    Thread.sleep(forTimeInterval: 1)
    XCTAssertEqual(first.stop(), 0, first.stderr)
    XCTAssertEqual(second.stop(), 0, second.stderr)

    let messages = try double.messages()
    XCTAssertEqual(messages.count, 200, "each alert sent exactly once")
    XCTAssertEqual(try double.requests().count, 200)
    let bodyBySid = Dictionary(
      messages.map { ($0["sid"] as? String ?? "", $0["body"] as? String ?? "") }
    ) { a, _ in a }
    XCTAssertEqual(Set(bodyBySid.values).count, 200)
    let stored = storedSMS()
    XCTAssertEqual(stored.count, 200)
    XCTAssertEqual(Set(stored.values.compactMap { $0["sid"] as? String }).count, 200)
    for (id, doc) in stored {
      XCTAssertEqual(doc["status"] as? String, "sent", id)
      XCTAssertEqual(bodyBySid[doc["sid"] as? String ?? ""], doc["body"] as? String, id)
    }
    // Each of the three senders took a share.
    let sentBy = [first, second].map { w in
      w.events.filter { $0["event"] as? String == "sent" }.count
    }
    let retried =
      (try? JSONSerialization.jsonObject(with: Data(retry.stdout.utf8)) as? [String: Any])?["sent"]
      as? Int ?? 0
    XCTAssertEqual(sentBy.reduce(0, +) + retried, 200, "\(sentBy) + \(retried)")
  }

  func testTheWorkerRidesOutTwilioAndMongoDBOutagesAndCatchesUp() throws {
    let ama = createUser("ama@example.com", phone: phone)
    // Its own app name, so the fail points below hit the worker and not the test's txn add.
    let workerURI =
      fido.uri + (fido.uri.contains("?") ? "&" : (fido.uri.hasSuffix("/") ? "?" : "/?"))
      + "appName=fido-worker"
    let worker = try startWorker(
      ["--interval", "0.5"], env: ["FIDO_TIMEOUT": "2", "MONGO_URI": workerURI])
    XCTAssertTrue(
      waitFor(10) { worker.events.contains { $0["event"] as? String == "watch" } }, worker.stderr)

    // Twilio down (connection refused): alerts wait, the worker backs off.
    let port = double.port
    double.stop()
    for n in 1...5 { _ = add(ama, String(n), env: ["FIDO_SMS_MODE": "queue"]) }
    XCTAssertTrue(
      waitFor(10) {
        worker.events.contains {
          $0["event"] as? String == "backoff" && $0["service"] as? String == "twilio"
        }
      }, worker.stderr)
    Thread.sleep(forTimeInterval: 2)
    XCTAssertEqual(
      storedSMS().values.filter { $0["status"] as? String == "pending" }.count, 5)

    // Back up: everything goes, once.
    double = try TwilioDouble(port: port)
    XCTAssertTrue(try waitFor(60) { try double.messages().count == 5 }, worker.stderr)

    // MongoDB faults: the claims and the change stream fail for a while.
    _ = fido.mongoPython(
      "client.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 4}, 'data': {'failCommands': ['findAndModify', 'getMore', 'aggregate', 'find', 'update'], 'appName': 'fido-worker', 'closeConnection': True}})"
    )
    for n in 6...10 { _ = add(ama, String(n), env: ["FIDO_SMS_MODE": "queue"]) }
    XCTAssertTrue(try waitFor(60) { try double.messages().count == 10 }, worker.stderr)
    _ = fido.mongoPython(
      "client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'})")
    Thread.sleep(forTimeInterval: 1)
    XCTAssertTrue(worker.process.isRunning, "the worker survived: \(worker.stderr)")
    // The faults were seen, logged and waited out.
    XCTAssertTrue(
      worker.events.contains {
        ($0["event"] as? String == "backoff" && $0["service"] as? String == "mongodb")
          || ($0["event"] as? String == "watch" && $0["change_stream"] as? Bool == false)
      }, worker.stderr)
    XCTAssertEqual(worker.stop(), 0, worker.stderr)

    let messages = try double.messages()
    XCTAssertEqual(messages.count, 10, "each alert once")
    XCTAssertEqual(Set(messages.compactMap { $0["body"] as? String }).count, 10)
    let stored = storedSMS()
    XCTAssertEqual(Set(stored.values.compactMap { $0["status"] as? String }), ["sent"])
    XCTAssertEqual(
      Set(stored.values.compactMap { $0["sid"] as? String }),
      Set(messages.compactMap { $0["sid"] as? String }))
  }
}
