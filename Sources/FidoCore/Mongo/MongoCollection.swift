internal import CMongoc

/// What an update did.
package struct UpdateResult: Sendable, Equatable {
  package var matched: Int64
  package var modified: Int64
  /// The `_id` of the document an upsert inserted (for a bulk, the first one).
  package var upsertedID: BSONValue?
  /// How many documents upserts inserted.
  package var upserted: Int64

  package init(
    matched: Int64 = 0, modified: Int64 = 0, upsertedID: BSONValue? = nil, upserted: Int64 = 0
  ) {
    self.matched = matched
    self.modified = modified
    self.upsertedID = upsertedID
    self.upserted = upserted
  }
}

/// A collection in a database. Each operation makes a short-lived
/// `mongoc_collection_t` (inheriting the client's write concern) and destroys
/// it before returning. Keeps its client alive.
package final class MongoCollection {
  package let client: MongoClient
  package let db: String
  package let name: String
  private var api: fido_mongoc_api { client.api }

  init(client: MongoClient, db: String, name: String) {
    self.client = client
    self.db = db
    self.name = name
  }

  func withCollection<R>(_ body: (OpaquePointer) throws(MongoError) -> R) throws(MongoError)
    -> R
  {
    guard let collection = api.client_get_collection(client.handle, db, name) else {
      throw MongoError.invalidArgument("cannot open collection \(db).\(name)")
    }
    defer { api.collection_destroy(collection) }
    return try body(collection)
  }

  /// What every operation on a document does: this collection, `document`
  /// (a filter, a document to insert, a pipeline command) and `opts` with
  /// the session's fields, as the libmongoc handles `body` is given.
  private func withHandles<R>(
    _ document: Document, opts: Document = Document(), session: MongoSession?,
    _ body: (_ collection: OpaquePointer, _ document: OpaquePointer, _ opts: OpaquePointer)
      throws(MongoError) -> R
  ) throws(MongoError) -> R {
    try withCollection { (collection) throws(MongoError) -> R in
      try document.withBSON { (bson) throws(MongoError) -> R in
        try client.withOptions(opts, session: session) { (opts) throws(MongoError) -> R in
          try body(collection, bson, opts)
        }
      }
    }
  }

  /// Runs a libmongoc call that fills an "uninitialized" reply and an error
  /// and says whether it succeeded: the reply, or its error (with the reply,
  /// which holds the labels and write errors) thrown.
  private func replying(
    _ call: (_ reply: OpaquePointer, _ error: UnsafeMutablePointer<bson_error_t>) -> Bool
  ) throws(MongoError) -> Document {
    var error = bson_error_t()
    let (ok, reply) = withReply { call($0, &error) }
    guard ok else { throw MongoError(error, reply: reply) }
    return reply
  }

  /// A cursor `open` makes from the handles (nil: `what` cannot be made),
  /// its error (invalid options) thrown at once.
  private func cursor(
    _ document: Document, opts: Document, session: MongoSession?, what: String,
    _ open: (_ collection: OpaquePointer, _ document: OpaquePointer, _ opts: OpaquePointer) ->
      OpaquePointer?
  ) throws(MongoError) -> MongoCursor {
    try withHandles(document, opts: opts, session: session) {
      (collection, bson, opts) throws(MongoError) -> MongoCursor in
      guard let handle = open(collection, bson, opts) else {
        throw MongoError.invalidArgument("cannot create \(what) on \(db).\(name)")
      }
      let result = MongoCursor(handle: handle, client: client, session: session)
      try result.throwIfFailed()
      return result
    }
  }

  // MARK: Inserts

  package func insertOne(_ doc: Document, session: MongoSession? = nil) throws(MongoError) {
    try withHandles(doc, session: session) { (collection, bson, opts) throws(MongoError) in
      _ = try replying { api.collection_insert_one(collection, bson, opts, $0, $1) }
    }
  }

  /// Inserts all documents with one `insert` command (libmongoc splits it
  /// only past maxWriteBatchSize or the message size limit).
  package func insertMany(_ docs: [Document], ordered: Bool = true, session: MongoSession? = nil)
    throws(MongoError)
  {
    guard !docs.isEmpty else { return }
    var pointers: [OpaquePointer?] = []
    pointers.reserveCapacity(docs.count)
    defer { for p in pointers { bson_destroy(p) } }
    for doc in docs {
      do { pointers.append(try doc.makeBSON()) } catch { throw MongoError(error) }
    }
    try withCollection { (collection) throws(MongoError) in
      try client.withOptions(["ordered": .bool(ordered)], session: session) {
        (opts) throws(MongoError) in
        _ = try replying { reply, error in
          pointers.withUnsafeMutableBufferPointer { buffer in
            api.collection_insert_many(
              collection, buffer.baseAddress, buffer.count, opts, reply, error)
          }
        }
      }
    }
  }

  // MARK: Reads

  /// The batch size of a find that may return more than this many documents
  /// when the caller names none. Without one the server fills each getMore
  /// up to 16 MiB, and libmongoc holds that whole reply while the caller
  /// streams through it: `txn list --limit 0` over 100,000 transactions
  /// peaked at 54 MiB instead of 22. A thousand fido documents are about
  /// half a megabyte, and a getMore per thousand is a small share of the
  /// time spent reading them.
  package static let streamingBatchSize: Int32 = 1000

  package func find(
    _ filter: Document, sort: Document? = nil, limit: Int64 = 0, projection: Document? = nil,
    batchSize: Int32? = nil, hint: String? = nil, session: MongoSession? = nil
  ) throws(MongoError) -> MongoCursor {
    var opts = Document()
    if let sort { opts["sort"] = .document(sort) }
    if let hint { opts["hint"] = .string(hint) }
    if limit != 0 { opts["limit"] = .int64(limit) }
    if let projection { opts["projection"] = .document(projection) }
    if let batchSize {
      opts["batchSize"] = .int32(batchSize)
    } else if limit == 0 || limit > Int64(Self.streamingBatchSize) {
      opts["batchSize"] = .int32(Self.streamingBatchSize)
    }
    return try cursor(filter, opts: opts, session: session, what: "a cursor") {
      api.collection_find_with_opts($0, $1, $2, nil)
    }
  }

  package func findOne(
    _ filter: Document, sort: Document? = nil, projection: Document? = nil, hint: String? = nil,
    session: MongoSession? = nil
  ) throws(MongoError) -> Document? {
    try find(filter, sort: sort, limit: 1, projection: projection, hint: hint, session: session)
      .next()
  }

  package func countDocuments(_ filter: Document, limit: Int64 = 0, session: MongoSession? = nil)
    throws(MongoError)
    -> Int64
  {
    var opts = Document()
    if limit > 0 { opts["limit"] = .int64(limit) }
    var count: Int64 = -1
    try withHandles(filter, opts: opts, session: session) {
      (collection, bson, opts) throws(MongoError) in
      _ = try replying {
        count = api.collection_count_documents(collection, bson, opts, nil, $0, $1)
        return count >= 0
      }
    }
    return count
  }

  package func aggregate(_ pipeline: [Document], session: MongoSession? = nil) throws(MongoError)
    -> MongoCursor
  {
    let command: Document = ["pipeline": .array(pipeline.map(BSONValue.document))]
    return try cursor(
      command, opts: ["batchSize": .int32(Self.streamingBatchSize)], session: session,
      what: "an aggregation cursor"
    ) { api.collection_aggregate($0, MONGOC_QUERY_NONE, $1, $2, nil) }
  }

  // MARK: findAndModify

  /// `update` is an update document (`{"$set": …}`) or a pipeline (an array
  /// of stage documents). Returns the document after (`returnNew`) or before
  /// the update, or nil when nothing matched and nothing was upserted.
  package func findOneAndUpdate(
    _ filter: Document, update: BSONValue, sort: Document? = nil, upsert: Bool = false,
    returnNew: Bool = true,
    projection: Document? = nil, session: MongoSession? = nil
  ) throws(MongoError) -> Document? {
    var flags = MONGOC_FIND_AND_MODIFY_NONE.rawValue
    if upsert { flags |= MONGOC_FIND_AND_MODIFY_UPSERT.rawValue }
    if returnNew { flags |= MONGOC_FIND_AND_MODIFY_RETURN_NEW.rawValue }
    return try update.withUpdateBSON { (updateBSON) throws(MongoError) -> Document? in
      try findAndModify(
        filter, flags: flags, update: updateBSON, sort: sort, projection: projection,
        session: session)
    }
  }

  package func findOneAndDelete(_ filter: Document, session: MongoSession? = nil) throws(MongoError)
    -> Document?
  {
    try findAndModify(
      filter, flags: MONGOC_FIND_AND_MODIFY_REMOVE.rawValue, update: nil, sort: nil,
      projection: nil, session: session)
  }

  private func findAndModify(
    _ filter: Document, flags: UInt32, update: OpaquePointer?, sort: Document?,
    projection: Document?,
    session: MongoSession?
  ) throws(MongoError) -> Document? {
    guard let famOpts = api.find_and_modify_opts_new() else {
      throw MongoError.invalidArgument("cannot allocate findAndModify options")
    }
    defer { api.find_and_modify_opts_destroy(famOpts) }
    _ = api.find_and_modify_opts_set_flags(famOpts, mongoc_find_and_modify_flags_t(rawValue: flags))
    if let update, !api.find_and_modify_opts_set_update(famOpts, update) {
      throw MongoError.invalidArgument("invalid update for findAndModify")
    }
    if let sort {
      try sort.withBSON { (bson) throws(MongoError) in
        _ = api.find_and_modify_opts_set_sort(famOpts, bson)
      }
    }
    if let projection {
      try projection.withBSON { (bson) throws(MongoError) in
        _ = api.find_and_modify_opts_set_fields(famOpts, bson)
      }
    }
    try client.withOptions(Document(), session: session) { (extra) throws(MongoError) in
      _ = api.find_and_modify_opts_append(famOpts, extra)
    }
    return try withCollection { (collection) throws(MongoError) -> Document? in
      try filter.withBSON { (query) throws(MongoError) -> Document? in
        try replying {
          api.collection_find_and_modify_with_opts(collection, query, famOpts, $0, $1)
        }["value"]?.documentValue
      }
    }
  }

  // MARK: Updates

  package func updateOne(
    _ filter: Document, update: BSONValue, upsert: Bool = false, session: MongoSession? = nil
  )
    throws(MongoError) -> UpdateResult
  {
    try runUpdate(filter, update: update, upsert: upsert, many: false, session: session)
  }

  package func updateMany(_ filter: Document, update: BSONValue, session: MongoSession? = nil)
    throws(MongoError)
    -> UpdateResult
  {
    try runUpdate(filter, update: update, upsert: false, many: true, session: session)
  }

  private func runUpdate(
    _ filter: Document, update: BSONValue, upsert: Bool, many: Bool, session: MongoSession?
  )
    throws(MongoError) -> UpdateResult
  {
    let reply = try update.withUpdateBSON { (updateBSON) throws(MongoError) -> Document in
      try withHandles(filter, opts: ["upsert": .bool(upsert)], session: session) {
        (collection, selector, opts) throws(MongoError) -> Document in
        try replying {
          many
            ? api.collection_update_many(collection, selector, updateBSON, opts, $0, $1)
            : api.collection_update_one(collection, selector, updateBSON, opts, $0, $1)
        }
      }
    }
    return UpdateResult(
      matched: reply["matchedCount"]?.replyInt64 ?? 0,
      modified: reply["modifiedCount"]?.replyInt64 ?? 0,
      upsertedID: reply["upsertedId"], upserted: reply["upsertedCount"]?.replyInt64 ?? 0)
  }

  /// Several single-document updates in one ordered (or unordered) bulk
  /// write: one round trip up to maxWriteBatchSize operations.
  package func bulkUpdate(
    _ ops: [(filter: Document, update: BSONValue, upsert: Bool)], ordered: Bool = true,
    session: MongoSession? = nil
  ) throws(MongoError) -> UpdateResult {
    guard !ops.isEmpty else { return UpdateResult() }
    return try withCollection { (collection) throws(MongoError) -> UpdateResult in
      let bulk = try client.withOptions(["ordered": .bool(ordered)], session: session) {
        (opts) throws(MongoError) -> OpaquePointer in
        guard let bulk = api.collection_create_bulk_operation_with_opts(collection, opts) else {
          throw MongoError.invalidArgument("cannot create a bulk write on \(db).\(name)")
        }
        return bulk
      }
      defer { api.bulk_operation_destroy(bulk) }
      for op in ops {
        try op.filter.withBSON { (selector) throws(MongoError) in
          try op.update.withUpdateBSON { (updateBSON) throws(MongoError) in
            let opOpts: Document = ["upsert": .bool(op.upsert)]
            try opOpts.withBSON { (opts) throws(MongoError) in
              var error = bson_error_t()
              guard
                api.bulk_operation_update_one_with_opts(bulk, selector, updateBSON, opts, &error)
              else {
                throw MongoError(error, reply: nil)
              }
            }
          }
        }
      }
      // The id of the server it ran on; 0 on failure.
      let reply = try replying { api.bulk_operation_execute(bulk, $0, $1) != 0 }
      let upserts = reply["upserted"]?.arrayValue ?? []
      return UpdateResult(
        matched: reply["nMatched"]?.replyInt64 ?? 0, modified: reply["nModified"]?.replyInt64 ?? 0,
        upsertedID: upserts.first?.documentValue?["_id"],
        upserted: reply["nUpserted"]?.replyInt64 ?? 0)
    }
  }

  // MARK: Deletes

  /// Returns how many documents were deleted (0 or 1).
  package func deleteOne(_ filter: Document, session: MongoSession? = nil) throws(MongoError)
    -> Int64
  {
    try runDelete(filter, many: false, session: session)
  }

  package func deleteMany(_ filter: Document, session: MongoSession? = nil) throws(MongoError)
    -> Int64
  {
    try runDelete(filter, many: true, session: session)
  }

  private func runDelete(_ filter: Document, many: Bool, session: MongoSession?) throws(MongoError)
    -> Int64
  {
    try withHandles(filter, session: session) {
      (collection, selector, opts) throws(MongoError) -> Int64 in
      try replying {
        many
          ? api.collection_delete_many(collection, selector, opts, $0, $1)
          : api.collection_delete_one(collection, selector, opts, $0, $1)
      }["deletedCount"]?.replyInt64 ?? 0
    }
  }

  // MARK: Indexes and the collection itself

  /// Creates the indexes (`createIndexes`); existing identical indexes are a no-op.
  /// Each spec is like `["key": ["email": 1], "name": "email_1", "unique": true]`.
  package func createIndexes(_ specs: [Document]) throws(MongoError) {
    guard !specs.isEmpty else { return }
    let command: Document = [
      "createIndexes": .string(name), "indexes": .array(specs.map(BSONValue.document)),
    ]
    try withCollection { (collection) throws(MongoError) in
      try command.withBSON { (bson) throws(MongoError) in
        _ = try replying { api.collection_write_command_with_opts(collection, bson, nil, $0, $1) }
      }
    }
  }

  /// The collection's index specifications; empty when the collection does not exist.
  package func listIndexes() throws(MongoError) -> [Document] {
    try withCollection { (collection) throws(MongoError) -> [Document] in
      guard let cursor = api.collection_find_indexes_with_opts(collection, nil) else {
        return []
      }
      return try MongoCursor(handle: cursor, client: client, session: nil).collectAll()
    }
  }

  /// Drops the collection; a missing collection is not an error.
  package func drop() throws(MongoError) {
    try withCollection { (collection) throws(MongoError) in
      var error = bson_error_t()
      guard api.collection_drop_with_opts(collection, nil, &error) else {
        let e = MongoError(error, reply: nil)
        if e.code == MongoError.namespaceNotFound { return }
        throw e
      }
    }
  }
}
