import FidoCore
import XCTest

@testable import fido

#if canImport(Glibc)
  import Glibc
#endif

/// Writes to stdout are checked: a full disk is exit 74 with one line on
/// stderr, and a streamed list stops at the first failed write.
final class OutputFailureTests: XCTestCase {
  private func devFull() throws -> Int32 {
    let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
    if fd < 0 { throw XCTSkip("no /dev/full on this system") }
    return fd
  }

  func testAFailedFlushAtExitIsExit74WithOneLine() throws {
    let fd = try devFull()
    defer { close(fd) }
    let io = IOStreams(
      out: OutputStream(fd: fd), err: OutputStream(capturing: ()), stdinIsTTY: false,
      stdoutIsTTY: false, stderrIsTTY: false)
    // `--version` fits the buffer: only the flush at exit can fail.
    let status = Fido.main(["--version"], io: io, environment: [:])
    XCTAssertEqual(status, .status(74))
    XCTAssertEqual(
      io.err.captured, "fido: error: cannot write to stdout: no space left on device\n")
  }

  func testAStreamedListStopsAtTheFirstFailedWrite() throws {
    let fd = try devFull()
    defer { close(fd) }
    let out = OutputStream(fd: fd)
    let list = OutputList(
      ListRenderer(options: RenderOptions(format: .csv), sink: out), out: out)
    let record = OutObject([("id", .string(String(repeating: "a", count: 100)))])
    var written = 0
    var failure: FidoError?
    do throws(FidoError) {
      for _ in 0..<100_000 {
        try list.write(record)
        written += 1
      }
      try list.finish()
    } catch {
      failure = error
    }
    XCTAssertEqual(failure?.exitCode, 74)
    // The record whose row fills the 64 KiB buffer makes the flush that
    // fails; its write throws and the list takes no other.
    func size(_ n: Int) -> Int {
      let sink = OutputStream(capturing: ())
      Render.list(
        Array(repeating: record, count: n), options: RenderOptions(format: .csv), sink: sink)
      return sink.captured.utf8.count
    }
    let row = size(2) - size(1)
    let header = size(1) - row
    let filling = (64 * 1024 - header + row - 1) / row
    XCTAssertEqual(written, filling - 1, "stops at the failed flush")
  }
}
