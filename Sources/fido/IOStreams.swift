import FidoCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A byte sink: a file descriptor, or a buffer in tests.
final class OutputStream: TextSink {
  private let fd: Int32?
  private let buffered: Bool
  private var buffer: [UInt8] = []
  /// Everything written, when this stream captures (tests).
  private(set) var captured: String = ""

  /// stdout is buffered (flushed at 64 KiB and at exit); stderr is not, so
  /// warnings, prompts and progress appear at once and in order.
  init(fd: Int32, buffered: Bool = true) {
    self.fd = fd
    self.buffered = buffered
  }
  init(capturing: ()) {
    self.fd = nil
    self.buffered = true
  }

  func write(_ text: String) {
    guard let fd else {
      captured += text
      return
    }
    buffer.append(contentsOf: text.utf8)
    if !buffered || buffer.count >= 64 * 1024 { flush(fd) }
  }

  func write(utf8 bytes: [UInt8]) {
    guard let fd else {
      captured += String(decoding: bytes, as: UTF8.self)
      return
    }
    buffer.append(contentsOf: bytes)
    if !buffered || buffer.count >= 64 * 1024 { flush(fd) }
  }

  func flush() { if let fd { flush(fd) } }

  private func flush(_ fd: Int32) {
    var offset = 0
    buffer.withUnsafeBytes { raw in
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n <= 0 {
          if n < 0 && errno == EINTR { continue }
          break  // EPIPE and friends: the reader went away; drop the rest.
        }
        offset += n
      }
    }
    buffer.removeAll(keepingCapacity: true)
  }
}

/// stdin/stdout/stderr plus what is known about the terminal.
final class IOStreams {
  let out: OutputStream
  let err: OutputStream
  let stdinIsTTY: Bool
  let stdoutIsTTY: Bool
  let stderrIsTTY: Bool
  /// stdout's terminal width (TIOCGWINSZ); nil when it is not a terminal.
  let terminalColumns: Int?
  /// Test input; nil means the process's real stdin.
  private var stdinText: String?

  init(
    out: OutputStream, err: OutputStream, stdinIsTTY: Bool, stdoutIsTTY: Bool, stderrIsTTY: Bool,
    terminalColumns: Int? = nil, stdinText: String? = nil
  ) {
    self.terminalColumns = terminalColumns
    self.out = out
    self.err = err
    self.stdinIsTTY = stdinIsTTY
    self.stdoutIsTTY = stdoutIsTTY
    self.stderrIsTTY = stderrIsTTY
    self.stdinText = stdinText
  }

  static func system() -> IOStreams {
    IOStreams(
      out: OutputStream(fd: 1), err: OutputStream(fd: 2, buffered: false),
      stdinIsTTY: isatty(0) == 1,
      stdoutIsTTY: isatty(1) == 1, stderrIsTTY: isatty(2) == 1, terminalColumns: windowColumns(1))
  }

  /// The column count of the terminal on `fd`, or nil.
  static func windowColumns(_ fd: Int32) -> Int? {
    var size = winsize()
    guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
  }

  static func test(stdoutTTY: Bool = false, stdinTTY: Bool = false, stdin: String = "") -> IOStreams
  {
    IOStreams(
      out: OutputStream(capturing: ()), err: OutputStream(capturing: ()), stdinIsTTY: stdinTTY,
      stdoutIsTTY: stdoutTTY, stderrIsTTY: false, stdinText: stdin)
  }

  /// All of stdin as bytes.
  func readAllStdin() -> [UInt8] {
    var data = [UInt8]()
    copyStdin { data += $0 }
    return data
  }

  /// Streams stdin in chunks (constant memory).
  func copyStdin(_ each: ([UInt8]) -> Void) {
    if let stdinText {
      each(Array(stdinText.utf8))
      return
    }
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, 65536) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      each(Array(chunk[0..<n]))
    }
  }

  /// One line from stdin (for prompts); nil at end of input.
  func readLine() -> String? {
    if stdinText != nil {
      guard let text = stdinText, !text.isEmpty else { return nil }
      let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
      stdinText = parts.count > 1 ? String(parts[1]) : ""
      return String(parts[0])
    }
    return Swift.readLine(strippingNewline: true)
  }

  func flush() {
    out.flush()
    err.flush()
  }
}

/// Writes raw bytes to fd 2 (used by the -v logger, which outlives no context).
@discardableResult
func writeStderr(_ pointer: UnsafeRawPointer, _ count: Int) -> Int {
  Glibc.write(2, pointer, count)
}
