import FidoCore

enum CompletionCommand {
  static func run(_ ctx: Context) throws(FidoError) {
    let root = CommandTable.root
    let globals = CommandTable.globalOptions
    switch ctx.invocation.argument {
    case "bash": ctx.io.out.write(BashCompletion.render(root, globals: globals))
    case "zsh": ctx.io.out.write(ZshCompletion.render(root, globals: globals))
    case "fish": ctx.io.out.write(FishCompletion.render(root, globals: globals))
    default: throw .usage("'fido completion' takes bash, zsh or fish")
    }
  }
}

/// Hidden `fido __complete emails PREFIX`: user emails for shell completion.
/// Short timeout, and silent on every error: a completion must never print junk.
enum CompleteCommand {
  static func run(_ ctx: Context) {
    let args = ctx.invocation.positionals
    guard args.first == "emails" else { return }
    let prefix = (args.count > 1 ? args[1] : "").lowercased()
    guard var config = try? ctx.config() else { return }
    config.timeoutMS = min(config.timeoutMS, 1000)
    config.verbose = false
    guard let store = try? FidoStore(config: config) else { return }
    let filter = UserFilter(limit: 50)
    var emails: [String] = []
    _ = try? store.listUsers(filter, prefix: prefix) { emails.append($0.email) }
    // An email another tool stored with a control character stays one visible word.
    for email in emails { ctx.io.out.write(CoreText.escaped(email) + "\n") }
  }
}

enum Doctor {
  static func run(_ ctx: Context) throws(FidoError) {
    let config = try ctx.config()
    var report = OutObject()
    report.append("uri", .string(config.redactedURI))
    report.append("database", .string(config.db))
    let store = try ctx.store()
    let started = ctx.clock()
    let server = try store.serverReport()
    report.append("connection", .string("ok (\(ctx.clock() - started) ms)"))
    report.append("server_version", .string(server.version))
    report.append("topology", .string(server.topology))
    report.append("transactions", .bool(server.transactions))
    report.append("indexes", .string(try store.indexReport()))
    if let twilio = config.twilio,
      case .failure(let problem) = Result(catching: { () throws(FidoError) in
        try SMSSender.checkSettings(twilio, timeoutMS: config.timeoutMS)
      })
    {
      report.append("sms", .string("misconfigured: \(problem.message)"))
      report.append("twilio_api_base", .string(Config.redact(uri: twilio.apiBase)))
      report.append("twilio_reachable", .null)
    } else if let twilio = config.twilio {
      report.append(
        "sms",
        .string(
          "configured (account \(String(twilio.accountSID.prefix(6)))…, sender \(twilio.from ?? twilio.messagingServiceSID ?? "?"))"
        ))
      report.append("twilio_api_base", .string(Config.redact(uri: twilio.apiBase)))
      report.append(
        "twilio_reachable",
        .string(
          HTTPProbe.reachability(
            of: twilio.apiBase, timeoutMS: min(config.timeoutMS, 5000), clock: ctx.clock)))
    } else {
      report.append(
        "sms", .string("not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM)")
      )
      report.append("twilio_api_base", .string(Config.redact(uri: config.twilioBase)))
      report.append("twilio_reachable", .null)
    }
    try ctx.emit(report)
  }
}
