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
public final class SMSSender {
  let store: FidoStore
  let client: TwilioClient
  let timeoutMS: Int64
  let random: (ClosedRange<Double>) -> Double

  public init(
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
  public static func checkSettings(_ settings: TwilioSettings, timeoutMS: Int64) throws(FidoError) {
    try TwilioConfig(settings, timeoutMS: timeoutMS).validate()
  }

  /// How long a claim on a notification lasts.
  var leaseMillis: Int64 { Self.leaseMillis(timeoutMS: timeoutMS) }

  /// Longer than the most a holder can spend on one notification, so a claim
  /// never lapses while its holder may still send: up to three attempts
  /// (`txn add`), each a lookup and a send and a lookup again, every lookup
  /// up to `maxLookupPages` requests, every request bounded by the timeout.
  public static func leaseMillis(timeoutMS: Int64) -> Int64 {
    10_000 + 3 * (2 * Int64(TwilioClient.maxLookupPages) + 1) * timeoutMS
  }

  /// `txn add`: a bounded number of tries within the timeout, sleeping only
  /// when a retry can still finish in time. The notification was leased when
  /// the transaction was inserted. The first try goes to the phone `txn add`
  /// just read; a resend reads the user's phone again.
  public func deliverNow(_ txn: Transaction, now: () -> Int64) throws(FidoError) -> Transaction {
    let deadline = now() + timeoutMS
    var txn = txn
    for n in 1...3 {
      let recorded = txn.sms.to
      let userID = txn.userID
      let result = try attempt(txn, now: now()) { () throws(FidoError) -> String? in
        n == 1 ? recorded : try store.currentPhone(of: userID)
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

  public struct RetrySummary: Sendable {
    public var claimed = 0
    public var sent = 0
    public var failed = 0
    /// The user's phone was removed (or the user deleted) since the alert was recorded.
    public var skipped = 0
    public var stillPending = 0
    /// Twilio refused the credentials: `sms retry` exits 77.
    public var unauthorized: String?
  }

  /// `sms retry`: claims due notifications one at a time with an atomic
  /// conditional update (a lease), sends each once, records the outcome.
  public func retryDue(limit: Int64, now: () -> Int64) throws(FidoError) -> RetrySummary {
    var summary = RetrySummary()
    let owner = ObjectIDGenerator().next(nowMs: now()).hex
    while limit == 0 || Int64(summary.claimed) < limit {
      guard let txn = try store.claimDueSMS(owner: owner, leaseMillis: leaseMillis, now: now())
      else { break }
      summary.claimed += 1
      // One find by _id per claimed alert, just before its send (the claim is
      // a findAndModify on `transactions`, which cannot read `users`).
      let userID = txn.userID
      let result = try attempt(txn, now: now()) { () throws(FidoError) -> String? in
        try store.currentPhone(of: userID)
      }
      let after = try store.recordSMS(txn.id, result, owner: owner, now: now())
      switch after.sms.status {
      case .sent: summary.sent += 1
      case .failed: summary.failed += 1
      case .skipped: summary.skipped += 1
      case .pending: summary.stillPending += 1
      }
      if case .unauthorized(let reason) = result.kind {
        summary.unauthorized = reason
        break
      }
    }
    return summary
  }

  /// The reason an alert whose user has no phone any more is `skipped`.
  public static let noPhoneReason = "no phone"

  /// One attempt: a lookup first when an earlier outcome was ambiguous (at
  /// the number that send went to), then a send to `currentPhone()`, which is
  /// read only when a send is about to happen; nil skips the alert.
  func attempt(
    _ txn: Transaction, now: Int64, currentPhone: () throws(FidoError) -> String?
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
          ambiguous: true)
      case .unauthorized(let reason):
        return SMSAttempt(kind: .unauthorized(reason: reason), ambiguous: true)
      }
    }
    guard let to = try currentPhone() else {
      return SMSAttempt(kind: .skipped(reason: Self.noPhoneReason), ambiguous: false)
    }
    let attemptNo = txn.sms.attempts + 1
    var result = send(txn, to: to, body: body, attemptNo: attemptNo, now: now, isTaken: isTaken)
    result.to = to
    return result
  }

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
        ambiguous: txn.sms.ambiguousSince != nil)
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
          ambiguous: true, ambiguousAt: txn.sms.ambiguousSince ?? now)
      }
    case .permanent(let code, let reason):
      return SMSAttempt(
        kind: .failed(reason: code.map { "Twilio error \($0): \(reason)" } ?? reason),
        ambiguous: false)
    case .unauthorized(let reason):
      return SMSAttempt(
        kind: .unauthorized(reason: reason), ambiguous: txn.sms.ambiguousSince != nil)
    }
  }

  func backoff(_ attempt: Int64, _ retryAfter: Int?) -> Int64 {
    Backoff.delay(attempt: Int(min(attempt, 64)), retryAfter: retryAfter, random: random)
  }
}

/// What one attempt came to, as the outbox records it.
struct SMSAttempt {
  enum Kind {
    case sent(sid: String)
    case retry(delayMs: Int64, reason: String)
    case failed(reason: String)
    case unauthorized(reason: String)
    /// Not sent and never will be: the user has no phone any more.
    case skipped(reason: String)
  }
  var kind: Kind
  /// Twilio may hold the message: later attempts look it up first.
  var ambiguous: Bool
  var ambiguousAt: Int64? = nil
  /// The number a create request went to (the user's phone at the time),
  /// recorded as `sms.to` so a later lookup asks about that number.
  var to: String? = nil
}

func sleepMillis(_ ms: Int64) {
  guard ms > 0 else { return }
  var request = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
  var remaining = timespec()
  while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
