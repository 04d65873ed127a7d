internal import CMongoc

/// A logical session (`mongoc_client_session_t`). Pass it as `session:` to
/// operations; `MongoClient.withTransaction` makes one per call. Destroying it
/// aborts a transaction still in progress. Keeps its client alive.
package final class MongoSession {
  let handle: OpaquePointer
  let client: MongoClient
  private var api: fido_mongoc_api { client.api }

  init(handle: OpaquePointer, client: MongoClient) {
    self.handle = handle
    self.client = client
  }

  deinit {
    api.client_session_destroy(handle)
  }

  /// True between the start of a transaction and its commit or abort.
  package var inTransaction: Bool {
    api.client_session_in_transaction(handle)
  }

  /// Adds `sessionId` (and the transaction fields) to an operation's opts.
  func append(to opts: OpaquePointer) throws(MongoError) {
    var error = bson_error_t()
    guard api.client_session_append(handle, opts, &error) else {
      throw MongoError(error, reply: nil)
    }
  }

  /// Starts a transaction: read concern snapshot, write concern majority,
  /// read preference primary.
  func startTransaction() throws(MongoError) {
    let txn = api.transaction_opts_new()
    let readConcern = api.read_concern_new()
    let writeConcern = api.write_concern_new()
    let readPrefs = api.read_prefs_new(MONGOC_READ_PRIMARY)
    defer {
      api.transaction_opts_destroy(txn)
      api.read_concern_destroy(readConcern)
      api.write_concern_destroy(writeConcern)
      api.read_prefs_destroy(readPrefs)
    }
    _ = api.read_concern_set_level(readConcern, MONGOC_READ_CONCERN_LEVEL_SNAPSHOT)
    api.write_concern_set_wmajority(writeConcern, 0)
    api.transaction_opts_set_read_concern(txn, readConcern)
    api.transaction_opts_set_write_concern(txn, writeConcern)
    api.transaction_opts_set_read_prefs(txn, readPrefs)
    var error = bson_error_t()
    guard api.client_session_start_transaction(handle, txn, &error) else {
      throw MongoError(error, reply: nil)
    }
  }

  func commitTransaction() throws(MongoError) {
    var error = bson_error_t()
    let (ok, reply) = withReply { api.client_session_commit_transaction(handle, $0, &error) }
    guard ok else { throw MongoError(error, reply: reply) }
  }

  /// Aborts the transaction in progress; abort errors are ignored (the server
  /// aborts it anyway when it times out).
  func abortTransactionQuietly() {
    guard inTransaction else { return }
    var error = bson_error_t()
    _ = api.client_session_abort_transaction(handle, &error)
  }
}
