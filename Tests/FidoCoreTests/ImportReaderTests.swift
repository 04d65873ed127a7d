import Foundation
import XCTest

@testable import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

/// The import's readers: a read error is an error, never an early end; a
/// line past 1 MiB is a bad line and ends the reading; a bad CSV header is
/// reported alone.
final class ImportReaderTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-reader-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() {
    if let dir { try? FileManager.default.removeItem(at: dir) }
  }

  func file(_ name: String, _ bytes: [UInt8]) -> String {
    let path = dir.appendingPathComponent(name).path
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
  }

  func records(_ reader: RecordReader) throws -> [Result<ImportRecord, ImportLineError>] {
    var out: [Result<ImportRecord, ImportLineError>] = []
    while let r = try reader.next() { out.append(r) }
    return out
  }

  /// The master side of a pseudo-terminal whose other side wrote `text` and
  /// closed: reading it yields the text, then fails with EIO, a real read
  /// error part-way through an input.
  func ptyThatFailsAfter(_ text: String) throws -> Int32 {
    // posix_openpt and friends are in libc but not in Swift's Glibc module.
    func libc<T>(_ name: String, _ type: T.Type) throws -> T {
      guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
        throw XCTSkip("no \(name) in libc")
      }
      return unsafeBitCast(sym, to: type)
    }
    typealias FdCall = @convention(c) (Int32) -> Int32
    let openpt = try libc("posix_openpt", FdCall.self)
    let grant = try libc("grantpt", FdCall.self)
    let unlock = try libc("unlockpt", FdCall.self)
    let ptsname = try libc(
      "ptsname", (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)
    let master = openpt(O_RDWR | O_NOCTTY)
    guard master >= 0, grant(master) == 0, unlock(master) == 0, let name = ptsname(master)
    else { throw XCTSkip("no pseudo-terminals here") }
    let slave = open(name, O_RDWR | O_NOCTTY)
    guard slave >= 0 else { throw XCTSkip("cannot open \(String(cString: name))") }
    var tio = termios()
    tcgetattr(slave, &tio)
    cfmakeraw(&tio)
    tcsetattr(slave, TCSANOW, &tio)
    let bytes = Array(text.utf8)
    XCTAssertEqual(write(slave, bytes, bytes.count), bytes.count)
    close(slave)
    return master
  }

  func testAReadErrorPartWayIsThrownNamingTheFileAndLine() throws {
    let master = try ptyThatFailsAfter(
      "{\"user\":\"a@example.com\",\"amount\":\"1\",\"type\":\"credit\"}\n"
        + "{\"user\":\"a@example.com\",\"amount\":\"2\",\"type\":\"credit\"}\n")
    let reader = RecordReader(lines: LineReader(fd: master, name: "in.ndjson"), format: .ndjson)
    XCTAssertEqual(try reader.next().map { try $0.get().line }, 1)
    XCTAssertEqual(try reader.next().map { try $0.get().line }, 2)
    XCTAssertThrowsError(try reader.next()) { error in
      XCTAssertEqual((error as? FidoError)?.exitCode, 66)
      XCTAssertTrue(
        "\(error)".hasPrefix("cannot read in.ndjson at line 3: input/output error"), "\(error)")
    }
    XCTAssertNil(try reader.next(), "nothing after the error")
  }

  func testReadingADirectoryIsAnErrorNotAnEmptyFile() throws {
    let lines = try LineReader(path: dir.path)
    XCTAssertThrowsError(try lines.next()) { error in
      XCTAssertEqual((error as? FidoError)?.exitCode, 66)
      XCTAssertTrue("\(error)".contains("at line 1: is a directory"), "\(error)")
    }
  }

  func testAMissingFileIsNoInput() {
    XCTAssertThrowsError(try LineReader(path: dir.appendingPathComponent("none").path)) { error in
      XCTAssertEqual((error as? FidoError)?.exitCode, 66)
    }
  }

  func testLinesUpTo1MiBAreReadAndLongerOnesStopTheReader() throws {
    let max = LineReader.maxLineBytes
    XCTAssertEqual(max, 1_048_576)
    let exact = [UInt8](repeating: 0x61, count: max)
    let over = [UInt8](repeating: 0x62, count: max + 1)
    let path = file(
      "long", exact + [0x0D, 0x0A] + Array("short\n".utf8) + over + Array("\nafter\n".utf8))
    let lines = try LineReader(path: path)
    XCTAssertEqual(try lines.next(), .bytes(exact), "exactly 1 MiB, its CRLF not counted")
    XCTAssertEqual(try lines.next(), .bytes(Array("short".utf8)))
    XCTAssertEqual(try lines.next(), .tooLong)
    XCTAssertEqual(lines.lineNumber, 3)
    XCTAssertNil(try lines.next(), "the reader stops at a line too long")
  }

  func testDevZeroIsOneLineTooLongInBoundedMemory() throws {
    guard FileManager.default.fileExists(atPath: "/dev/zero") else { throw XCTSkip("no /dev/zero") }
    let lines = try LineReader(path: "/dev/zero")
    XCTAssertEqual(try lines.next(), .tooLong)
    XCTAssertLessThan(lines.bytesRead, Int64(LineReader.maxLineBytes + 128 * 1024))
    XCTAssertNil(try lines.next())
  }

  func testALineTooLongIsABadLineNamingIt() throws {
    let ok = "{\"user\":\"a@example.com\",\"amount\":\"1\",\"type\":\"credit\"}\n"
    let long = "{\"user\":\"" + String(repeating: "x", count: LineReader.maxLineBytes) + "\"}\n"
    let reader = try RecordReader(
      path: file("l.ndjson", Array((ok + long + ok).utf8)), format: .ndjson)
    let all = try records(reader)
    XCTAssertEqual(all.count, 2)
    guard case .failure(let e) = all[1] else { return XCTFail("\(all)") }
    XCTAssertEqual(e.line, 2)
    XCTAssertTrue(e.reason.hasPrefix("longer than 1 MiB"), e.reason)
  }

  /// An NDJSON field of the wrong JSON type is named with what it may hold:
  /// an amount a string or a number, the others a string.
  func testAFieldOfTheWrongJSONTypeSaysWhatItMayHold() throws {
    let lines = [
      #"{"user":"a@example.com","amount":21.5,"type":"credit"}"#,
      #"{"user":"a@example.com","amount":true,"type":"credit"}"#,
      #"{"user":"a@example.com","amount":["1"],"type":"credit"}"#,
      #"{"user":5,"amount":"1","type":"credit"}"#,
      #"{"user":"a@example.com","amount":"1","type":1}"#,
      #"{"user":"a@example.com","amount":"1","type":"credit","date":20230818}"#,
      #"{"user":"a@example.com","amount":"1","type":"credit","key":{}}"#,
    ]
    let text = lines.joined(separator: "\n") + "\n"
    let all = try records(
      try RecordReader(path: file("t.ndjson", Array(text.utf8)), format: .ndjson))
    guard case .success(let first) = all.first else { return XCTFail("\(all)") }
    XCTAssertEqual(first.fields["amount"], .number("21.5"))
    let reasons = all.dropFirst().map { r -> String in
      if case .failure(let e) = r { return "\(e.line): \(e.reason)" }
      return "accepted"
    }
    XCTAssertEqual(
      reasons,
      [
        #"2: field 'amount' must be a string or a number, e.g. "21.50" or 21.50"#,
        #"3: field 'amount' must be a string or a number, e.g. "21.50" or 21.50"#,
        "4: field 'user' must be a string (the user's id or email)",
        "5: field 'type' must be a string (credit or debit)",
        "6: field 'date' must be a string such as 2023-08-18T15:30:00Z",
        "7: field 'key' must be a string",
      ])
  }

  func testACSVRecordSpanningLinesIsBoundedToo() throws {
    let piece = String(repeating: "y", count: 600_000)
    let text = "user,amount,type\n\"\(piece)\n\(piece)\",1,credit\n"
    let all = try records(try RecordReader(path: file("q.csv", Array(text.utf8)), format: .csv))
    XCTAssertEqual(all.count, 1)
    guard case .failure(let e) = all[0] else { return XCTFail("\(all)") }
    XCTAssertEqual(e.line, 2, "named by its first line")
    XCTAssertTrue(e.reason.hasPrefix("longer than 1 MiB"), e.reason)
  }

  func testABadCSVHeaderIsReportedAloneNotTheRowsAfterIt() throws {
    for header in [
      "usr,amount,type", "user,amount,amount,type", "user,amount", "\"user\"x,amount,type",
    ] {
      let text = "\(header)\na@example.com,1,credit\nb@example.com,2,debit\n"
      let all = try records(try RecordReader(path: file("h.csv", Array(text.utf8)), format: .csv))
      XCTAssertEqual(all.count, 1, "\(header): \(all)")
      guard case .failure(let e) = all.first else { return XCTFail("\(header): \(all)") }
      XCTAssertEqual(e.line, 1, header)
    }
    // A good header still reads every row, bad ones included.
    let text = "user,amount,type\na@example.com,1,credit\n\"x\"y,1,credit\nb@example.com,2,debit\n"
    let all = try records(try RecordReader(path: file("g.csv", Array(text.utf8)), format: .csv))
    XCTAssertEqual(all.count, 3)
    XCTAssertEqual(all.map { if case .failure(let e) = $0 { e.line } else { 0 } }, [0, 3, 0])
  }
}
