import Dispatch

/// What `db migrate-legacy` was asked to do.
package struct MigrateOptions: Sendable {
  package enum BalanceIs: String, Sendable, CaseIterable {
    /// The legacy `balance` is the opening balance (the service never applied
    /// transactions to it).
    case opening
    /// The legacy `balance` is the balance after the legacy transactions; the
    /// opening balance is derived.
    case current
  }
  /// The database holding the legacy `user` and `transaction` collections.
  package var fromDB: String
  package var currency: Currency
  package var balanceIs: BalanceIs
  package var round: Bool
  package var skipInvalid: Bool
  package var dryRun: Bool
  package var scrubPasswords: Bool
  /// Transactions per atomic batch.
  package var batchSize: Int
  /// Users per atomic batch; their passwords are hashed before it begins.
  package var userBatchSize: Int
  package static let defaultUserBatchSize = 500

  package init(
    fromDB: String, currency: Currency, balanceIs: BalanceIs = .opening, round: Bool = false,
    skipInvalid: Bool = false, dryRun: Bool = false, scrubPasswords: Bool = false,
    batchSize: Int = FidoStore.defaultBatchSize, userBatchSize: Int = defaultUserBatchSize
  ) {
    self.fromDB = fromDB
    self.currency = currency
    self.balanceIs = balanceIs
    self.round = round
    self.skipInvalid = skipInvalid
    self.dryRun = dryRun
    self.scrubPasswords = scrubPasswords
    self.batchSize = batchSize
    self.userBatchSize = userBatchSize
  }
}

/// One line of the migration's report, for stderr.
package enum MigrateNote: Sendable, Equatable {
  /// A legacy document fido cannot migrate (`user ID: reason`).
  case invalid(String)
  /// Two users whose emails normalise alike, or a record already in fido with other data.
  case conflict(String)
  /// A user left out with the transactions that belong to it (`--skip-invalid`).
  case leftWithUser(String)
  /// `--round` rounded a figure.
  case rounded(String)
  /// A legacy password shorter than fido's minimum, hashed all the same.
  case shortPassword(String)
}

/// The result record of `db migrate-legacy`, reconciliation included.
package struct MigrateReport: Sendable {
  package var currency: Currency
  package var dryRun = false
  package var usersRead = 0
  package var usersInserted = 0
  /// Already in fido with the same data: skipped.
  package var usersExisting = 0
  /// Left out (invalid or in conflict), with `--skip-invalid`.
  package var usersSkipped = 0
  package var transactionsInserted = 0
  package var transactionsExisting = 0
  package var rounded = 0
  package var shortPasswords = 0
  /// Reconciliation: every legacy transaction, and the sum of the amounts
  /// that convert (credits and debits alike, as `total_amount` adds them).
  package var legacyCount = 0
  package var legacySum: Int128 = 0
  /// Legacy transactions found in fido's `transactions` after the run (read
  /// back from fido's documents), and their amounts.
  package var migratedCount = 0
  package var migratedSum: Int128 = 0
  /// Legacy transactions left out, and the amounts of those that convert.
  package var skippedCount = 0
  package var skippedSum: Int128 = 0
  package var passwordsScrubbed = 0
  /// Stopped between batches by a signal; the batches written are complete.
  package var interrupted = false
  /// Complete write batches (users and transactions).
  package var batches = 0

  package init(currency: Currency) { self.currency = currency }

  /// Migrated plus skipped account for every legacy transaction and amount.
  package var reconciled: Bool {
    migratedCount + skippedCount == legacyCount && migratedSum + skippedSum == legacySum
  }

  /// A sum in the currency as fido writes money (`1234.50`); sums may pass Int64.
  package func money(_ v: Int128) -> String {
    let digits = currency.minorDigits
    var text = Array(String(v.magnitude).utf8)
    if text.count <= digits {
      text = Array(repeating: UInt8(ascii: "0"), count: digits + 1 - text.count) + text
    }
    var out = v < 0 ? "-" : ""
    out += String(decoding: text[..<(text.count - digits)], as: UTF8.self)
    if digits > 0 { out += "." + String(decoding: text[(text.count - digits)...], as: UTF8.self) }
    return out
  }
}

/// `db migrate-legacy`: copies the old service's `user` and `transaction`
/// collections into fido's model, keeping every ObjectId.
///
/// 1. Validation (reads only): the legacy users, fido's users (same ids,
///    same emails), then the legacy transactions merge-joined by `_id` with
///    fido's transactions; then each user's opening balance and limits.
///    Any invalid document or conflict stops here with nothing written,
///    unless `skipInvalid` leaves those out.
/// 2. Users, in batches: passwords hashed first (in parallel, outside any
///    transaction), then one transaction inserts the batch and a
///    `user.migrate` history entry for each user.
/// 3. Transactions, in `_id` order and batches of `batchSize`: one
///    transaction inserts the batch, applies each user's statistics once
///    (the store's own `StatsEffect` and `userUpdate`, as `txn import` does)
///    and appends one `txn.migrate` history entry per user naming its
///    transactions. A document already in fido with the same data is
///    skipped (and gets no entry), so a run stopped at any point can be run
///    again.
/// 4. Reconciliation: fido's stored amounts read back for every migrated id.
/// 5. With `scrubPasswords`, after a complete and reconciled migration, the
///    legacy `password` fields are removed.
///
/// Memory grows with the number of users (one entry each), never with the
/// number of transactions: every pass streams.
package final class LegacyMigrator {
  let store: FidoStore
  let options: MigrateOptions
  let now: Int64
  let legacyUsers: MongoCollection
  let legacyTransactions: MongoCollection

  /// A parsed legacy user and what the transactions and fido say about it.
  private struct Entry {
    var user: LegacyUser
    /// Left out (a conflict, a figure past the limits); with reasons reported.
    var left = false
    /// fido's document with this id, when there is one.
    var existing: Document?
    /// Its transactions that are valid (whatever the user's own fate).
    var count = 0
    var credit: Int128 = 0
    var debit: Int128 = 0
    /// Of those, already in fido with the same data.
    var existingCount = 0
    var opening: Int64 = 0
    /// In fido with the same data: not inserted again.
    var present = false
  }
  private var entries: [ObjectID: Entry] = [:]
  /// Legacy users that could not be read, with how many transactions name them.
  private var unreadableUsers: [ObjectID: Int] = [:]
  private var maxTransactionID: ObjectID?
  private var invalid = 0
  private var conflicts = 0
  private var toInsert = 0

  package init(store: FidoStore, options: MigrateOptions, now: Int64) {
    self.store = store
    self.options = options
    self.now = now
    legacyUsers = store.client.collection(Legacy.userCollection, db: options.fromDB)
    legacyTransactions = store.client.collection(Legacy.transactionCollection, db: options.fromDB)
  }

  /// Progress of the writes: phase (`users`, `transactions`), done, total.
  package typealias Progress = (_ phase: String, _ done: Int, _ total: Int) -> Void

  /// Validates, writes (unless a dry run), reconciles. `note` gets each line
  /// of the report as it is found; `shouldStop` is polled between batches.
  package func run(
    note: (MigrateNote) -> Void, progress: Progress? = nil, shouldStop: () -> Bool = { false }
  ) throws(FidoError) -> MigrateReport {
    var report = MigrateReport(currency: options.currency)
    report.dryRun = options.dryRun
    try readable { () throws(StoreError) in
      try validateUsers(&report, note: note)
      try compareWithFidoUsers(note: note)
      try validateTransactions(&report, note: note)
      finishUsers(&report, note: note)
    }
    if invalid + conflicts > 0 && !options.skipInvalid {
      let what = [
        invalid > 0 ? "\(invalid) invalid document(s)" : nil,
        conflicts > 0 ? "\(conflicts) conflict(s)" : nil,
      ].compactMap { $0 }.joined(separator: " and ")
      let message =
        "\(what) in the legacy data; nothing was written. Fix them, or run with --skip-invalid to migrate the rest"
      throw invalid > 0 ? .invalidData(message) : .conflict(message)
    }
    report.usersSkipped = entries.values.filter(\.left).count + unreadableUsers.count
    if options.dryRun {
      report.migratedCount = report.legacyCount - report.skippedCount
      report.migratedSum = report.legacySum - report.skippedSum
      report.usersInserted = entries.values.filter { !$0.left && !$0.present }.count
      report.transactionsInserted = toInsert
      return report
    }
    try store.ensureIndexes()
    try writeUsers(&report, progress: progress, shouldStop: shouldStop)
    if report.interrupted { return report }
    try writeTransactions(&report, progress: progress, shouldStop: shouldStop)
    if report.interrupted { return report }
    try readable { () throws(StoreError) in try readBack(&report) }
    if options.scrubPasswords && report.reconciled && report.skippedCount == 0
      && report.usersSkipped == 0
    {
      try readable { () throws(StoreError) in try scrub(&report) }
    }
    return report
  }

  /// Maps driver errors of the read passes.
  private func readable(_ body: () throws(StoreError) -> Void) throws(FidoError) {
    do { try body() } catch { throw store.fail(error) }
  }

  // MARK: validation

  private func problem(_ p: LegacyProblems, conflict: Bool = false, note: (MigrateNote) -> Void) {
    if conflict {
      conflicts += 1
      note(.conflict(p.description))
    } else {
      invalid += 1
      note(.invalid(p.description))
    }
  }

  private func validateUsers(_ report: inout MigrateReport, note: (MigrateNote) -> Void)
    throws(StoreError)
  {
    var byEmail: [String: (id: ObjectID, raw: String)] = [:]
    var conflicting = Set<ObjectID>()
    let cursor = try driver { () throws(MongoError) in
      try legacyUsers.find([:], sort: ["_id": 1], projection: Legacy.userProjection)
    }
    while let doc = try driver({ () throws(MongoError) in try cursor.next() }) {
      report.usersRead += 1
      // Emails are compared even for users invalid for another reason, so
      // fixing that reason never uncovers a conflict later.
      if let id = doc["_id"]?.objectIDValue, let raw = doc["email"]?.stringValue,
        let email = try? Email.normalize(raw)
      {
        if let first = byEmail[email] {
          conflicting.insert(first.id)
          conflicting.insert(id)
          problem(
            LegacyProblems(
              label: "user \(id.hex)",
              reasons: [
                "email \(CoreText.quoted(raw)) normalises to \(CoreText.quoted(email)), as user \(first.id.hex)'s \(CoreText.quoted(first.raw)) does; fido's emails are unique, so give one of them another email in the legacy data"
              ]), conflict: true, note: note)
        } else {
          byEmail[email] = (id, raw)
        }
      }
      switch LegacyUser.parse(doc, currency: options.currency, round: options.round) {
      case .success(let user):
        entries[user.id] = Entry(user: user)
        if let from = user.balanceRoundedFrom {
          report.rounded += 1
          note(
            .rounded(
              "user \(user.id.hex): balance \(from) rounded half-even to \(Money(minor: user.balance, currency: options.currency).plain)"
            ))
        }
        if user.shortPassword {
          report.shortPasswords += 1
          note(
            .shortPassword(
              "user \(user.id.hex): the legacy password is shorter than \(PasswordInput.minLength) characters; it is hashed all the same, but the user should set a new one"
            ))
        }
      case .failure(let p):
        if let id = doc["_id"]?.objectIDValue { unreadableUsers[id] = 0 }
        problem(p, note: note)
      }
    }
    for id in conflicting { entries[id]?.left = true }
  }

  /// fido's users: the legacy ids already there (compared once the opening
  /// balances are known), and other users holding a legacy email.
  private func compareWithFidoUsers(note: (MigrateNote) -> Void) throws(StoreError) {
    var emails: [String: ObjectID] = [:]
    for (id, e) in entries where !e.left { emails[e.user.email] = id }
    let cursor = try driver { () throws(MongoError) in
      try store.users.find(
        [:], projection: ["name": 1, "email": 1, "phone": 1, "currency": 1, "opening_balance": 1])
    }
    while let doc = try driver({ () throws(MongoError) in try cursor.next() }) {
      guard let id = doc["_id"]?.objectIDValue else { continue }
      if entries[id] != nil {
        entries[id]!.existing = doc
        continue
      }
      guard let email = doc["email"]?.stringValue, let legacy = emails[email],
        entries[legacy]?.left == false
      else { continue }
      entries[legacy]!.left = true
      problem(
        LegacyProblems(
          label: "user \(legacy.hex)",
          reasons: [
            "email \(CoreText.quoted(email)) already belongs to fido user \(id.hex); change one of them first"
          ]), conflict: true, note: note)
    }
  }

  private func validateTransactions(_ report: inout MigrateReport, note: (MigrateNote) -> Void)
    throws(StoreError)
  {
    let cursor = try driver { () throws(MongoError) in
      try legacyTransactions.find([:], sort: ["_id": 1], projection: Legacy.transactionProjection)
    }
    var fido: IDMerge? = nil
    while let doc = try driver({ () throws(MongoError) in try cursor.next() }) {
      report.legacyCount += 1
      // The reconciliation's legacy side: every amount that converts, read on its own.
      let converted = Legacy.money(
        doc["transaction_amount"], field: "transaction_amount", currency: options.currency,
        round: options.round
      ).converted
      let amount = Int128(converted?.minor ?? 0)
      report.legacySum += amount
      func skip() {
        report.skippedCount += 1
        report.skippedSum += amount
      }
      let t: LegacyTransaction
      switch LegacyTransaction.parse(doc, currency: options.currency, round: options.round) {
      case .failure(let p):
        problem(p, note: note)
        skip()
        continue
      case .success(let parsed): t = parsed
      }
      maxTransactionID = t.id
      guard entries[t.user] != nil else {
        skip()
        if unreadableUsers[t.user] != nil {
          unreadableUsers[t.user]! += 1
        } else {
          problem(
            LegacyProblems(
              label: "transaction \(t.id.hex)",
              reasons: ["user_id \(t.user.hex) names no user in the legacy data"]), note: note)
        }
        continue
      }
      if fido == nil {
        fido = try driver { () throws(MongoError) in try IDMerge(store.transactions, from: t.id) }
      }
      if let stored = try driver({ () throws(MongoError) in try fido!.find(t.id) }) {
        if let differs = Self.differences(stored, t, currency: options.currency) {
          problem(
            LegacyProblems(
              label: "transaction \(t.id.hex)",
              reasons: [
                "already in fido with other data (\(differs)); it was changed after an earlier migration"
              ]), conflict: true, note: note)
          skip()
          continue
        }
        entries[t.user]!.existingCount += 1
      }
      if let from = t.amountRoundedFrom {
        report.rounded += 1
        note(
          .rounded(
            "transaction \(t.id.hex): transaction_amount \(from) rounded half-even to \(Money(minor: t.amount, currency: options.currency).plain)"
          ))
      }
      entries[t.user]!.count += 1
      if t.type == .credit {
        entries[t.user]!.credit += Int128(t.amount)
      } else {
        entries[t.user]!.debit += Int128(t.amount)
      }
    }
  }

  /// Which of the fields fido compares differ between its transaction and the legacy one.
  static func differences(_ stored: Document, _ t: LegacyTransaction, currency: Currency)
    -> String?
  {
    var names: [String] = []
    if stored["user_id"]?.objectIDValue != t.user { names.append("user_id") }
    if stored["amount"]?.int64Value != t.amount || stored["amount"]?.doubleIsSet == true {
      names.append("amount")
    }
    if stored["currency"]?.stringValue != currency.code { names.append("currency") }
    if stored["type"]?.stringValue != t.type.rawValue { names.append("type") }
    if stored["date"]?.dateValue != t.date { names.append("date") }
    return names.isEmpty ? nil : names.joined(separator: ", ")
  }

  /// Opening balances, limits, and fido's documents with the same ids.
  private func finishUsers(_ report: inout MigrateReport, note: (MigrateNote) -> Void) {
    let limit = Int128(Money.maxMinor)
    let c = options.currency
    for id in entries.keys.sorted() {
      var e = entries[id]!
      var reasons: [String] = []
      let opening: Int128 =
        options.balanceIs == .opening
        ? Int128(e.user.balance) : Int128(e.user.balance) - e.credit + e.debit
      if opening.magnitude > UInt128(limit) {
        reasons.append(
          "the opening balance derived from balance \(Money(minor: e.user.balance, currency: c).plain) and the transactions is past the money limit"
        )
      } else if opening.magnitude + UInt128(e.credit) + UInt128(e.debit) > UInt128(Int64.max) {
        reasons.append(
          "its balance and totals would leave fido's 64-bit figures (credits \(report.money(e.credit)), debits \(report.money(e.debit)))"
        )
      }
      if reasons.isEmpty && !e.left {
        e.opening = Int64(opening)
        if let stored = e.existing {
          if let differs = Self.differences(stored, e.user, opening: e.opening, currency: c) {
            conflicts += 1
            e.left = true
            note(
              .conflict(
                "user \(id.hex): already in fido with other data (\(differs)); it was changed after an earlier migration"
              ))
          } else {
            e.present = true
          }
        }
      } else if !e.left {
        invalid += 1
        e.left = true
        note(.invalid(LegacyProblems(label: "user \(id.hex)", reasons: reasons).description))
      }
      if e.left {
        report.skippedCount += e.count
        report.skippedSum += e.credit + e.debit
        if options.skipInvalid && e.count > 0 {
          note(.leftWithUser("user \(id.hex): its \(e.count) transaction(s) are left out with it"))
        }
      } else {
        if e.present { report.usersExisting += 1 }
        report.transactionsExisting += e.existingCount
        toInsert += e.count - e.existingCount
      }
      entries[id] = e
    }
    if options.skipInvalid {
      for (id, n) in unreadableUsers.sorted(by: { $0.key < $1.key }) where n > 0 {
        note(.leftWithUser("user \(id.hex): its \(n) transaction(s) are left out with it"))
      }
    }
  }

  static func differences(_ stored: Document, _ u: LegacyUser, opening: Int64, currency: Currency)
    -> String?
  {
    var names: [String] = []
    if stored["name"]?.stringValue != u.name { names.append("name") }
    if stored["email"]?.stringValue != u.email { names.append("email") }
    if stored["phone"]?.stringValue != u.phone { names.append("phone") }
    if stored["currency"]?.stringValue != currency.code { names.append("currency") }
    if stored["opening_balance"]?.int64Value != opening { names.append("opening balance") }
    return names.isEmpty ? nil : names.joined(separator: ", ")
  }

  // MARK: writing users

  private func writeUsers(
    _ report: inout MigrateReport, progress: Progress?, shouldStop: () -> Bool
  ) throws(FidoError) {
    let pending = entries.values.filter { !$0.left && !$0.present }.map(\.user).sorted {
      $0.id < $1.id
    }
    var start = 0
    while start < pending.count {
      let batch = Array(pending[start..<min(start + options.userBatchSize, pending.count)])
      let hashes = try passwordHashes(batch)
      var docs: [Document] = []
      var history: [Document] = []
      for u in batch {
        let new = NewUser(
          name: u.name, email: u.email, phone: u.phone, currency: options.currency,
          openingBalance: entries[u.id]!.opening, passwordHash: hashes[u.id])
        var doc = FidoStore.userDocument(
          id: u.id, new, createdAt: Int64(u.id.timestamp) * 1000, now: now)
        // The first entry of the user's history, as `user create` writes
        // `user.create`: the user as stored, its head on the document.
        let (linked, head) = store.auditEntries(
          [
            AuditDraft(
              action: .userMigrate, collection: FidoStore.Collections.users, ids: [u.id],
              before: nil,
              after: ["user": .document(AuditState.user(doc))])
          ], user: u.id, currency: options.currency.code, after: .empty, now: now)
        doc.append(contentsOf: head.set)
        docs.append(doc)
        history += linked
      }
      let stored = docs
      let linked = history
      try store.atomically { (session) throws(StoreError) -> Void in
        try driver { () throws(MongoError) in
          try store.users.insertMany(stored, ordered: true, session: session)
        }
        try store.insertAudit(linked, session: session)
      }
      report.usersInserted += batch.count
      report.batches += 1
      start += batch.count
      progress?("users", start, pending.count)
      if start < pending.count && shouldStop() {
        report.interrupted = true
        return
      }
    }
  }

  /// The PHC hashes of the batch's legacy passwords, as `user create` makes
  /// them, computed on every CPU. The plain text is read from the legacy
  /// documents only here, kept in buffers that are wiped once hashed, and
  /// goes nowhere else.
  private func passwordHashes(_ batch: [LegacyUser]) throws(FidoError) -> [ObjectID: String] {
    let wanted = batch.filter(\.hasPassword).map { BSONValue.objectID($0.id) }
    if wanted.isEmpty { return [:] }
    var ids: [ObjectID] = []
    var secrets: [[UInt8]] = []
    defer { for i in secrets.indices { PasswordHasher.wipe(&secrets[i]) } }
    try readable { () throws(StoreError) in
      let cursor = try driver { () throws(MongoError) in
        try legacyUsers.find(["_id": ["$in": .array(wanted)]], projection: ["password": 1])
      }
      while let doc = try driver({ () throws(MongoError) in try cursor.next() }) {
        guard let id = doc["_id"]?.objectIDValue, case .string(let s)? = doc["password"],
          !s.isEmpty
        else { continue }
        ids.append(id)
        secrets.append(Array(s.utf8))
      }
    }
    let hashes = try PasswordHasher.hashConcurrently(secrets)
    return Dictionary(uniqueKeysWithValues: zip(ids, hashes))
  }

  // MARK: writing transactions

  private func writeTransactions(
    _ report: inout MigrateReport, progress: Progress?, shouldStop: () -> Bool
  ) throws(FidoError) {
    guard let last = maxTransactionID, toInsert > 0 else { return }
    var batch: [LegacyTransaction] = []
    batch.reserveCapacity(min(options.batchSize, toInsert))
    var fido: IDMerge? = nil
    let changed = FidoError.failure(
      "the legacy data changed while it was being migrated; stop the old service, then run the same command again"
    )
    func flush() throws(FidoError) {
      try writeBatch(batch)
      report.transactionsInserted += batch.count
      report.batches += 1
      batch.removeAll(keepingCapacity: true)
      progress?("transactions", report.transactionsInserted, toInsert)
    }
    var cursor: MongoCursor? = nil
    try readable { () throws(StoreError) in
      cursor = try driver { () throws(MongoError) in
        try legacyTransactions.find(
          ["_id": ["$lte": .objectID(last)]], sort: ["_id": 1],
          projection: Legacy.transactionProjection)
      }
    }
    while true {
      var next: LegacyTransaction? = nil
      var done = false
      try readable { () throws(StoreError) in
        while true {
          guard let doc = try driver({ () throws(MongoError) in try cursor!.next() }) else {
            done = true
            return
          }
          guard
            case .success(let t) = LegacyTransaction.parse(
              doc, currency: options.currency, round: options.round),
            let e = entries[t.user], !e.left
          else { continue }
          if fido == nil {
            fido = try driver { () throws(MongoError) in
              try IDMerge(store.transactions, from: t.id)
            }
          }
          if let stored = try driver({ () throws(MongoError) in try fido!.find(t.id) }) {
            // Validated as the same data; anything else changed since.
            guard Self.differences(stored, t, currency: options.currency) == nil else {
              throw .fido(changed)
            }
            continue
          }
          next = t
          return
        }
      }
      if done { break }
      batch.append(next!)
      if batch.count >= options.batchSize {
        try flush()
        if report.transactionsInserted < toInsert && shouldStop() {
          report.interrupted = true
          return
        }
      }
    }
    if !batch.isEmpty { try flush() }
    if report.transactionsInserted != toInsert { throw changed }
  }

  /// One batch in one transaction: one statistics update per user (balance,
  /// counters, day counters, first/last) through the store's own
  /// `StatsEffect` and `userUpdate`, its documents, and one `txn.migrate`
  /// history entry per user naming its transactions, with the user's
  /// figures before and after (the store's `auditedImport`, as `txn import`
  /// writes `txn.import`).
  private func writeBatch(_ batch: [LegacyTransaction]) throws(FidoError) {
    var effects: [ObjectID: StatsEffect] = [:]
    var order: [ObjectID] = []
    var records: [ObjectID: [BSONValue]] = [:]
    var docs: [Document] = []
    docs.reserveCapacity(batch.count)
    var users: [ObjectID: User] = [:]
    for t in batch {
      let u = entries[t.user]!.user
      if users[t.user] == nil { users[t.user] = try migratedUser(u) }
      let effect = StatsEffect.add(type: t.type, amount: t.amount, date: t.date)
      if effects[t.user] == nil {
        order.append(t.user)
        effects[t.user] = effect
      } else {
        effects[t.user]!.absorb(effect)
      }
      let sms = SMSState(
        status: .skipped, to: u.phone, lastError: Legacy.smsSkipReason, nextAttemptAt: nil,
        now: now)
      // The user as fido stores it (its name goes on the transaction, as in an import).
      var doc = FidoStore.transactionDocument(
        id: t.id, user: users[t.user]!, amount: t.amount, type: t.type, date: t.date, key: nil,
        sms: sms.document, now: now)
      doc["created_at"] = .date(Int64(t.id.timestamp) * 1000)
      docs.append(doc)
      records[t.user, default: []].append(.document(AuditState.txn(doc)))
    }
    let transactionDocs = docs
    try store.atomically { (session) throws(StoreError) -> Void in
      // The batch's users, read inside its transaction: the history heads
      // the user writes are conditional on, and the figures the entries
      // record (an earlier run, or fido since, may have changed them).
      var userDocs: [ObjectID: Document] = [:]
      try driver { () throws(MongoError) in
        let cursor = try store.users.find(
          ["_id": ["$in": .array(order.map { .objectID($0) })]],
          projection: AuditState.userProjection, session: session)
        while let d = try cursor.next() {
          if let id = d["_id"]?.objectIDValue { userDocs[id] = d }
        }
      }
      guard userDocs.count == order.count else {
        let gone = order.first { userDocs[$0] == nil }!
        throw .fido(
          .notFound(
            "migrated user \(gone.hex) was deleted meanwhile; nothing of the batch was written"))
      }
      // Each update guarded like every statistics update (no figure leaves
      // Int64) and conditional on the user's head; the users first, as in
      // an import.
      let read = userDocs
      let (ops, history) = try checked { () throws(FidoError) in
        try store.auditedImport(
          order: order, users: read, effects: effects, records: records, now: now,
          action: .txnMigrate)
      }
      let result = try driver { () throws(MongoError) in
        try store.users.bulkUpdate(ops, ordered: true, session: session)
      }
      guard result.matched == Int64(ops.count) else {
        for id in order {
          if let problem = FidoStore.overflow(userDocs[id]!, effects[id]!) {
            throw .fido(
              .invalidData("user \(id.hex): \(problem); nothing of the batch was written"))
          }
        }
        throw .fido(
          .conflict(
            "a migrated user of this batch changed while it was written; nothing of the batch was written, run the same command again"
          ))
      }
      var start = 0
      while start < transactionDocs.count {
        let end = min(start + Self.insertChunk, transactionDocs.count)
        let chunk = Array(transactionDocs[start..<end])
        try driver { () throws(MongoError) in
          try store.transactions.insertMany(chunk, ordered: true, session: session)
        }
        start = end
      }
      try store.insertAudit(history, session: session)
    }
  }

  /// The fido user a legacy one becomes (what the transaction document builder needs).
  private func migratedUser(_ u: LegacyUser) throws(FidoError) -> User {
    try User(
      FidoStore.userDocument(
        id: u.id,
        NewUser(
          name: u.name, email: u.email, phone: u.phone, currency: options.currency,
          openingBalance: entries[u.id]!.opening, passwordHash: nil),
        createdAt: Int64(u.id.timestamp) * 1000, now: now))
  }

  // MARK: reconciliation and scrub

  /// fido's stored amounts for every legacy transaction that was to be
  /// migrated, read back from fido's documents.
  private func readBack(_ report: inout MigrateReport) throws(StoreError) {
    try driver { () throws(MongoError) in try readBack(&report, through: maxTransactionID) }
  }

  private func readBack(_ report: inout MigrateReport, through last: ObjectID?) throws(MongoError) {
    guard let last else { return }
    let cursor = try legacyTransactions.find(
      ["_id": ["$lte": .objectID(last)]], sort: ["_id": 1],
      projection: Legacy.transactionProjection)
    var fido: IDMerge? = nil
    while let doc = try cursor.next() {
      guard
        case .success(let t) = LegacyTransaction.parse(
          doc, currency: options.currency, round: options.round),
        let e = entries[t.user], !e.left
      else { continue }
      if fido == nil {
        fido = try IDMerge(
          store.transactions, from: t.id, projection: ["amount": 1, "currency": 1])
      }
      guard let stored = try fido!.find(t.id), case .int64(let amount)? = stored["amount"],
        stored["currency"]?.stringValue == options.currency.code
      else { continue }
      report.migratedCount += 1
      report.migratedSum += Int128(amount)
    }
  }

  /// Removes `password` from the legacy users that were migrated.
  private func scrub(_ report: inout MigrateReport) throws(StoreError) {
    let ids = entries.keys.sorted()
    var start = 0
    while start < ids.count {
      let chunk = ids[start..<min(start + Self.scrubChunk, ids.count)]
      let r = try driver { () throws(MongoError) in
        try legacyUsers.updateMany(
          ["_id": ["$in": .array(chunk.map { .objectID($0) })], "password": ["$exists": true]],
          update: ["$unset": ["password": ""]])
      }
      report.passwordsScrubbed += Int(r.modified)
      start += chunk.count
    }
  }

  static let insertChunk = 1000
  static let scrubChunk = 500
}

/// Merge join by `_id`: a cursor over one of fido's collections in `_id`
/// order from a first id, asked for ids in ascending order.
final class IDMerge {
  private let cursor: MongoCursor
  private var current: Document?
  private var currentID: ObjectID?

  init(_ collection: MongoCollection, from first: ObjectID, projection: Document? = nil)
    throws(MongoError)
  {
    cursor = try collection.find(
      ["_id": ["$gte": .objectID(first)]], sort: ["_id": 1],
      projection: projection
        ?? ["user_id": 1, "amount": 1, "currency": 1, "type": 1, "date": 1])
    try advance()
  }

  private func advance() throws(MongoError) {
    current = try cursor.next()
    currentID = current?["_id"]?.objectIDValue
  }

  /// The document with `id`, if the collection has one. Ids must come in ascending order.
  func find(_ id: ObjectID) throws(MongoError) -> Document? {
    while let c = currentID, c < id { try advance() }
    return currentID == id ? current : nil
  }
}

extension BSONValue {
  /// A double, which fido never reads as minor units.
  fileprivate var doubleIsSet: Bool { if case .double = self { true } else { false } }
}

extension PasswordHasher {
  /// Hashes each password as `hash` does, on every CPU at once (each hash
  /// takes 32 MiB and about a tenth of a second). Order is kept.
  static func hashConcurrently(_ passwords: [[UInt8]]) throws(FidoError) -> [String] {
    if passwords.isEmpty { return [] }
    _ = try crypto()  // a missing libcrypto fails here, once
    let results = UnsafeMutableBufferPointer<Result<String, FidoError>?>.allocate(
      capacity: passwords.count)
    results.initialize(repeating: nil)
    defer {
      results.deinitialize()
      results.deallocate()
    }
    let slots = HashSlots(results)
    DispatchQueue.concurrentPerform(iterations: passwords.count) { i in
      slots.set(i, Result { () throws(FidoError) in try hash(passwords[i]) })
    }
    var out: [String] = []
    out.reserveCapacity(passwords.count)
    for r in results { out.append(try r!.get()) }
    return out
  }
}

/// Each concurrent hash writes only its own slot.
private struct HashSlots: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<Result<String, FidoError>?>
  init(_ buffer: UnsafeMutableBufferPointer<Result<String, FidoError>?>) { self.buffer = buffer }
  func set(_ i: Int, _ value: Result<String, FidoError>) { buffer[i] = value }
}
