import FidoCore
import Foundation
import XCTest

/// The SMS outbox end to end: the real `fido` binary, a real server, and the
/// loopback Twilio double (scripts/twilio_double.py) as Twilio.
final class SMSCommandTests: XCTestCase {
  private var fido: FidoRunner!
  private var double: TwilioDouble!
  /// Every stdout and stderr of every fido run in the test: none may hold a credential.
  private var transcript: [(args: [String], text: String)] = []

  private let phone = "+233241234567"
  private let from = "+15005550006"
  private let wrongToken = "tok-Wrong-0000-credential"
  private let expectedBody =
    "Hi Ama Mensah, your account has been credited with GHS 21.00. New balance: GHS 1,121.00."

  override func setUpWithError() throws {
    fido = try FidoRunner()
    double = try TwilioDouble()
  }

  override func tearDown() {
    // The token (right or wrong) and the Basic credentials never reach any output,
    // with -v, with -o json errors, on success or failure.
    let basic = Data("\(TwilioDouble.accountSID):\(TwilioDouble.authToken)".utf8)
      .base64EncodedString()
    for (args, text) in transcript {
      for secret in [TwilioDouble.authToken, wrongToken, basic] {
        XCTAssertFalse(
          text.contains(secret),
          "fido \(args.joined(separator: " ")) printed a credential:\n\(text)")
      }
    }
    transcript = []
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

  /// Runs fido with SMS configured (unless `sms` is false) and keeps its output for the leak check.
  @discardableResult
  private func run(
    _ args: [String], sms: Bool = true, env: [String: String] = [:], stdin: String? = nil
  )
    -> FidoResult
  {
    let r = fido.run(args, stdin: stdin, env: (sms ? smsEnv : [:]).merging(env) { $1 })
    transcript.append((args, r.stdout + "\n" + r.stderr))
    return r
  }

  private func object(
    _ args: [String], sms: Bool = true, env: [String: String] = [:], file: StaticString = #filePath,
    line: UInt = #line
  ) -> [String: Any] {
    let r = run(args + ["-o", "json"], sms: sms, env: env)
    XCTAssertEqual(
      r.status, 0, "fido \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
    return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
  }

  private func list(_ args: [String], file: StaticString = #filePath, line: UInt = #line)
    -> [[String: Any]]
  {
    let r = run(args + ["-o", "json"])
    XCTAssertEqual(
      r.status, 0, "fido \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
    return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
  }

  private func createAma(phone: String? = "+233241234567", email: String = "ama@example.com")
    -> String
  {
    var args = ["user", "create", "--name", "Ama Mensah", "--email", email, "--balance", "1100"]
    if let phone { args += ["--phone", phone] }
    return object(args)["id"] as? String ?? ""
  }

  private func addArgs(_ user: String, _ amount: String = "21") -> [String] {
    ["txn", "add", "--user", user, "--amount", amount, "--type", "credit"]
  }

  /// A credit through `txn add -o json` that must exit 0: its result and the transaction.
  private func addJSON(
    _ user: String, amount: String = "21", env: [String: String] = [:],
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> (FidoResult, [String: Any]) {
    let r = run(addArgs(user, amount) + ["-o", "json"], env: env)
    XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    let txn = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], file: file,
      line: line)
    return (r, txn)
  }

  private func sms(_ txn: [String: Any]) -> [String: Any] { txn["sms"] as? [String: Any] ?? [:] }

  private func nowMs() -> Int { Int(Date().timeIntervalSince1970 * 1000) }

  /// Every transaction's stored `sms` sub-document, read with pymongo, by
  /// transaction id; dates as milliseconds since the epoch.
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

  /// Sets every pending notification's `sms.next_attempt_at` to the past.
  /// This simulates time passing: the backoff starts at about 5 s (and a
  /// Retry-After can be longer), and the tests should not sleep through it.
  private func makeDue(file: StaticString = #filePath, line: UInt = #line) {
    _ = fido.mongoPython(
      """
      import datetime
      db.transactions.update_many({'sms.status': 'pending'},
          {'$set': {'sms.next_attempt_at': datetime.datetime(2000, 1, 1)}})
      """, file: file, line: line)
  }

  private func retry(
    env: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line
  )
    -> [String: Any]
  {
    object(["sms", "retry"], env: env, file: file, line: line)
  }

  /// Starts `copies` fido processes with the same arguments at the same time
  /// (SMS configured) and waits for all of them.
  private func runConcurrently(_ args: [String], copies: Int) throws -> [FidoResult] {
    let dir = FileManager.default.temporaryDirectory
    var running: [(Process, URL, URL)] = []
    for _ in 0..<copies {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: fido.binary)
      process.arguments = args
      process.environment = fido.environment.merging(smsEnv) { $1 }
      let outURL = dir.appendingPathComponent("fido-out-\(UUID().uuidString)")
      let errURL = dir.appendingPathComponent("fido-err-\(UUID().uuidString)")
      _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
      _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
      process.standardOutput = try FileHandle(forWritingTo: outURL)
      process.standardError = try FileHandle(forWritingTo: errURL)
      process.standardInput = FileHandle.nullDevice
      running.append((process, outURL, errURL))
    }
    for (process, _, _) in running { try process.run() }
    var results: [FidoResult] = []
    for (process, outURL, errURL) in running {
      process.waitUntilExit()
      let r = FidoResult(
        status: process.terminationStatus,
        stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
        stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
      transcript.append((args, r.stdout + "\n" + r.stderr))
      results.append(r)
    }
    return results
  }

  private func creates() throws -> [[String: Any]] { try double.requests() }
  private func messages() throws -> [[String: Any]] { try double.messages() }

  /// The warning `txn add` prints when the SMS did not go: exactly one line.
  private func assertOneWarningLine(
    _ r: FidoResult, containing text: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
    XCTAssertEqual(lines.count, 1, "stderr: \(r.stderr)", file: file, line: line)
    XCTAssertTrue(
      lines.first?.hasPrefix("fido: warning: ") ?? false, r.stderr, file: file, line: line)
    XCTAssertTrue(r.stderr.contains(text), r.stderr, file: file, line: line)
  }

  /// The `{"error": {...}}` object fido prints on stderr with -o json.
  private func jsonError(_ stderr: String) -> [String: Any] {
    for line in stderr.split(separator: "\n") where line.hasPrefix("{") {
      if let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
        return o["error"] as? [String: Any] ?? [:]
      }
    }
    return [:]
  }

  private static let smsListFields = [
    "transaction_id", "user_id", "to", "status", "attempts", "last_error", "sid", "next_attempt_at",
    "updated_at",
  ]

  private func parseDate(_ text: Any?) -> Int? {
    guard let text = text as? String else { return nil }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: text).map { Int(($0.timeIntervalSince1970 * 1000).rounded()) }
  }

  // MARK: - sending

  func testTxnAddSendsExactlyOneCorrectRequestAndStoresTheSid() throws {
    let user = createAma()
    let (r, txn) = try addJSON(user)
    XCTAssertEqual(r.stderr, "")

    let requests = try creates()
    XCTAssertEqual(requests.count, 1)
    XCTAssertEqual(try double.allRequests().count, 1, "a clean send needs no lookup")
    let request = try XCTUnwrap(requests.first)
    XCTAssertEqual(request["method"] as? String, "POST")
    XCTAssertEqual(
      request["path"] as? String, "/2010-04-01/Accounts/\(TwilioDouble.accountSID)/Messages.json")
    let headers = try XCTUnwrap(request["headers"] as? [String: String])
    let basic = Data("\(TwilioDouble.accountSID):\(TwilioDouble.authToken)".utf8)
      .base64EncodedString()
    XCTAssertEqual(headers["Authorization"], "Basic \(basic)")
    XCTAssertEqual(headers["Content-Type"], "application/x-www-form-urlencoded")
    XCTAssertEqual(
      request["form"] as? [String: String],
      ["To": phone, "From": from, "Body": expectedBody, "ValidityPeriod": "3600"])

    let stored = try messages()
    XCTAssertEqual(stored.count, 1)
    let sid = try XCTUnwrap(stored.first?["sid"] as? String)
    XCTAssertEqual(stored.first?["body"] as? String, expectedBody)

    XCTAssertEqual(sms(txn)["status"] as? String, "sent")
    XCTAssertEqual(sms(txn)["sid"] as? String, sid)
    XCTAssertEqual(sms(txn)["attempts"] as? Int, 1)
    XCTAssertTrue(sms(txn)["last_error"] is NSNull)

    let doc = try XCTUnwrap(storedSMS()[txn["id"] as? String ?? ""])
    XCTAssertEqual(doc["status"] as? String, "sent")
    XCTAssertEqual(doc["sid"] as? String, sid)
    XCTAssertEqual(doc["to"] as? String, phone)
    XCTAssertEqual(doc["body"] as? String, expectedBody)
    XCTAssertEqual(doc["attempts"] as? Int, 1)
    // Nothing is left due: a retry sends nothing more.
    XCTAssertEqual(retry()["claimed"] as? Int, 0)
    XCTAssertEqual(try messages().count, 1)
  }

  func testSkippedNotificationsSendNothingAndCarryTheReason() throws {
    let ama = createAma()
    let noPhone = createAma(phone: nil, email: "kofi@example.com")

    let optedOut = object(addArgs(ama) + ["--no-sms"])
    let withoutPhone = object(addArgs(noPhone))
    let notConfigured = object(addArgs(ama), sms: false)

    let cases = [
      (optedOut, "--no-sms"), (withoutPhone, "user has no phone"),
      (notConfigured, "SMS not configured"),
    ]
    let stored = storedSMS()
    for (txn, reason) in cases {
      XCTAssertEqual(sms(txn)["status"] as? String, "skipped", reason)
      XCTAssertEqual(sms(txn)["last_error"] as? String, reason)
      XCTAssertTrue(sms(txn)["sid"] is NSNull, reason)
      let doc = stored[txn["id"] as? String ?? ""] ?? [:]
      XCTAssertEqual(doc["status"] as? String, "skipped", reason)
      XCTAssertEqual(doc["last_error"] as? String, reason)
    }
    XCTAssertEqual(try double.allRequests().count, 0, "a skipped notification sends nothing")
    // Skipped is final: `sms retry` does not pick them up.
    makeDue()
    XCTAssertEqual(retry()["claimed"] as? Int, 0)
    XCTAssertEqual(try double.allRequests().count, 0)
    XCTAssertEqual(list(["sms", "list", "--status", "skipped"]).count, 3)
  }

  func testAnOutageLeavesPendingAndRetryAfterRecoverySendsOnce() throws {
    let user = createAma()
    try double.program([["status": 503], ["status": 503], ["status": 503]])

    // FIDO_TIMEOUT=2: the first backoff (at least 2.5 s) does not fit, so txn add tries once.
    let r = run(addArgs(user) + ["-o", "json"], env: ["FIDO_TIMEOUT": "2"])
    XCTAssertEqual(r.status, 0, "an SMS failure never fails txn add: \(r.stderr)")
    assertOneWarningLine(r, containing: "pending")
    let txn = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    let id = try XCTUnwrap(txn["id"] as? String)
    XCTAssertEqual(sms(txn)["status"] as? String, "pending")
    XCTAssertNotNil(sms(txn)["last_error"] as? String)
    var doc = try XCTUnwrap(storedSMS()[id])
    XCTAssertEqual(doc["status"] as? String, "pending")
    XCTAssertEqual(doc["attempts"] as? Int, 1)
    XCTAssertGreaterThan(
      doc["next_attempt_at"] as? Int ?? 0, nowMs(), "the backoff puts the next attempt ahead")
    XCTAssertEqual(try creates().count, 1)

    // Not due yet: nothing is sent.
    XCTAssertEqual(retry()["claimed"] as? Int, 0)
    XCTAssertEqual(try creates().count, 1)

    // Still down: each due retry stays pending and exits 0.
    for n in 2...3 {
      makeDue()
      let summary = retry(env: ["FIDO_TIMEOUT": "2"])
      XCTAssertEqual(summary["claimed"] as? Int, 1)
      XCTAssertEqual(summary["pending"] as? Int, 1)
      XCTAssertEqual(try creates().count, n)
      XCTAssertEqual(
        list(["sms", "list", "--status", "pending"]).map { $0["transaction_id"] as? String }, [id])
    }

    // Recovered: one send, recorded with the double's sid.
    makeDue()
    let summary = retry()
    XCTAssertEqual(summary["claimed"] as? Int, 1)
    XCTAssertEqual(summary["sent"] as? Int, 1)
    let stored = try messages()
    XCTAssertEqual(stored.count, 1)
    XCTAssertEqual(stored.first?["body"] as? String, expectedBody)
    doc = try XCTUnwrap(storedSMS()[id])
    XCTAssertEqual(doc["status"] as? String, "sent")
    XCTAssertEqual(doc["sid"] as? String, stored.first?["sid"] as? String)
    XCTAssertEqual(doc["attempts"] as? Int, 4)

    // And never again.
    makeDue()
    XCTAssertEqual(retry()["claimed"] as? Int, 0)
    XCTAssertEqual(try messages().count, 1)
    XCTAssertEqual(try creates().count, 4)
  }

  func testAnInvalidNumberFailsForGoodAndIsNeverRetried() throws {
    let user = createAma()
    try double.program([["status": 400, "code": 21211]])
    let (r, txn) = try addJSON(user)
    assertOneWarningLine(r, containing: "21211")
    XCTAssertEqual(sms(txn)["status"] as? String, "failed")
    // The code named once (it read "Twilio error 21211: HTTP 400, Twilio 21211: …").
    XCTAssertEqual(
      sms(txn)["last_error"] as? String,
      "Twilio error 21211 (HTTP 400): The 'To' number \(phone) is not a valid phone number. (https://www.twilio.com/docs/errors/21211)"
    )
    let doc = try XCTUnwrap(storedSMS()[txn["id"] as? String ?? ""])
    XCTAssertEqual(doc["status"] as? String, "failed")
    XCTAssertTrue(doc["next_attempt_at"] is NSNull, "never due again")

    makeDue()
    let summary = retry()
    XCTAssertEqual(summary["claimed"] as? Int, 0)
    XCTAssertEqual(try creates().count, 1, "a failed notification is never sent again")
    XCTAssertEqual(try messages().count, 0)
    XCTAssertEqual(list(["sms", "list", "--status", "failed"]).count, 1)
  }

  func testTooManyRequestsIsRetriedHonouringRetryAfter() throws {
    let user = createAma()
    // Far beyond the first backoff (2.5–5 s), so only Retry-After explains the wait.
    try double.program([["status": 429, "retry_after": 120]])
    let before = nowMs()
    let (r, txn) = try addJSON(user)
    assertOneWarningLine(r, containing: "pending")
    let id = try XCTUnwrap(txn["id"] as? String)
    let doc = try XCTUnwrap(storedSMS()[id])
    XCTAssertEqual(doc["status"] as? String, "pending")
    let next = try XCTUnwrap(doc["next_attempt_at"] as? Int)
    let updated = try XCTUnwrap(doc["updated_at"] as? Int)
    XCTAssertGreaterThanOrEqual(next, before + 120_000)
    XCTAssertGreaterThanOrEqual(next - updated, 120_000)
    XCTAssertLessThanOrEqual(next - updated, 3_600_000)

    XCTAssertEqual(retry()["claimed"] as? Int, 0, "not due before Retry-After")
    XCTAssertEqual(try creates().count, 1)

    makeDue()
    XCTAssertEqual(retry()["sent"] as? Int, 1)
    let stored = try messages()
    XCTAssertEqual(stored.count, 1)
    XCTAssertEqual(
      sms(object(["txn", "get", id]))["sid"] as? String, stored.first?["sid"] as? String)
  }

  // MARK: - the user's current phone

  /// A pending alert goes to the phone the user has when it is sent, not the
  /// one stored when the transaction was recorded; with the phone removed, or
  /// the user deleted, it is `skipped` (`no phone`) and Twilio hears nothing.
  func testRetrySendsToTheCurrentPhoneAndSkipsWhenItIsGone() throws {
    let user = createAma()
    let newPhone = "+233201234567"

    /// A credit whose send fails (503: unclear, so retries look it up first;
    /// 429: never taken): pending after one create request.
    func pendingCredit(_ user: String, status: Int) throws -> String {
      try double.program([["status": status]])
      let r = run(addArgs(user) + ["-o", "json"], env: ["FIDO_TIMEOUT": "2"])
      XCTAssertEqual(r.status, 0, r.stderr)
      let txn = try XCTUnwrap(
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      XCTAssertEqual(sms(txn)["status"] as? String, "pending")
      return try XCTUnwrap(txn["id"] as? String)
    }

    // Changed phone: the retry looks the unclear send up at the old number
    // (not there), then sends to the new number, and records it.
    let first = try pendingCredit(user, status: 503)
    XCTAssertEqual(
      try creates().last?["form"] as? [String: String],
      ["To": phone, "From": from, "Body": expectedBody, "ValidityPeriod": "3600"])
    XCTAssertEqual(run(["user", "update", user, "--phone", newPhone]).status, 0)
    makeDue()
    var summary = retry()
    XCTAssertEqual(summary["claimed"] as? Int, 1)
    XCTAssertEqual(summary["sent"] as? Int, 1)
    XCTAssertEqual(try creates().count, 2)
    XCTAssertEqual(
      try creates().last?["form"] as? [String: String],
      ["To": newPhone, "From": from, "Body": expectedBody, "ValidityPeriod": "3600"])
    let sent = try messages()
    XCTAssertEqual(sent.map { $0["to"] as? String }, [newPhone])
    var doc = try XCTUnwrap(storedSMS()[first])
    XCTAssertEqual(doc["status"] as? String, "sent")
    XCTAssertEqual(doc["to"] as? String, newPhone)
    XCTAssertEqual(doc["sid"] as? String, sent.first?["sid"] as? String)

    // Phone removed: skipped with the reason, and no request at all.
    let second = try pendingCredit(user, status: 429)
    XCTAssertEqual(run(["user", "update", user, "--no-phone"]).status, 0)
    let before = try double.allRequests().count
    makeDue()
    summary = retry()
    XCTAssertEqual(summary["claimed"] as? Int, 1)
    XCTAssertEqual(summary["skipped"] as? Int, 1)
    XCTAssertEqual(summary["sent"] as? Int, 0)
    XCTAssertEqual(summary["pending"] as? Int, 0)
    XCTAssertEqual(try double.allRequests().count, before, "nothing goes to Twilio")
    doc = try XCTUnwrap(storedSMS()[second])
    XCTAssertEqual(doc["status"] as? String, "skipped")
    XCTAssertEqual(doc["last_error"] as? String, "no phone")
    XCTAssertTrue(doc["next_attempt_at"] is NSNull, "never due again")
    XCTAssertEqual(doc["attempts"] as? Int, 1, "the failed send only; skipping is no attempt")
    makeDue()
    XCTAssertEqual(retry()["claimed"] as? Int, 0)

    // User deleted behind fido's back, after an unclear send: the lookup at
    // the old number still runs (Twilio may hold it), but nothing is sent.
    let kofi = createAma(phone: "+233501234567", email: "kofi@example.com")
    let third = try pendingCredit(kofi, status: 503)
    _ = fido.mongoPython("db.users.delete_one({'_id': __import__('bson').ObjectId('\(kofi)')})")
    let createsBefore = try creates().count
    makeDue()
    XCTAssertEqual(retry()["skipped"] as? Int, 1)
    XCTAssertEqual(try creates().count, createsBefore, "no create request")
    doc = try XCTUnwrap(storedSMS()[third])
    XCTAssertEqual(doc["status"] as? String, "skipped")
    XCTAssertEqual(doc["last_error"] as? String, "no phone")
    XCTAssertEqual(try messages().count, 1, "only the alert to the changed phone was ever sent")
  }

  // MARK: - ambiguous outcomes

  func testATimedOutSendThatTwilioAcceptedIsFoundAndNotResent() throws {
    let user = createAma()
    try double.program([["hang_ms": 3000, "record_as_sent": true]])
    let (r, txn) = try addJSON(user, env: ["FIDO_TIMEOUT": "1"])
    XCTAssertEqual(r.stderr, "")
    let stored = try messages()
    XCTAssertEqual(stored.count, 1)
    let sid = try XCTUnwrap(stored.first?["sid"] as? String)
    XCTAssertEqual(sms(txn)["status"] as? String, "sent")
    XCTAssertEqual(sms(txn)["sid"] as? String, sid)
    let doc = try XCTUnwrap(storedSMS()[txn["id"] as? String ?? ""])
    XCTAssertEqual(doc["status"] as? String, "sent")
    XCTAssertEqual(doc["sid"] as? String, sid)

    makeDue()
    XCTAssertEqual(retry()["claimed"] as? Int, 0)
    XCTAssertEqual(try messages().count, 1)
    XCTAssertEqual(try creates().count, 1, "found by the lookup, never sent again")
  }

  func testA5xxAfterTwilioAcceptedIsFoundAndNotResent() throws {
    let user = createAma()
    try double.program([["status": 500, "record_as_sent": true]])
    let (_, txn) = try addJSON(user, env: ["FIDO_TIMEOUT": "2"])
    let stored = try messages()
    XCTAssertEqual(stored.count, 1)
    XCTAssertEqual(sms(txn)["status"] as? String, "sent")
    XCTAssertEqual(sms(txn)["sid"] as? String, stored.first?["sid"] as? String)
    XCTAssertEqual(try creates().count, 1, "found by the lookup, never sent again")
    let lookups = try double.allRequests().filter { $0["method"] as? String == "GET" }
    XCTAssertEqual(lookups.count, 1, "a 5xx is ambiguous: fido looked the message up")
  }

  /// Credit, debit, credit again: the third message has the same text as the
  /// first. When its send is unclear and Twilio did not take it, the lookup
  /// must not take the first message for it (its sid is the first
  /// transaction's); the retry sends it.
  func testAnIdenticalEarlierMessageIsNotTakenForAnUnclearSend() throws {
    let user = createAma()
    let (_, firstTxn) = try addJSON(user)
    XCTAssertEqual(
      run(["txn", "add", "--user", user, "--amount", "21", "--type", "debit"]).status, 0)
    try double.program([["status": 500]])
    let (_, third) = try addJSON(user, env: ["FIDO_TIMEOUT": "2"])
    let thirdID = try XCTUnwrap(third["id"] as? String)
    let firstID = try XCTUnwrap(firstTxn["id"] as? String)
    XCTAssertEqual(storedSMS()[thirdID]?["body"] as? String, expectedBody)
    XCTAssertEqual(storedSMS()[firstID]?["body"] as? String, expectedBody, "the same text")
    XCTAssertEqual(sms(third)["status"] as? String, "pending", "not taken for the first message")
    XCTAssertEqual(try messages().count, 2)

    makeDue()
    XCTAssertEqual(retry()["sent"] as? Int, 1)
    let stored = try messages()
    XCTAssertEqual(stored.count, 3)
    XCTAssertEqual(stored.filter { $0["body"] as? String == expectedBody }.count, 2)
    let firstSid = try XCTUnwrap(sms(firstTxn)["sid"] as? String)
    XCTAssertEqual(storedSMS()[thirdID]?["sid"] as? String, stored.last?["sid"] as? String)
    XCTAssertNotEqual(storedSMS()[thirdID]?["sid"] as? String, firstSid)
  }

  func testADroppedConnectionAfterTwilioAcceptedIsFoundAndNotResent() throws {
    let user = createAma()
    try double.program([["drop": true, "record_as_sent": true]])
    let (_, txn) = try addJSON(user, env: ["FIDO_TIMEOUT": "2"])
    let stored = try messages()
    XCTAssertEqual(stored.count, 1)
    let sid = try XCTUnwrap(stored.first?["sid"] as? String)
    XCTAssertEqual(sms(txn)["status"] as? String, "sent")
    XCTAssertEqual(storedSMS()[txn["id"] as? String ?? ""]?["sid"] as? String, sid)

    // Dropped again, and this time the lookup fails too: it stays pending,
    // and the next retry finds the message instead of sending another.
    try double.program([["drop": true, "record_as_sent": true], ["list_status": 500]])
    let (second, txn2) = try addJSON(user, amount: "5", env: ["FIDO_TIMEOUT": "2"])
    assertOneWarningLine(second, containing: "pending")
    let id2 = try XCTUnwrap(txn2["id"] as? String)
    XCTAssertEqual(sms(txn2)["status"] as? String, "pending")
    XCTAssertEqual(try messages().count, 2)
    makeDue()
    XCTAssertEqual(retry()["sent"] as? Int, 1)
    let all = try messages()
    XCTAssertEqual(all.count, 2)
    XCTAssertEqual(try creates().count, 2, "the lookup found it: no resend")
    let doc2 = storedSMS()[id2] ?? [:]
    XCTAssertEqual(doc2["status"] as? String, "sent")
    XCTAssertEqual(doc2["sid"] as? String, all.last?["sid"] as? String)
  }

  // MARK: - sms retry

  /// A pending alert whose transaction another tool made unreadable (a
  /// double amount) is not sent, and does not hold up the alerts behind it:
  /// it is put off for an hour with the reason on the alert, the others go
  /// out, `sms retry` warns and exits 65; a run right after finds nothing due.
  func testAnUnreadableTransactionsAlertIsPutOffAndTheOthersAreSent() throws {
    let user = createAma()
    let lines = (1...3).map { _ in #"{"user":"\#(user)","amount":"1","type":"credit"}"# }
    let imported = run(
      ["txn", "import", "-", "--sms", "-o", "json"], stdin: lines.joined(separator: "\n") + "\n")
    XCTAssertEqual(imported.status, 0, imported.stderr)
    // The oldest alert (claimed first) gets a double amount, as another tool might write.
    let bad = fido.mongoPython(
      """
      d = db.transactions.find_one({}, sort=[('_id', 1)])
      db.transactions.update_one({'_id': d['_id']}, {'$set': {'amount': 21.5}})
      print(d['_id'])
      """)
    let before = nowMs()
    let r = run(["sms", "retry", "--limit", "0", "-o", "json"])
    XCTAssertEqual(r.status, 65, r.stderr)
    let summary = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    XCTAssertEqual(summary?["sent"] as? Int, 2, r.stdout)
    XCTAssertEqual(summary?["claimed"] as? Int, 2, r.stdout)
    XCTAssertTrue(
      r.stderr.contains(
        "fido: warning: transaction \(bad): amount is 21.5 (a double), not an integer of minor units"
      ), r.stderr)
    XCTAssertTrue(
      r.stderr.contains(
        "fido: error: 1 alert not sent: fido cannot read its transaction (see the warnings), tried again in 1 hour; fido shows no guessed value: see 'fido db check'\n"
      ), r.stderr)
    XCTAssertEqual(try messages().count, 2, "the two readable alerts went out")
    let stored = storedSMS()
    XCTAssertEqual(stored.count, 3)
    let poison = try XCTUnwrap(stored[bad])
    XCTAssertEqual(poison["status"] as? String, "pending")
    XCTAssertNil(poison["lease_until"], "its lease is released")
    XCTAssertNil(poison["lease_owner"])
    let next = try XCTUnwrap(poison["next_attempt_at"] as? Int)
    XCTAssertGreaterThanOrEqual(next, before + 3_600_000 - 1_000)
    XCTAssertLessThanOrEqual(next, nowMs() + 3_600_000)
    XCTAssertTrue(
      (poison["last_error"] as? String ?? "").hasPrefix(
        "left alone: transaction \(bad): amount is"),
      "\(poison)")
    for (id, sms) in stored where id != bad {
      XCTAssertEqual(sms["status"] as? String, "sent", id)
    }
    // Nothing is due now: the put-off alert does not fail the next run.
    let again = run(["sms", "retry", "-o", "json"])
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertEqual(try messages().count, 2)
    // Due again (an hour on), the worker logs it and goes on: no send, exit 0.
    makeDue()
    let worker = run(["sms", "worker", "--once", "-o", "ndjson"])
    XCTAssertEqual(worker.status, 0, worker.stderr)
    XCTAssertTrue(
      worker.stderr.contains(#""event":"unreadable","transaction_id":"\#(bad)""#), worker.stderr)
    XCTAssertEqual(try messages().count, 2)
    XCTAssertEqual(storedSMS()[bad]?["status"] as? String, "pending")
  }

  func testTwoConcurrentRetriesSendEachNotificationExactlyOnce() throws {
    let user = createAma()
    let lines = (1...100).map { _ in #"{"user":"\#(user)","amount":"1","type":"credit"}"# }
    let imported = run(
      ["txn", "import", "-", "--sms", "-o", "json"], stdin: lines.joined(separator: "\n") + "\n")
    XCTAssertEqual(imported.status, 0, imported.stderr)
    XCTAssertEqual(try creates().count, 0, "import queues, it does not send")
    var stored = storedSMS()
    XCTAssertEqual(stored.count, 100)
    XCTAssertEqual(Set(stored.values.compactMap { $0["status"] as? String }), ["pending"])

    // Two real processes at once, each told to drain the whole outbox.
    let results = try runConcurrently(["sms", "retry", "--limit", "0", "-o", "json"], copies: 2)
    var sent = 0
    for r in results {
      XCTAssertEqual(r.status, 0, r.stderr)
      let summary =
        (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
      XCTAssertEqual(summary["claimed"] as? Int, summary["sent"] as? Int, r.stdout)
      // Both really ran at once: each took a share of the 100.
      XCTAssertGreaterThan(summary["claimed"] as? Int ?? 0, 0, r.stdout)
      sent += summary["sent"] as? Int ?? 0
    }
    XCTAssertEqual(sent, 100)

    let delivered = try messages()
    XCTAssertEqual(delivered.count, 100, "each notification sent exactly once")
    XCTAssertEqual(try creates().count, 100)
    let bodyBySid = Dictionary(
      delivered.map { ($0["sid"] as? String ?? "", $0["body"] as? String ?? "") },
      uniquingKeysWith: { a, _ in a })
    XCTAssertEqual(Set(bodyBySid.values).count, 100, "100 distinct messages")
    stored = storedSMS()
    XCTAssertEqual(stored.count, 100)
    var sids = Set<String>()
    for (id, doc) in stored {
      XCTAssertEqual(doc["status"] as? String, "sent", id)
      let sid = doc["sid"] as? String ?? ""
      sids.insert(sid)
      XCTAssertEqual(
        bodyBySid[sid], doc["body"] as? String, "transaction \(id) matches the message it got")
    }
    XCTAssertEqual(sids.count, 100)
  }

  func testRefusedCredentialsExit77AndLeaveTheNotificationsPending() throws {
    let user = createAma()
    let bad = ["TWILIO_AUTH_TOKEN": wrongToken]
    let first = run(addArgs(user) + ["-o", "json"], env: bad)
    XCTAssertEqual(first.status, 0, first.stderr)
    assertOneWarningLine(first, containing: "pending")
    _ = run(addArgs(user, "5"), env: bad)
    XCTAssertEqual(try double.allRequests().count, 2)
    XCTAssertEqual(list(["sms", "list"]).map { $0["status"] as? String }, ["pending", "pending"])

    let r = run(["sms", "retry"], env: bad)
    XCTAssertEqual(r.status, 77, r.stderr)
    XCTAssertTrue(r.stderr.contains("fido: error: "), r.stderr)
    let j = run(["sms", "retry", "-o", "json", "-v"], env: bad)
    XCTAssertEqual(j.status, 77, j.stderr)
    let error = jsonError(j.stderr)
    XCTAssertEqual(error["code"] as? String, "unauthorized")
    XCTAssertEqual(error["exit"] as? Int, 77)
    XCTAssertEqual(try messages().count, 0)
    let stored = storedSMS()
    XCTAssertEqual(stored.count, 2)
    XCTAssertEqual(Set(stored.values.compactMap { $0["status"] as? String }), ["pending"])

    // Settings fixed: both go, right away.
    let summary = retry()
    XCTAssertEqual(summary["sent"] as? Int, 2)
    XCTAssertEqual(try messages().count, 2)
  }

  func testRetryWithoutSMSConfiguredExits78() throws {
    let user = createAma()
    XCTAssertEqual(sms(object(addArgs(user), sms: false))["status"] as? String, "skipped")
    // One due notification queued while SMS was configured: still, nothing goes out.
    let queued = run(
      ["txn", "import", "-", "--sms"],
      stdin: #"{"user":"\#(user)","amount":"1","type":"credit"}"# + "\n")
    XCTAssertEqual(queued.status, 0, queued.stderr)
    let r = run(["sms", "retry"], sms: false)
    XCTAssertEqual(r.status, 78, r.stderr)
    XCTAssertTrue(r.stderr.hasPrefix("fido: error: "), r.stderr)
    let j = run(["sms", "retry", "-o", "json"], sms: false)
    XCTAssertEqual(j.status, 78)
    XCTAssertEqual(jsonError(j.stderr)["code"] as? String, "config")
    XCTAssertEqual(try double.allRequests().count, 0)
    XCTAssertEqual(list(["sms", "list"]).map { $0["status"] as? String }, ["skipped", "pending"])
  }

  func testAPlainHTTPBaseOffLoopbackIsAConfigurationErrorAndSendsNothing() throws {
    let user = createAma()
    let queued = run(
      ["txn", "import", "-", "--sms"],
      stdin: #"{"user":"\#(user)","amount":"1","type":"credit"}"# + "\n")
    XCTAssertEqual(queued.status, 0, queued.stderr)
    // Basic credentials over plain http to another host would cross the network in clear text.
    let remote = ["TWILIO_API_BASE": "http://192.0.2.1:9", "FIDO_TIMEOUT": "1"]
    let r = run(["sms", "retry", "-o", "json"], env: remote)
    XCTAssertEqual(r.status, 78, r.stderr)
    XCTAssertEqual(jsonError(r.stderr)["code"] as? String, "config")
    let add = run(addArgs(user), env: remote)
    XCTAssertEqual(add.status, 78, add.stderr)
    let stored = storedSMS()
    XCTAssertEqual(stored.count, 1, "txn add refused before recording anything")
    XCTAssertEqual(stored.values.first?["attempts"] as? Int, 0, "nothing was attempted")
  }

  // MARK: - idempotency

  func testARepeatedIdempotentAddSendsNoSecondSMS() throws {
    let user = createAma()
    let first = object(addArgs(user) + ["--key", "order-42"])
    XCTAssertEqual(sms(first)["status"] as? String, "sent")
    let again = object(addArgs(user) + ["--key", "order-42"])
    XCTAssertEqual(again["id"] as? String, first["id"] as? String)
    XCTAssertEqual(sms(again)["sid"] as? String, sms(first)["sid"] as? String)
    XCTAssertEqual(try creates().count, 1)
    XCTAssertEqual(try messages().count, 1)
    XCTAssertEqual(storedSMS().count, 1)
  }

  // MARK: - sms list

  func testSMSListShowsEveryStatusAndFiltersByStatus() throws {
    let user = createAma()
    let sent = object(addArgs(user))
    try double.program([["status": 400, "code": 21211]])
    let failed = object(addArgs(user, "2"))
    try double.program([["status": 503]])
    let pending = object(addArgs(user, "3"), env: ["FIDO_TIMEOUT": "2"])
    let skipped = object(addArgs(user, "4") + ["--no-sms"])
    let ids = [sent, failed, pending, skipped].map { $0["id"] as? String ?? "" }

    let all = list(["sms", "list"])
    XCTAssertEqual(
      all.map { $0["transaction_id"] as? String ?? "" }, ids, "every status, oldest first")
    XCTAssertEqual(
      all.map { $0["status"] as? String ?? "" }, ["sent", "failed", "pending", "skipped"])
    for row in all {
      XCTAssertEqual(Set(row.keys), Set(Self.smsListFields))
      XCTAssertEqual(row["user_id"] as? String, user)
      XCTAssertEqual(row["to"] as? String, phone)
      XCTAssertNotNil(parseDate(row["updated_at"]), "\(row)")
    }
    let sid = try messages().first?["sid"] as? String
    XCTAssertEqual(all[0]["sid"] as? String, sid)
    XCTAssertEqual(all[0]["attempts"] as? Int, 1)
    XCTAssertTrue(all[0]["last_error"] is NSNull)
    XCTAssertTrue(all[0]["next_attempt_at"] is NSNull)
    XCTAssertTrue((all[1]["last_error"] as? String ?? "").contains("21211"))
    XCTAssertTrue(all[1]["sid"] is NSNull)
    XCTAssertNotNil(all[2]["last_error"] as? String)
    XCTAssertGreaterThan(parseDate(all[2]["next_attempt_at"]) ?? 0, nowMs())
    XCTAssertEqual(all[3]["last_error"] as? String, "--no-sms")
    XCTAssertEqual(all[3]["attempts"] as? Int, 0)

    let onlyPending = list(["sms", "list", "--status", "pending"])
    XCTAssertEqual(onlyPending.map { $0["transaction_id"] as? String ?? "" }, [ids[2]])
    XCTAssertEqual(list(["sms", "list", "--status", "sent"]).count, 1)
    XCTAssertEqual(list(["sms", "list", "--limit", "2"]).count, 2)

    // The columns follow the documented field order.
    let csv = run(["sms", "list", "-o", "csv"])
    XCTAssertEqual(csv.status, 0, csv.stderr)
    XCTAssertEqual(
      csv.stdout.components(separatedBy: "\r\n").first, Self.smsListFields.joined(separator: ","))
    XCTAssertEqual(run(["sms", "list", "--status", "queued"]).status, 2)
  }

  // MARK: - doctor and secrets

  func testDoctorChecksTheTwilioCredentialsAndExitsOnProblems() throws {
    // A fresh database has no indexes: reported, exit 1, every section still there.
    let fresh = run(["doctor", "-o", "json"])
    XCTAssertEqual(fresh.status, 1, fresh.stderr)
    XCTAssertTrue(fresh.stdout.contains("run 'fido db init'"), fresh.stdout)
    XCTAssertEqual(run(["db", "init"]).status, 0)
    let report = object(["doctor"])
    XCTAssertTrue((report["sms"] as? String ?? "").hasPrefix("configured"), "\(report)")
    XCTAssertEqual(report["twilio_api_base"] as? String, double.baseURL)
    XCTAssertTrue(
      (report["twilio_account"] as? String ?? "").hasPrefix(
        "ok: credentials accepted, account active"),
      "\(report)")
    // One authenticated GET of the account resource, with the configured credentials.
    let gets = try double.allRequests().filter { ($0["method"] as? String) == "GET" }
    XCTAssertEqual(
      gets.last?["path"] as? String, "/2010-04-01/Accounts/\(TwilioDouble.accountSID).json")
    let verbose = run(["doctor", "-v"])
    XCTAssertEqual(verbose.status, 0, verbose.stderr)
    XCTAssertTrue(verbose.stdout.contains("configured"))
    // A wrong token: reported as refused, exit 77 (it was "configured", exit 0).
    let wrong = run(["doctor", "-o", "json"], env: ["TWILIO_AUTH_TOKEN": wrongToken])
    XCTAssertEqual(wrong.status, 77, wrong.stderr)
    XCTAssertTrue(wrong.stdout.contains("\"twilio_account\": \"refused: "), wrong.stdout)
    // MongoDB down: every section still reported, then 69.
    let down = run(
      ["doctor", "-o", "json", "--timeout", "0.5"], env: ["MONGO_URI": "mongodb://127.0.0.1:1"])
    XCTAssertEqual(down.status, 69, down.stderr)
    let body = (try? JSONSerialization.jsonObject(with: Data(down.stdout.utf8))) as? [String: Any]
    XCTAssertTrue((body?["connection"] as? String ?? "").hasPrefix("failed: "), down.stdout)
    XCTAssertTrue((body?["twilio_account"] as? String ?? "").hasPrefix("ok: "), down.stdout)
    // The token is in none of these outputs: tearDown checks the transcript.
    let off = object(["doctor"], sms: false)
    XCTAssertTrue((off["sms"] as? String ?? "").hasPrefix("not configured"), "\(off)")
  }

  func testTheTokenNeverAppearsInVerboseOutputOrJSONErrors() throws {
    let user = createAma()
    let sent = run(addArgs(user) + ["-v"])
    XCTAssertEqual(sent.status, 0, sent.stderr)
    XCTAssertTrue(sent.stderr.contains("twilio: "), "-v logs the Twilio exchange: \(sent.stderr)")
    try double.program([["status": 503], ["list_status": 500]])
    XCTAssertEqual(
      run(addArgs(user, "2") + ["-v", "-o", "json"], env: ["FIDO_TIMEOUT": "2"]).status, 0)
    makeDue()
    XCTAssertEqual(run(["sms", "retry", "-v", "-o", "json"]).status, 0)
    XCTAssertEqual(
      run(["sms", "retry", "-v", "-o", "ndjson"], env: ["TWILIO_AUTH_TOKEN": wrongToken]).status, 0)
    XCTAssertEqual(
      run(addArgs(user, "3") + ["-v"], env: ["TWILIO_AUTH_TOKEN": wrongToken]).status, 0)
    XCTAssertEqual(
      run(["sms", "retry", "-v", "-o", "json"], env: ["TWILIO_AUTH_TOKEN": wrongToken]).status, 77)
    XCTAssertEqual(run(["sms", "list", "-v", "-o", "json"]).status, 0)
    // Errors in JSON with SMS configured: usage, not found, bad SMS settings.
    XCTAssertEqual(run(["sms", "retry", "--limit", "x", "-o", "json", "-v"]).status, 2)
    XCTAssertEqual(run(["txn", "get", "0123456789abcdef01234567", "-o", "json", "-v"]).status, 3)
    XCTAssertEqual(
      run(["sms", "retry", "-o", "json", "-v"], env: ["TWILIO_API_BASE": "ftp://x"]).status, 78)
    XCTAssertEqual(
      run(["sms", "retry", "-o", "json", "-v"], env: ["TWILIO_ACCOUNT_SID": "ACnope"]).status, 78)
    XCTAssertEqual(run(["doctor", "-v", "-o", "json"]).status, 0)  // indexes: txn add made them
    XCTAssertGreaterThan(transcript.count, 10)
    // tearDown checks every output of this test (and of every other test) for the token.
  }
}
