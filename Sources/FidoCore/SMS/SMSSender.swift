#if canImport(Glibc)
  import Glibc
#endif

/// Sends the SMS outbox: the notification stored on each transaction.
///
/// Twilio's create call has no idempotency key, so a notification is only
/// resent blind after an outcome that proves Twilio never took it (429, or a
/// connection that failed before the request went out). After an ambiguous
/// outcome (timeout, dropped connection, 5xx) the notification is marked
/// `ambiguous_since`, and every later attempt first looks the message up
/// (by `To`, `DateSent`, the exact body and its creation time, skipping a
/// message whose sid another notification of the user holds) before sending
/// again.
///
/// A send goes to the user's current phone, read just before it (DESIGN,
/// "Alerts"), not the number stored when the transaction was recorded: a
/// phone changed since then gets the alert, a phone removed (or the user
/// deleted) turns it `skipped` (`no phone`) without a request to Twilio.
/// A send refused with 21610 (the recipient replied STOP) marks that phone
/// opted out on the user: later alerts to it are `skipped` (`opted_out`)
/// until the phone changes.
package final class SMSSender {
  let store: FidoStore
  let client: TwilioClient
  let timeoutMS: Int64
  let random: (ClosedRange<Double>) -> Double

  package init(
    store: FidoStore, settings: TwilioSettings, timeoutMS: Int64,
    log: (@Sendable (String) -> Void)?,
    random: @escaping (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
  ) {
    self.store = store
    self.timeoutMS = timeoutMS
    self.random = random
    client = TwilioClient(TwilioConfig(settings, timeoutMS: timeoutMS), log: log)
  }

  /// Checks the settings the way the client needs them (`TwilioConfig.validate()`):
  /// above all, plain `http` only to a loopback host, so the Basic credentials
  /// never cross a network in clear text. Commands call this before they write
  /// or send anything, so a bad setting is a configuration error (exit 78).
  package static func checkSettings(_ settings: TwilioSettings, timeoutMS: Int64) throws(FidoError)
  {
    try TwilioConfig(settings, timeoutMS: timeoutMS).validate()
  }

  /// How long an alert whose transaction fido cannot read waits before it
  /// is tried again: long enough that a pass (or a worker) is not held up
  /// by it, short enough that a fixed document's alert goes out the same hour.
  package static let putOffMillis: Int64 = 3_600_000

  /// How long a claim on a notification lasts.
  var leaseMillis: Int64 { Self.leaseMillis(timeoutMS: timeoutMS) }

  /// Longer than the most a holder can spend on one notification, so a claim
  /// never lapses while its holder may still send: up to three attempts
  /// (`txn add`), each a lookup and a send and a lookup again, every lookup
  /// up to `maxLookupPages` requests, every request bounded by the timeout.
  package static func leaseMillis(timeoutMS: Int64) -> Int64 {
    10_000 + 3 * (2 * Int64(TwilioClient.maxLookupPages) + 1) * timeoutMS
  }

  /// `txn add`: a bounded number of tries within the timeout, sleeping only
  /// when a retry can still finish in time. The notification was leased when
  /// the transaction was inserted. The first try goes to the phone `txn add`
  /// just read; a resend reads the user's phone again.
  package func deliverNow(_ txn: Transaction, now: () -> Int64) throws(FidoError) -> Transaction {
    let deadline = now() + timeoutMS
    var txn = txn
    for n in 1...3 {
      let recorded = txn.sms.to
      let userID = txn.userID
      let result = try attempt(txn, now: now()) { () throws(FidoError) -> SMSTarget in
        if n == 1, let recorded { return .phone(recorded) }
        return try store.currentPhone(of: userID)
      }
      txn = try store.recordSMS(txn.id, result, owner: nil, now: now())
      guard txn.sms.status == .pending, case .retry(let delay, _) = result.kind,
        now() + delay + 500 < deadline
      else {
        break
      }
      sleepMillis(delay)
    }
    return txn
  }

  package struct RetrySummary: Sendable {
    package var claimed = 0
    package var sent = 0
    package var failed = 0
    /// The user's phone was removed (or the user deleted) since the alert was recorded.
    package var skipped = 0
    package var stillPending = 0
    /// Twilio refused the credentials: `sms retry` exits 77.
    package var unauthorized: String?
    /// The pass stopped early because Twilio could not be reached or asked
    /// to slow down (the worker backs off); `sms retry` goes on regardless.
    package var twilioTrouble: String?
    /// Alerts not sent because fido cannot read their transactions: put off
    /// by `putOffMillis` with the reason in `sms.last_error`.
    package var unreadable: [UnreadableDocument] = []
  }

  /// One alert's send as `retryDue` reports it to `each`.
  package struct SendReport: Sendable {
    package var transaction: Transaction
    /// Whether the attempt ran into Twilio trouble (unreachable, 5xx, 429).
    package var twilioTrouble: Bool
  }

  /// `sms retry`: claims due notifications one at a time with an atomic
  /// conditional update (a lease), sends each once, records the outcome.
  /// `shouldStop` is asked before each claim; `stopOnTrouble` ends the pass
  /// at the first attempt that found Twilio unreachable, overloaded or
  /// refusing the credentials (the worker's backoff).
  package func retryDue(
    limit: Int64, now: () -> Int64, shouldStop: () -> Bool = { false },
    stopOnTrouble: Bool = false, each: (SendReport) -> Void = { _ in },
    unreadable: (UnreadableDocument) -> Void = { _ in }
  ) throws(FidoError) -> RetrySummary {
    var summary = RetrySummary()
    let owner = ObjectIDGenerator().next(nowMs: now()).hex
    while limit == 0 || Int64(summary.claimed) < limit {
      if shouldStop() { break }
      let claim = try store.claimDueSMS(
        owner: owner, leaseMillis: leaseMillis, putOffMillis: Self.putOffMillis, now: now())
      guard let claim else { break }
      let txn: Transaction
      switch claim {
      case .alert(let claimed): txn = claimed
      case .unreadable(let why):
        summary.unreadable.append(why)
        unreadable(why)
        continue
      }
      summary.claimed += 1
      // One find by _id per claimed alert, just before its send (the claim is
      // a findAndModify on `transactions`, which cannot read `users`).
      let userID = txn.userID
      let result = try attempt(txn, now: now()) { () throws(FidoError) -> SMSTarget in
        try store.currentPhone(of: userID)
      }
      let after = try recordHeld(txn.id, result, owner: owner, now: now)
      switch after.sms.status {
      case .sent, .delivered, .undelivered: summary.sent += 1
      case .failed: summary.failed += 1
      case .skipped: summary.skipped += 1
      case .pending: summary.stillPending += 1
      }
      each(SendReport(transaction: after, twilioTrouble: result.twilioTrouble))
      if case .unauthorized(let reason) = result.kind {
        summary.unauthorized = reason
        break
      }
      if stopOnTrouble && result.twilioTrouble {
        summary.twilioTrouble = after.sms.lastError ?? "Twilio trouble"
        break
      }
    }
    return summary
  }

  /// Records an attempt on an alert this process holds. Once Twilio may have
  /// the message, losing the record would let the lease lapse and another
  /// sender send it again; so a MongoDB outage here is waited out (with
  /// backoff, up to the lease's end) rather than thrown at once.
  private func recordHeld(_ id: ObjectID, _ result: SMSAttempt, owner: String, now: () -> Int64)
    throws(FidoError) -> Transaction
  {
    let giveUpAt = now() + leaseMillis / 2
    var wait: Int64 = 250
    while true {
      do {
        return try store.recordSMS(id, result, owner: owner, now: now())
      } catch {
        guard case .unavailable = error, now() + wait < giveUpAt else { throw error }
        sleepMillis(wait)
        wait = min(wait * 2, 10_000)
      }
    }
  }

  // MARK: - Delivery status

  package struct SyncSummary: Sendable {
    /// Messages fetched (one GET each).
    package var checked = 0
    package var delivered = 0
    package var undelivered = 0
    /// Still on their way (queued, sending, sent, …): fetched again later.
    package var inFlight = 0
    /// Fetches that failed (or that Twilio did not know); fetched again later
    /// unless Twilio has no such message.
    package var errors = 0
    /// Twilio refused the credentials: `sms sync` exits 77.
    package var unauthorized: String?
    /// The pass stopped at a 429 or an unreachable Twilio.
    package var twilioTrouble: String?
    /// Sent alerts not fetched because fido cannot read their transactions.
    package var unreadable: [UnreadableDocument] = []
  }

  /// One fetch as `syncDue` reports it.
  package struct SyncReport: Sendable {
    package var transaction: Transaction
    /// Twilio's status for the message, when the fetch got one.
    package var twilioStatus: String?
    /// `.delivered` or `.undelivered` when that was recorded, else nil.
    package var recorded: SMSState.Status?
    /// Why the fetch gave no status.
    package var error: String?
  }

  /// Twilio statuses that mean the message reached the handset.
  static let deliveredStatuses: Set<String> = ["delivered", "read"]
  /// Twilio statuses that mean it never will.
  static let undeliveredStatuses: Set<String> = ["undelivered", "failed", "canceled"]

  /// How long until a message still in flight is fetched again by the
  /// worker: a tenth of its age, from 15 s up to 30 minutes, so fresh
  /// messages are checked often and old ones cost a few GETs an hour.
  package static func workerPollDelay(sentAt: Int64?, now: Int64) -> Int64 {
    let age = now - (sentAt ?? now)
    return min(max(age / 10, 15_000), 1_800_000)
  }

  /// `sms sync` and the worker: fetches the delivery status of sent alerts
  /// that are due (`next_sync_at` before the pass began, sent in the last 72
  /// hours and at least `minAgeMillis` ago), one GET per message, at most
  /// `limit` (0: all), and records
  /// `delivered` or `undelivered` (with Twilio's error code and message).
  /// A message still in flight is due again after `pollDelay`. A 429 or an
  /// unreachable Twilio ends the pass: that alert is due again after the
  /// backoff (at least Retry-After), the rest stay due.
  package func syncDue(
    limit: Int64, now: () -> Int64, pollDelay: (Transaction, Int64) -> Int64,
    minAgeMillis: Int64 = 0, shouldStop: () -> Bool = { false },
    each: (SyncReport) -> Void = { _ in },
    unreadable: (UnreadableDocument) -> Void = { _ in }
  ) throws(FidoError) -> SyncSummary {
    var summary = SyncSummary()
    let passStart = now()
    // Longer than one fetch can take: a syncer that dies leaves it due again.
    let lease = 30_000 + timeoutMS
    while limit == 0 || Int64(summary.checked) < limit {
      if shouldStop() { break }
      let claim = try store.claimSyncableSMS(
        dueBefore: passStart, minAgeMillis: minAgeMillis, leaseMillis: lease,
        putOffMillis: Self.putOffMillis, now: now())
      guard let claim else { break }
      let txn: Transaction
      switch claim {
      case .alert(let claimed): txn = claimed
      case .unreadable(let why):
        summary.unreadable.append(why)
        unreadable(why)
        continue
      }
      guard let sid = txn.sms.sid else {
        try store.recordSync(txn.id, sid: "", .abandon(reason: "no message sid"), now: now())
        continue
      }
      summary.checked += 1
      var report = SyncReport(transaction: txn)
      let fetched = client.fetch(sid: sid)
      let record: FidoStore.SyncRecord
      var stop = false
      switch fetched {
      case .message(let status, let code, let message):
        report.twilioStatus = status
        if Self.deliveredStatuses.contains(status) {
          record = .delivered
          report.recorded = .delivered
          summary.delivered += 1
        } else if Self.undeliveredStatuses.contains(status) {
          let text =
            code.map { "Twilio error \($0): \(message ?? status)" }
            ?? "Twilio status \(status)\(message.map { ": " + $0 } ?? "")"
          record = .undelivered(code: code.map(Int64.init), message: text)
          report.recorded = .undelivered
          summary.undelivered += 1
        } else {
          record = .again(at: now() + pollDelay(txn, now()))
          summary.inFlight += 1
        }
      case .notFound(let reason):
        record = .abandon(reason: "Twilio has no message \(sid) (\(reason)); delivery unknown")
        report.error = reason
        summary.errors += 1
      case .rateLimited(let reason, let retryAfter):
        record = .again(at: now() + backoff(1, retryAfter))
        report.error = reason
        summary.errors += 1
        summary.twilioTrouble = reason
        stop = true
      case .failed(let reason):
        record = .again(at: now() + backoff(1, nil))
        report.error = reason
        summary.errors += 1
        summary.twilioTrouble = reason
        stop = true
      case .unauthorized(let reason):
        record = .again(at: now())
        report.error = reason
        summary.errors += 1
        summary.unauthorized = reason
        stop = true
      }
      try store.recordSync(txn.id, sid: sid, record, now: now())
      if let recorded = report.recorded {
        report.transaction.sms.status = recorded
      }
      each(report)
      if stop { break }
    }
    return summary
  }

  /// The reason an alert whose user has no phone any more is `skipped`.
  package static let noPhoneReason = "no phone"

  /// One attempt: a lookup first when an earlier outcome was ambiguous (at
  /// the number that send went to), then a send to `currentPhone()`, which is
  /// read only when a send is about to happen; no phone, or a phone that
  /// opted out, skips the alert.
  func attempt(
    _ txn: Transaction, now: Int64, currentPhone: () throws(FidoError) -> SMSTarget
  ) throws(FidoError) -> SMSAttempt {
    guard let body = txn.sms.body else {
      return SMSAttempt(kind: .failed(reason: "no message text stored"), ambiguous: false)
    }
    // A message another of the user's notifications already holds is not this one.
    let isTaken = { (sid: String) in
      (try? self.store.smsSIDIsRecorded(sid, user: txn.userID, except: txn.id)) ?? false
    }
    if let since = txn.sms.ambiguousSince, let sentTo = txn.sms.to {
      switch client.lookup(to: sentTo, body: body, sentAfterMs: since, isTaken: isTaken) {
      case .found(let sid): return SMSAttempt(kind: .sent(sid: sid), ambiguous: false)
      case .notFound: break
      case .failed(let reason):
        return SMSAttempt(
          kind: .retry(
            delayMs: backoff(txn.sms.attempts + 1, nil),
            reason: "lookup after an unclear send failed: \(reason)"),
          ambiguous: true, twilioTrouble: true)
      case .unauthorized(let reason):
        return SMSAttempt(kind: .unauthorized(reason: reason), ambiguous: true, twilioTrouble: true)
      }
    }
    let to: String
    switch try currentPhone() {
    case .noPhone:
      return SMSAttempt(kind: .skipped(reason: Self.noPhoneReason), ambiguous: false)
    case .optedOut:
      return SMSAttempt(kind: .skipped(reason: SMSState.optedOutReason), ambiguous: false)
    case .phone(let phone): to = phone
    }
    let attemptNo = txn.sms.attempts + 1
    var result = send(txn, to: to, body: body, attemptNo: attemptNo, now: now, isTaken: isTaken)
    result.to = to
    if case .failed = result.kind, result.optedOut {
      try store.markOptedOut(
        user: txn.userID, phone: to, reason: "Twilio error \(Self.unsubscribedCode)", now: now)
    }
    return result
  }

  /// Twilio's error for a send to a number that replied STOP.
  package static let unsubscribedCode = 21610

  /// One create request to `to`, and a lookup there if its outcome is unclear.
  private func send(
    _ txn: Transaction, to: String, body: String, attemptNo: Int64, now: Int64,
    isTaken: (String) -> Bool
  ) -> SMSAttempt {
    switch client.send(to: to, body: body) {
    case .sent(let sid, _):
      return SMSAttempt(kind: .sent(sid: sid), ambiguous: false)
    case .retryable(let reason, let retryAfter):
      // An earlier unclear send may still be at Twilio: keep looking it up.
      return SMSAttempt(
        kind: .retry(delayMs: backoff(attemptNo, retryAfter), reason: reason),
        ambiguous: txn.sms.ambiguousSince != nil, twilioTrouble: true)
    case .ambiguous(let reason):
      // Twilio may have the message: look it up before any resend.
      switch client.lookup(
        to: to, body: body, sentAfterMs: txn.sms.ambiguousSince ?? now, isTaken: isTaken)
      {
      case .found(let sid): return SMSAttempt(kind: .sent(sid: sid), ambiguous: false)
      default:
        return SMSAttempt(
          kind: .retry(
            delayMs: backoff(attemptNo, nil),
            reason: "unclear outcome (\(reason)); will look it up before resending"),
          ambiguous: true, ambiguousAt: txn.sms.ambiguousSince ?? now, twilioTrouble: true)
      }
    case .permanent(let code, let reason):
      var result = SMSAttempt(
        kind: .failed(reason: reason),  // names the code (TwilioClient.describe)
        ambiguous: false)
      result.optedOut = code == Self.unsubscribedCode
      return result
    case .unauthorized(let reason):
      return SMSAttempt(
        kind: .unauthorized(reason: reason), ambiguous: txn.sms.ambiguousSince != nil,
        twilioTrouble: true)
    }
  }

  func backoff(_ attempt: Int64, _ retryAfter: Int?) -> Int64 {
    Backoff.delay(attempt: Int(min(attempt, 64)), retryAfter: retryAfter, random: random)
  }
}
