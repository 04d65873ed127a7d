/// What became of one attempt to create a message, in the terms the outbox
/// acts on. `reason` texts come from Twilio or libcurl and never hold credentials.
package enum SendOutcome: Sendable, Equatable {
  /// Twilio created the message (201 with a valid sid).
  case sent(sid: String, status: String)
  /// Twilio did not create it and a later attempt may succeed: 429 / 20429
  /// ("never processed"), 21611 (sender queue full), or a connection that
  /// failed before the request went out. `retryAfterSeconds` is the
  /// response's Retry-After, when it had one.
  case retryable(reason: String, retryAfterSeconds: Int?)
  /// Twilio may have created it: a timeout or dropped connection after the
  /// request went out, a 5xx, a 201 without a valid sid, or any other answer
  /// a create is not documented to give. Look it up before sending again.
  case ambiguous(reason: String)
  /// Twilio refused this message for good (any other 4xx: 21211 invalid
  /// number, 21610 unsubscribed, 21614 not mobile, 21408, 21606, 21608,
  /// 21617, 21635, …). `code` is Twilio's error code when the body had one.
  case permanent(code: Int?, reason: String)
  /// Twilio refused the credentials (401, 403, 20003): nothing was sent and
  /// nothing will be until the settings change.
  case unauthorized(reason: String)
}
