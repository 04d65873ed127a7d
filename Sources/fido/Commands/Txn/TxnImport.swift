import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

enum TxnImport {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let batchSize = try inv.batchSize()
    let config = try ctx.config()
    let source = inv.positionals.first ?? "-"
    // stdin is spooled to a temporary file: validation and writing read it twice.
    let spool = source == "-" ? try Spool(ctx.io) : nil
    defer { spool?.remove() }
    let path = spool?.path ?? source
    guard access(path, R_OK) == 0 else {
      throw .invalidData(
        "cannot read \(CoreText.quoted(source)): \(CoreFile.describe(errno)); check the path")
    }
    let format: ImportFormat
    if let given = inv.value("format").flatMap(ImportFormat.init(rawValue:)) {
      format = given
    } else {
      format = try ImportFormat.detect(path: path, displayName: source)
    }
    let importer = Importer(
      store: try ctx.store(),
      options: ImportOptions(
        format: format, dryRun: inv.flag("dry-run"), sms: inv.flag("sms"),
        smsConfigured: config.twilio != nil, batchSize: batchSize),
      now: ctx.clock())
    let started = ctx.clock()
    let bar = ctx.io.stderrIsTTY ? ProgressBar(io: ctx.io, started: started, clock: ctx.clock) : nil
    Interrupts.catchTerminationSignals()
    let summary = try importer.run(
      path: path, badLine: { ctx.io.err.write("fido: \(CoreText.escaped($0))\n") },
      progress: bar.map { bar in { bar.update(records: $0, bytes: $1, total: $2) } },
      shouldStop: { Interrupts.received != 0 })
    bar?.finish()
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
      ctx.io.err.write(
        "fido: interrupted after \(summary.inserted) transactions were written in complete batches; run the same import again to finish (lines whose key is stored are skipped)\n"
      )
      ctx.io.flush()
      Interrupts.resendAndDie()
    }
  }
}

/// stdin copied to a temporary file.
struct Spool {
  let path: String

  init(_ io: IOStreams) throws(FidoError) {
    var template = Array("/tmp/fido-import-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else {
      throw .failure("cannot create a temporary file for stdin: \(CoreFile.describe(errno))")
    }
    path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { close(fd) }
    var failed = false
    io.copyStdin { chunk in
      chunk.withUnsafeBytes { raw in
        var off = 0
        while off < raw.count {
          let n = write(fd, raw.baseAddress! + off, raw.count - off)
          if n <= 0 {
            if n < 0 && errno == EINTR { continue }
            failed = true
            return
          }
          off += n
        }
      }
    }
    if failed {
      unlink(path)
      throw .failure("cannot spool stdin to \(path): \(CoreFile.describe(errno))")
    }
  }

  func remove() { unlink(path) }
}

/// `  12,345 lines  8,123/s  ETA 11s` on a terminal's stderr.
final class ProgressBar {
  let io: IOStreams
  let started: Int64
  let clock: () -> Int64
  private var lastDraw: Int64 = 0

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
  }

  func finish() { io.err.write("\n") }
}
