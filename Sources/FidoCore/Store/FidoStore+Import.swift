/// `txn import`'s reads and writes of fido's documents. The `Importer` reads
/// and validates the input and cuts it into batches; the `ImportWriter` looks
/// its users and keys up and writes each batch: its transaction documents
/// (built by `FidoStore.newTransactionDocument`, as `txn add` builds them),
/// one guarded, history-chained update per user and one history entry per
/// user, in one transaction where the deployment has them.

/// What one user write of an import is conditional on: the history head and
/// the figures it follows, and the user's currency (its history names it).
struct ImportUserState {
  var head: AuditHead
  var figures: Document
  var currency: String?

  init(head: AuditHead, figures: Document, currency: String?) {
    self.head = head
    self.figures = figures
    self.currency = currency
  }

  /// From a user document read with the head and figures.
  init(_ doc: Document) {
    self.init(
      head: AuditHead(doc), figures: AuditState.figures(doc), currency: doc["currency"]?.stringValue
    )
  }
}

/// What writing one batch did.
enum ImportBatchResult {
  case written(inserted: Int, skipped: Int)
  /// MongoDB ended the batch's transaction for its size or its lifetime
  /// (`MongoError.endedLargeTransaction`) before it committed: nothing of it
  /// is stored, and its halves can be written instead. `error` is what to
  /// report when it cannot be split.
  case tooLarge(FidoError)
}

/// A validated import line.
struct ImportLine: Sendable {
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

extension FidoStore {
  /// Lines (or legacy transactions) per atomic batch unless told otherwise:
  /// `txn import --batch-size` and `db migrate-legacy --batch-size`.
  package static let defaultBatchSize = 1_000
}

/// An import's link to the store: its reads (users, stored keys, figures)
/// and its batches.
///
/// Read before write: every user write of a batch is conditional, inside the
/// batch's transaction, on the history head and figures it was built from.
/// Those come from what this import already knows of the user (the look-up
/// before validation, then what its own committed batches left), so a batch
/// sends no read when nobody else touched its users. A user changed or
/// deleted meanwhile makes its write match nothing; the batch's users are
/// then read in the same transaction, a deleted one fails the batch (exit 3,
/// nothing of it written), and a changed one is written again from what was
/// read. Without transactions, each batch reads its users first.
final class ImportWriter {
  let store: FidoStore
  let now: Int64
  /// `--sms`: the alerts are queued as pending (else skipped).
  let sms: Bool
  let smsConfigured: Bool
  /// The users looked up, by id.
  private(set) var users: [ObjectID: User] = [:]
  /// Per user: the state its next write is conditional on.
  private var known: [ObjectID: ImportUserState] = [:]
  /// The users and effects of a batch whose guarded update matched nothing:
  /// diagnosed once its transaction is aborted.
  private var refused: [(ObjectID, StatsEffect)]?

  init(store: FidoStore, now: Int64, sms: Bool, smsConfigured: Bool) {
    self.store = store
    self.now = now
    self.sms = sms
    self.smsConfigured = smsConfigured
  }

  /// The same import's writer for another thread: its own store (client),
  /// and what this one knows of the users.
  func fork() throws(FidoError) -> ImportWriter {
    let other = ImportWriter(
      store: try store.sibling(), now: now, sms: sms, smsConfigured: smsConfigured)
    other.users = users
    other.known = known
    return other
  }

  /// Transaction documents per insert command inside a batch.
  static let insertChunk = 1000

  // MARK: reads before writing

  /// The users `refs` name (one find), remembered with their history heads
  /// and figures; each returned with its document, which also holds its
  /// largest stored day count and amount (`max_day_count`, `max_day_amount`).
  func lookUp(_ refs: Set<UserRef>) throws(FidoError) -> [(user: User, doc: Document)] {
    if refs.isEmpty { return [] }
    var ids: [BSONValue] = []
    var emails: [BSONValue] = []
    for ref in refs {
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
      try store.users.find(filter, projection: Self.userProjection)
    }
    var found: [(user: User, doc: Document)] = []
    while let doc = try store.mongo({ () throws(MongoError) in try cursor.next() }) {
      let user = try User(doc)
      users[user.id] = user
      known[user.id] = ImportUserState(doc)
      found.append((user, doc))
    }
    return found
  }

  /// The user's fields and history head, without the day counters but with
  /// their largest count and amount (computed by the server, so the days
  /// never travel).
  static let userProjection: Document = {
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
      "audit_head", "audit_seq",
    ] {
      p[f] = 1
    }
    p["max_day_count"] = largest("count")
    p["max_day_amount"] = largest("amount")
    return p
  }()

  /// Stored transactions having one of these (user, key) pairs (outside any
  /// transaction).
  func keyed(_ keys: [(ObjectID, String)]) throws(FidoError) -> [Transaction] {
    do { return try storedKeys(keys, session: nil) } catch { throw store.fail(error) }
  }

  /// The same, raising driver errors as they are (inside a transaction, their
  /// labels decide whether it is retried).
  private func storedKeys(_ keys: [(ObjectID, String)], session: MongoSession?)
    throws(StoreError) -> [Transaction]
  {
    if keys.isEmpty { return [] }
    var byUser: [ObjectID: [String]] = [:]
    for (u, k) in keys { byUser[u, default: []].append(k) }
    // One $or clause per user; each implies the partial index's filter, so
    // the planner can answer each from the unique (user_id, key) index.
    let filter: Document =
      byUser.count == 1
      ? FidoStore.keyFilter(byUser.first!.key, byUser.first!.value)
      : ["$or": .array(byUser.map { .document(FidoStore.keyFilter($0.key, $0.value)) })]
    var out: [Transaction] = []
    let cursor = try driver { () throws(MongoError) in
      try store.transactions.find(filter, session: session)
    }
    while let doc = try driver({ () throws(MongoError) in try cursor.next() }) {
      out.append(try checked { () throws(FidoError) in try Transaction(doc) })
    }
    return out
  }

  /// The stored documents of these users, day counters included (the money
  /// limit check of users whose input could overflow a figure).
  func figures(of ids: Set<ObjectID>) throws(FidoError) -> [ObjectID: Document] {
    var out: [ObjectID: Document] = [:]
    let cursor = try store.mongo { () throws(MongoError) in
      try store.users.find(
        ["_id": ["$in": .array(ids.map { .objectID($0) })]], projection: User.projectionWithDays)
    }
    while let doc = try store.mongo({ () throws(MongoError) in try cursor.next() }) {
      if let id = doc["_id"]?.objectIDValue { out[id] = doc }
    }
    return out
  }

  /// A new transaction's `_id`, fixed when its line joins a batch.
  func newID() -> ObjectID { store.ids.next(nowMs: now) }

  // MARK: writing

  /// Writes one batch, atomically where transactions exist. Optimistic: a
  /// fresh batch needs no read of its keys. A key already stored (a re-run,
  /// or a concurrent writer) fails the batch's transaction on the unique
  /// (user, key) index; then it is written again, skipping the stored keys.
  /// A duplicate `_id` is an earlier attempt of this batch that committed.
  func write(_ lines: [ImportLine], name: String) throws(FidoError) -> ImportBatchResult {
    let hint = Self.unknownOutcomeHint(lines, name: name)
    do throws(StoreError) {
      return try writeOnce(lines, name: name, checkKeys: false)
    } catch .mongo(let error) where error.isDuplicateKey {
      let index = error.duplicateKeyIndex
      // All or nothing only in a transaction: without one, a stored first
      // document proves nothing about the rest.
      if index != FidoStore.Indexes.keyIndex, store.transactionSupport == true,
        try batchIsStored(lines)
      {
        // An earlier attempt of this batch committed (its `_id`s are fixed);
        // what it left on its users is not known here: read them next time.
        for l in lines { known[l.user] = nil }
        return .written(inserted: lines.count, skipped: 0)
      }
      guard index != "_id_", lines.contains(where: { $0.key != nil }) else {
        throw store.fail(.mongo(error), ifUnknown: hint)
      }
      do {
        return try writeOnce(lines, name: name, checkKeys: true)
      } catch {
        throw store.fail(error, ifUnknown: hint)
      }
    } catch {
      throw store.fail(error, ifUnknown: hint)
    }
  }

  /// What to run to see whether a batch whose commit went unconfirmed was written.
  private static func unknownOutcomeHint(_ lines: [ImportLine], name: String) -> String {
    let first = lines.first?.id?.hex ?? ""
    return
      "\(name) may or may not have been written: run 'fido txn get \(first)' (its first transaction) to see; if it was, the whole batch was. Running the same import again is safe only if every line has a key"
  }

  /// True when the batch's first transaction is stored: an earlier attempt
  /// of this batch committed it, and with it the whole batch.
  private func batchIsStored(_ lines: [ImportLine]) throws(FidoError) -> Bool {
    guard let id = lines.first?.id else { return false }
    return try store.mongo { () throws(MongoError) in
      try store.transactions.findOne(["_id": .objectID(id)], projection: ["_id": 1]) != nil
    }
  }

  /// What one run of a batch's transaction body did.
  private enum Attempt {
    case committed(inserted: Int, skipped: Int, users: [ObjectID: ImportUserState])
    case tooLarge(FidoError)
  }

  /// One batch's transaction, its errors unmapped (`write` maps them); a
  /// batch refused by a guard is diagnosed after its transaction was
  /// aborted, from fresh reads.
  private func writeOnce(_ lines: [ImportLine], name: String, checkKeys: Bool)
    throws(StoreError) -> ImportBatchResult
  {
    refused = nil
    let attempt: Attempt
    do throws(StoreError) {
      attempt = try store.unmappedAtomically(ifTooLarge: { .tooLarge($0) }) {
        (session) throws(StoreError) -> Attempt in
        try self.body(lines, name: name, checkKeys: checkKeys, session: session)
      }
    } catch {
      guard let refused else { throw error }
      self.refused = nil
      for (id, effect) in refused {
        if let reason = try store.refusal(
          id, effect, session: nil, outcome: "its batch was not written")
        {
          throw .fido(reason)
        }
      }
      throw .fido(
        .conflict("the users of a batch changed while it was written; run the import again"))
    }
    switch attempt {
    case .tooLarge(let error):
      return .tooLarge(error)
    case .committed(let inserted, let skipped, let after):
      known.merge(after) { $1 }
      return .written(inserted: inserted, skipped: skipped)
    }
  }

  /// The batch's writes: one conditional update per user, the transaction
  /// documents, the history entries. May run more than once (a transient
  /// error): it changes nothing outside the transaction.
  private func body(
    _ lines: [ImportLine], name: String, checkKeys: Bool, session: MongoSession?
  ) throws(StoreError) -> Attempt {
    var lines = lines
    var skipped = 0
    let keys = lines.compactMap { l in l.key.map { (l.user, $0) } }
    if checkKeys && !keys.isEmpty {
      var stored = Set<String>()
      for t in try storedKeys(keys, session: session) {
        if let k = t.key { stored.insert(t.userID.hex + " " + k) }
      }
      let before = lines.count
      lines.removeAll { l in l.key.map { stored.contains(l.user.hex + " " + $0) } ?? false }
      skipped = before - lines.count
    }
    if lines.isEmpty { return .committed(inserted: 0, skipped: skipped, users: [:]) }
    // The statistics: one update per user, day counters included, however
    // many lines the user has here.
    var effects: [ObjectID: StatsEffect] = [:]
    var order: [ObjectID] = []
    for l in lines {
      let effect = StatsEffect.add(type: l.type, amount: l.amount, date: l.date)
      if effects[l.user] == nil {
        order.append(l.user)
        effects[l.user] = effect
      } else {
        effects[l.user]!.absorb(effect)
      }
    }
    // The state each user write follows: in a transaction, what this import
    // knows (the write is conditional on its head and figures, so it needs
    // no read); the other users are read here, before anything is written.
    var states: [ObjectID: ImportUserState] = [:]
    var pinned = Set<ObjectID>()
    if session != nil {
      for id in order {
        if let k = known[id] {
          states[id] = k
          pinned.insert(id)
        }
      }
    }
    let unread = order.filter { states[$0] == nil }
    if !unread.isEmpty {
      let docs = try readUsers(unread, session: session)
      guard docs.count == unread.count else {
        throw .fido(
          try deletedUserError(unread, name: name, session: session)
            ?? .notFound("a user of \(name) was deleted while the import ran; it was not written"))
      }
      for (id, d) in docs { states[id] = ImportUserState(d) }
    }
    var docs = try checked { () throws(FidoError) in try documents(lines, states: states) }
    // What history records of each user's transactions.
    var records: [ObjectID: [BSONValue]] = [:]
    for d in docs {
      if let u = d["user_id"]?.objectIDValue {
        records[u, default: []].append(.document(AuditState.txn(d)))
      }
    }
    var writes = try checked { () throws(FidoError) in
      try userWrites(order, states: states, effects: effects, records: records, pinned: pinned)
    }
    let ops = order.map { writes[$0]!.op }
    let result = try driver { () throws(MongoError) in
      try store.users.bulkUpdate(ops, ordered: true, session: session)
    }
    if result.matched != Int64(order.count) {
      // Each update is guarded so that no figure leaves Int64 (validation
      // checked the figures read before). A user known from before may also
      // have changed since, or be gone: read them all (this transaction's
      // own writes moved the heads of those that matched).
      var settled = false
      if !pinned.isEmpty {
        let current = try readUsers(order, session: session)
        guard current.count == order.count else {
          throw .fido(
            try deletedUserError(order, name: name, session: session)
              ?? .notFound(
                "a user of \(name) was deleted while the import ran; it was not written"))
        }
        // Those whose head did not move to the one written here.
        let stale = order.filter { AuditHead(current[$0]!) != writes[$0]!.after.head }
        if !stale.isEmpty, stale.allSatisfy(pinned.contains) {
          // Their writes again, built from what was read (the message texts
          // name the balances, so the documents are built again too).
          for id in stale {
            states[id] = ImportUserState(current[id]!)
            pinned.remove(id)
          }
          let rebuilt = states
          docs = try checked { () throws(FidoError) in try documents(lines, states: rebuilt) }
          let again = try checked { () throws(FidoError) in
            try userWrites(stale, states: rebuilt, effects: effects, records: records, pinned: [])
          }
          writes.merge(again) { $1 }
          let retried = stale.map { again[$0]!.op }
          settled =
            try driver { () throws(MongoError) in
              try store.users.bulkUpdate(retried, ordered: true, session: session)
            }.matched == Int64(stale.count)
        }
      }
      if !settled {
        // Refused by a guard: diagnosed once the transaction is aborted.
        refused = order.map { ($0, effects[$0]!) }
        throw .fido(
          try deletedUserError(order, name: name, session: session)
            ?? .conflict(
              "a user of \(name) changed while it was written; run the import again (written batches are skipped)"
            ))
      }
    }
    // The transaction documents go in chunks of `insertChunk` (one insert
    // command each).
    var from = 0
    while from < docs.count {
      let to = min(from + Self.insertChunk, docs.count)
      let chunk = Array(docs[from..<to])
      try driver { () throws(MongoError) in
        try store.transactions.insertMany(chunk, ordered: true, session: session)
      }
      from = to
    }
    try store.insertAudit(order.flatMap { writes[$0]!.entries }, session: session)
    var after: [ObjectID: ImportUserState] = [:]
    for id in order { after[id] = writes[id]!.after }
    return .committed(inserted: lines.count, skipped: skipped, users: after)
  }

  /// The users' documents as history reads them (head and figures), by id.
  private func readUsers(_ ids: [ObjectID], session: MongoSession?) throws(StoreError)
    -> [ObjectID: Document]
  {
    try driver { () throws(MongoError) in
      var out: [ObjectID: Document] = [:]
      let cursor = try store.users.find(
        ["_id": ["$in": .array(ids.map { .objectID($0) })]],
        projection: AuditState.userProjection, session: session)
      while let d = try cursor.next() { if let id = d["_id"]?.objectIDValue { out[id] = d } }
      return out
    }
  }

  /// The batch's transaction documents, in line order. A queued alert's text
  /// names the balance after its transaction: the user's balance in `states`
  /// plus the batch's earlier lines.
  private func documents(_ lines: [ImportLine], states: [ObjectID: ImportUserState])
    throws(FidoError) -> [Document]
  {
    var balances: [ObjectID: Int64] = [:]
    var skips: [ObjectID: String?] = [:]
    var docs: [Document] = []
    docs.reserveCapacity(lines.count)
    for l in lines {
      let user = users[l.user]!
      let skip: String?
      if let s = skips[l.user] {
        skip = s
      } else {
        skip = SMSState.skipReason(
          optOut: sms ? nil : "imported (use --sms to queue)", phone: user.phone,
          smsConfigured: smsConfigured)
        skips[l.user] = .some(skip)
      }
      var balance: Int64? = nil
      if skip == nil {
        let running =
          Int128(balances[l.user] ?? states[l.user]?.figures["balance"]?.int64Value ?? user.balance)
          + l.type.signed(l.amount)
        guard let b = Int64(exactly: running) else {
          throw .invalidData(
            "user \(l.user.hex): "
              + FidoStore.pastLimit("balance", running, money: true, user.currency)!)
        }
        balances[l.user] = b
        balance = b
      }
      docs.append(
        FidoStore.newTransactionDocument(
          id: l.id ?? newID(), user: user, amount: l.amount, type: l.type, date: l.date,
          key: l.key, smsSkipReason: skip, balanceAfter: balance, now: now))
    }
    return docs
  }

  /// One user's write of a batch: the conditional update, its history
  /// entry, and the state it leaves.
  private struct UserWrite {
    var op: (filter: Document, update: BSONValue, upsert: Bool)
    var entries: [Document]
    var after: ImportUserState
  }

  /// The user updates of a batch, each conditional on the user's head (and,
  /// for `pinned` users, known from before rather than read in this
  /// transaction, on its figures too) and advancing it, and one `txn.import`
  /// entry per user naming its transactions.
  private func userWrites(
    _ ids: [ObjectID], states: [ObjectID: ImportUserState], effects: [ObjectID: StatsEffect],
    records: [ObjectID: [BSONValue]], pinned: Set<ObjectID>
  ) throws(FidoError) -> [ObjectID: UserWrite] {
    var out: [ObjectID: UserWrite] = [:]
    for id in ids {
      let state = states[id]!
      let effect = effects[id]!
      let txns = records[id] ?? []
      let figures = AuditState.figures(state.figures, plus: effect)
      let (linked, next) = store.auditEntries(
        [
          AuditDraft(
            action: .txnImport, collection: FidoStore.Collections.transactions,
            ids: txns.compactMap { $0.documentValue?["id"]?.objectIDValue }, many: true,
            before: ["user": .document(state.figures)],
            after: ["transactions": .array(txns), "user": .document(figures)])
        ], user: id, currency: state.currency, after: state.head, now: now)
      var update = try FidoStore.userUpdate(effect, now: now, user: id)
      var set = update["$set"]?.documentValue ?? [:]
      set.append(contentsOf: next.set)
      update["$set"] = .document(set)
      let pins = pinned.contains(id) ? AuditState.figureFilter(state.figures) : [:]
      let filter = FidoStore.allOf(
        FidoStore.allOf(FidoStore.guardedFilter(id, effect, pinned: pins), state.head.filter), pins)
      out[id] = UserWrite(
        op: (filter, .document(update), false), entries: linked,
        after: ImportUserState(head: next, figures: figures, currency: state.currency))
    }
    return out
  }

  /// The not-found error for a batch one of whose users is gone (nil when
  /// all are there and there is no transaction to blame).
  private func deletedUserError(_ ids: [ObjectID], name: String, session: MongoSession?)
    throws(StoreError) -> FidoError?
  {
    var present = Set<ObjectID>()
    try driver { () throws(MongoError) in
      let cursor = try store.users.find(
        ["_id": ["$in": .array(ids.map { .objectID($0) })]], projection: ["_id": 1],
        session: session)
      while let d = try cursor.next() {
        if let id = d["_id"]?.objectIDValue { present.insert(id) }
      }
    }
    let gone = ids.filter { !present.contains($0) }.map { id in
      users[id].map { "\($0.email) (\(id.hex))" } ?? id.hex
    }
    if gone.isEmpty && session == nil { return nil }
    return .notFound(
      "user \(gone.isEmpty ? "of this batch" : gone.joined(separator: ", ")) was deleted while the import ran; \(name) was not written"
    )
  }
}
