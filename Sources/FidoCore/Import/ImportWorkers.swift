#if canImport(Glibc)
  import Glibc
#endif

/// Writes batches through one `ImportWriter`, each one transaction. A batch
/// whose transaction MongoDB ended for its size or its lifetime (nothing of
/// it committed) is written as two halves, down to single lines, and the
/// batches after it are no larger than those halves. The single-worker
/// import and each worker of a parallel one write through one of these.
final class ImportBatcher {
  let writer: ImportWriter
  /// The largest batch to write next.
  private(set) var size: Int
  /// True once a batch was written in halves.
  private(set) var reduced = false

  init(writer: ImportWriter, size: Int) {
    self.writer = writer
    self.size = size
  }

  /// Writes `lines` as one batch, or in halves. `name` is the batch as
  /// messages name it; `resized` gets the new `size` when a batch is
  /// halved; `committed` gets each batch written, with what it inserted and
  /// skipped.
  func flush(
    _ lines: ArraySlice<ImportLine>, name: (ArraySlice<ImportLine>) -> String,
    resized: (Int) -> Void, committed: (ArraySlice<ImportLine>, Int, Int) -> Void
  ) throws(FidoError) {
    switch try writer.write(Array(lines), name: name(lines)) {
    case .tooLarge(let error):
      guard lines.count > 1 else { throw error }
      let half = (lines.count + 1) / 2
      size = min(size, half)
      reduced = true
      resized(size)
      try flush(lines.prefix(half), name: name, resized: resized, committed: committed)
      try flush(lines.dropFirst(half), name: name, resized: resized, committed: committed)
    case .written(let inserted, let skipped):
      committed(lines, inserted, skipped)
    }
  }
}

/// Which worker writes each user's lines (`--workers N`). All of a user's
/// lines go to one worker, so its balance, counters and history chain are
/// written by one connection in input order, and no two workers ever touch
/// the same user document. Users are dealt, most lines first, each to the
/// worker with the fewest lines so far (ties: the lower worker, the lower
/// id), which balances the lines better than a hash or first appearance
/// when a few users have most of them.
struct ImportPartition {
  let workers: Int
  private var of: [ObjectID: Int] = [:]
  /// Lines per worker.
  private(set) var loads: [Int]

  /// `loads`: lines per user.
  init(loads: [ObjectID: Int], workers: Int) {
    self.workers = max(1, workers)
    self.loads = Array(repeating: 0, count: self.workers)
    for (user, lines) in loads.sorted(by: {
      $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
    }) {
      let w = self.loads.indices.min {
        self.loads[$0] != self.loads[$1] ? self.loads[$0] < self.loads[$1] : $0 < $1
      }!
      of[user] = w
      self.loads[w] += lines
    }
  }

  /// The worker (0-based) of a user's lines; a user not counted goes to the first.
  func worker(of user: ObjectID) -> Int { of[user] ?? 0 }
}

/// The hand-over between the reader and the workers of a parallel import:
/// one first-in first-out lane per worker holding at most `capacity` lines
/// (so memory stays near workers × 2 × batch size: a lane and a batch in
/// flight each), the stop, the first failure, and what the workers
/// committed. A pthread mutex and condition variables, which ThreadSanitizer
/// follows.
final class ImportLanes: @unchecked Sendable {
  /// What the workers committed, together.
  struct Totals: Equatable {
    /// Lines of committed batches.
    var lines = 0
    var inserted = 0
    var skipped = 0
    var batches = 0
  }

  private let capacity: Int
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  /// Per lane: signalled when it holds what its worker waits for, or at the end.
  private let ready: UnsafeMutablePointer<pthread_cond_t>
  /// Signalled when a lane has room again, or a worker ended.
  private let room: UnsafeMutablePointer<pthread_cond_t>
  private var lanes: [[ImportLine]]
  /// Per lane: the lines its worker waits for (its batch size).
  private var wanted: [Int]
  private var finished = false
  private var stopFlag = false
  private var firstError: FidoError?
  private var running: Int
  private var sums = Totals()

  init(count: Int, capacity: Int) {
    self.capacity = max(1, capacity)
    lanes = Array(repeating: [], count: count)
    wanted = Array(repeating: 1, count: count)
    running = count
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    ready = .allocate(capacity: count)
    for i in 0..<count {
      (ready + i).initialize(to: pthread_cond_t())
      pthread_cond_init(ready + i, nil)
    }
    room = .allocate(capacity: 1)
    room.initialize(to: pthread_cond_t())
    pthread_cond_init(room, nil)
  }

  deinit {
    for i in 0..<lanes.count { pthread_cond_destroy(ready + i) }
    ready.deallocate()
    pthread_cond_destroy(room)
    room.deallocate()
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  private func locked<T>(_ body: () -> T) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return body()
  }

  /// Waits on `cond` at most 100 ms (the caller polls between waits).
  private func briefWait(_ cond: UnsafeMutablePointer<pthread_cond_t>) {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    ts.tv_nsec += 100_000_000
    if ts.tv_nsec >= 1_000_000_000 {
      ts.tv_sec += 1
      ts.tv_nsec -= 1_000_000_000
    }
    pthread_cond_timedwait(cond, mutex, &ts)
  }

  private func wakeAll() {
    for i in 0..<lanes.count { pthread_cond_signal(ready + i) }
    pthread_cond_broadcast(room)
  }

  // MARK: the reader

  /// Appends `line` to lane `lane`, waiting while it is full (`waiting` is
  /// run about every 100 ms meanwhile, outside the lock). False once the
  /// import is stopping: the line is not taken.
  func push(_ line: ImportLine, to lane: Int, waiting: () -> Void) -> Bool {
    pthread_mutex_lock(mutex)
    while lanes[lane].count >= capacity && !stopFlag {
      briefWait(room)
      if lanes[lane].count >= capacity && !stopFlag {
        pthread_mutex_unlock(mutex)
        waiting()
        pthread_mutex_lock(mutex)
      }
    }
    defer { pthread_mutex_unlock(mutex) }
    if stopFlag { return false }
    lanes[lane].append(line)
    if lanes[lane].count >= wanted[lane] { pthread_cond_signal(ready + lane) }
    return true
  }

  /// The end of the input: waits until every worker has ended, running
  /// `waiting` about every 100 ms meanwhile (outside the lock).
  func finish(waiting: () -> Void) {
    pthread_mutex_lock(mutex)
    finished = true
    wakeAll()
    while running > 0 {
      briefWait(room)
      if running > 0 {
        pthread_mutex_unlock(mutex)
        waiting()
        pthread_mutex_lock(mutex)
      }
    }
    pthread_mutex_unlock(mutex)
  }

  /// Stops the workers at their next batch boundary (a signal, a read error).
  func stop() {
    locked {
      stopFlag = true
      wakeAll()
    }
  }

  var stopped: Bool { locked { stopFlag } }
  var error: FidoError? { locked { firstError } }
  var totals: Totals { locked { sums } }

  // MARK: the workers

  /// Worker `lane`'s next batch: `max` lines, or fewer at the end of the
  /// input; nil at the end, or once the import is stopping (the lines
  /// still queued are not written).
  func take(_ lane: Int, max: Int) -> [ImportLine]? {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    wanted[lane] = Swift.min(max, capacity)
    while !stopFlag && !finished && lanes[lane].count < wanted[lane] {
      pthread_cond_wait(ready + lane, mutex)
    }
    if stopFlag || lanes[lane].isEmpty { return nil }
    let n = Swift.min(max, lanes[lane].count)
    let batch = Array(lanes[lane].prefix(n))
    lanes[lane].removeFirst(n)
    pthread_cond_broadcast(room)
    return batch
  }

  /// A batch a worker committed.
  func committed(lines: Int, inserted: Int, skipped: Int) {
    locked {
      sums.lines += lines
      sums.inserted += inserted
      sums.skipped += skipped
      sums.batches += 1
    }
  }

  /// A worker failed: the first failure is the import's; the others stop.
  func fail(_ error: FidoError) {
    locked {
      if firstError == nil { firstError = error }
      stopFlag = true
      wakeAll()
    }
  }

  /// A worker ended.
  func done() {
    locked {
      running -= 1
      pthread_cond_broadcast(room)
    }
  }
}

/// One worker of a parallel import: takes its lane's lines in batches and
/// writes them through its batcher (its own connection).
final class ImportWorker {
  /// 1-based, as messages name it.
  let index: Int
  let batcher: ImportBatcher
  let lanes: ImportLanes
  private var batches = 0

  init(index: Int, batcher: ImportBatcher, lanes: ImportLanes) {
    self.index = index
    self.batcher = batcher
    self.lanes = lanes
  }

  func run() {
    defer { lanes.done() }
    do throws(FidoError) {
      while let lines = lanes.take(index - 1, max: batcher.size) {
        try batcher.flush(
          lines[...],
          name: { lines in
            "worker \(index)'s batch \(batches + 1) (\(lines.count) line\(lines.count == 1 ? "" : "s") from line \(lines.first!.line) to \(lines.last!.line))"
          },
          resized: { _ in },
          committed: { lines, inserted, skipped in
            batches += 1
            lanes.committed(lines: lines.count, inserted: inserted, skipped: skipped)
          })
      }
    } catch {
      lanes.fail(error)
    }
  }
}

/// A value moved to another thread, which alone uses it until it is joined.
struct HandOff<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// A POSIX thread running `body`; `join` waits for it.
final class ImportThread {
  private var thread = pthread_t()

  private final class Body {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
  }

  /// nil when the system refuses another thread.
  init?(_ body: @escaping @Sendable () -> Void) {
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    let started = pthread_create(
      &thread, nil,
      { context in
        Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
        return nil
      }, context)
    if started != 0 {
      Unmanaged<Body>.fromOpaque(context).release()
      return nil
    }
  }

  func join() { pthread_join(thread, nil) }
}
