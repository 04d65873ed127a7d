internal import CMongoc

/// Results streamed batch by batch (`mongoc_cursor_t`): memory stays
/// constant whatever the result size. Keeps its client (and session) alive.
package final class MongoCursor {
  private let handle: OpaquePointer
  private let client: MongoClient
  private let session: MongoSession?
  private var api: fido_mongoc_api { client.api }

  init(handle: OpaquePointer, client: MongoClient, session: MongoSession?) {
    self.handle = handle
    self.client = client
    self.session = session
  }

  deinit {
    api.cursor_destroy(handle)
  }

  /// The next document, or nil at the end. Each document is copied out of
  /// libmongoc's batch at once.
  package func next() throws(MongoError) -> Document? {
    var document: OpaquePointer? = nil
    if api.cursor_next(handle, &document), let document {
      return Document(copying: document)
    }
    try throwIfFailed()
    return nil
  }

  /// Throws the cursor's error, if it has one (also right after creation,
  /// for invalid options).
  func throwIfFailed() throws(MongoError) {
    var error = bson_error_t()
    var reply: OpaquePointer? = nil
    if api.cursor_error_document(handle, &error, &reply) {
      throw MongoError(error, reply: reply.map { Document(copying: $0) })
    }
  }

  /// Every remaining document. For bounded results only (lists of indexes);
  /// stream large results with `next()`.
  func collectAll() throws(MongoError) -> [Document] {
    var out: [Document] = []
    while let document = try next() {
      out.append(document)
    }
    return out
  }
}
