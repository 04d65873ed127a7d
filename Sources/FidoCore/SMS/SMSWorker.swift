/// `fido sms worker`: sends due pending alerts as they appear and syncs the
/// delivery status of sent ones, until asked to stop.
///
/// - Waking: a change stream on inserts of pending alerts where the server
///   has one (replica sets, sharded clusters), so a new alert goes out at
///   once; in any case a pass every `intervalMS`, which also picks up retries
///   whose backoff ran out and delivery statuses that are due.
/// - Several workers (and `sms retry`, and `txn add`) may run at once: every
///   send happens under the outbox's lease, so no alert is sent twice.
/// - Twilio unreachable, 5xx, 429 or refusing the credentials: the pass ends
///   and the worker waits (doubling from 1 s to a minute, at least a
///   Retry-After) before the next send. MongoDB errors: the same backoff,
///   then the change stream is opened again.
/// - Stopping (`shouldStop` turns true on SIGINT/SIGTERM): the send in hand
///   is finished and recorded, then `run` returns.
package final class SMSWorker {
  let store: FidoStore
  let sender: SMSSender
  let intervalMS: Int64
  let log: (Event) -> Void
  let shouldStop: () -> Bool
  let now: () -> Int64

  /// What one `run` did, for the last log line.
  package struct Totals: Sendable {
    package var sent = 0
    package var failed = 0
    package var skipped = 0
    package var pending = 0
    package var delivered = 0
    package var undelivered = 0
    package var checked = 0
    package var passes = 0
  }
  package private(set) var totals = Totals()

  /// One line of the worker's log, as a value (Render shows it as an object).
  package struct Event: Sendable {
    package var at: Int64
    package var what: What
  }
  package enum What: Sendable {
    case start(intervalMS: Int64, once: Bool)
    /// A pause after errors from `service` (`mongodb`, `twilio`).
    case backoff(service: String, error: String, retryInMS: Int64)
    /// Whether a change stream wakes the worker; when opening one failed,
    /// the polling interval.
    case watch(changeStream: Bool, error: String? = nil, pollMS: Int64? = nil)
    /// A send attempt, as recorded.
    case attempt(Transaction)
    /// A delivery status fetched.
    case sync(SMSSender.SyncReport)
    /// An alert left alone for `SMSSender.putOffMillis`: fido cannot read its transaction.
    case unreadable(UnreadableDocument)
    case stop(Totals)
  }

  /// The longest wait after errors.
  package static let maxBackoffMS: Int64 = 60_000
  /// Delivery statuses fetched per pass, so sends never wait long behind syncs.
  package static let syncBatch: Int64 = 100
  /// A message just created is `queued` at Twilio: the worker first asks
  /// about it this long after the send.
  package static let firstSyncAfterMS: Int64 = 10_000
  /// How long a running worker's pass spends on delivery checks at most.
  package static let syncSliceMS: Int64 = 1000

  private var stream: PendingSMSWatch?
  /// When to try opening a change stream again after one failed.
  private var streamRetryAt: Int64 = 0
  private var twilioBackoffMS: Int64 = 0
  private var twilioPausedUntil: Int64 = 0
  private var mongoBackoffMS: Int64 = 0
  /// The last pass stopped syncing at its batch or time limit: the next
  /// pass follows at once (sends first, so they never wait behind syncs).
  private var moreToSync = false

  package init(
    store: FidoStore, settings: TwilioSettings, timeoutMS: Int64, intervalMS: Int64,
    twilioLog: (@Sendable (String) -> Void)?, log: @escaping (Event) -> Void,
    shouldStop: @escaping () -> Bool, now: @escaping () -> Int64
  ) {
    self.store = store
    sender = SMSSender(store: store, settings: settings, timeoutMS: timeoutMS, log: twilioLog)
    self.intervalMS = intervalMS
    self.log = log
    self.shouldStop = shouldStop
    self.now = now
  }

  /// `once`: one pass (every due send, every due sync), errors thrown.
  /// Otherwise passes until `shouldStop`; errors are logged and waited out,
  /// except a configuration error. Twilio refusing the credentials in a
  /// single pass is `.unauthorized` (exit 77).
  package func run(once: Bool) throws(FidoError) {
    event(.start(intervalMS: intervalMS, once: once))
    defer { finish() }
    while !shouldStop() {
      if !once { openStreamIfDue() }
      do {
        try pass(once: once)
        mongoBackoffMS = 0
      } catch {
        if once { throw error }
        switch error {
        case .config, .usage: throw error
        default: break
        }
        stream = nil
        mongoBackoffMS = Self.grow(mongoBackoffMS)
        event(.backoff(service: "mongodb", error: error.message, retryInMS: mongoBackoffMS))
        sleep(until: now() + mongoBackoffMS)
        continue
      }
      if once { break }
      if twilioPausedUntil > now() {
        sleep(until: twilioPausedUntil)
      } else if !moreToSync {
        waitForWork(until: now() + intervalMS)
      }
    }
  }

  // MARK: - One pass

  private func pass(once: Bool) throws(FidoError) {
    totals.passes += 1
    moreToSync = false
    guard twilioPausedUntil <= now() else { return }
    let sends = try sender.retryDue(
      limit: 0, now: now, shouldStop: shouldStop, stopOnTrouble: true
    ) { report in
      self.logSend(report)
    } unreadable: { why in
      self.event(.unreadable(why))
    }
    if let reason = sends.unauthorized {
      if once {
        throw .unauthorized(
          "Twilio refused the credentials (\(reason)); fix TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN")
      }
      pauseTwilio(reason)
      return
    }
    if let reason = sends.twilioTrouble {
      pauseTwilio(reason)
      return
    }
    if sends.claimed > 0 { twilioBackoffMS = 0 }
    if shouldStop() { return }
    // A running worker syncs for at most a second or a batch at a time, so a
    // new alert waits at most that long behind delivery checks.
    let syncUntil = now() + Self.syncSliceMS
    var timeUp = false
    let syncs = try sender.syncDue(
      limit: once ? 0 : Self.syncBatch, now: now,
      pollDelay: { txn, at in SMSSender.workerPollDelay(sentAt: txn.sms.sentAt, now: at) },
      minAgeMillis: Self.firstSyncAfterMS,
      shouldStop: {
        if self.shouldStop() { return true }
        if !once && self.now() >= syncUntil { timeUp = true }
        return timeUp
      }
    ) { report in
      self.logSync(report)
    } unreadable: { why in
      self.event(.unreadable(why))
    }
    moreToSync = !once && (timeUp || Int64(syncs.checked) >= Self.syncBatch)
    if let reason = syncs.unauthorized {
      if once {
        throw .unauthorized(
          "Twilio refused the credentials (\(reason)); fix TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN")
      }
      pauseTwilio(reason)
    } else if let reason = syncs.twilioTrouble {
      pauseTwilio(reason)
    }
  }

  private func pauseTwilio(_ reason: String) {
    twilioBackoffMS = Self.grow(twilioBackoffMS)
    twilioPausedUntil = now() + twilioBackoffMS
    event(.backoff(service: "twilio", error: reason, retryInMS: twilioBackoffMS))
  }

  // MARK: - Waiting

  private func openStreamIfDue() {
    guard stream == nil, now() >= streamRetryAt else { return }
    do {
      stream = try store.watchNewPendingSMS(maxAwaitMS: min(intervalMS, 1000))
      event(.watch(changeStream: true))
    } catch {
      streamRetryAt = now() + max(intervalMS, 60_000)
      event(.watch(changeStream: false, error: error.message, pollMS: intervalMS))
    }
  }

  /// Waits until `until`, a change-stream event (a new pending alert) or a
  /// stop request, whichever comes first.
  private func waitForWork(until: Int64) {
    while let stream, !shouldStop(), now() < until {
      do {
        if try stream.next() { return }
      } catch {
        self.stream = nil
        streamRetryAt = now() + intervalMS
        event(.watch(changeStream: false, error: error.message))
      }
    }
    sleep(until: until)
  }

  /// Sleeps in short slices so a stop request is seen within 100 ms.
  private func sleep(until: Int64) {
    while !shouldStop() {
      let left = until - now()
      if left <= 0 { return }
      sleepMillis(min(left, 100))
    }
  }

  // MARK: - Log

  private func logSend(_ report: SMSSender.SendReport) {
    switch report.transaction.sms.status {
    case .sent, .delivered, .undelivered: totals.sent += 1
    case .failed: totals.failed += 1
    case .skipped: totals.skipped += 1
    case .pending: totals.pending += 1
    }
    event(.attempt(report.transaction))
  }

  private func logSync(_ report: SMSSender.SyncReport) {
    totals.checked += 1
    switch report.recorded {
    case .delivered?: totals.delivered += 1
    case .undelivered?: totals.undelivered += 1
    default: break
    }
    event(.sync(report))
  }

  private func finish() {
    stream = nil
    event(.stop(totals))
  }

  private func event(_ what: What) {
    log(Event(at: now(), what: what))
  }

  // MARK: - Helpers

  /// 1 s, doubling, capped at a minute.
  static func grow(_ ms: Int64) -> Int64 { ms == 0 ? 1000 : min(ms * 2, maxBackoffMS) }
}
