import FidoCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A byte sink: a file descriptor, or a buffer in tests.
final class OutputStream: TextSink {
  private let fd: Int32?
  private var buffer: [UInt8] = []
  /// Everything written, when this stream captures (tests).
  private(set) var captured: String = ""

  init(fd: Int32) { self.fd = fd }
  init(capturing: ()) { self.fd = nil }

  func write(_ text: String) {
    guard let fd else {
      captured += text
      return
    }
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= 64 * 1024 { flush(fd) }
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
  /// Test input; nil means the process's real stdin.
  private var stdinText: String?

  init(
    out: OutputStream, err: OutputStream, stdinIsTTY: Bool, stdoutIsTTY: Bool, stderrIsTTY: Bool,
    stdinText: String? = nil
  ) {
    self.out = out
    self.err = err
    self.stdinIsTTY = stdinIsTTY
    self.stdoutIsTTY = stdoutIsTTY
    self.stderrIsTTY = stderrIsTTY
    self.stdinText = stdinText
  }

  static func system() -> IOStreams {
    IOStreams(
      out: OutputStream(fd: 1), err: OutputStream(fd: 2), stdinIsTTY: isatty(0) == 1,
      stdoutIsTTY: isatty(1) == 1, stderrIsTTY: isatty(2) == 1)
  }

  static func test(stdoutTTY: Bool = false, stdinTTY: Bool = false, stdin: String = "") -> IOStreams {
    IOStreams(
      out: OutputStream(capturing: ()), err: OutputStream(capturing: ()), stdinIsTTY: stdinTTY,
      stdoutIsTTY: stdoutTTY, stderrIsTTY: false, stdinText: stdin)
  }

  /// All of stdin as bytes.
  func readAllStdin() -> [UInt8] {
    if let stdinText { return Array(stdinText.utf8) }
    var data = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, 65536) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      data.append(contentsOf: chunk[0..<n])
    }
    return data
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
