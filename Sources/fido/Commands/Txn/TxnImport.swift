import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

enum TxnImport {
  /// `.signal` when SIGINT/SIGTERM stopped it between batches.
  static func run(_ ctx: Context) throws(FidoError) -> Exit {
    let inv = ctx.invocation
    let batchSize = try inv.batchSize()
    let workers = try inv.workers()
    let config = try ctx.config()
    let source = inv.positionals.first ?? "-"
    // A stream (stdin, a pipe, a character device) is spooled to a temporary
    // file: the import reads its input three times. A regular file is read
    // where it is; anything else is refused (exit 66).
    let tmpdir = ctx.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let spool: Spool?
    let name: String
    if source == "-" {
      name = "stdin"
      spool = try Spool(name: name, input: 0, tmpdir: tmpdir)
    } else {
      name = CoreText.quoted(source)
      spool = try Spool.ifStream(path: source, tmpdir: tmpdir)
    }
    defer { spool?.close() }
    let path = spool?.path ?? source
    let format: ImportFormat
    if let given = inv.value("format").flatMap(ImportFormat.init(rawValue:)) {
      format = given
    } else {
      format = try ImportFormat.detect(path: path, displayName: name)
    }
    let importer = Importer(
      store: try ctx.store(),
      options: ImportOptions(
        format: format, dryRun: inv.flag("dry-run"), sms: inv.flag("sms"),
        smsConfigured: config.twilio != nil, batchSize: batchSize, workers: workers),
      now: ctx.clock())
    let started = ctx.clock()
    let bar = ctx.io.stderrIsTTY ? ProgressBar(io: ctx.io, started: started, clock: ctx.clock) : nil
    Interrupts.catchTerminationSignals()
    let summary: ImportSummary
    do {
      summary = try importer.run(
        path: path, name: name, badLine: { ctx.io.err.write("fido: \(CoreText.escaped($0))\n") },
        progress: bar.map { bar in { bar.update(records: $0, bytes: $1, total: $2) } },
        shouldStop: { Interrupts.received != 0 })
    } catch {
      bar?.finish()
      warnIfReduced(ctx, importer)
      // Batches committed before the failure stay: say exactly which.
      if importer.written.started { ctx.io.err.write("fido: \(importer.written)\n") }
      throw error
    }
    bar?.finish()
    warnIfReduced(ctx, importer)
    var out = summary.out
    out.append("dry_run", .bool(inv.flag("dry-run")))
    try ctx.emit(out)
    let took = elapsedText(ms: ctx.clock() - started)
    if inv.flag("dry-run") {
      ctx.summary(
        "txn import: checked \(plural(summary.read, "line")): all valid; nothing written (--dry-run) in \(took)"
      )
    } else if !summary.interrupted {
      var sentence =
        "txn import: imported \(plural(summary.inserted, "transaction")) of \(summary.read) read"
      if summary.skipped > 0 { sentence += ", \(summary.skipped) already stored (skipped)" }
      ctx.summary(sentence + " in \(took)")
    }
    if summary.interrupted {
      let written = importer.written
      if written.workers > 1 {
        // Every line has a key: the description says to run it again.
        ctx.io.err.write("fido: interrupted: \(written)\n")
        return Interrupts.exit
      }
      let rest =
        written.lastLine.map { "import the lines after line \($0)" } ?? "import the file again"
      ctx.io.err.write(
        "fido: interrupted: \(written); to finish, \(rest) (running the same import again is safe only if every line has a key: stored keys are skipped)\n"
      )
      return Interrupts.exit
    }
    return .status(0)
  }

  /// MongoDB ended a batch's transaction for its size or its lifetime, and
  /// the import went on with smaller batches: say so, and what to pass.
  private static func warnIfReduced(_ ctx: Context, _ importer: Importer) {
    guard let size = importer.reducedBatchSize else { return }
    ctx.warn(
      "MongoDB ended a batch's transaction as too large or too long, so the import wrote it in halves and went on in batches of \(plural(size, "line")); pass --batch-size \(size) or less to skip the failed attempts"
    )
  }
}

/// A stream copied to a temporary file in `$TMPDIR` (default /tmp) that is
/// unlinked as soon as it is created: the import reads it through
/// /proc/self/fd, and no exit path, SIGKILL included, leaves it behind.
/// The copy stops after a line longer than the import's limit (that line is
/// then reported as a bad line), so /dev/zero fills neither memory nor disk.
final class Spool {
  let path: String
  private let fd: Int32

  /// Copies `input` (stdin, or an opened FIFO or device) named `name`.
  init(name: String, input: Int32, tmpdir: String) throws(FidoError) {
    let dir = tmpdir.count > 1 && tmpdir.hasSuffix("/") ? String(tmpdir.dropLast()) : tmpdir
    var template = Array("\(dir)/fido-import-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else {
      throw .output(
        "cannot create a temporary file in \(CoreText.quoted(dir)) for \(name): \(CoreFile.describe(errno)); set TMPDIR to a writable directory"
      )
    }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    self.fd = fd
    path = "/proc/self/fd/\(fd)"
    do throws(FidoError) {
      let check = open(path, O_RDONLY | O_CLOEXEC)
      guard check >= 0 else {
        throw .failure(
          "cannot spool \(name): /proc/self/fd is not available (\(CoreFile.describe(errno))); give the import a file path"
        )
      }
      Glibc.close(check)
      try copy(name: name, from: input, dir: dir)
    } catch {
      Glibc.close(fd)
      throw error
    }
  }

  /// Copies until the end of the input, or until a line is longer than
  /// the import's limit: enough of it is kept for the reader to report it.
  private func copy(name: String, from input: Int32, dir: String) throws(FidoError) {
    var chunk = [UInt8](repeating: 0, count: 65536)
    var line = 1
    var lineLength = 0
    while lineLength <= LineReader.maxLineBytes + 1 {
      let n = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n < 0 {
        throw .noInput(
          "cannot read \(name) at line \(line): \(CoreFile.describe(errno)); nothing was imported")
      }
      if n == 0 { return }
      var off = 0
      while off < n {
        let w = chunk.withUnsafeBytes { write(fd, $0.baseAddress! + off, n - off) }
        if w < 0 && errno == EINTR { continue }
        guard w > 0 else {
          throw .output(
            "cannot spool \(name) to a temporary file in \(CoreText.quoted(dir)): \(CoreFile.describe(w < 0 ? errno : EIO)); free some space or set TMPDIR; nothing was imported"
          )
        }
        off += w
      }
      let lines = chunk[0..<n].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
      if lines > 0 {
        line += lines
        lineLength = n - 1 - chunk[0..<n].lastIndex(of: 0x0A)!
      } else {
        lineLength += n
      }
    }
  }

  /// A spool of `path` when it is a stream; nil for a regular file. A
  /// missing or unreadable file, a directory or any other kind is exit 66.
  static func ifStream(path: String, tmpdir: String) throws(FidoError) -> Spool? {
    // O_NONBLOCK: opening a FIFO must not wait for a writer here.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
      throw .noInput(
        "cannot read \(CoreText.quoted(path)): \(CoreFile.describe(errno)); check the path")
    }
    defer { Glibc.close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw .noInput(
        "cannot read \(CoreText.quoted(path)): \(CoreFile.describe(errno)); check the path")
    }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return nil
    case S_IFIFO, S_IFCHR:
      // A stream: read once as it comes (blocking again) into the spool.
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
      return try Spool(name: path, input: fd, tmpdir: tmpdir)
    case S_IFDIR:
      throw .noInput(
        "\(CoreText.quoted(path)) is a directory; give a file of NDJSON or CSV lines, or - for stdin"
      )
    default:
      throw .noInput(
        "\(CoreText.quoted(path)) is not a regular file or a stream; give a file of NDJSON or CSV lines, or - for stdin"
      )
    }
  }

  func close() { Glibc.close(fd) }
}

/// `  12,345 lines  8,123/s  ETA 11s` on a terminal's stderr.
final class ProgressBar {
  let io: IOStreams
  let started: Int64
  let clock: () -> Int64
  private var lastDraw: Int64 = 0
  private var drawn = false

  init(io: IOStreams, started: Int64, clock: @escaping () -> Int64) {
    self.io = io
    self.started = started
    self.clock = clock
  }

  func update(records: Int, bytes: Int64, total: Int64) {
    let now = clock()
    guard now - lastDraw >= 100 || bytes >= total else { return }
    lastDraw = now
    let elapsed = max(now - started, 1)
    let rate = Int64(records) * 1000 / elapsed
    let fraction = total > 0 ? Double(bytes) / Double(total) : 0
    let width = 24
    let filled = min(width, Int(fraction * Double(width)))
    let eta = bytes > 0 && total > bytes ? (total - bytes) * elapsed / bytes / 1000 : 0
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    io.err.write("\r[\(bar)] \(records) written  \(rate)/s  ETA \(eta)s ")
    drawn = true
  }

  /// Ends the bar's line; nothing when no bar was drawn (a run that stops
  /// before writing leaves no blank line before its messages).
  func finish() {
    guard drawn else { return }
    drawn = false
    io.err.write("\n")
  }
}
