import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

/// The dispatcher: parse, then help/version/completion or a command handler.
/// The only place that prints an error and picks how fido ends: an exit
/// status, or the signal that interrupted a long command.
enum Fido {
  static func main(
    _ args: [String], io: IOStreams, environment: [String: String],
    clock: @escaping () -> Int64 = FidoDate.currentMs
  ) -> Exit {
    let invocation: Invocation
    do {
      invocation = try Parser.parse(args)
    } catch {
      let status = report(
        error, io: io, json: wantsJSONErrors(args, environment: environment),
        path: Parser.commandPath(args))
      io.flush()
      return .status(status)
    }
    let context = Context(io: io, environment: environment, invocation: invocation, clock: clock)
    do {
      let exit = try dispatch(invocation, context)
      if case .signal = exit {
        // Interrupted: what the command printed goes out, then the signal ends fido.
        io.flush()
        return exit
      }
      // What is still buffered goes out now: a failed write is exit 74.
      try io.out.check()
      return exit
    } catch {
      let json =
        (try? context.config()).map { $0.output == .json || $0.output == .ndjson }
        ?? wantsJSONErrors(args, environment: environment)
      let status = report(error, io: io, json: json, path: invocation.path)
      io.flush()
      return .status(status)
    }
  }

  /// Runs the command; `.status(0)` when it is done, `.signal` when a
  /// SIGINT/SIGTERM stopped it at a safe point (txn import, db migrate-legacy).
  static func dispatch(_ inv: Invocation, _ ctx: Context) throws(FidoError) -> Exit {
    if inv.flag("version") {
      ctx.io.out.write("fido \(FidoVersion.string)\n")
      return .status(0)
    }
    if inv.wantsHelp {
      ctx.io.out.write(HelpRenderer.render(path: inv.path))
      return .status(0)
    }
    guard let id = inv.id else {
      // `fido` alone, or a group such as `fido user`: usage on stderr, exit 2.
      ctx.io.err.write(HelpRenderer.render(path: inv.path))
      throw .usage(
        inv.path.isEmpty
          ? "no command given" : "'fido \(inv.path.joined(separator: " "))' needs a subcommand")
    }
    try ctx.checkFields()
    switch id {
    case .userCreate: try UserCreate.run(ctx)
    case .userList: try UserList.run(ctx)
    case .userGet: try UserGet.run(ctx)
    case .userUpdate: try UserUpdate.run(ctx)
    case .userDelete: try UserDelete.run(ctx)
    case .txnAdd: try TxnAdd.run(ctx)
    case .txnList: try TxnList.run(ctx)
    case .txnGet: try TxnGet.run(ctx)
    case .txnUpdate: try TxnUpdate.run(ctx)
    case .txnDelete: try TxnDelete.run(ctx)
    case .txnImport: return try TxnImport.run(ctx)
    case .analytics: try AnalyticsCommand.run(ctx)
    case .smsList: try SMSList.run(ctx)
    case .smsRetry: try SMSRetry.run(ctx)
    case .auditList: try AuditList.run(ctx)
    case .auditVerify: try AuditVerify.run(ctx)
    case .smsSync: try SMSSync.run(ctx)
    case .smsWorker: try SMSWorkerCommand.run(ctx)
    case .dbInit: try DBInit.run(ctx)
    case .dbCheck: try DBCheck.run(ctx)
    case .dbMigrateLegacy: return try DBMigrateLegacy.run(ctx)
    case .doctor: try Doctor.run(ctx)
    case .whoami: try WhoAmI.run(ctx)
    case .profileList: try ProfileList.run(ctx)
    case .completion: try CompletionCommand.run(ctx)
    case .help:
      let topic = inv.positionals
      if !topic.isEmpty { _ = try CommandTable.resolve(path: topic) }
      ctx.io.out.write(HelpRenderer.render(path: topic))
    case .version: ctx.io.out.write("fido \(FidoVersion.string)\n")
    case .complete: CompleteCommand.run(ctx)
    }
    return .status(0)
  }

  /// Prints `fido: error: …` (and the JSON form for -o json|ndjson) and returns the exit status.
  /// Control characters in the message (from a server or a file, however
  /// it was built) are made visible: one line, nothing the terminal runs.
  static func report(_ error: FidoError, io: IOStreams, json: Bool, path: [String]) -> Int32 {
    // On a terminal, what the command printed (doctor's, whoami's record)
    // shows before the error that ends it, not after.
    if io.stdoutIsTTY { io.out.flush() }
    let message = CoreText.escaped(error.message)
    io.err.write("fido: error: \(message)\n")
    if case .usage = error {
      // `fido help usr`: the hint is about the commands, not about `help`.
      io.err.write(HelpRenderer.helpHint(path: path == ["help"] ? [] : path) + "\n")
    }
    if json {
      io.err.write(
        Render.jsonError(code: error.code, message: message, exit: error.exitCode) + "\n")
    }
    return error.exitCode
  }

  /// Before the arguments parse, the output format can still be read off them
  /// (`-o json`, `--output=ndjson`, `-ojson`) so a usage error is JSON too.
  static func wantsJSONErrors(_ args: [String], environment: [String: String]) -> Bool {
    var format = environment["FIDO_OUTPUT"]
    var i = 0
    while i < args.count {
      let a = args[i]
      if a == "--" { break }
      if a == "-o" || a == "--output", i + 1 < args.count {
        format = args[i + 1]
        i += 1
      } else if a.hasPrefix("--output=") {
        format = String(a.dropFirst(9))
      } else if a.hasPrefix("-o"), a.count > 2, !a.hasPrefix("--") {
        format = String(a.dropFirst(2))
      }
      i += 1
    }
    return format == "json" || format == "ndjson"
  }
}

/// The environment as a dictionary. Built at every start, so each entry is
/// split at its first "=" on the C string's bytes (strchr): searching a Swift
/// String for a Character walks grapheme clusters, and that alone was a
/// seventh of the work `fido --version` did.
func currentEnvironment() -> [String: String] {
  var count = 0
  while environ[count] != nil { count += 1 }
  var env = [String: String](minimumCapacity: count)
  var p = environ
  while let entry = p.pointee {
    if let eq = strchr(entry, Int32(UInt8(ascii: "="))) {
      let name = UnsafeRawBufferPointer(start: entry, count: eq - entry)
      env[String(decoding: name, as: UTF8.self)] = String(cString: eq + 1)
    }
    p += 1
  }
  return env
}
