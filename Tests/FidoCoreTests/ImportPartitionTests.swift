import XCTest

@testable import FidoCore

/// `txn import --workers N` without a server: the partition gives each
/// user's lines to one worker, the lanes hand each worker its lines in
/// input order, in batches, and a stop ends every worker at its batch
/// boundary.
final class ImportPartitionTests: XCTestCase {
  func users(_ n: Int) -> [ObjectID] {
    let ids = ObjectIDGenerator()
    return (0..<n).map { _ in ids.next(nowMs: 1_700_000_000_000) }
  }

  func line(_ n: Int, _ user: ObjectID) -> ImportLine {
    ImportLine(
      line: n, user: user, amount: 1, type: .credit, date: 0, dateGiven: false, key: "k\(n)")
  }

  /// Lines over `users`, skewed towards the first ones, reproducibly.
  func input(_ count: Int, users: [ObjectID]) -> [ImportLine] {
    var state: UInt64 = 12345
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int(state >> 33)
    }
    return (1...count).map { n in
      line(n, users[min(next() % users.count, next() % users.count)])
    }
  }

  func testEachUserHasOneWorkerAndTheLoadIsBalanced() {
    let us = users(50)
    let lines = input(5_000, users: us)
    var counts: [ObjectID: Int] = [:]
    for l in lines { counts[l.user, default: 0] += 1 }
    for workers in [1, 2, 3, 4, 16] {
      let p = ImportPartition(loads: counts, workers: workers)
      XCTAssertEqual(p.loads.count, workers)
      XCTAssertEqual(p.loads.reduce(0, +), 5_000)
      for u in us { XCTAssertTrue((0..<workers).contains(p.worker(of: u))) }
      // Dealt largest first: no worker is more than one user's lines
      // above another.
      XCTAssertLessThanOrEqual(
        p.loads.max()! - p.loads.min()!, counts.values.max()!, "\(workers): \(p.loads)")
      // The same input, the same partition.
      let again = ImportPartition(loads: counts, workers: workers)
      for u in us { XCTAssertEqual(p.worker(of: u), again.worker(of: u)) }
    }
    // One very busy user: a worker of its own.
    var skewed = counts
    skewed[us[7]] = 100_000
    let p = ImportPartition(loads: skewed, workers: 3)
    XCTAssertEqual(p.loads[p.worker(of: us[7])], 100_000)
  }

  /// Three consumer threads take batches from the lanes while this thread
  /// pushes: every line arrives once, at its user's worker, each user's
  /// lines in input order, in batches of at most the size asked (full ones
  /// but the last of each worker); a lane never holds more than its capacity.
  func testLanesDeliverEachUsersLinesToOneWorkerInOrder() {
    let us = users(40)
    let lines = input(3_000, users: us)
    var counts: [ObjectID: Int] = [:]
    for l in lines { counts[l.user, default: 0] += 1 }
    let partition = ImportPartition(loads: counts, workers: 3)
    let lanes = ImportLanes(count: 3, capacity: 25)
    // Each thread keeps its own batches; they are read after the joins.
    // (Not a Synchronization.Mutex: ThreadSanitizer cannot see its futex.)
    let got = (0..<3).map { _ in Received() }
    var threads: [ImportThread] = []
    for w in 0..<3 {
      threads.append(
        ImportThread {
          while let batch = lanes.take(w, max: 25) {
            got[w].batches.append(batch.map(\.line))
            lanes.committed(lines: batch.count, inserted: batch.count, skipped: 0)
          }
          lanes.done()
        }!)
    }
    for l in lines {
      XCTAssertTrue(lanes.push(l, to: partition.worker(of: l.user), waiting: {}))
    }
    lanes.finish(waiting: {})
    for t in threads { t.join() }
    let batches = got.map(\.batches)
    let byLine = Dictionary(uniqueKeysWithValues: lines.map { ($0.line, $0) })
    var seen: [Int] = []
    for w in 0..<3 {
      for (i, b) in batches[w].enumerated() {
        XCTAssertLessThanOrEqual(b.count, 25)
        if i < batches[w].count - 1 { XCTAssertEqual(b.count, 25, "only the last is short") }
      }
      let mine = batches[w].flatMap { $0 }
      XCTAssertEqual(mine, mine.sorted(), "worker \(w) writes its lines in input order")
      for n in mine { XCTAssertEqual(partition.worker(of: byLine[n]!.user), w) }
      seen += mine
    }
    XCTAssertEqual(seen.sorted(), Array(1...3_000), "every line once")
    XCTAssertEqual(lanes.totals.lines, 3_000)
    XCTAssertEqual(lanes.totals.batches, batches.map(\.count).reduce(0, +))
    XCTAssertNil(lanes.error)
    XCTAssertFalse(lanes.stopped)
  }

  /// A failure stops the other workers at their next take, and the reader
  /// at its next push; the first failure is the one kept.
  func testAFailureStopsEveryWorkerAndTheReader() {
    let us = users(2)
    let lanes = ImportLanes(count: 2, capacity: 3)
    for n in 1...3 { XCTAssertTrue(lanes.push(line(n, us[0]), to: 0, waiting: {})) }
    XCTAssertEqual(lanes.take(0, max: 3)?.map(\.line), [1, 2, 3])
    lanes.fail(.notFound("gone"))
    lanes.fail(.failure("later"))
    XCTAssertNil(lanes.take(1, max: 3))
    XCTAssertFalse(lanes.push(line(4, us[1]), to: 1, waiting: {}))
    XCTAssertEqual(lanes.error, .notFound("gone"))
    XCTAssertTrue(lanes.stopped)
  }

  /// A full lane makes the reader wait, polling (`waiting`), until its
  /// worker takes a batch; a stop from the poll (a signal) releases it.
  func testAFullLaneBlocksTheReaderUntilStopped() {
    let us = users(1)
    let lanes = ImportLanes(count: 1, capacity: 2)
    XCTAssertTrue(lanes.push(line(1, us[0]), to: 0, waiting: {}))
    XCTAssertTrue(lanes.push(line(2, us[0]), to: 0, waiting: {}))
    var polls = 0
    let pushed = lanes.push(line(3, us[0]), to: 0) {
      polls += 1
      if polls == 3 { lanes.stop() }
    }
    XCTAssertFalse(pushed)
    XCTAssertEqual(polls, 3)
    XCTAssertNil(lanes.take(0, max: 2), "stopped: the queued lines are not written")
  }
}

/// One consumer thread's batches (line numbers), written only by that thread.
private final class Received: @unchecked Sendable {
  var batches: [[Int]] = []
}
