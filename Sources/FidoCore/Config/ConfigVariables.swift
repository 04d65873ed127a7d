/// The environment variables `Config.resolve` reads that no option names
/// (the options' `[env: …]`, such as MONGO_URI for --uri, are in fido's
/// command table): the man page's ENVIRONMENT section lists them from here.
/// A meaning is one or two sentences; `code` spans are in backticks.
package enum ConfigVariables {
  package struct Entry: Sendable {
    package let name: String
    package let meaning: String

    package init(name: String, meaning: String) {
      self.name = name
      self.meaning = meaning
    }
  }

  package static let all: [Entry] = [
    Entry(
      name: "TWILIO_ACCOUNT_SID",
      meaning:
        "The Twilio account SID. SMS is off (alerts are skipped) when it or the token is unset."),
    Entry(
      name: "TWILIO_AUTH_TOKEN",
      meaning: "The Twilio auth token. It is never printed or logged, also not with `-v`."),
    Entry(
      name: "TWILIO_FROM",
      meaning: "The sender number (E.164), unless `TWILIO_MESSAGING_SERVICE_SID` is set."),
    Entry(
      name: "TWILIO_MESSAGING_SERVICE_SID",
      meaning: "A Twilio messaging service to send from instead."),
    Entry(
      name: "TWILIO_API_BASE",
      meaning: "The Twilio API endpoint. Default: `\(Config.defaultTwilioBase)`."),
    Entry(
      name: "FIDO_SMS_VALIDITY",
      meaning:
        "Seconds Twilio may hold an alert before it gives up on it (its ValidityPeriod), \(Config.smsValidityRange.lowerBound) to \(Config.smsValidityRange.upperBound). Default: \(Config.defaultSMSValiditySeconds)."
    ),
    Entry(
      name: "FIDO_SMS_MODE",
      meaning:
        "`\(Config.SMSMode.send.rawValue)` (default): `txn add` sends the alert itself. `\(Config.SMSMode.queue.rawValue)`: it records the alert as pending for `fido sms worker`."
    ),
  ]
}
