/// fido's resolved settings. Each comes from, in order: its flag, the
/// environment, the env file (`--env-file`, else `FIDO_ENV_FILE`), the
/// default. Descriptions, debug output and mirrors never show the URI's
/// password or the Twilio auth token.
public struct Config: Sendable, Equatable {
  public static let defaultURI = "mongodb://127.0.0.1:27017"
  public static let defaultDB = "fido"
  public static let defaultTimeoutMS: Int64 = 10_000
  public static let defaultTwilioBase = "https://api.twilio.com"
  /// The longest `--timeout` accepted: one day.
  public static let maxTimeoutMS: Int64 = 86_400_000

  public var uri: String
  /// Where `uri` came from: an unreachable default earns the "start a local
  /// server" hint (`unreachableFix`), a URI someone chose does not.
  public var uriOrigin: URIOrigin
  public var db: String
  /// nil: choose by terminal (`table` on a terminal, else `tsv`).
  public var output: OutputFormat?
  public var quiet: Bool
  public var noColor: Bool
  public var timeoutMS: Int64
  public var verbose: Bool
  /// The default currency for new users: `FIDO_CURRENCY`, else GHS.
  public var currency: Currency
  /// nil when `TWILIO_ACCOUNT_SID` or `TWILIO_AUTH_TOKEN` is unset: SMS off (status `skipped`).
  public var twilio: TwilioSettings?
  public var twilioBase: String
  /// The env file that was read, if any.
  public var envFile: String?
  /// `FIDO_SMS_VALIDITY`: the `ValidityPeriod` every create carries, in seconds.
  public var smsValiditySeconds: Int = Config.defaultSMSValiditySeconds
  /// `FIDO_SMS_MODE`: whether `txn add` sends the alert itself or leaves it
  /// pending for `fido sms worker`.
  public var smsMode: SMSMode = .send

  /// Twilio's default `ValidityPeriod` is 36000 s (10 h); an alert that late
  /// misleads more than it helps, so fido asks for one hour.
  public static let defaultSMSValiditySeconds = 3600
  /// The range Twilio's API accepts for `ValidityPeriod`.
  public static let smsValidityRange = 1...36000

  public enum SMSMode: String, Sendable, Equatable, CaseIterable {
    /// `txn add` sends the alert before it returns (the default).
    case send
    /// `txn add` records the alert as pending; a worker sends it.
    case queue
  }

  /// Where the MongoDB URI came from, in precedence order.
  public enum URIOrigin: Sendable, Equatable {
    /// `--uri`, or a value the caller set in code.
    case option
    /// `MONGO_URI` in the environment.
    case environment
    /// `MONGO_URI` in the env file.
    case envFile
    // Profiles (DESIGN, "Profiles") add `case profile(String)`: the active
    // section's MONGO_URI, a URI someone chose (so no "make server" hint).
    /// Nothing named one: `Config.defaultURI`.
    case `default`
  }

  /// `uriOrigin` nil: `.default` for the default URI, else `.option`.
  public init(
    uri: String = Config.defaultURI, uriOrigin: URIOrigin? = nil, db: String = Config.defaultDB,
    output: OutputFormat? = nil,
    quiet: Bool = false, noColor: Bool = false, timeoutMS: Int64 = Config.defaultTimeoutMS,
    verbose: Bool = false, currency: Currency = .ghs, twilio: TwilioSettings? = nil,
    twilioBase: String = Config.defaultTwilioBase, envFile: String? = nil
  ) {
    self.uri = uri
    self.uriOrigin = uriOrigin ?? (uri == Config.defaultURI ? .default : .option)
    self.db = db
    self.output = output
    self.quiet = quiet
    self.noColor = noColor
    self.timeoutMS = timeoutMS
    self.verbose = verbose
    self.currency = currency
    self.twilio = twilio
    self.twilioBase = twilioBase
    self.envFile = envFile
  }

  /// Resolves the settings. `flags` holds parsed global options by long
  /// name (`uri`, `db`, `output`, `quiet`, `no-color`, `env-file`,
  /// `timeout`, `verbose`; a flag without a value is present as `""`).
  ///
  /// A bad `--output` or `--timeout` value is a usage error; the same
  /// mistake in the environment or env file, a malformed URI, an
  /// unreadable env file or inconsistent SMS settings is a configuration
  /// error. Empty environment values count as unset.
  public static func resolve(flags: [String: String], environment: [String: String])
    throws(FidoError) -> Config
  {
    var fileValues: [String: String] = [:]
    var envFilePath: String? = nil
    if let path = flags["env-file"] {
      envFilePath = path
    } else if let path = environment["FIDO_ENV_FILE"], !path.isEmpty {
      envFilePath = path
    }
    if let envFilePath { fileValues = try EnvFile.load(path: envFilePath) }

    /// The environment value, else the env file's, with where it came from.
    func setting(_ name: String) -> (value: String, origin: String, fromFile: Bool)? {
      if let v = environment[name], !v.isEmpty { return (v, name, false) }
      if let v = fileValues[name], !v.isEmpty, let envFilePath {
        return (v, "\(name) in env file \(CoreText.quoted(envFilePath))", true)
      }
      return nil
    }

    var config = Config(envFile: envFilePath)

    // uri
    if let v = flags["uri"] {
      config.uri = try checkedURI(v, origin: "--uri")
      config.uriOrigin = .option
    } else if let s = setting("MONGO_URI") {
      config.uri = try checkedURI(s.value, origin: s.origin)
      config.uriOrigin = s.fromFile ? .envFile : .environment
    }
    // A profile's MONGO_URI, once profiles exist, is resolved here too and sets
    // `uriOrigin = .profile(name)`; only a URI nothing chose stays `.default`.

    // db
    if let v = flags["db"] {
      config.db = try checkedDB(v, origin: "--db")
    } else if let s = setting("MONGO_DB_NAME") {
      config.db = try checkedDB(s.value, origin: s.origin)
    }

    // output
    let formats = OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")
    if let v = flags["output"] {
      guard let f = OutputFormat(rawValue: v) else {
        throw .usage("invalid value \(CoreText.quoted(v)) for --output: use one of \(formats)")
      }
      config.output = f
    } else if let s = setting("FIDO_OUTPUT") {
      guard let f = OutputFormat(rawValue: s.value) else {
        throw .config("invalid \(s.origin) \(CoreText.quoted(s.value)): use one of \(formats)")
      }
      config.output = f
    }

    config.quiet = flags["quiet"] != nil
    config.verbose = flags["verbose"] != nil
    config.noColor = flags["no-color"] != nil || setting("NO_COLOR") != nil

    // timeout
    if let v = flags["timeout"] {
      guard let ms = parseTimeout(v) else { throw .usage(timeoutMessage("--timeout", v)) }
      config.timeoutMS = ms
    } else if let s = setting("FIDO_TIMEOUT") {
      guard let ms = parseTimeout(s.value) else { throw .config(timeoutMessage(s.origin, s.value)) }
      config.timeoutMS = ms
    }

    // currency
    if let s = setting("FIDO_CURRENCY") {
      do {
        config.currency = try Currency.parse(s.value)
      } catch {
        throw .config("\(s.origin): \(error.message)")
      }
    }

    // Twilio
    if let s = setting("TWILIO_API_BASE") {
      var base = s.value
      guard base.hasPrefix("https://") || base.hasPrefix("http://"), base.utf8.count > 8 else {
        throw .config("SMS settings: \(s.origin) must start with https:// or http://")
      }
      while base.hasSuffix("/") { base.removeLast() }
      config.twilioBase = base
    }
    if let s = setting("FIDO_SMS_VALIDITY") {
      let digits = s.value.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
      guard digits, s.value.utf8.count <= 6, let n = Int(s.value), smsValidityRange.contains(n)
      else {
        throw .config(
          "invalid \(s.origin) \(CoreText.quoted(s.value)): use whole seconds from \(smsValidityRange.lowerBound) to \(smsValidityRange.upperBound) (Twilio's ValidityPeriod), e.g. 3600"
        )
      }
      config.smsValiditySeconds = n
    }
    if let s = setting("FIDO_SMS_MODE") {
      guard let mode = SMSMode(rawValue: s.value) else {
        throw .config(
          "invalid \(s.origin) \(CoreText.quoted(s.value)): use send (txn add sends) or queue (fido sms worker sends)"
        )
      }
      config.smsMode = mode
    }
    if let sid = setting("TWILIO_ACCOUNT_SID"), let token = setting("TWILIO_AUTH_TOKEN") {
      guard TwilioConfig.isSID(sid.value, prefix: "AC") else {
        throw .config("SMS settings: \(sid.origin) must be AC followed by 32 hex digits")
      }
      let from = setting("TWILIO_FROM")
      let service = setting("TWILIO_MESSAGING_SERVICE_SID")
      if from == nil && service == nil {
        throw .config("SMS settings: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
      }
      if let service, !TwilioConfig.isSID(service.value, prefix: "MG") {
        throw .config("SMS settings: \(service.origin) must be MG followed by 32 hex digits")
      }
      if let from, from.value.hasPrefix("+") {
        do { _ = try Phone.validate(from.value) } catch {
          throw .config(
            "SMS settings: \(from.origin) \(CoreText.quoted(from.value)) is not an E.164 number")
        }
      }
      config.twilio = TwilioSettings(
        accountSID: sid.value, authToken: token.value, from: from?.value,
        messagingServiceSID: service?.value,
        apiBase: config.twilioBase, validitySeconds: config.smsValiditySeconds)
    }
    return config
  }

  /// What "cannot reach MongoDB" suggests. A URI someone set: check it. The
  /// default (nothing set): most likely a newcomer with no local server yet,
  /// so name the one-command way to start one (`make server` in the source
  /// tree, on the default port) and the setting that points fido elsewhere.
  public var unreachableFix: String {
    switch uriOrigin {
    case .default:
      return
        "no MongoDB URI is set (--uri, MONGO_URI, env file), so fido tried the default; start a local server with 'make server' in fido's source tree, or set MONGO_URI"
    case .option, .environment, .envFile:
      return MongoError.defaultUnreachableFix
    }
  }

  /// The URI with its password and secret query options replaced by `****`.
  public var redactedURI: String { Config.redact(uri: uri) }

  /// `mongodb://user:****@host/?authMechanismProperties=****`: safe to print
  /// or log, even when the string is malformed (`URIRedaction`). Works on
  /// any URL with userinfo (`TWILIO_API_BASE`'s `https://user:****@host`).
  public static func redact(uri: String) -> String { URIRedaction.redact(uri: uri) }

  // MARK: - private

  private static func checkedURI(_ uri: String, origin: String) throws(FidoError) -> String {
    guard uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") else {
      throw .config(
        "invalid MongoDB URI \(CoreText.quoted(redact(uri: uri))) from \(origin): it must start with mongodb:// or mongodb+srv://"
      )
    }
    return uri
  }

  /// MongoDB database names: 1–63 bytes, none of `/\. "$*<>:|?` or NUL.
  private static func checkedDB(_ name: String, origin: String) throws(FidoError) -> String {
    let forbidden = Set("/\\. \"$*<>:|?\0".utf8)
    guard !name.isEmpty, name.utf8.count < 64, !name.utf8.contains(where: forbidden.contains) else {
      throw .config(
        "invalid database name \(CoreText.quoted(name)) from \(origin): use 1–63 characters without / \\ . space \" $ * < > : | ?"
      )
    }
    return name
  }

  private static func timeoutMessage(_ origin: String, _ value: String) -> String {
    "invalid \(origin) \(CoreText.quoted(value)): use a positive number of seconds such as 10 or 0.5 (at most 86400)"
  }

  /// Positive decimal seconds (`10`, `0.5`, `2.25`) → milliseconds; nil if invalid,
  /// under a millisecond or over a day.
  static func parseTimeout(_ text: String) -> Int64? {
    let parts = text.utf8.split(
      separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
    let isDigit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
    guard let intPart = parts.first, !intPart.isEmpty, intPart.allSatisfy(isDigit) else {
      return nil
    }
    var frac = parts.count == 2 ? Array(parts[1]) : []
    if parts.count == 2 && (frac.isEmpty || !frac.allSatisfy(isDigit)) { return nil }
    var seconds: Int64 = 0
    for c in intPart {
      seconds = seconds * 10 + Int64(c - 0x30)
      if seconds > maxTimeoutMS / 1000 { return nil }
    }
    frac = Array((frac + [0x30, 0x30, 0x30]).prefix(3))  // milliseconds; finer digits dropped
    let fracMS = frac.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
    let ms = seconds * 1000 + fracMS
    guard ms >= 1, ms <= maxTimeoutMS else { return nil }
    return ms
  }
}

extension Config: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
  public var description: String {
    "Config(uri: \(redactedURI), uriOrigin: \(uriOrigin), db: \(db), output: \(output?.rawValue ?? "auto"), quiet: \(quiet), "
      + "noColor: \(noColor), timeoutMS: \(timeoutMS), verbose: \(verbose), currency: \(currency.code), "
      + "twilio: \(twilio.map(\.description) ?? "off"), twilioBase: \(Config.redact(uri: twilioBase)), envFile: \(envFile ?? "none"), "
      + "smsValiditySeconds: \(smsValiditySeconds), smsMode: \(smsMode.rawValue))"
  }
  public var debugDescription: String { description }
  public var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "uri": redactedURI, "uriOrigin": uriOrigin, "db": db, "output": output as Any,
        "quiet": quiet, "noColor": noColor,
        "timeoutMS": timeoutMS, "verbose": verbose, "currency": currency.code,
        "twilio": twilio as Any,
        "twilioBase": Config.redact(uri: twilioBase), "envFile": envFile as Any,
        "smsValiditySeconds": smsValiditySeconds, "smsMode": smsMode.rawValue,
      ], displayStyle: .struct)
  }
}
