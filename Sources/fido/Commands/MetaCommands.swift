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

/// `fido doctor`: every section is reported, whatever fails; then the exit
/// status names the first problem: 69/77 MongoDB unreachable or refusing,
/// 1 indexes missing, 78 SMS settings malformed, 77 Twilio refusing the
/// credentials, 69 Twilio unreachable; 0 when all is well.
enum Doctor {
  static func run(_ ctx: Context) throws(FidoError) {
    let config = try ctx.config()
    var report = OutObject()
    var problems: [FidoError] = []
    report.append("uri", .string(config.redactedURI))
    report.append("database", .string(config.db))
    do {
      let store = try ctx.store()
      let started = ctx.clock()
      let server = try store.serverReport()
      report.append("connection", .string("ok (\(ctx.clock() - started) ms)"))
      report.append("server_version", .string(server.version))
      report.append("topology", .string(server.topology))
      report.append("transactions", .bool(server.transactions))
      let indexes = try store.indexReport()
      // An index of fido's name with other options: 'db init' cannot fix it.
      let conflicts = try store.indexConflicts()
      report.append(
        "indexes",
        .string(
          conflicts.isEmpty
            ? indexes
            : (conflicts.map(\.sentence) + (indexes.hasPrefix("all ") ? [] : [indexes]))
              .joined(separator: "; ")))
      if let first = conflicts.first {
        problems.append(.conflict(first.sentence))
      } else if !indexes.hasPrefix("all ") {
        problems.append(.failure("indexes are missing; run 'fido db init'"))
      }
    } catch {
      report.append("connection", .string("failed: \(error.message)"))
      for key in ["server_version", "topology", "transactions", "indexes"] {
        report.append(key, .null)
      }
      problems.append(error)
    }
    report.append("twilio_api_base", .string(Config.redact(uri: config.twilioBase)))
    if let twilio = config.twilio {
      do {
        try SMSSender.checkSettings(twilio, timeoutMS: config.timeoutMS)
        report.append(
          "sms",
          .string(
            "configured (account \(Config.maskedSID(twilio.accountSID)), sender \(twilio.from ?? twilio.messagingServiceSID ?? "?"))"
          ))
        let client = TwilioClient(
          TwilioConfig(twilio, timeoutMS: min(config.timeoutMS, 5000)), log: ctx.diagnostics())
        let started = ctx.clock()
        switch client.checkAccount() {
        case .ok(let status):
          report.append(
            "twilio_account",
            .string("ok: credentials accepted, account \(status) (\(ctx.clock() - started) ms)"))
        case .unauthorized(let reason):
          report.append("twilio_account", .string("refused: \(reason)"))
          problems.append(
            .unauthorized(
              "Twilio refused the credentials (\(reason)); fix TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN"
            ))
        case .failed(let reason):
          report.append("twilio_account", .string("unreachable: \(reason)"))
          problems.append(.unavailable("cannot check the Twilio account: \(reason)"))
        }
      } catch {
        report.append("sms", .string("misconfigured: \(error.message)"))
        report.append("twilio_account", .null)
        problems.append(error)
      }
    } else {
      report.append(
        "sms", .string("not configured (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM)")
      )
      report.append("twilio_account", .null)
    }
    try ctx.emit(report)
    if let first = problems.first {
      for other in problems.dropFirst() {
        ctx.io.err.write("fido: error: \(CoreText.escaped(other.message))\n")
      }
      throw first
    }
  }
}
