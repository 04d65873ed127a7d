extension MongoClient {
  /// Runs `body` in a multi-document transaction (read concern snapshot,
  /// write concern majority, read preference primary) and commits it.
  ///
  /// - A `MongoError` labelled TransientTransactionError (from the body or the
  ///   commit) aborts and runs the whole body again: the transaction did not
  ///   commit. Body retries stop after 2 × `timeoutMS`; the last error is rethrown.
  /// - A commit whose outcome is unknown (`MongoError.isUnknownCommitOutcome`:
  ///   the label, a lost or timed-out reply, a write-concern error) may have
  ///   been applied, so the body is not run again for it: only the commit is
  ///   retried, as the transactions spec says (libmongoc sends every retried
  ///   commit with w: majority), until `timeoutMS` has passed since the first
  ///   commit attempt, at least once. If it is still unknown then, the last
  ///   error is thrown with `unknownCommitAttempts` set.
  /// - Any other error aborts the transaction and is rethrown as is.
  /// - `giveUpOn` sees each `MongoError` of the body and each
  ///   TransientTransactionError of the commit, with how long the attempt had
  ///   been open; when it returns true that error is rethrown at once instead
  ///   of running the same body again (an import batch that the server ended
  ///   for its size or its lifetime is written in smaller parts instead).
  ///
  /// The body may run more than once, so it must not have side effects
  /// outside the transaction, and it should let `MongoError`s propagate
  /// unchanged (its error type carries them: `MongoFailure`): the retry
  /// decisions read their labels. The driver's own errors are thrown as `E`.
  package func withTransaction<T, E: MongoFailure>(
    giveUpOn: (_ error: MongoError, _ attemptOpenFor: Duration) -> Bool = { _, _ in false },
    _ body: (MongoSession) throws(E) -> T
  ) throws(E) -> T {
    /// A driver call of the helper's own, its error thrown as `E`.
    func carried<R>(_ call: () throws(MongoError) -> R) throws(E) -> R {
      do { return try call() } catch { throw E(error) }
    }
    let session = try carried { () throws(MongoError) in try startSession() }
    let clock = ContinuousClock()
    let timeout = Duration.milliseconds(max(0, options.timeoutMS))
    let deadline = clock.now + timeout * 2
    var attempt = 0

    transaction: while true {
      attempt += 1
      let attemptStarted = clock.now
      try carried { () throws(MongoError) in try session.startTransaction() }
      let value: T
      do {
        value = try body(session)
      } catch {
        session.abortTransactionQuietly()
        if let e = error.mongoError, !giveUpOn(e, clock.now - attemptStarted),
          e.hasLabel(MongoError.transientTransactionError), clock.now < deadline
        {
          monitor.note(
            "mongo: transaction attempt \(attempt) failed (code \(e.code), transient); retrying")
          continue transaction
        }
        throw error
      }

      let commitStarted = clock.now
      var commits = 0
      var unknown = false
      var pauseMS: Int64 = 50
      while true {
        commits += 1
        do throws(MongoError) {
          try session.commitTransaction()
          return value
        } catch {
          if error.hasLabel(MongoError.transientTransactionError) {
            // Not committed (e.g. NoSuchTransaction): the body can run again.
            if !giveUpOn(error, clock.now - attemptStarted), clock.now < deadline {
              monitor.note(
                "mongo: commit failed (code \(error.code), transient); retrying transaction")
              continue transaction
            }
            throw E(error)
          }
          // Once one attempt's outcome is unknown, only a success or a
          // transient error settles it.
          guard unknown || error.isUnknownCommitOutcome else { throw E(error) }
          unknown = true
          let inTime = commits == 1 || clock.now < commitStarted + timeout
          guard inTime, error.code != MongoError.maxTimeMSExpired else {
            var last = error
            last.unknownCommitAttempts = commits
            throw E(last)
          }
          monitor.note(
            "mongo: commit failed (code \(error.code), result unknown); retrying commit")
          sleepMillis(pauseMS)
          pauseMS = min(pauseMS * 2, 1000)
        }
      }
    }
  }
}
