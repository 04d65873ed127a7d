#if canImport(Glibc)
  import Glibc
#endif

package struct AuditFilter: Sendable {
  package var user: ObjectID?
  package var txn: ObjectID?
  package var since: Int64?
  package var until: Int64?
  package var after: ObjectID?
  /// 0 means all.
  package var limit: Int64
  package init(
    user: ObjectID? = nil, txn: ObjectID? = nil, since: Int64? = nil, until: Int64? = nil,
    after: ObjectID? = nil, limit: Int64 = 100
  ) {
    self.user = user
    self.txn = txn
    self.since = since
    self.until = until
    self.after = after
    self.limit = limit
  }
}

extension AuditActor {
  /// The OS user and host running this process.
  package static func current(fidoVersion: String, profile: String? = nil) -> AuditActor {
    var user = ""
    if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { user = String(cString: name) }
    if user.isEmpty { user = "uid \(geteuid())" }
    var buf = [CChar](repeating: 0, count: 256)
    let host =
      gethostname(&buf, buf.count - 1) == 0
      ? String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    return AuditActor(osUser: user, host: host, fidoVersion: fidoVersion, profile: profile)
  }
}

extension FidoStore {
  var auditLog: MongoCollection { client.collection(Collections.audit, db: config.db) }

  package enum AuditIndexes {
    package static let chain = "user_id_1_seq_1"
    package static let specs: [Document] = [
      // One user's chain in order; unique, so two writers can never fork it.
      ["key": ["user_id": 1, "seq": 1], "name": .string(chain), "unique": true],
      // `audit list --user` with a time window, newest first.
      ["key": ["user_id": 1, "at": 1], "name": "user_id_1_at_1"],
      // `audit list` over every user, newest first.
      ["key": ["at": 1], "name": "at_1"],
      // `audit list --txn`: one id, or a batch's array of ids (multikey).
      ["key": ["target.id": 1], "name": "target.id_1"],
    ]
  }

  // MARK: writing

  /// The entries for `drafts` after `head`, linked, and the new head.
  func auditEntries(
    _ drafts: [AuditDraft], user: ObjectID, currency: String?, after head: AuditHead, now: Int64
  ) -> (entries: [Document], head: AuditHead) {
    AuditChain.link(
      drafts, user: user, currency: currency, after: head, at: now, actor: auditActor,
      ids: { ids.next(nowMs: now) })
  }

  func insertAudit(_ entries: [Document], session: MongoSession?) throws(StoreError) {
    try driver { () throws(MongoError) in
      if entries.count == 1 {
        try auditLog.insertOne(entries[0], session: session)
      } else if !entries.isEmpty {
        try auditLog.insertMany(entries, ordered: true, session: session)
      }
    }
  }

  /// A user's document as history reads it (fields, figures, head), or nil.
  func auditUser(_ id: ObjectID, session: MongoSession?) throws(StoreError) -> Document? {
    try driver { () throws(MongoError) in
      try users.findOne(
        ["_id": .objectID(id)], projection: AuditState.userProjection, session: session)
    }
  }

  /// `applyToUser` with its history entry: the user write is conditional on
  /// the head and figures the entry was built from, and advances the head;
  /// then the entry is inserted. `known` (a user read before the
  /// transaction) saves a read when nothing changed since; otherwise, or when
  /// the write finds the head moved, the user is read again and the entry
  /// rebuilt. `draft` gets the figures before and after.
  func applyAudited(
    _ id: ObjectID, known: User?, _ effect: StatsEffect, now: Int64, session: MongoSession?,
    draft: (_ before: Document, _ after: Document) -> AuditDraft
  ) throws(StoreError) -> (balance: Int64, emptiedDays: [String]) {
    var state: (head: AuditHead, figures: Document, currency: String)? = known.map {
      (
        AuditHead(hash: $0.auditHead, seq: $0.auditSeq), AuditState.figures(user: $0),
        $0.currency.code
      )
    }
    for _ in 0..<5 {
      if state == nil {
        guard let doc = try auditUser(id, session: session) else {
          throw .fido(.notFound("no user \(id.hex); it was deleted meanwhile"))
        }
        // Figures fido cannot read are never changed by an `$inc`.
        if let problem = StoredUser.check(doc) { throw .fido(problem.error) }
        state = (AuditHead(doc), AuditState.figures(doc), doc["currency"]?.stringValue ?? "")
      }
      let (head, before, currency) = state!
      let after = AuditState.figures(before, plus: effect)
      let (entries, next) = auditEntries(
        [draft(before, after)], user: id, currency: currency, after: head, now: now)
      var filter = head.filter
      filter.append(contentsOf: AuditState.figureFilter(before))
      // nil: the head or the figures moved since they were read.
      if let applied = try applyToUser(
        id, effect, now: now, session: session, audit: (filter, next.set))
      {
        try insertAudit(entries, session: session)
        return applied
      }
      state = nil
    }
    throw .fido(
      .conflict(
        "user \(id.hex) kept changing while this change was recorded; run the command again"))
  }

  /// The entries for a change to the user document that `match` finds, made
  /// in `session`: reads the user (nil: `missing` is thrown), builds the
  /// entries from what it read, lets `write` make the change with the
  /// returned filter (the user and its head) and `$set` terms (the new head)
  /// — it returns false when nothing matched, and is then run again from a
  /// fresh read — and inserts the entries. Returns the user document read.
  @discardableResult
  func auditedUserWrite(
    _ match: Document, missing: FidoError, now: Int64, session: MongoSession?,
    drafts: (_ before: Document) throws(StoreError) -> [AuditDraft],
    write: (_ filter: Document, _ headSet: Document) throws(StoreError) -> Bool
  ) throws(StoreError) -> Document {
    for _ in 0..<5 {
      guard
        let doc = try driver({ () throws(MongoError) in
          try users.findOne(match, projection: AuditState.userProjection, session: session)
        }),
        let id = doc["_id"]?.objectIDValue
      else { throw .fido(missing) }
      let head = AuditHead(doc)
      let (entries, next) = auditEntries(
        try drafts(doc), user: id, currency: doc["currency"]?.stringValue, after: head, now: now)
      var filter: Document = ["_id": .objectID(id)]
      filter.append(contentsOf: head.filter)
      if try write(filter, next.set) {
        try insertAudit(entries, session: session)
        return doc
      }
    }
    throw .fido(
      .conflict("the user kept changing while this change was recorded; run the command again"))
  }

  /// The user updates of an import batch, each conditional on the user's
  /// head and advancing it, and one `txn.import` entry per user naming its
  /// transactions (one read of the batch's users). A migration's batch is
  /// the same with `txn.migrate`.
  func auditedImport(
    order: [ObjectID], users docs: [ObjectID: Document], effects: [ObjectID: StatsEffect],
    records: [ObjectID: [BSONValue]], now: Int64, action: AuditAction = .txnImport
  ) throws(FidoError) -> (
    ops: [(filter: Document, update: BSONValue, upsert: Bool)], entries: [Document]
  ) {
    var ops: [(filter: Document, update: BSONValue, upsert: Bool)] = []
    var entries: [Document] = []
    for id in order {
      guard let doc = docs[id] else {
        throw .notFound("no user \(id.hex); it was deleted meanwhile")
      }
      let effect = effects[id]!
      let txns = records[id] ?? []
      let before = AuditState.figures(doc)
      let head = AuditHead(doc)
      let (linked, next) = auditEntries(
        [
          AuditDraft(
            action: action, collection: Collections.transactions,
            ids: txns.compactMap { $0.documentValue?["id"]?.objectIDValue }, many: true,
            before: ["user": .document(before)],
            after: [
              "transactions": .array(txns),
              "user": .document(AuditState.figures(before, plus: effect)),
            ])
        ], user: id, currency: doc["currency"]?.stringValue, after: head, now: now)
      entries += linked
      var update = try Self.userUpdate(effect, now: now, user: id)
      var set = update["$set"]?.documentValue ?? [:]
      set.append(contentsOf: next.set)
      update["$set"] = .document(set)
      var filter = Self.guardedFilter(id, effect)
      filter.append(contentsOf: head.filter)
      ops.append((filter, .document(update), false))
    }
    return (ops, entries)
  }

  /// `db check --repair`'s rewrite of a user's figures (`update`, a `$set`
  /// of them, read from `doc`): a `repair` entry records the figures found
  /// and the figures written, and the write is conditional on the head.
  func auditedRepair(_ doc: Document, update: inout Document, session: MongoSession?, now: Int64)
    throws(StoreError)
  {
    guard let id = doc["_id"]?.objectIDValue else { return }
    let set = update["$set"]?.documentValue ?? [:]
    var after = Document()
    for f in AuditState.figureFields {
      after.append(f, set[f == "balance" ? f : "stats.\(f)"] ?? .int64(0))
    }
    let head = AuditHead(doc)
    let (entries, next) = auditEntries(
      [
        AuditDraft(
          action: .repair, collection: Collections.users, ids: [id],
          before: ["user": .document(AuditState.figures(doc))], after: ["user": .document(after)])
      ], user: id, currency: doc["currency"]?.stringValue, after: head, now: now)
    var newSet = set
    newSet.append(contentsOf: next.set)
    update["$set"] = .document(newSet)
    var filter: Document = ["_id": .objectID(id)]
    filter.append(contentsOf: head.filter)
    let write = update
    guard
      try driver({ () throws(MongoError) in
        try users.updateOne(filter, update: .document(write), session: session)
      }).matched == 1
    else {
      throw .fido(
        .conflict("user \(id.hex) changed during the repair; run 'fido db check --repair' again"))
    }
    try insertAudit(entries, session: session)
  }

  /// `db check --repair` for history: for each user whose records differ
  /// from what history says (and whose chain is intact), a `repair` entry
  /// records what history said (`before`) and adopts the live records
  /// (`after`), so the difference stays on record and the chain matches the
  /// records again. Damaged chains are left (and reported). Returns the
  /// problems adopted.
  package func adoptHistory(user: ObjectID? = nil, now: Int64) throws(FidoError) -> Int {
    var todo: [AuditReplay] = []
    try forEachChain(user: user) { (replay) throws(FidoError) in
      if !replay.problems.isEmpty && replay.problems.allSatisfy(\.adoptable) { todo.append(replay) }
    }
    var adopted = 0
    for replay in todo {
      try atomically { (session) throws(StoreError) -> Void in
        var txns: [ObjectID: Document] = [:]
        try driver { () throws(MongoError) in
          let cursor = try transactions.find(
            ["user_id": .objectID(replay.userID)],
            projection: ["user_id": 1, "amount": 1, "type": 1, "date": 1, "key": 1, "currency": 1],
            session: session)
          while let t = try cursor.next() {
            if let i = t["_id"]?.objectIDValue { txns[i] = AuditState.txn(t) }
          }
        }
        try auditedUserWrite(
          [
            "_id": .objectID(replay.userID),
            "audit_head": replay.head.hash.map { .string($0) } ?? .null,
          ],
          missing: FidoError.conflict(
            "user \(replay.userID.hex) changed during the repair; run 'fido db check --repair' again"
          ),
          now: now, session: session,
          drafts: { (doc) throws(StoreError) in
            let live = AuditState.user(doc)
            var was = Document()
            var becomes = Document()
            for (k, v) in live where !AuditReplay.same(replay.user?[k] ?? .null, v) {
              was.append(k, replay.user?[k] ?? .null)
              becomes.append(k, v)
            }
            var wasTxns: [BSONValue] = []
            var liveTxns: [BSONValue] = []
            for (i, t) in txns.sorted(by: { $0.key < $1.key }) {
              if let r = replay.txns[i],
                r.allSatisfy({ AuditReplay.same(t[$0.key] ?? .null, $0.value) })
              {
                continue
              }
              if let r = replay.txns[i] { wasTxns.append(.document(r)) }
              liveTxns.append(.document(t))
            }
            let removed = replay.txns.keys.filter { txns[$0] == nil }.sorted()
            for i in removed { wasTxns.append(.document(replay.txns[i]!)) }
            var after: Document = ["user": .document(becomes), "transactions": .array(liveTxns)]
            if !removed.isEmpty { after["removed"] = .array(removed.map { .objectID($0) }) }
            return [
              AuditDraft(
                action: .repair, collection: Collections.users, ids: [replay.userID],
                before: ["user": .document(was), "transactions": .array(wasTxns)], after: after)
            ]
          },
          write: { (filter, headSet) throws(StoreError) in
            try driver { () throws(MongoError) in
              try users.updateOne(filter, update: ["$set": .document(headSet)], session: session)
                .matched == 1
            }
          })
      }
      adopted += replay.problems.count
    }
    return adopted
  }

  // MARK: reading

  /// Streams entries newest first (`at`, then id).
  package func listAudit(_ filter: AuditFilter, _ each: (Document) throws(FidoError) -> Void)
    throws(FidoError)
  {
    var query = Document()
    if let user = filter.user { query["user_id"] = .objectID(user) }
    if let txn = filter.txn { query["target.id"] = .objectID(txn) }
    var range = Document()
    if let since = filter.since { range["$gte"] = .date(since) }
    if let until = filter.until { range["$lte"] = .date(until) }
    if !range.isEmpty { query["at"] = .document(range) }
    if let after = filter.after {
      let anchor = try mongo { () throws(MongoError) in
        try auditLog.findOne(["_id": .objectID(after)], projection: ["at": 1])
      }
      guard let at = anchor?["at"]?.dateValue else {
        throw .notFound(
          "no history entry \(after.hex) for --after; list them with 'fido audit list'")
      }
      query["$or"] = .array([
        ["at": ["$lt": .date(at)]], ["at": .date(at), "_id": ["$lt": .objectID(after)]],
      ])
    }
    let cursor = try mongo { () throws(MongoError) in
      try auditLog.find(query, sort: ["at": -1, "_id": -1], limit: filter.limit)
    }
    while let doc = try mongo({ () throws(MongoError) in try cursor.next() }) { try each(doc) }
  }

  /// Recomputes every chain (or one user's) and compares its last state
  /// with the records. Streams users, entries and transactions in user order
  /// (a merge join: memory holds one user's transactions). Returns the
  /// problems found, grouped by user.
  package func verifyAudit(user: ObjectID? = nil, _ each: (AuditProblem) throws(FidoError) -> Void)
    throws(FidoError) -> Int
  {
    var found = 0
    try forEachChain(user: user) { (replay) throws(FidoError) in
      for p in replay.problems { try each(p) }
      found += replay.problems.count
    }
    return found
  }

  /// Replays each user's chain against its records.
  func forEachChain(user: ObjectID?, _ body: (AuditReplay) throws(FidoError) -> Void)
    throws(FidoError)
  {
    let userFilter: Document = user.map { ["_id": .objectID($0)] } ?? [:]
    let byUser: Document = user.map { ["user_id": .objectID($0)] } ?? [:]
    let (u, a, t) = try mongo { () throws(MongoError) in
      (
        try users.find(userFilter, sort: ["_id": 1], projection: AuditState.userProjection),
        try auditLog.find(byUser, sort: ["user_id": 1, "seq": 1]),
        try transactions.find(
          byUser, sort: ["user_id": 1, "date": 1],
          projection: ["user_id": 1, "amount": 1, "type": 1, "date": 1, "key": 1, "currency": 1])
      )
    }
    func next(_ c: MongoCursor, _ key: String) throws(FidoError) -> (ObjectID, Document)? {
      while let d = try mongo({ () throws(MongoError) in try c.next() }) {
        if let id = d[key]?.objectIDValue { return (id, d) }
      }
      return nil
    }
    var nu = try next(u, "_id")
    var na = try next(a, "user_id")
    var nt = try next(t, "user_id")
    while true {
      guard let id = [nu?.0, na?.0, nt?.0].compactMap({ $0 }).min() else { return }
      var replay = AuditReplay(userID: id)
      while let (i, e) = na, i == id {
        replay.feed(e)
        na = try next(a, "user_id")
      }
      var live: [Document] = []
      while let (i, d) = nt, i == id {
        live.append(d)
        nt = try next(t, "user_id")
      }
      var doc: Document? = nil
      if let (i, d) = nu, i == id {
        doc = d
        nu = try next(u, "_id")
      }
      if doc == nil && replay.entries == 0 {
        // Transactions of a user who never existed: `db check` reports orphans.
        continue
      }
      replay.finish(liveUser: doc, liveTxns: live)
      try body(replay)
    }
  }
}

extension AuditState {
  static func figures(user: User) -> Document {
    let s = user.stats
    return [
      // The stats were read from Int64 fields: clamping never changes them.
      "balance": .int64(user.balance), "count": .int64(Int64(clamping: s.count)),
      "credit_count": .int64(Int64(clamping: s.creditCount)),
      "debit_count": .int64(Int64(clamping: s.debitCount)),
      "credit_total": .int64(Int64(clamping: s.creditTotal)),
      "debit_total": .int64(Int64(clamping: s.debitTotal)),
    ]
  }
}
