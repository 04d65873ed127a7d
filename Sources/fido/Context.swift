import FidoCore

/// Everything a command needs from the outside world. Built once per run; the
/// configuration and the database connection are made only when a command asks,
/// so `help`, `completion` and `--version` never read the env file or connect.
final class Context {
  let io: IOStreams
  let environment: [String: String]
  let invocation: Invocation
  /// Milliseconds since the Unix epoch.
  let clock: () -> Int64
  private var resolved: Config?
  private var openedStore: FidoStore?
  /// `--fields`, checked by `checkFields` before the command runs.
  private var fields: [String]?

  init(
    io: IOStreams, environment: [String: String], invocation: Invocation,
    clock: @escaping () -> Int64
  ) {
    self.io = io
    self.environment = environment
    self.invocation = invocation
    self.clock = clock
  }

  func config() throws(FidoError) -> Config {
    if let resolved { return resolved }
    let config = try Config.resolve(flags: invocation.values, environment: environment)
    resolved = config
    for warning in config.warnings { warn(warning) }
    return config
  }

  /// The store over one MongoDB client, connected on first use.
  func store() throws(FidoError) -> FidoStore {
    if let openedStore { return openedStore }
    let config = try config()
    let store = try FidoStore(config: config, log: diagnostics())
    store.auditVersion = FidoVersion.string
    store.auditProfile = config.profile
    openedStore = store
    return store
  }

  func warn(_ line: String) { io.err.write("fido: warning: \(CoreText.escaped(line))\n") }

  /// The -v sink handed to the MongoDB and Twilio clients; nil unless verbose.
  /// Lines go to `io.err` (whose writes are locked: libmongoc may log from
  /// another thread), and the closure holds no reference to the context.
  func diagnostics() -> (@Sendable (String) -> Void)? {
    guard (try? config())?.verbose == true else { return nil }
    let err = io.err
    return { line in err.write("fido: \(CoreText.escaped(line))\n") }
  }

  /// The command's schema, which `--fields` is checked against.
  var schema: OutSchema? { CommandTable.find(path: invocation.path)?.schema }

  /// `--fields` against the command's fields: a usage error, before any
  /// connection, for an unknown name or a command that prints no objects.
  func checkFields() throws(FidoError) {
    guard let list = invocation.value("fields") else { return }
    let command = (["fido"] + invocation.path).joined(separator: " ")
    guard let schema else {
      throw .usage("'\(command)' prints no fields to choose; leave out --fields")
    }
    fields = try schema.select(list, command: command)
  }

  func renderOptions() throws(FidoError) -> RenderOptions {
    let config = try config()
    let format = config.output ?? (io.stdoutIsTTY ? .table : .tsv)
    let color = io.stdoutIsTTY && !config.noColor && environment["TERM"] != "dumb"
    return RenderOptions(
      format: format, quiet: config.quiet, color: color, width: terminalWidth(), fields: fields)
  }

  /// The terminal's width: stdout's window size (TIOCGWINSZ), else `COLUMNS`.
  func terminalWidth() -> Int? {
    if let columns = io.terminalColumns { return columns }
    if let text = environment["COLUMNS"], let n = Int(text), n > 0 { return n }
    return nil
  }

  /// Renders one object on stdout in the chosen format.
  func emit(_ object: OutObject, schema: OutSchema? = nil) throws(FidoError) {
    Render.object(object, options: try renderOptions(), sink: io.out, schema: schema ?? self.schema)
  }

  /// A list renderer on stdout that checks each write; call `finish()` when
  /// done. `tableOmits`: columns a table leaves out unless `--fields` names them.
  func listRenderer(schema: OutSchema? = nil, tableOmits: [String] = []) throws(FidoError)
    -> OutputList
  {
    OutputList(
      ListRenderer(
        options: try renderOptions(), sink: io.out, schema: schema ?? self.schema,
        tableOmits: tableOmits), out: io.out)
  }

  /// Destructive commands: ask on a terminal, refuse without --yes otherwise.
  /// The question is built only when it is asked or refused, so with --yes
  /// the reads it needs are skipped (the write reports what they would).
  /// The prompt names the profile, host and database; in a protected
  /// profile the database name must be typed instead of `y`. Declining is
  /// exit 5 (`cancelled`), nothing changed.
  func confirm(_ makeQuestion: () throws(FidoError) -> String) throws(FidoError) {
    if invocation.flag("yes") { return }
    let question = try makeQuestion()
    guard io.stdinIsTTY else {
      throw .usage("refusing to \(question) without --yes when stdin is not a terminal; add --yes")
    }
    let config = try config()
    // "in profile 'prod' (host 'h', database 'd')", or "on host 'h', database 'd'".
    let place = "host \(CoreText.quoted(config.hosts)), database \(CoreText.quoted(config.db))"
    let target =
      config.profile.map { "in profile \(CoreText.quoted($0)) (\(place))" } ?? "on \(place)"
    io.out.flush()
    if config.protected {
      io.err.write(
        "fido: \(question) \(target)?\nfido: this profile is protected: type the database name (\(config.db)) to confirm: "
      )
      io.err.flush()
      let answer = io.readLine().map { String($0.filter { !$0.isWhitespace }) } ?? ""
      guard answer == config.db else {
        throw .cancelled(
          "cancelled (the database name was not typed); nothing was changed")
      }
      return
    }
    io.err.write("fido: \(question) \(target)? [y/N] ")
    io.err.flush()
    let answer = io.readLine().map { String($0.filter { !$0.isWhitespace }) }?.lowercased() ?? ""
    guard answer == "y" || answer == "yes" else {
      throw .cancelled("cancelled; nothing was changed")
    }
  }
}

/// A list streamed to stdout that stops at the first failed write: each
/// record checks stdout, so a full disk ends the list (exit 74) instead of
/// reading on from MongoDB into a dead stream.
final class OutputList {
  private let renderer: ListRenderer
  private let out: OutputStream

  init(_ renderer: ListRenderer, out: OutputStream) {
    self.renderer = renderer
    self.out = out
  }

  func write(_ object: OutObject) throws(FidoError) {
    renderer.write(object)
    if out.failure != nil { try out.check() }
  }

  func finish() throws(FidoError) {
    renderer.finish()
    if out.failure != nil { try out.check() }
  }
}
