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
    store.auditActor.fidoVersion = FidoVersion.string
    openedStore = store
    return store
  }

  func warn(_ line: String) { io.err.write("fido: warning: \(CoreText.escaped(line))\n") }

  /// The -v sink handed to the MongoDB and Twilio clients; nil unless verbose.
  /// Lines go straight to fd 2, and the closure holds no reference to the context.
  func diagnostics() -> (@Sendable (String) -> Void)? {
    guard (try? config())?.verbose == true else { return nil }
    return { line in
      var text = Array("fido: \(CoreText.escaped(line))\n".utf8)
      text.withUnsafeMutableBytes { raw in _ = writeStderr(raw.baseAddress!, raw.count) }
    }
  }

  func renderOptions() throws(FidoError) -> RenderOptions {
    let config = try config()
    let format = config.output ?? (io.stdoutIsTTY ? .table : .tsv)
    let color = io.stdoutIsTTY && !config.noColor
    return RenderOptions(format: format, quiet: config.quiet, color: color, width: nil)
  }

  /// Renders one object on stdout in the chosen format.
  func emit(_ object: OutObject) throws(FidoError) {
    Render.object(object, options: try renderOptions(), sink: io.out)
  }

  /// A list renderer on stdout; call `finish()` when done.
  func listRenderer(columns: [String]? = nil) throws(FidoError) -> OutputList {
    OutputList(
      ListRenderer(options: try renderOptions(), sink: io.out, columns: columns), out: io.out)
  }

  /// Destructive commands: ask on a terminal, refuse without --yes otherwise.
  /// The question is built only when it is asked or refused, so with --yes
  /// the reads it needs are skipped (the write reports what they would).
  func confirm(_ makeQuestion: () throws(FidoError) -> String) throws(FidoError) {
    if invocation.flag("yes") { return }
    let question = try makeQuestion()
    guard io.stdinIsTTY else {
      throw .usage("refusing to \(question) without --yes when stdin is not a terminal; add --yes")
    }
    io.err.write("fido: \(question)? [y/N] ")
    io.err.flush()
    let answer = io.readLine().map { String($0.filter { !$0.isWhitespace }) }?.lowercased() ?? ""
    guard answer == "y" || answer == "yes" else { throw .failure("cancelled; nothing was changed") }
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
