internal import CMongoc

/// A logical session (`mongoc_client_session_t`). Pass it as `session:` to
/// operations; `MongoClient.withTransaction` makes one per call. Destroying it
/// aborts a transaction still in progress. Keeps its client alive.
public final class MongoSession {
  let handle: OpaquePointer
  let client: MongoClient

  init(handle: OpaquePointer, client: MongoClient) {
    self.handle = handle
    self.client = client
  }

  deinit {
    mongoc_client_session_destroy(handle)
  }

  /// True between the start of a transaction and its commit or abort.
  public var inTransaction: Bool {
    mongoc_client_session_in_transaction(handle)
  }

  /// Adds `sessionId` (and the transaction fields) to an operation's opts.
  func append(to opts: OpaquePointer) throws(MongoError) {
    var error = bson_error_t()
    guard mongoc_client_session_append(handle, opts, &error) else {
      throw MongoError(error, reply: nil)
    }
  }

  /// Starts a transaction: read concern snapshot, write concern majority,
  /// read preference primary.
  func startTransaction() throws(MongoError) {
    let txn = mongoc_transaction_opts_new()
    let readConcern = mongoc_read_concern_new()
    let writeConcern = mongoc_write_concern_new()
    let readPrefs = mongoc_read_prefs_new(MONGOC_READ_PRIMARY)
    defer {
      mongoc_transaction_opts_destroy(txn)
      mongoc_read_concern_destroy(readConcern)
      mongoc_write_concern_destroy(writeConcern)
      mongoc_read_prefs_destroy(readPrefs)
    }
    mongoc_read_concern_set_level(readConcern, MONGOC_READ_CONCERN_LEVEL_SNAPSHOT)
    mongoc_write_concern_set_wmajority(writeConcern, 0)
    mongoc_transaction_opts_set_read_concern(txn, readConcern)
    mongoc_transaction_opts_set_write_concern(txn, writeConcern)
    mongoc_transaction_opts_set_read_prefs(txn, readPrefs)
    var error = bson_error_t()
    guard mongoc_client_session_start_transaction(handle, txn, &error) else {
      throw MongoError(error, reply: nil)
    }
  }

  func commitTransaction() throws(MongoError) {
    var error = bson_error_t()
    let (ok, reply) = withReply { mongoc_client_session_commit_transaction(handle, $0, &error) }
    guard ok else { throw MongoError(error, reply: reply) }
  }

  /// Aborts the transaction in progress; abort errors are ignored (the server
  /// aborts it anyway when it times out).
  func abortTransactionQuietly() {
    guard inTransaction else { return }
    var error = bson_error_t()
    _ = mongoc_client_session_abort_transaction(handle, &error)
  }
}
