/// fido's resolved settings. Each comes from, in order: its flag, the
/// environment, the env file (`--env-file`, else `FIDO_ENV_FILE`), the
/// profile (`--profile`, else `FIDO_PROFILE`: a section of `ConfigFile`),
/// the default. Descriptions, debug output and mirrors never show the URI's
/// password or the Twilio auth token.
package struct Config: Sendable, Equatable {
  package static let defaultURI = "mongodb://127.0.0.1:27017"
  package static let defaultDB = "fido"
  package static let defaultTimeoutMS: Int64 = 10_000
  package static let defaultTwilioBase = "https://api.twilio.com"
  /// The longest `--timeout` accepted: one day.
  package static let maxTimeoutMS: Int64 = 86_400_000

  package var uri: String
  /// Where `uri` came from: an unreachable default earns the "start a local
  /// server" hint (`unreachableFix`), a URI someone chose does not.
  package var uriOrigin: URIOrigin
  package var db: String
  /// nil: choose by terminal (`table` on a terminal, else `tsv`).
  package var output: OutputFormat?
  package var quiet: Bool
  package var noColor: Bool
  package var timeoutMS: Int64
  package var verbose: Bool
  /// The default currency for new users: `FIDO_CURRENCY`, else GHS. Read
  /// only by a command that needs a default (`user create` without
  /// `--currency`, `db migrate-legacy`): a bad `FIDO_CURRENCY` fails those
  /// (exit 78, naming where it came from) and no other command.
  package var currency: Currency {
    get throws(FidoError) { try defaultCurrency.get() }
  }
  private var defaultCurrency: Result<Currency, FidoError>
  /// nil when `TWILIO_ACCOUNT_SID` or `TWILIO_AUTH_TOKEN` is unset: SMS off (status `skipped`).
  package var twilio: TwilioSettings?
  package var twilioBase: String
  /// The env file that was read, if any.
  package var envFile: String?
  /// One-line warnings about the settings themselves, for stderr (without
  /// the `fido: warning: ` prefix): a password in `--uri`.
  package var warnings: [String] = []
  /// The profile in use (`--profile`, else `FIDO_PROFILE`), if any.
  package var profile: String?
  /// The profile says `protected = true`: destructive prompts ask for the database name.
  package var protected: Bool = false
  /// The config file the profile came from.
  package var configFile: String?
  /// `FIDO_SMS_VALIDITY`: the `ValidityPeriod` every create carries, in seconds.
  package var smsValiditySeconds: Int = Config.defaultSMSValiditySeconds
  /// `FIDO_SMS_MODE`: whether `txn add` sends the alert itself or leaves it
  /// pending for `fido sms worker`.
  package var smsMode: SMSMode = .send

  /// Twilio's default `ValidityPeriod` is 36000 s (10 h); an alert that late
  /// misleads more than it helps, so fido asks for one hour.
  package static let defaultSMSValiditySeconds = 3600
  /// The range Twilio's API accepts for `ValidityPeriod`.
  package static let smsValidityRange = 1...36000

  package enum SMSMode: String, Sendable, Equatable, CaseIterable {
    /// `txn add` sends the alert before it returns (the default).
    case send
    /// `txn add` records the alert as pending; a worker sends it.
    case queue
  }

  /// Where the MongoDB URI came from, in precedence order.
  package enum URIOrigin: Sendable, Equatable {
    /// `--uri`, or a value the caller set in code.
    case option
    /// `MONGO_URI` in the environment.
    case environment
    /// `MONGO_URI` in the env file.
    case envFile
    /// The active profile's MONGO_URI: a URI someone chose (no "make server" hint).
    case profile(String)
    /// Nothing named one: `Config.defaultURI`.
    case `default`
  }

  /// `uriOrigin` nil: `.default` for the default URI, else `.option`.
  package init(
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
    self.defaultCurrency = .success(currency)
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
  package static func resolve(flags: [String: String], environment: [String: String])
    throws(FidoError) -> Config
  {
    var fileValues: [String: String] = [:]
    var envFilePath: String? = nil
    if let path = flags["env-file"] {
      envFilePath = path
    } else if let path = environment["FIDO_ENV_FILE"], !path.isEmpty {
      envFilePath = path
    }
    if let envFilePath {
      fileValues = try EnvFile.load(path: envFilePath)
      try refuseExposedSecret(in: fileValues, path: envFilePath, what: "env file")
    }

    // The profile: --profile, else FIDO_PROFILE (environment, then env file).
    var profileValues: [String: String] = [:]
    var profile: ConfigFile.Profile? = nil
    var configPath: String? = nil
    let profileName =
      flags["profile"]
      ?? [environment["FIDO_PROFILE"], fileValues["FIDO_PROFILE"]].compactMap { $0 }.first {
        !$0.isEmpty
      }
    if let profileName {
      guard let path = ConfigFile.path(environment: environment) else {
        throw .config(
          "profile \(CoreText.quoted(profileName)) needs a config file: set FIDO_CONFIG or HOME")
      }
      guard let file = try ConfigFile.load(path: path) else {
        throw .config(
          "profile \(CoreText.quoted(profileName)) needs the config file \(CoreText.quoted(path)), which does not exist; create it with a [\(profileName)] section, or set FIDO_CONFIG"
        )
      }
      guard let found = file.profile(profileName) else {
        let known = file.profiles.map(\.name)
        throw .config(
          "unknown profile \(CoreText.quoted(profileName)) in config file \(CoreText.quoted(path)); "
            + (known.isEmpty
              ? "it defines no profiles" : "known profiles: " + known.joined(separator: ", ")))
      }
      profile = found
      profileValues = found.values
      configPath = path
    }

    /// The environment value, else the env file's, else the profile's, with where it came from.
    func setting(_ name: String) -> (value: String, origin: String, source: URIOrigin)? {
      if let v = environment[name], !v.isEmpty { return (v, name, .environment) }
      if let v = fileValues[name], !v.isEmpty, let envFilePath {
        return (v, "\(name) in env file \(CoreText.quoted(envFilePath))", .envFile)
      }
      if let v = profileValues[name], !v.isEmpty, let profile {
        return (v, "\(name) in profile \(CoreText.quoted(profile.name))", .profile(profile.name))
      }
      return nil
    }

    var config = Config(envFile: envFilePath)
    config.profile = profile?.name
    config.protected = profile?.protected ?? false
    config.configFile = configPath

    // uri
    if let v = flags["uri"] {
      config.uri = try checkedURI(v, origin: "--uri")
      config.uriOrigin = .option
      if carriesPassword(v) {
        config.warnings.append(
          "the password in --uri can be read by other users of this machine (ps shows the command line); set MONGO_URI or put it in an env file (--env-file) instead"
        )
      }
    } else if let s = setting("MONGO_URI") {
      config.uri = try checkedURI(s.value, origin: s.origin)
      config.uriOrigin = s.source
    }

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
        throw .config("\(s.origin) is \(CoreText.quoted(s.value)): use one of \(formats)")
      }
      config.output = f
    }

    config.quiet = flags["quiet"] != nil
    config.verbose = flags["verbose"] != nil
    config.noColor = flags["no-color"] != nil || setting("NO_COLOR") != nil

    // timeout
    if let v = flags["timeout"] {
      guard let ms = parseTimeout(v) else {
        throw .usage("invalid value \(CoreText.quoted(v)) for --timeout: \(timeoutFix)")
      }
      config.timeoutMS = ms
    } else if let s = setting("FIDO_TIMEOUT") {
      guard let ms = parseTimeout(s.value) else {
        throw .config("\(s.origin) is \(CoreText.quoted(s.value)): \(timeoutFix)")
      }
      config.timeoutMS = ms
    }

    // currency: kept, not thrown, until a command asks for it.
    if let s = setting("FIDO_CURRENCY") {
      do {
        config.defaultCurrency = .success(try Currency.parse(s.value))
      } catch {
        config.defaultCurrency = .failure(.config("\(s.origin): \(error.message)"))
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
          "\(s.origin) is \(CoreText.quoted(s.value)): give whole seconds from \(smsValidityRange.lowerBound) to \(smsValidityRange.upperBound) (Twilio's ValidityPeriod), e.g. 3600"
        )
      }
      config.smsValiditySeconds = n
    }
    if let s = setting("FIDO_SMS_MODE") {
      guard let mode = SMSMode(rawValue: s.value) else {
        throw .config(
          "\(s.origin) is \(CoreText.quoted(s.value)): use send (txn add sends) or queue (fido sms worker sends)"
        )
      }
      config.smsMode = mode
    }
    if let sid = setting("TWILIO_ACCOUNT_SID"), let token = setting("TWILIO_AUTH_TOKEN") {
      guard TwilioSettings.isSID(sid.value, prefix: "AC") else {
        throw .config("SMS settings: \(sid.origin) must be AC followed by 32 hex digits")
      }
      let from = setting("TWILIO_FROM")
      let service = setting("TWILIO_MESSAGING_SERVICE_SID")
      if from == nil && service == nil {
        throw .config("SMS settings: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
      }
      if let service, !TwilioSettings.isSID(service.value, prefix: "MG") {
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

  /// What "cannot reach MongoDB" suggests. A URI someone set: check it,
  /// where it was set (`--uri`, `MONGO_URI`, the env file, the profile). The
  /// default (nothing set): most likely a newcomer with no local server yet,
  /// so name the one-command way to start one (`make server` in the source
  /// tree, on the default port) and the setting that points fido elsewhere.
  package var unreachableFix: String {
    switch uriOrigin {
    case .default:
      return
        "no MongoDB URI is set (--uri, MONGO_URI, env file, profile), so fido tried the default; start a local server with 'make server' in fido's source tree, or set MONGO_URI"
    case .option:
      return MongoError.defaultUnreachableFix
    case .environment:
      return "check MONGO_URI and that the server is running"
    case .envFile:
      return
        "check MONGO_URI in env file \(CoreText.quoted(envFile ?? "?")) and that the server is running"
    case .profile(let name):
      return
        "check MONGO_URI in profile \(CoreText.quoted(name)) and that the server is running"
    }
  }

  /// The URI with its password and secret query options replaced by `****`.
  package var redactedURI: String { Config.redact(uri: uri) }

  /// The hosts of the URI (`db1.example.net:27017,db2.example.net`), without
  /// userinfo: what a destructive prompt names.
  package var hosts: String {
    var rest = Substring(uri)
    if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
    let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
    var authority = rest[..<end]
    if let at = authority.lastIndex(of: "@") {
      authority = authority[authority.index(after: at)...]
    }
    return authority.isEmpty ? "?" : String(authority)
  }

  /// A Twilio account SID shown masked: `AC…7f3a`.
  package static func maskedSID(_ sid: String) -> String {
    sid.count > 6 ? String(sid.prefix(2)) + "…" + String(sid.suffix(4)) : "****"
  }

  /// A file holding a secret (a MONGO_URI with a password, TWILIO_AUTH_TOKEN)
  /// must be readable by its owner only: else exit 78 with the `chmod` that fixes it.
  static func refuseExposedSecret(in values: [String: String], path: String, what: String)
    throws(FidoError)
  {
    var secrets: [String] = []
    if let uri = values["MONGO_URI"], uriHasPassword(uri) { secrets.append("a MONGO_URI password") }
    if let token = values["TWILIO_AUTH_TOKEN"], !token.isEmpty {
      secrets.append("TWILIO_AUTH_TOKEN")
    }
    guard !secrets.isEmpty, CoreFile.readableByOthers(path: path) else { return }
    throw .config(
      "\(what) \(CoreText.quoted(path)) holds \(secrets.joined(separator: " and ")) and other users can read it; run: chmod 600 \(CoreText.quoted(path, limit: 4096))"
    )
  }

  /// `scheme://user:password@…` with a non-empty password.
  static func uriHasPassword(_ uri: String) -> Bool {
    guard let scheme = uri.firstRange(of: "://") else { return false }
    let rest = uri[scheme.upperBound...]
    guard let at = rest.lastIndex(of: "@") else { return false }
    let userinfo = rest[..<at]
    guard let colon = userinfo.firstIndex(of: ":") else { return false }
    return userinfo.index(after: colon) < userinfo.endIndex
  }

  /// `mongodb://user:****@host/?authMechanismProperties=****`: safe to print
  /// or log, even when the string is malformed (`URIRedaction`). Works on
  /// any URL with userinfo (`TWILIO_API_BASE`'s `https://user:****@host`).
  package static func redact(uri: String) -> String { URIRedaction.redact(uri: uri) }

  // MARK: - private

  private static func checkedURI(_ uri: String, origin: String) throws(FidoError) -> String {
    guard uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") else {
      throw .config(
        "invalid MongoDB URI \(CoreText.quoted(redact(uri: uri))) from \(origin): it must start with mongodb:// or mongodb+srv://"
      )
    }
    return uri
  }

  /// True when a connection string holds a password: `user:PASSWORD@`,
  /// or an option such as `tlsCertificateKeyFilePassword=`.
  static func carriesPassword(_ uri: String) -> Bool {
    if URIRedaction.password(in: uri) != nil { return true }
    guard let q = uri.firstIndex(of: "?") else { return false }
    return uri[uri.index(after: q)...].split(separator: "&").contains { option in
      guard let eq = option.firstIndex(of: "=") else { return false }
      return option[..<eq].lowercased().contains("password")
        && option.index(after: eq) < option.endIndex
    }
  }

  /// MongoDB database names: 1–63 bytes, none of `/\. "$*<>:|?` or NUL.
  package static func checkedDB(_ name: String, origin: String) throws(FidoError) -> String {
    let forbidden = Set("/\\. \"$*<>:|?\0".utf8)
    guard !name.isEmpty, name.utf8.count < 64, !name.utf8.contains(where: forbidden.contains) else {
      throw .config(
        "invalid database name \(CoreText.quoted(name)) from \(origin): use 1–63 characters without / \\ . space \" $ * < > : | ?"
      )
    }
    return name
  }

  private static let timeoutFix =
    "give a number of seconds greater than 0, such as 10 or 0.5 (at most 86400)"

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
  private var currencyCode: String { (try? currency.code) ?? "invalid" }
  package var description: String {
    "Config(uri: \(redactedURI), uriOrigin: \(uriOrigin), db: \(db), output: \(output?.rawValue ?? "auto"), quiet: \(quiet), "
      + "noColor: \(noColor), timeoutMS: \(timeoutMS), verbose: \(verbose), currency: \(currencyCode), "
      + "twilio: \(twilio.map(\.description) ?? "off"), twilioBase: \(Config.redact(uri: twilioBase)), envFile: \(envFile ?? "none"), profile: \(profile ?? "none"), "
      + "smsValiditySeconds: \(smsValiditySeconds), smsMode: \(smsMode.rawValue))"
  }
  package var debugDescription: String { description }
  package var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "uri": redactedURI, "uriOrigin": uriOrigin, "db": db, "output": output as Any,
        "quiet": quiet, "noColor": noColor,
        "timeoutMS": timeoutMS, "verbose": verbose, "currency": currencyCode,
        "twilio": twilio as Any,
        "twilioBase": Config.redact(uri: twilioBase), "envFile": envFile as Any,
        "smsValiditySeconds": smsValiditySeconds, "smsMode": smsMode.rawValue,
      ], displayStyle: .struct)
  }
}
