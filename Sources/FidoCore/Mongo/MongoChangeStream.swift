internal import CMongoc

/// A change stream on one collection (`mongoc_collection_watch`): `next()`
/// waits on the server up to `maxAwaitTimeMS` for an event and returns nil
/// when none came, so a caller can check for a stop request between waits.
/// libmongoc resumes it once on a resumable error; any other error is thrown
/// and the stream is done (make a new one). Keeps its client alive.
package final class MongoChangeStream {
  private let handle: OpaquePointer
  private let client: MongoClient
  private var api: fido_mongoc_api { client.api }

  init(handle: OpaquePointer, client: MongoClient) {
    self.handle = handle
    self.client = client
  }

  deinit {
    api.change_stream_destroy(handle)
  }

  /// The next event, or nil when the wait ended without one.
  package func next() throws(MongoError) -> Document? {
    var document: OpaquePointer? = nil
    if api.change_stream_next(handle, &document), let document {
      return Document(copying: document)
    }
    try throwIfFailed()
    return nil
  }

  func throwIfFailed() throws(MongoError) {
    var error = bson_error_t()
    var reply: OpaquePointer? = nil
    if api.change_stream_error_document(handle, &error, &reply) {
      throw MongoError(error, reply: reply.map { Document(copying: $0) })
    }
  }
}

extension MongoCollection {
  /// Opens a change stream over this collection filtered by `pipeline`
  /// (stages after `$changeStream`). The server must be a replica set or a
  /// sharded cluster; a standalone answers with an error, thrown here.
  package func watch(_ pipeline: [Document], maxAwaitTimeMS: Int64) throws(MongoError)
    -> MongoChangeStream
  {
    let command: Document = ["pipeline": .array(pipeline.map(BSONValue.document))]
    let opts: Document = ["maxAwaitTimeMS": .int64(maxAwaitTimeMS)]
    return try withCollection { (collection) throws(MongoError) -> MongoChangeStream in
      try command.withBSON { (bson) throws(MongoError) -> MongoChangeStream in
        try opts.withBSON { (optsBSON) throws(MongoError) -> MongoChangeStream in
          guard let stream = client.api.collection_watch(collection, bson, optsBSON) else {
            throw MongoError.invalidArgument("cannot open a change stream on \(db).\(name)")
          }
          let result = MongoChangeStream(handle: stream, client: client)
          try result.throwIfFailed()
          return result
        }
      }
    }
  }
}
