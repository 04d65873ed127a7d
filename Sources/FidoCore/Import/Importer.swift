package enum ImportFormat: String, Sendable, CaseIterable {
  case ndjson, csv

  /// `--format`, else the extension, else the first non-blank byte (`{` is NDJSON).
  package static func detect(path: String, displayName: String) throws(FidoError) -> ImportFormat {
    let lower = displayName.lowercased()
    if lower.hasSuffix(".csv") { return .csv }
    if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") {
      return .ndjson
    }
    let lines = try LineReader(path: path, name: displayName)
    while let line = try lines.next() {
      // A line past the limit: the reader reports it as a bad line.
      guard case .bytes(let bytes) = line else { break }
      guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
      return first == UInt8(ascii: "{") ? .ndjson : .csv
    }
    return .ndjson
  }
}

package struct ImportOptions: Sendable {
  package var format: ImportFormat
  package var dryRun: Bool
  /// Queue imported transactions' SMS as pending (else skipped).
  package var sms: Bool
  package var smsConfigured: Bool
  /// Lines per atomic batch (one multi-document transaction). Each batch
  /// updates each of its users once, so larger batches mean fewer writes.
  package var batchSize: Int
  package static let defaultBatchSize = FidoStore.defaultBatchSize
  package static let maxBatchSize = 100_000
  /// Concurrent writers (`--workers`), each with its own connection and
  /// its own users; above 1 every line needs a key.
  package var workers: Int
  package static let maxWorkers = 16
  package init(
    format: ImportFormat, dryRun: Bool, sms: Bool, smsConfigured: Bool,
    batchSize: Int = defaultBatchSize, workers: Int = 1
  ) {
    self.format = format
    self.dryRun = dryRun
    self.sms = sms
    self.smsConfigured = smsConfigured
    self.batchSize = batchSize
    self.workers = workers
  }
}

package struct ImportSummary: Sendable, Equatable {
  /// Records read (blank lines and the CSV header not counted).
  package var read = 0
  package var inserted = 0
  /// Records whose key was already present with the same data.
  package var skipped = 0
  /// Stopped between batches by a signal; the batches written are complete.
  package var interrupted = false
}

/// What the write pass has committed so far: complete batches, in input
/// order for one worker; with several, batches of each worker's users.
package struct ImportWritten: Sendable, Equatable, CustomStringConvertible {
  /// Batches the write pass plans (lines to insert / batch size, rounded up).
  package var planned = 0
  /// Transactions the write pass plans to insert.
  package var toWrite = 0
  /// Workers writing (`--workers`).
  package var workers = 1
  /// Batches committed.
  package var batches = 0
  /// Input lines from the first line of the first committed batch to the
  /// last line of the last one.
  package var firstLine: Int?
  package var lastLine: Int?
  /// Transactions those batches inserted.
  package var transactions = 0
  /// True once the write pass has begun.
  package var started = false

  /// `written 2 of 3 batches: lines 1–2000 (1,998 transactions)`. With
  /// several workers the batches are not runs of lines, but every line has
  /// a key: `written 7312 of 10000 transactions in 12 batches by 2
  /// workers; every line has a key: run the same import again to write the rest`.
  package var description: String {
    if workers > 1 {
      return
        "written \(transactions) of \(toWrite) transaction\(toWrite == 1 ? "" : "s") in \(batches) batch\(batches == 1 ? "" : "es") by \(workers) workers; every line has a key: run the same import again to write the rest"
    }
    var text = "written \(batches) of \(planned) batch\(planned == 1 ? "" : "es")"
    if let firstLine, let lastLine {
      text +=
        ": lines \(firstLine)–\(lastLine) (\(transactions) transaction\(transactions == 1 ? "" : "s"))"
    }
    return text
  }
}

/// `txn import`: validates the whole input first (every bad line reported,
/// nothing written if any), then writes in batches, each batch atomic where
/// the deployment has transactions: one insertMany, one aggregated statistics
/// update per user, one per user-day. Lines whose key is already stored are
/// skipped, so re-running an interrupted import loses and doubles nothing.
/// Reads the file three times (references, validation, writing) so memory
/// depends on the batch size and the number of distinct users, not on the input.
package final class Importer {
  let options: ImportOptions
  let now: Int64
  /// The store's side of the import: every read and write of fido's documents.
  private let writer: ImportWriter
  private var users: [ObjectID: User] { writer.users }
  private var refs: [UserRef: ObjectID] = [:]
  /// Keys found stored with the same data while validating: skipped when writing.
  private var alreadyStored = Set<KeyUse>()
  /// The input as messages name it.
  private var name = ""
  /// What the write pass committed: after a failure, what to report.
  package private(set) var written = ImportWritten()
  /// Per user: the stored figures and what the input adds to them (Int128).
  private var headroom: [ObjectID: Headroom] = [:]
  /// Set when MongoDB ended a batch's transaction for its size or its
  /// lifetime: the batch size the import went on with.
  package private(set) var reducedBatchSize: Int?

  package init(store: FidoStore, options: ImportOptions, now: Int64) {
    self.options = options
    self.now = now
    writer = ImportWriter(
      store: store, now: now, sms: options.sms, smsConfigured: options.smsConfigured)
  }

  /// Progress: records done, bytes read, total bytes.
  package typealias Progress = (_ records: Int, _ bytes: Int64, _ total: Int64) -> Void

  /// `shouldStop` is polled between batches (Ctrl-C, SIGTERM): the import
  /// then stops with every written batch complete.
  /// `name` is the input as messages name it (`stdin` for a spooled stdin).
  package func run(
    path: String, name: String? = nil, badLine: (String) -> Void, progress: Progress? = nil,
    shouldStop: () -> Bool = { false }
  ) throws(FidoError) -> ImportSummary {
    self.name = name ?? path
    try writer.store.ensureIndexes()
    try resolveUsers(path: path)
    var summary = try validate(path: path, badLine: badLine)
    if options.dryRun { return summary }
    let toWrite = summary.inserted
    written.planned = (toWrite + options.batchSize - 1) / options.batchSize
    written.toWrite = toWrite
    written.workers = options.workers
    summary.inserted = 0
    summary.skipped = 0
    if options.workers > 1 {
      try writeConcurrently(
        path: path, toWrite: toWrite, summary: &summary, progress: progress,
        shouldStop: shouldStop)
    } else {
      try write(
        path: path, toWrite: toWrite, summary: &summary, progress: progress,
        shouldStop: shouldStop)
    }
    return summary
  }

  // MARK: pass 1: which users

  /// With several workers, the first line without a key stops the import
  /// here, before any write: only keys make a partial import of batches
  /// that are not runs of lines safe to run again.
  private func resolveUsers(path: String) throws(FidoError) {
    let reader = try RecordReader(path: path, name: name, format: options.format)
    var pending = Set<UserRef>()
    while let next = try reader.next() {
      if options.workers > 1, case .success(let record) = next {
        switch record.fields["key"] {
        case nil, .null?:
          throw .usage(
            "line \(record.line) of \(name) has no key: with --workers \(options.workers) every line needs a 'key', so that a stopped import can be run again; add keys, or use --workers 1 (nothing was written)"
          )
        default: break
        }
      }
      guard case .success(let record) = next, case .text(let text)? = record.fields["user"],
        let ref = try? UserRef.parse(text), refs[ref] == nil
      else { continue }
      pending.insert(ref)
      if pending.count >= Self.userLookupChunk { try lookUp(&pending) }
    }
    try lookUp(&pending)
  }

  private func lookUp(_ pending: inout Set<UserRef>) throws(FidoError) {
    for (user, doc) in try writer.lookUp(pending) {
      headroom[user.id] = Headroom(user: user, doc)
      refs[.id(user.id)] = user.id
      refs[.email(user.email)] = user.id
    }
    pending.removeAll()
  }

  // MARK: pass 2: validate everything

  private func parse(_ record: ImportRecord) -> Result<ImportLine, ImportLineError> {
    func bad(_ reason: String) -> Result<ImportLine, ImportLineError> {
      .failure(ImportLineError(line: record.line, reason: reason))
    }
    func text(_ name: String) -> String? {
      if case .text(let s)? = record.fields[name] { return s }
      return nil
    }
    do throws(FidoError) {
      guard let userText = text("user") else { return bad("missing 'user' (an id or an email)") }
      let ref = try UserRef.parse(userText)
      guard let id = refs[ref], let user = users[id] else {
        return bad("unknown user \(CoreText.quoted(userText))")
      }
      let amount: Int64
      switch record.fields["amount"] {
      // A JSON number is read from its literal text, never through a Double
      // (`2.15e1` and `-5` are refused by the same grammar).
      case .text(let s)?, .number(let s)?:
        amount = try Money.minorUnits(s, currency: user.currency)
      default: return bad("missing 'amount'")
      }
      guard let typeText = text("type") else { return bad("missing 'type' (credit or debit)") }
      let type = try TxnType.parse(typeText)
      var date = now
      var dateGiven = false
      switch record.fields["date"] {
      case .text(let s)?:
        date = try FidoDate.parse(s, now: now)
        // `now` differs at each run: as no date for the key comparison.
        dateGiven = !FidoDate.isNow(s)
      case .number?: return bad("'date' must be a string such as 2023-08-18T15:30:00Z")
      default: break
      }
      var key: String? = nil
      switch record.fields["key"] {
      case .text(let s)?: key = try IdempotencyKey.validate(s)
      case .number?: return bad("'key' must be a string")
      default: break
      }
      return .success(
        ImportLine(
          line: record.line, user: id, amount: amount, type: type, date: date, dateGiven: dateGiven,
          key: key))
    } catch {
      return bad(error.message)
    }
  }

  /// A key seen earlier in the file: what it was used for.
  private struct KeyUse: Hashable {
    var user: ObjectID
    var key: String
  }

  private func validate(path: String, badLine: (String) -> Void) throws(FidoError) -> ImportSummary
  {
    let reader = try RecordReader(path: path, name: name, format: options.format)
    var summary = ImportSummary()
    var bad = 0
    var seenKeys: [KeyUse: (amount: Int64, type: TxnType, date: Int64?, line: Int)] = [:]
    var keyed: [ImportLine] = []
    /// Lines that parsed but were refused (keys used with other data).
    var refusedLines = Set<Int>()

    func report(_ e: ImportLineError) {
      bad += 1
      badLine(e.description)
    }
    func checkStoredKeys() throws(FidoError) {
      let (conflicts, matches) = try compareStoredKeys(keyed)
      for e in conflicts {
        report(e)
        refusedLines.insert(e.line)
      }
      alreadyStored.formUnion(matches)
      keyed.removeAll(keepingCapacity: true)
    }

    while let next = try reader.next() {
      let record: ImportRecord
      switch next {
      case .failure(let e):
        report(e)
        continue
      case .success(let r): record = r
      }
      summary.read += 1
      switch parse(record) {
      case .failure(let e): report(e)
      case .success(let line):
        guard let key = line.key else {
          headroom[line.user]!.add(line)
          summary.inserted += 1
          continue
        }
        let use = KeyUse(user: line.user, key: key)
        if let earlier = seenKeys[use] {
          if earlier.amount == line.amount && earlier.type == line.type
            && (earlier.date == nil || !line.dateGiven || earlier.date == line.date)
          {
            summary.skipped += 1
          } else {
            report(
              ImportLineError(
                line: line.line,
                reason:
                  "key \(CoreText.quoted(key)) was used on line \(earlier.line) with other data"))
            refusedLines.insert(line.line)
          }
          continue
        }
        seenKeys[use] = (line.amount, line.type, line.dateGiven ? line.date : nil, line.line)
        // Counted even if its key turns out to be stored already: an upper
        // bound, made exact below for the users it puts at risk.
        headroom[line.user]!.add(line)
        keyed.append(line)
        summary.inserted += 1
        if keyed.count >= Self.keyCheckChunk { try checkStoredKeys() }
      }
    }
    try checkStoredKeys()
    let atRisk = Set(headroom.filter { !$0.value.surelyFits }.keys)
    if !atRisk.isEmpty {
      for e in try checkLimits(path: path, users: atRisk, skipping: refusedLines) { report(e) }
    }
    if bad > 0 {
      throw .invalidData(
        "\(bad) bad line(s) in the input; nothing was written. Fix them and import again")
    }
    // Lines whose key is stored with the same data are skipped, not inserted.
    summary.inserted -= alreadyStored.count
    summary.skipped += alreadyStored.count
    return summary
  }

  /// Keyed lines whose key is stored: with other data (bad lines), or with
  /// the same data (to skip).
  private func compareStoredKeys(_ lines: [ImportLine]) throws(FidoError) -> (
    [ImportLineError], Set<KeyUse>
  ) {
    if lines.isEmpty { return ([], []) }
    let stored = try existing(keys: lines.map { ($0.user, $0.key!) })
    var conflicts: [ImportLineError] = []
    var matches = Set<KeyUse>()
    for line in lines {
      let use = KeyUse(user: line.user, key: line.key!)
      guard let t = stored[use] else { continue }
      if t.amount != line.amount || t.type != line.type || (line.dateGiven && t.date != line.date) {
        conflicts.append(
          ImportLineError(
            line: line.line,
            reason:
              "key \(CoreText.quoted(line.key!)) is already used by transaction \(t.id.hex) with other data"
          )
        )
      } else {
        matches.insert(use)
      }
    }
    return (conflicts, matches)
  }

  /// Stored transactions having one of these (user, key) pairs.
  private func existing(keys: [(ObjectID, String)]) throws(FidoError) -> [KeyUse: Transaction] {
    var out: [KeyUse: Transaction] = [:]
    for t in try writer.keyed(keys) {
      if let k = t.key { out[KeyUse(user: t.userID, key: k)] = t }
    }
    return out
  }

  /// The lines of `users` that would take one of the user's stored figures
  /// (balance, counters, day counters) out of Int64, in input order: each
  /// line's effect is added in Int128 to the figures as the earlier good
  /// lines leave them. Runs only for users whose input could overflow at
  /// all, so an ordinary import does not read its input a fourth time.
  private func checkLimits(path: String, users atRisk: Set<ObjectID>, skipping refused: Set<Int>)
    throws(FidoError) -> [ImportLineError]
  {
    var figures = try writer.figures(of: atRisk)
    var errors: [ImportLineError] = []
    var seen = Set<KeyUse>()
    let reader = try RecordReader(path: path, name: name, format: options.format)
    while let next = try reader.next() {
      guard case .success(let record) = next, case .success(let line) = parse(record),
        atRisk.contains(line.user), !refused.contains(line.line), var doc = figures[line.user]
      else { continue }
      if let key = line.key {
        let use = KeyUse(user: line.user, key: key)
        if alreadyStored.contains(use) || !seen.insert(use).inserted { continue }
      }
      let effect = StatsEffect.add(type: line.type, amount: line.amount, date: line.date)
      if let problem = FidoStore.overflow(doc, effect) {
        errors.append(ImportLineError(line: line.line, reason: "user \(line.user.hex): \(problem)"))
        continue
      }
      Headroom.apply(effect, to: &doc)
      figures[line.user] = doc
    }
    return errors
  }

  // MARK: pass 3: write

  /// Cuts the lines to insert (`toWrite` of them) into batches for the
  /// store, in input order, through one `ImportBatcher`.
  private func write(
    path: String, toWrite: Int, summary: inout ImportSummary, progress: Progress?,
    shouldStop: () -> Bool
  )
    throws(FidoError)
  {
    let reader = try RecordReader(path: path, name: name, format: options.format)
    let total = LineReader.fileSize(path)
    let batcher = ImportBatcher(writer: writer, size: options.batchSize)
    var batch: [ImportLine] = []
    var done = 0
    written.started = true
    func flush(_ lines: ArraySlice<ImportLine>) throws(FidoError) {
      try batcher.flush(
        lines,
        name: { lines in
          let number = written.batches + 1
          return
            "batch \(number) of \(max(written.planned, number)) (lines \(lines.first!.line)–\(lines.last!.line))"
        },
        resized: { size in
          reducedBatchSize = size
          // The batches written, and the rest (this one's lines included) at the new size.
          written.planned = written.batches + (toWrite - done + size - 1) / size
        },
        committed: { lines, inserted, skipped in
          summary.inserted += inserted
          summary.skipped += skipped
          written.batches += 1
          written.firstLine = written.firstLine ?? lines.first!.line
          written.lastLine = lines.last!.line
          written.transactions += inserted
          done += lines.count
          progress?(done, reader.bytesRead, total)
        })
    }
    var lines = WriteLines(importer: self)
    while let line = try lines.next(reader, summary: &summary) {
      batch.append(line)
      if batch.count >= batcher.size {
        try flush(batch[...])
        batch.removeAll(keepingCapacity: true)
        if shouldStop() {
          summary.interrupted = true
          return
        }
      }
    }
    if !batch.isEmpty { try flush(batch[...]) }
  }

  /// The write pass's lines, read again: each checked to be what
  /// validation saw, repeats and stored keys skipped, the rest given their
  /// transaction `_id` (so ids follow input order, whichever worker writes).
  private struct WriteLines {
    let importer: Importer
    var seenKeys = Set<KeyUse>()

    mutating func next(_ reader: RecordReader, summary: inout ImportSummary) throws(FidoError)
      -> ImportLine?
    {
      while let next = try reader.next() {
        guard case .success(let record) = next, case .success(var line) = importer.parse(record)
        else {
          throw .failure("the input changed while it was being imported; run the import again")
        }
        if let key = line.key {
          // A repeat of an earlier line of this file (validated as the same data).
          let use = KeyUse(user: line.user, key: key)
          if importer.alreadyStored.contains(use) || !seenKeys.insert(use).inserted {
            summary.skipped += 1
            continue
          }
        }
        line.id = importer.writer.newID()
        return line
      }
      return nil
    }
  }

  /// `--workers N`: the reader (this thread) hands each line to the worker
  /// of its user, which writes its lines in batches exactly as `write`
  /// does, through its own `ImportBatcher` and connection. Every line has a
  /// key, so whatever part is written, running the same import again
  /// writes the rest. The first failure stops the others at their next
  /// batch boundary, as does `shouldStop` (polled here).
  private func writeConcurrently(
    path: String, toWrite: Int, summary: inout ImportSummary, progress: Progress?,
    shouldStop: () -> Bool
  ) throws(FidoError) {
    let count = options.workers
    let partition = ImportPartition(
      loads: headroom.mapValues { Int(clamping: $0.lines) }, workers: count)
    let lanes = ImportLanes(count: count, capacity: options.batchSize)
    // Each worker's connection is opened here, before any thread starts.
    var workers: [ImportWorker] = []
    for index in 0..<count {
      workers.append(
        ImportWorker(
          index: index + 1,
          batcher: ImportBatcher(writer: try writer.fork(), size: options.batchSize),
          lanes: lanes))
    }
    let reader = try RecordReader(path: path, name: name, format: options.format)
    let total = LineReader.fileSize(path)
    written.started = true
    var threads: [ImportThread] = []
    for worker in workers {
      let handOff = HandOff(worker)
      guard let thread = ImportThread({ handOff.value.run() }) else {
        // Those not started never end by themselves.
        for _ in threads.count..<count { lanes.done() }
        lanes.fail(
          .failure(
            "cannot start \(count) import workers (the system refused a thread); use fewer --workers"
          ))
        break
      }
      threads.append(thread)
    }
    var shown = 0
    // Between lines and while waiting: the signal, and the progress bar.
    func poll() {
      if shouldStop() { lanes.stop() }
      let done = lanes.totals.lines
      if done != shown {
        shown = done
        progress?(done, reader.bytesRead, total)
      }
    }
    var readError: FidoError?
    do throws(FidoError) {
      var lines = WriteLines(importer: self)
      while let line = try lines.next(reader, summary: &summary) {
        if !lanes.push(line, to: partition.worker(of: line.user), waiting: poll) { break }
        poll()
      }
    } catch {
      readError = error
      lanes.stop()
    }
    lanes.finish(waiting: poll)
    for thread in threads { thread.join() }
    let totals = lanes.totals
    summary.inserted += totals.inserted
    summary.skipped += totals.skipped
    written.batches = totals.batches
    written.transactions = totals.inserted
    let reduced = workers.filter(\.batcher.reduced).map(\.batcher.size)
    if let smallest = reduced.min() { reducedBatchSize = smallest }
    if let error = lanes.error ?? readError { throw error }
    if lanes.stopped { summary.interrupted = true }
  }

  /// Keys per look-up of stored keys in the validation pass.
  static let keyCheckChunk = 1000
  /// Users per look-up in the first pass. A few more round trips than 1,000
  /// at a time cost MongoDB nothing measurable; SecantusDB answers a 1,000-id
  /// `$in` in about 1.4 s and ten 100-id ones in about 0.5 s.
  static let userLookupChunk = 100
}

/// One user's stored figures, the largest stored day counters, and what the
/// input adds to them, in Int128: enough to tell, without a further read,
/// that no line of the input can take a figure out of Int64.
struct Headroom {
  var stored: UserStats
  var balance: Int128
  var maxDayCount: Int128
  var maxDayAmount: Int128
  var credits: Int128 = 0
  var debits: Int128 = 0
  var lines: Int128 = 0

  init(user: User, _ doc: Document) {
    stored = user.stats
    balance = Int128(user.balance)
    // A largest day counter that is not an integer is taken as the worst case.
    func largest(_ key: String) -> Int128 {
      switch doc[key] {
      case nil, .null?: 0
      case let v?: v.exactInt64.map { Int128($0) } ?? Int128(Int64.max)
      }
    }
    maxDayCount = largest("max_day_count")
    maxDayAmount = largest("max_day_amount")
  }

  mutating func add(_ line: ImportLine) {
    if line.type == .credit {
      credits += Int128(line.amount)
    } else {
      debits += Int128(line.amount)
    }
    lines += 1
  }

  /// True when even adding every credit (or every debit) of the input to
  /// each figure, and every amount to the largest day, stays in Int64.
  var surelyFits: Bool {
    let fits = { (v: Int128) in Int64(exactly: v) != nil }
    return fits(balance + credits) && fits(balance - debits)
      && fits(stored.creditTotal + credits) && fits(stored.debitTotal + debits)
      && fits(stored.count + lines) && fits(stored.creditCount + lines)
      && fits(stored.debitCount + lines)
      && fits(maxDayAmount + credits + debits) && fits(maxDayCount + lines)
  }

  /// Applies an effect to a user document's figures as `$inc` would (the
  /// caller has checked that each fits).
  static func apply(_ effect: StatsEffect, to doc: inout Document) {
    for change in effect.changes where change.delta != 0 {
      let parts = change.path.split(separator: ".").map(String.init)
      doc = adding(change.delta, at: parts[...], in: doc)
    }
  }

  private static func adding(_ delta: Int128, at path: ArraySlice<String>, in doc: Document)
    -> Document
  {
    var doc = doc
    let key = path.first!
    if path.count == 1 {
      let old = Int128(doc[key]?.exactInt64 ?? 0)
      doc[key] = .int64(Int64(exactly: old + delta) ?? 0)
    } else {
      doc[key] = .document(adding(delta, at: path.dropFirst(), in: doc[key]?.documentValue ?? [:]))
    }
    return doc
  }
}
