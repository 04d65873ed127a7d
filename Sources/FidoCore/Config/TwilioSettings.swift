/// Settings for sending SMS through Twilio. Its description never shows the auth token.
package struct TwilioSettings: Sendable, Equatable {
  package var accountSID: String
  package var authToken: String
  package var from: String?
  package var messagingServiceSID: String?
  /// `https://api.twilio.com` unless `TWILIO_API_BASE` points elsewhere (tests); no trailing `/`.
  package var apiBase: String
  /// `ValidityPeriod` on every create: how long Twilio may queue the message (`FIDO_SMS_VALIDITY`).
  package var validitySeconds: Int

  package init(
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

  /// Whether `text` is a Twilio SID: `prefix` (`AC`, `MG`, `SM`, `MM`) and
  /// 32 hex digits. Configuration checks the account and service SIDs with
  /// it, the SMS client the message SIDs Twilio returns.
  static func isSID(_ text: String, prefix: String) -> Bool {
    let bytes = Array(text.utf8)
    return bytes.count == 34 && text.hasPrefix(prefix) && bytes[2...].allSatisfy(\.isHexDigit)
  }
}

extension UInt8 {
  fileprivate var isHexDigit: Bool {
    (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
  }
}

extension TwilioSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  package var description: String {
    "TwilioSettings(accountSID: \(accountSID), authToken: <redacted>, from: \(from ?? "nil"), "
      + "messagingServiceSID: \(messagingServiceSID ?? "nil"), apiBase: \(Config.redact(uri: apiBase)), validitySeconds: \(validitySeconds))"
  }
  package var debugDescription: String { description }
  package var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "accountSID": accountSID, "authToken": "<redacted>", "from": from as Any,
        "messagingServiceSID": messagingServiceSID as Any, "apiBase": Config.redact(uri: apiBase),
        "validitySeconds": validitySeconds,
      ], displayStyle: .struct)
  }
}
