public enum ImportFormat: String, Sendable, CaseIterable {
  case ndjson, csv

  /// `--format`, else the extension, else the first non-blank byte (`{` is NDJSON).
  public static func detect(path: String, displayName: String) throws(FidoError) -> ImportFormat {
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

public struct ImportOptions: Sendable {
  public var format: ImportFormat
  public var dryRun: Bool
  /// Queue imported transactions' SMS as pending (else skipped).
  public var sms: Bool
  public var smsConfigured: Bool
  /// Lines per atomic batch (one multi-document transaction). Each batch
  /// updates each of its users once, so larger batches mean fewer writes.
  public var batchSize: Int
  public static let defaultBatchSize = 10_000
  public static let maxBatchSize = 100_000
  public init(
    format: ImportFormat, dryRun: Bool, sms: Bool, smsConfigured: Bool,
    batchSize: Int = defaultBatchSize
  ) {
    self.format = format
    self.dryRun = dryRun
    self.sms = sms
    self.smsConfigured = smsConfigured
    self.batchSize = batchSize
  }
}

public struct ImportSummary: Sendable, Equatable {
  /// Records read (blank lines and the CSV header not counted).
  public var read = 0
  public var inserted = 0
  /// Records whose key was already present with the same data.
  public var skipped = 0
  /// Stopped between batches by a signal; the batches written are complete.
  public var interrupted = false

  public var out: OutObject {
    OutObject([
      ("read", .int(Int64(read))), ("inserted", .int(Int64(inserted))),
      ("skipped", .int(Int64(skipped))),
    ])
  }
}

/// A validated import line.
struct ImportLine {
  var line: Int
  var user: ObjectID
  var amount: Int64
  var type: TxnType
  var date: Int64
  var dateGiven: Bool
  var key: String?
  /// The transaction's `_id`, fixed when the line joins a batch (write pass).
  var id: ObjectID? = nil
}

/// What the write pass has committed so far: complete batches, in input order.
public struct ImportWritten: Sendable, Equatable, CustomStringConvertible {
  /// Batches the write pass plans (lines to insert / batch size, rounded up).
  public var planned = 0
  /// Batches committed.
  public var batches = 0
  /// Input lines from the first line of the first committed batch to the
  /// last line of the last one.
  public var firstLine: Int?
  public var lastLine: Int?
  /// Transactions those batches inserted.
  public var transactions = 0
  /// True once the write pass has begun.
  public var started = false

  /// `written 2 of 3 batches: lines 1–2000 (1,998 transactions)`.
  public var description: String {
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
public final class Importer {
  let store: FidoStore
  let options: ImportOptions
  let now: Int64
  private var users: [ObjectID: User] = [:]
  private var refs: [UserRef: ObjectID] = [:]
  /// Keys found stored with the same data while validating: skipped when writing.
  private var alreadyStored = Set<KeyUse>()
  /// The input as messages name it.
  private var name = ""
  /// What the write pass committed: after a failure, what to report.
  public private(set) var written = ImportWritten()
  /// Per user: the stored figures and what the input adds to them (Int128).
  private var headroom: [ObjectID: Headroom] = [:]
  /// The per-user effects of a batch whose guarded update matched nothing:
  /// diagnosed once its transaction is aborted.
  private var refusedBatch: [(ObjectID, StatsEffect)]?

  public init(store: FidoStore, options: ImportOptions, now: Int64) {
    self.store = store
    self.options = options
    self.now = now
  }

  /// Progress: records done, bytes read, total bytes.
  public typealias Progress = (_ records: Int, _ bytes: Int64, _ total: Int64) -> Void

  /// `shouldStop` is polled between batches (Ctrl-C, SIGTERM): the import
  /// then stops with every written batch complete.
  /// `name` is the input as messages name it (`stdin` for a spooled stdin).
  public func run(
    path: String, name: String? = nil, badLine: (String) -> Void, progress: Progress? = nil,
    shouldStop: () -> Bool = { false }
  ) throws(FidoError) -> ImportSummary {
    self.name = name ?? path
    try store.ensureIndexes()
    try resolveUsers(path: path)
    var summary = try validate(path: path, badLine: badLine)
    if options.dryRun { return summary }
    written.planned = (summary.inserted + options.batchSize - 1) / options.batchSize
    summary.inserted = 0
    summary.skipped = 0
    try write(path: path, summary: &summary, progress: progress, shouldStop: shouldStop)
    return summary
  }

  // MARK: pass 1: which users

  private func resolveUsers(path: String) throws(FidoError) {
    let reader = try RecordReader(path: path, name: name, format: options.format)
    var pending = Set<UserRef>()
    while let next = try reader.next() {
      guard case .success(let record) = next, case .text(let text)? = record.fields["user"],
        let ref = try? UserRef.parse(text), refs[ref] == nil
      else { continue }
      pending.insert(ref)
      if pending.count >= Self.userLookupChunk { try lookUp(&pending) }
    }
    try lookUp(&pending)
  }

  private func lookUp(_ pending: inout Set<UserRef>) throws(FidoError) {
    if pending.isEmpty { return }
    var ids: [BSONValue] = []
    var emails: [BSONValue] = []
    for ref in pending {
      switch ref {
      case .id(let id): ids.append(.objectID(id))
      case .email(let e): emails.append(.string(e))
      }
    }
    var branches: [Document] = []
    if !ids.isEmpty { branches.append(["_id": ["$in": .array(ids)]]) }
    if !emails.isEmpty { branches.append(["email": ["$in": .array(emails)]]) }
    let filter: Document =
      branches.count == 1 ? branches[0] : ["$or": .array(branches.map { .document($0) })]
    let cursor = try store.mongo { () throws(MongoError) in
      try store.users.find(filter, projection: Headroom.projection)
    }
    while let doc = try store.mongo({ () throws(MongoError) in try cursor.next() }) {
      let user = try User(doc)
      users[user.id] = user
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

  /// Stored transactions having one of these (user, key) pairs (outside any transaction).
  private func existing(keys: [(ObjectID, String)]) throws(FidoError) -> [KeyUse: Transaction] {
    do { return try storedKeys(keys, session: nil) } catch let e as MongoError {
      throw store.fail(e)
    } catch let e
      as FidoError
    { throw e } catch { throw .failure("\(error)") }
  }

  /// The same, raising driver errors as they are (inside a transaction, their
  /// labels decide whether it is retried).
  private func storedKeys(_ keys: [(ObjectID, String)], session: MongoSession?) throws -> [KeyUse:
    Transaction]
  {
    if keys.isEmpty { return [:] }
    var byUser: [ObjectID: [String]] = [:]
    for (u, k) in keys { byUser[u, default: []].append(k) }
    // One $or clause per user; each implies the partial index's filter, so
    // the planner can answer each from the unique (user_id, key) index.
    let filter: Document =
      byUser.count == 1
      ? FidoStore.keyFilter(byUser.first!.key, byUser.first!.value)
      : ["$or": .array(byUser.map { .document(FidoStore.keyFilter($0.key, $0.value)) })]
    var out: [KeyUse: Transaction] = [:]
    let cursor = try store.transactions.find(filter, session: session)
    while let doc = try cursor.next() {
      let t = try Transaction(doc)
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
    var figures: [ObjectID: Document] = [:]
    let ids = atRisk.map { BSONValue.objectID($0) }
    let cursor = try store.mongo { () throws(MongoError) in
      try store.users.find(["_id": ["$in": .array(ids)]], projection: User.projectionWithDays)
    }
    while let doc = try store.mongo({ () throws(MongoError) in try cursor.next() }) {
      if let id = doc["_id"]?.objectIDValue { figures[id] = doc }
    }
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

  private func write(
    path: String, summary: inout ImportSummary, progress: Progress?, shouldStop: () -> Bool
  )
    throws(FidoError)
  {
    let reader = try RecordReader(path: path, name: name, format: options.format)
    let total = LineReader.fileSize(path)
    var batch: [ImportLine] = []
    var done = 0
    var seenKeys = Set<KeyUse>()
    written.started = true
    func flush() throws(FidoError) {
      let number = written.batches + 1
      let lines = "lines \(batch.first!.line)–\(batch.last!.line)"
      let name = "batch \(number) of \(max(written.planned, number)) (\(lines))"
      // Optimistic: a fresh batch needs no read. A key already stored (a
      // re-run, or a concurrent writer) fails the batch's transaction on the
      // unique index; then it is written again, skipping the stored keys.
      var result: (inserted: Int, skipped: Int)
      do {
        result = try writeBatch(batch, name: name, checkKeys: false)
      } catch {
        guard case .conflict = error else { throw error }
        // All or nothing only in a transaction: without one, a stored first
        // document proves nothing about the rest.
        if store.transactionSupport == true, try batchIsStored(batch) {
          // An earlier attempt of this batch committed (its `_id`s are fixed).
          result = (batch.count, 0)
        } else {
          guard batch.contains(where: { $0.key != nil }) else { throw error }
          result = try writeBatch(batch, name: name, checkKeys: true)
        }
      }
      let (inserted, skipped) = result
      summary.inserted += inserted
      summary.skipped += skipped
      written.batches = number
      written.firstLine = written.firstLine ?? batch.first!.line
      written.lastLine = batch.last!.line
      written.transactions += inserted
      done += batch.count
      batch.removeAll(keepingCapacity: true)
      progress?(done, reader.bytesRead, total)
    }
    while let next = try reader.next() {
      guard case .success(let record) = next, case .success(let line) = parse(record) else {
        throw .failure("the input changed while it was being imported; run the import again")
      }
      if let key = line.key {
        // A repeat of an earlier line of this file (validated as the same data).
        let use = KeyUse(user: line.user, key: key)
        if alreadyStored.contains(use) || !seenKeys.insert(use).inserted {
          summary.skipped += 1
          continue
        }
      }
      var fixed = line
      fixed.id = store.ids.next(nowMs: now)
      batch.append(fixed)
      if batch.count >= options.batchSize {
        try flush()
        if shouldStop() {
          summary.interrupted = true
          return
        }
      }
    }
    if !batch.isEmpty { try flush() }
  }

  /// True when the batch's first transaction is stored: an earlier attempt
  /// of this batch committed it, and with it the whole batch.
  private func batchIsStored(_ lines: [ImportLine]) throws(FidoError) -> Bool {
    guard let id = lines.first?.id else { return false }
    return try store.mongo { () throws(MongoError) in
      try store.transactions.findOne(["_id": .objectID(id)], projection: ["_id": 1]) != nil
    }
  }

  /// One batch, atomically where transactions exist. Its users are checked
  /// inside the same transaction before anything is written: a user deleted
  /// since the first pass fails the batch (nothing of it written).
  private func writeBatch(_ lines: [ImportLine], name: String, checkKeys: Bool) throws(FidoError)
    -> (inserted: Int, skipped: Int)
  {
    let first = lines.first?.id?.hex ?? ""
    return try guardedBatch(
      ifUnknown:
        "\(name) may or may not have been written: run 'fido txn get \(first)' (its first transaction) to see; if it was, the whole batch was. Running the same import again is safe only if every line has a key"
    ) { (session) throws -> (Int, Int) in
      var lines = lines
      var skipped = 0
      let keys = lines.compactMap { l in l.key.map { (l.user, $0) } }
      if checkKeys && !keys.isEmpty {
        let stored = try storedKeys(keys, session: session)
        let before = lines.count
        lines.removeAll { l in l.key.map { stored[KeyUse(user: l.user, key: $0)] != nil } ?? false }
        skipped = before - lines.count
      }
      if lines.isEmpty { return (0, skipped) }
      // The statistics: one update per user, day counters included, however
      // many lines the user has here.
      var userEffects: [ObjectID: StatsEffect] = [:]
      var order: [ObjectID] = []
      var records: [ObjectID: [BSONValue]] = [:]
      for l in lines {
        let effect = StatsEffect.add(type: l.type, amount: l.amount, date: l.date)
        if userEffects[l.user] == nil {
          order.append(l.user)
          userEffects[l.user] = effect
        } else {
          userEffects[l.user]!.absorb(effect)
        }
      }
      // Every user of the batch, read inside its transaction before anything
      // is written: a user deleted since the first pass refuses the whole
      // batch; the documents also give the running balances for the message
      // text and the history heads the user writes are conditional on.
      var userDocs: [ObjectID: Document] = [:]
      let cursor = try store.users.find(
        ["_id": ["$in": .array(order.map { .objectID($0) })]],
        projection: AuditState.userProjection, session: session)
      while let d = try cursor.next() { if let id = d["_id"]?.objectIDValue { userDocs[id] = d } }
      if userDocs.count != order.count {
        throw try deletedUserError(order, name: name, session: session)
          ?? FidoError.notFound(
            "a user of \(name) was deleted while the import ran; it was not written")
      }
      var balances: [ObjectID: Int64] = [:]
      // The transaction documents, and what history records of them.
      var docs: [Document] = []
      docs.reserveCapacity(lines.count)
      for l in lines {
        let user = users[l.user]!
        let skip = SMSState.skipReason(
          optOut: options.sms ? nil : "imported (use --sms to queue)", phone: user.phone,
          smsConfigured: options.smsConfigured, phoneOptedOut: user.phoneOptedOut)
        // A queued alert's text names the balance after its transaction.
        var balance: Int64? = nil
        if skip == nil {
          let running =
            Int128(balances[l.user] ?? userDocs[l.user]?["balance"]?.int64Value ?? user.balance)
            + l.type.signed(l.amount)
          guard let b = Int64(exactly: running) else {
            throw FidoError.invalidData(
              "user \(l.user.hex): "
                + FidoStore.pastLimit("balance", running, money: true, user.currency)!)
          }
          balances[l.user] = b
          balance = b
        }
        docs.append(
          FidoStore.newTransactionDocument(
            id: l.id ?? store.ids.next(nowMs: now), user: user, amount: l.amount, type: l.type,
            date: l.date, key: l.key, smsSkipReason: skip, balanceAfter: balance, now: now))
        records[l.user, default: []].append(.document(AuditState.txn(docs[docs.count - 1])))
      }
      // One history entry per user of the batch, naming its transactions;
      // each user write is conditional on the head its entry follows. The
      // users first: without a transaction, a failed user write then leaves
      // no transaction document behind.
      let (userOps, entries) = try store.auditedImport(
        order: order, users: userDocs, effects: userEffects, records: records, now: now)
      let result = try store.users.bulkUpdate(userOps, ordered: true, session: session)
      guard result.matched == Int64(userOps.count) else {
        // Each update is guarded so that no figure leaves Int64 (validation
        // checked the figures read before; this holds against writers since):
        // guardedBatch says which, once the transaction is aborted.
        refusedBatch = order.map { ($0, userEffects[$0]!) }
        throw try deletedUserError(order, name: name, session: session)
          ?? FidoError.conflict(
            "a user of \(name) changed while it was written; run the import again (written batches are skipped)"
          )
      }
      // The transaction documents go in chunks of `insertChunk` (one insert
      // command each).
      var from = 0
      while from < docs.count {
        let to = min(from + Self.insertChunk, docs.count)
        try store.transactions.insertMany(Array(docs[from..<to]), ordered: true, session: session)
        from = to
      }
      try store.insertAudit(entries, session: session)
      return (lines.count, skipped)
    }
  }

  /// The not-found error for a batch one of whose users is gone (nil when
  /// all are there).
  private func deletedUserError(_ ids: [ObjectID], name: String, session: MongoSession?) throws
    -> FidoError?
  {
    var present = Set<ObjectID>()
    let cursor = try store.users.find(
      ["_id": ["$in": .array(ids.map { .objectID($0) })]], projection: ["_id": 1],
      session: session)
    while let d = try cursor.next() {
      if let id = d["_id"]?.objectIDValue { present.insert(id) }
    }
    let gone = ids.filter { !present.contains($0) }.map { id in
      users[id].map { "\($0.email) (\(id.hex))" } ?? id.hex
    }
    if gone.isEmpty && session == nil { return nil }
    return .notFound(
      "user \(gone.isEmpty ? "of this batch" : gone.joined(separator: ", ")) was deleted while the import ran; \(name) was not written"
    )
  }

  /// Runs one batch's writes; a batch refused by a guard is diagnosed after
  /// its transaction was aborted, from fresh reads.
  private func guardedBatch(
    ifUnknown: String, _ body: (MongoSession?) throws -> (Int, Int)
  ) throws(FidoError) -> (inserted: Int, skipped: Int) {
    refusedBatch = nil
    do {
      return try store.atomically(ifUnknown: ifUnknown, body)
    } catch {
      guard let refused = refusedBatch else { throw error }
      refusedBatch = nil
      for (id, effect) in refused {
        let reason = try store.mongo { () throws(MongoError) -> FidoError? in
          do {
            let e = try store.refusal(
              id, effect, session: nil, outcome: "its batch was not written")
            if case .conflict = e { return nil }
            return e
          } catch let e as MongoError { throw e } catch { return nil }
        }
        if let reason { throw reason }
      }
      throw .conflict("the users of a batch changed while it was written; run the import again")
    }
  }

  /// Transaction documents per insert command inside a batch.
  static let insertChunk = 1000
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

  /// The user's fields, without the day counters but with their largest
  /// count and amount (computed by the server, so the days never travel).
  static let projection: Document = {
    func largest(_ field: String) -> BSONValue {
      [
        "$max": [
          "$map": [
            "input": ["$objectToArray": ["$ifNull": ["$stats.days", .document([:])]]],
            "in": .string("$$this.v.\(field)"),
          ]
        ]
      ]
    }
    var p: Document = [:]
    for f in [
      "name", "email", "phone", "currency", "opening_balance", "balance", "created_at",
      "updated_at", "stats.count", "stats.credit_count", "stats.debit_count",
      "stats.credit_total", "stats.debit_total", "stats.first_at", "stats.last_at",
      "sms_opt_out",
    ] {
      p[f] = 1
    }
    p["max_day_count"] = largest("count")
    p["max_day_amount"] = largest("amount")
    return p
  }()

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
