import FidoCore

/// `fido whoami`: which profile, server, database and Twilio account this shell uses.
enum WhoAmI {
  static func run(_ ctx: Context) throws(FidoError) {
    let config = try ctx.config()
    var o = OutObject()
    o.append("profile", config.profile.map { .string($0) } ?? .null)
    o.append("config_file", config.configFile.map { .string($0) } ?? .null)
    o.append("uri", .string(config.redactedURI))
    o.append("database", .string(config.db))
    var problem: FidoError? = nil
    do {
      o.append("server_version", .string(try ctx.store().serverReport().version))
    } catch {
      problem = error
      o.append("server_version", .null)
    }
    o.append(
      "twilio_account", config.twilio.map { .string(Config.maskedSID($0.accountSID)) } ?? .null)
    try ctx.emit(o)
    if let problem { throw problem }
  }
}

/// `fido profile list`: the config file's sections, the active one marked.
enum ProfileList {
  static func run(_ ctx: Context) throws(FidoError) {
    guard let path = ConfigFile.path(environment: ctx.environment) else {
      throw .config("no config file: set FIDO_CONFIG or HOME")
    }
    let out = try ctx.listRenderer()
    guard let file = try ConfigFile.load(path: path) else {
      try out.finish()
      ctx.io.err.write(
        "fido: no profiles: the config file \(CoreText.quoted(path)) does not exist\n")
      return
    }
    let active =
      ctx.invocation.value("profile")
      ?? ctx.environment["FIDO_PROFILE"].flatMap {
        $0.isEmpty ? nil : $0
      }
    for profile in file.profiles {
      try out.write(
        OutObject([
          ("name", .string(profile.name)), ("active", .bool(profile.name == active)),
          ("protected", .bool(profile.protected)),
          ("database", .string(profile.values["MONGO_DB_NAME"] ?? Config.defaultDB)),
          ("uri", .string(Config.redact(uri: profile.values["MONGO_URI"] ?? Config.defaultURI))),
        ]))
    }
    try out.finish()
    if let active, file.profile(active) == nil {
      ctx.warn("the active profile \(CoreText.quoted(active)) is not in \(CoreText.quoted(path))")
    }
  }
}
