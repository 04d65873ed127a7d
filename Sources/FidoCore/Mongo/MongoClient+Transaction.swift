extension MongoClient {
  /// Runs `body` in a multi-document transaction (read concern snapshot,
  /// write concern majority, read preference primary) and commits it.
  ///
  /// - A `MongoError` labelled TransientTransactionError (from the body or the
  ///   commit) aborts and runs the whole body again.
  /// - A commit error labelled UnknownTransactionCommitResult retries the
  ///   commit (not after MaxTimeMSExpired).
  /// - Retrying stops after 2 × `timeoutMS` in total; the last error is rethrown.
  /// - Any other error aborts the transaction and is rethrown as is.
  ///
  /// The body may run more than once, so it must not have side effects
  /// outside the transaction, and it should let `MongoError`s propagate
  /// unchanged (map them to `FidoError` after `withTransaction` returns):
  /// the retry decisions read their labels.
  public func withTransaction<T>(_ body: (MongoSession) throws -> T) throws -> T {
    let session = try startSession()
    let clock = ContinuousClock()
    let deadline = clock.now + .milliseconds(2 * max(0, options.timeoutMS))
    var attempt = 0

    transaction: while true {
      attempt += 1
      try session.startTransaction()
      let value: T
      do {
        value = try body(session)
      } catch {
        session.abortTransactionQuietly()
        if let e = error as? MongoError, e.hasLabel(MongoError.transientTransactionError),
          clock.now < deadline
        {
          monitor.note(
            "mongo: transaction attempt \(attempt) failed (code \(e.code), transient); retrying")
          continue transaction
        }
        throw error
      }

      while true {
        do throws(MongoError) {
          try session.commitTransaction()
          return value
        } catch {
          if error.hasLabel(MongoError.unknownTransactionCommitResult),
            error.code != MongoError.maxTimeMSExpired,
            clock.now < deadline
          {
            monitor.note(
              "mongo: commit failed (code \(error.code), result unknown); retrying commit")
            continue
          }
          if error.hasLabel(MongoError.transientTransactionError), clock.now < deadline {
            monitor.note(
              "mongo: commit failed (code \(error.code), transient); retrying transaction")
            continue transaction
          }
          throw error
        }
      }
    }
  }
}
