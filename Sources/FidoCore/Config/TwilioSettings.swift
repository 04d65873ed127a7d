/// Settings for sending SMS through Twilio. Its description never shows the auth token.
public struct TwilioSettings: Sendable, Equatable {
  public var accountSID: String
  public var authToken: String
  public var from: String?
  public var messagingServiceSID: String?
  /// `https://api.twilio.com` unless `TWILIO_API_BASE` points elsewhere (tests); no trailing `/`.
  public var apiBase: String
  /// `ValidityPeriod` on every create: how long Twilio may queue the message (`FIDO_SMS_VALIDITY`).
  public var validitySeconds: Int

  public init(
    accountSID: String, authToken: String, from: String? = nil, messagingServiceSID: String? = nil,
    apiBase: String = Config.defaultTwilioBase,
    validitySeconds: Int = Config.defaultSMSValiditySeconds
  ) {
    self.accountSID = accountSID
    self.authToken = authToken
    self.from = from
    self.messagingServiceSID = messagingServiceSID
    self.apiBase = apiBase
    self.validitySeconds = validitySeconds
  }
}

extension TwilioSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  public var description: String {
    "TwilioSettings(accountSID: \(accountSID), authToken: <redacted>, from: \(from ?? "nil"), "
      + "messagingServiceSID: \(messagingServiceSID ?? "nil"), apiBase: \(Config.redact(uri: apiBase)), validitySeconds: \(validitySeconds))"
  }
  public var debugDescription: String { description }
  public var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "accountSID": accountSID, "authToken": "<redacted>", "from": from as Any,
        "messagingServiceSID": messagingServiceSID as Any, "apiBase": Config.redact(uri: apiBase),
        "validitySeconds": validitySeconds,
      ], displayStyle: .struct)
  }
}
