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
public final class SMSWorker {
  let store: FidoStore
  let sender: SMSSender
  let intervalMS: Int64
  let log: (OutObject) -> Void
  let shouldStop: () -> Bool
  let now: () -> Int64

  /// What one `run` did, for the last log line.
  public struct Totals: Sendable {
    public var sent = 0
    public var failed = 0
    public var skipped = 0
    public var pending = 0
    public var delivered = 0
    public var undelivered = 0
    public var checked = 0
    public var passes = 0
  }
  public private(set) var totals = Totals()

  /// The longest wait after errors.
  public static let maxBackoffMS: Int64 = 60_000
  /// Delivery statuses fetched per pass, so sends never wait long behind syncs.
  public static let syncBatch: Int64 = 100
  /// A message just created is `queued` at Twilio: the worker first asks
  /// about it this long after the send.
  public static let firstSyncAfterMS: Int64 = 10_000
  /// How long a running worker's pass spends on delivery checks at most.
  public static let syncSliceMS: Int64 = 1000

  private var stream: MongoChangeStream?
  /// When to try opening a change stream again after one failed.
  private var streamRetryAt: Int64 = 0
  private var twilioBackoffMS: Int64 = 0
  private var twilioPausedUntil: Int64 = 0
  private var mongoBackoffMS: Int64 = 0
  /// The last pass stopped syncing at its batch or time limit: the next
  /// pass follows at once (sends first, so they never wait behind syncs).
  private var moreToSync = false

  public init(
    store: FidoStore, settings: TwilioSettings, timeoutMS: Int64, intervalMS: Int64,
    twilioLog: (@Sendable (String) -> Void)?, log: @escaping (OutObject) -> Void,
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
  public func run(once: Bool) throws(FidoError) {
    event(
      "start", [("interval_seconds", .number(Self.seconds(intervalMS))), ("once", .bool(once))])
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
        event(
          "backoff",
          [
            ("service", .string("mongodb")), ("error", .string(error.message)),
            ("retry_in_seconds", .number(Self.seconds(mongoBackoffMS))),
          ])
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
    ) { report in self.logSend(report) }
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
    ) { report in self.logSync(report) }
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
    event(
      "backoff",
      [
        ("service", .string("twilio")), ("error", .string(reason)),
        ("retry_in_seconds", .number(Self.seconds(twilioBackoffMS))),
      ])
  }

  // MARK: - Waiting

  private func openStreamIfDue() {
    guard stream == nil, now() >= streamRetryAt else { return }
    do {
      stream = try store.watchNewPendingSMS(maxAwaitMS: min(intervalMS, 1000))
      event("watch", [("change_stream", .bool(true))])
    } catch {
      streamRetryAt = now() + max(intervalMS, 60_000)
      event(
        "watch",
        [
          ("change_stream", .bool(false)), ("error", .string(error.message)),
          ("poll_seconds", .number(Self.seconds(intervalMS))),
        ])
    }
  }

  /// Waits until `until`, a change-stream event (a new pending alert) or a
  /// stop request, whichever comes first.
  private func waitForWork(until: Int64) {
    while let stream, !shouldStop(), now() < until {
      do {
        if try store.mongo({ () throws(MongoError) in try stream.next() }) != nil { return }
      } catch {
        self.stream = nil
        streamRetryAt = now() + intervalMS
        event("watch", [("change_stream", .bool(false)), ("error", .string(error.message))])
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
    let txn = report.transaction
    var fields: [(String, OutValue)] = [("transaction_id", .string(txn.id.hex))]
    if let to = txn.sms.to { fields.append(("to", .string(to))) }
    switch txn.sms.status {
    case .sent, .delivered, .undelivered:
      totals.sent += 1
      fields.append(("sid", txn.sms.sid.map { .string($0) } ?? .null))
    case .failed:
      totals.failed += 1
      fields.append(("error", .string(txn.sms.lastError ?? "")))
    case .skipped:
      totals.skipped += 1
      fields.append(("reason", .string(txn.sms.lastError ?? "")))
    case .pending:
      totals.pending += 1
      fields.append(("error", .string(txn.sms.lastError ?? "")))
      fields.append(("next_attempt_at", txn.sms.nextAttemptAt.map { .date($0) } ?? .null))
    }
    fields.append(("attempts", .int(txn.sms.attempts)))
    let action = txn.sms.status == .pending ? "retry" : txn.sms.status.rawValue
    event(action, fields)
  }

  private func logSync(_ report: SMSSender.SyncReport) {
    totals.checked += 1
    let txn = report.transaction
    var fields: [(String, OutValue)] = [
      ("transaction_id", .string(txn.id.hex)), ("sid", txn.sms.sid.map { .string($0) } ?? .null),
    ]
    if let status = report.twilioStatus { fields.append(("twilio_status", .string(status))) }
    let action: String
    switch report.recorded {
    case .delivered?:
      totals.delivered += 1
      action = "delivered"
    case .undelivered?:
      totals.undelivered += 1
      action = "undelivered"
    default:
      action = report.error == nil ? "in_flight" : "sync_error"
    }
    if let error = report.error { fields.append(("error", .string(error))) }
    event(action, fields)
  }

  private func finish() {
    stream = nil
    event(
      "stop",
      [
        ("sent", .int(Int64(totals.sent))), ("failed", .int(Int64(totals.failed))),
        ("skipped", .int(Int64(totals.skipped))), ("retry", .int(Int64(totals.pending))),
        ("delivered", .int(Int64(totals.delivered))),
        ("undelivered", .int(Int64(totals.undelivered))),
      ])
  }

  private func event(_ action: String, _ fields: [(String, OutValue)]) {
    log(OutObject([("at", .date(now())), ("event", .string(action))] + fields))
  }

  // MARK: - Helpers

  /// 1 s, doubling, capped at a minute.
  static func grow(_ ms: Int64) -> Int64 { ms == 0 ? 1000 : min(ms * 2, maxBackoffMS) }

  /// Milliseconds as decimal seconds (`1.5`), for the log.
  static func seconds(_ ms: Int64) -> String {
    ms % 1000 == 0
      ? String(ms / 1000)
      : String(ms / 1000) + "." + String(String(ms % 1000 + 1000).dropFirst()).trimmingTrailingZeros
  }
}

extension String {
  fileprivate var trimmingTrailingZeros: String {
    var s = self
    while s.hasSuffix("0") { s.removeLast() }
    return s
  }
}

extension FidoStore {
  /// A change stream of transactions inserted with a pending alert: what
  /// `txn add` in queue mode and `txn import --sms` write.
  package func watchNewPendingSMS(maxAwaitMS: Int64) throws(FidoError) -> MongoChangeStream {
    try mongo { () throws(MongoError) in
      try transactions.watch(
        [["$match": ["operationType": "insert", "fullDocument.sms.status": "pending"]]],
        maxAwaitTimeMS: maxAwaitMS)
    }
  }
}
