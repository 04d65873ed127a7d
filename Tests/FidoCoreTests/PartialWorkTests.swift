import XCTest

@testable import FidoCore

/// What a command reports of the work it did before failing, no server.
final class PartialWorkTests: XCTestCase {
  func testImportWrittenSaysExactlyWhichBatchesAndLines() {
    var w = ImportWritten()
    w.planned = 3
    XCTAssertEqual(w.description, "written 0 of 3 batches")
    w.batches = 2
    w.firstLine = 1
    w.lastLine = 2000
    w.transactions = 1998
    XCTAssertEqual(w.description, "written 2 of 3 batches: lines 1–2000 (1998 transactions)")
    w = ImportWritten(planned: 1, batches: 1, firstLine: 4, lastLine: 4, transactions: 1)
    XCTAssertEqual(w.description, "written 1 of 1 batch: lines 4–4 (1 transaction)")
  }

  /// `now` is "no date" for idempotency keys: it differs at each run.
  func testNowSpellings() {
    for text in ["now", "NOW", "Now"] { XCTAssertTrue(FidoDate.isNow(text), text) }
    for text in ["nOw", " now", "2023-08-18", ""] { XCTAssertFalse(FidoDate.isNow(text), text) }
  }
}
