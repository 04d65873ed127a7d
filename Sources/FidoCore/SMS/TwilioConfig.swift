/// What the Twilio client needs: the account, its credentials, the sender and
/// where the API lives (`TWILIO_API_BASE`, a loopback double in tests).
/// Printing or dumping a config never shows the auth token.
package struct TwilioConfig: Sendable {
  package static let defaultAPIBase = Config.defaultTwilioBase

  /// The account, credentials, sender and API base, as configured.
  package var settings: TwilioSettings
  /// Limit for each request to Twilio, connecting included.
  package var timeoutMS: Int64

  package init(_ settings: TwilioSettings, timeoutMS: Int64) {
    self.settings = settings
    self.timeoutMS = timeoutMS
  }

  package init(
    accountSID: String, authToken: String, from: String? = nil, messagingServiceSID: String? = nil,
    apiBase: String = TwilioConfig.defaultAPIBase, timeoutMS: Int64 = 10_000
  ) {
    self.init(
      TwilioSettings(
        accountSID: accountSID, authToken: authToken, from: from,
        messagingServiceSID: messagingServiceSID,
        apiBase: apiBase),
      timeoutMS: timeoutMS)
  }

  package var accountSID: String { settings.accountSID }
  package var authToken: String { settings.authToken }
  /// `TWILIO_FROM`: a Twilio number (E.164), short code or alphanumeric sender ID.
  package var from: String? { settings.from }
  /// `TWILIO_MESSAGING_SERVICE_SID`; with `from` as well, `from` picks the sender.
  package var messagingServiceSID: String? { settings.messagingServiceSID }
  /// Scheme and authority, optionally a path prefix; no trailing slash needed.
  package var apiBase: String { settings.apiBase }

  /// Checks the settings before anything is sent, so a bad setting is a
  /// configuration error (exit 78) rather than a notification Twilio rejects
  /// for good. The base URL must be `https`, or `http` to a loopback host
  /// (tests), so the credentials never cross a network in clear text.
  package func validate() throws(FidoError) {
    guard TwilioSettings.isSID(accountSID, prefix: "AC") else {
      throw .config("TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits")
    }
    guard !authToken.isEmpty else { throw .config("TWILIO_AUTH_TOKEN is empty") }
    let sender = from.map { !$0.isEmpty } ?? false
    let service = messagingServiceSID.map { !$0.isEmpty } ?? false
    guard sender || service else {
      throw .config("set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID to send SMS")
    }
    if service, let sid = messagingServiceSID, !TwilioSettings.isSID(sid, prefix: "MG") {
      throw .config("TWILIO_MESSAGING_SERVICE_SID must be MG followed by 32 hex digits")
    }
    guard timeoutMS > 0 else { throw .config("the Twilio timeout must be positive") }
    guard Config.smsValidityRange.contains(settings.validitySeconds) else {
      throw .config("FIDO_SMS_VALIDITY must be whole seconds from 1 to 36000")
    }
    try Self.validateBase(apiBase)
  }

  private static func validateBase(_ base: String) throws(FidoError) {
    let lower = base.lowercased()
    let scheme = ["https", "http"].first { lower.hasPrefix($0 + "://") }
    guard let scheme else {
      throw .config("TWILIO_API_BASE must be an https URL such as \(defaultAPIBase)")
    }
    let authority = lower.dropFirst(scheme.count + 3).prefix { $0 != "/" }
    guard !authority.isEmpty, !authority.contains("@"), !base.contains("?"), !base.contains("#")
    else {
      throw .config(
        "TWILIO_API_BASE must be a plain base URL without credentials, query or fragment")
    }
    var host = authority
    if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
      host = authority[..<colon]
    }
    guard scheme == "https" || ["127.0.0.1", "localhost", "[::1]"].contains(host) else {
      throw .config("TWILIO_API_BASE must use https (plain http only to a loopback address)")
    }
  }
}

/// Shows the settings through their own redacting description: never the token.
extension TwilioConfig: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  package var description: String { "TwilioConfig(\(settings), timeoutMS: \(timeoutMS))" }
  package var debugDescription: String { description }
  package var customMirror: Mirror {
    Mirror(self, children: ["settings": settings, "timeoutMS": timeoutMS], displayStyle: .struct)
  }
}
