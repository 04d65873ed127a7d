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
  /// Twilio was unreachable, answered 5xx or 429, or refused the
  /// credentials: a worker backs off before its next send.
  var twilioTrouble = false
  /// Twilio refused the send with 21610: the number unsubscribed.
  var optedOut = false
  /// The number a create request went to (the user's phone at the time),
  /// recorded as `sms.to` so a later lookup asks about that number.
  var to: String? = nil
}
