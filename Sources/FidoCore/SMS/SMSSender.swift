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
  /// the transaction was inserted.
  public func deliverNow(_ txn: Transaction, now: () -> Int64) throws(FidoError) -> Transaction {
    let deadline = now() + timeoutMS
    var txn = txn
    for _ in 1...3 {
      let result = attempt(txn, now: now())
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
      let result = attempt(txn, now: now())
      let after = try store.recordSMS(txn.id, result, owner: owner, now: now())
      switch after.sms.status {
      case .sent: summary.sent += 1
      case .failed: summary.failed += 1
      default: summary.stillPending += 1
      }
      if case .unauthorized(let reason) = result.kind {
        summary.unauthorized = reason
        break
      }
    }
    return summary
  }

  /// One attempt: a lookup first when an earlier outcome was ambiguous, then a send.
  func attempt(_ txn: Transaction, now: Int64) -> SMSAttempt {
    guard let to = txn.sms.to, let body = txn.sms.body else {
      return SMSAttempt(
        kind: .failed(reason: "no phone number or message text stored"), ambiguous: false)
    }
    // A message another of the user's notifications already holds is not this one.
    let isTaken = { (sid: String) in
      (try? self.store.smsSIDIsRecorded(sid, user: txn.userID, except: txn.id)) ?? false
    }
    if let since = txn.sms.ambiguousSince {
      switch client.lookup(to: to, body: body, sentAfterMs: since, isTaken: isTaken) {
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
    let attemptNo = txn.sms.attempts + 1
    switch client.send(to: to, body: body) {
    case .sent(let sid, _):
      return SMSAttempt(kind: .sent(sid: sid), ambiguous: false)
    case .retryable(let reason, let retryAfter):
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
  }
  var kind: Kind
  /// Twilio may hold the message: later attempts look it up first.
  var ambiguous: Bool
  var ambiguousAt: Int64? = nil
}

func sleepMillis(_ ms: Int64) {
  guard ms > 0 else { return }
  var request = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
  var remaining = timespec()
  while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
