import FidoCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A pthread mutex. ThreadSanitizer follows its ordering, where it does not
/// see the futex behind Synchronization's `Mutex` on Linux and reported the
/// writes it guards as races.
final class PosixLock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>

  init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }
}

/// A byte sink: a file descriptor, or a buffer in tests.
///
/// Every write is checked. The first failed write (disk full, a closed
/// descriptor) is remembered, everything after it is dropped, and `check()`
/// throws it as exit 74, so a list stops at its next record and `Fido.main`
/// reports it. A broken pipe (the reader went away, `fido … | head -1`) ends
/// fido at once and quietly, as SIGPIPE does to other Unix tools: by the
/// signal itself, or with status 141 when SIGPIPE is ignored.
///
/// Safe to use from several threads: the -v lines of libmongoc's and
/// libcurl's callbacks go to `io.err` from whichever thread logs, and a
/// lock keeps each write whole and in order with the command's own.
final class OutputStream: TextSink, @unchecked Sendable {
  private let fd: Int32?
  private let buffered: Bool
  /// Guards everything below.
  private let lock = PosixLock()
  private var buffer: [UInt8] = []
  private var capturedText: String = ""
  private var firstFailure: Int32?

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

  /// Everything written, when this stream captures (tests).
  var captured: String { lock.withLock { capturedText } }
  /// The errno of the first failed write; nil while every write succeeded.
  var failure: Int32? { lock.withLock { firstFailure } }

  func write(_ text: String) {
    lock.withLock {
      guard let fd else {
        capturedText += text
        return
      }
      if firstFailure != nil { return }
      buffer.append(contentsOf: text.utf8)
      if !buffered || buffer.count >= 64 * 1024 { flush(fd) }
    }
  }

  func write(utf8 bytes: [UInt8]) {
    lock.withLock {
      guard let fd else {
        capturedText += String(decoding: bytes, as: UTF8.self)
        return
      }
      if firstFailure != nil { return }
      buffer.append(contentsOf: bytes)
      if !buffered || buffer.count >= 64 * 1024 { flush(fd) }
    }
  }

  func flush() {
    lock.withLock { if let fd { flush(fd) } }
  }

  /// Throws the first failed write (exit 74), after flushing what is buffered.
  func check(_ name: String = "stdout") throws(FidoError) {
    flush()
    if let failure {
      throw .output("cannot write to \(name): \(CoreFile.describe(failure))")
    }
  }

  /// Writes the buffer out; called with the lock held.
  private func flush(_ fd: Int32) {
    defer { buffer.removeAll(keepingCapacity: true) }
    if firstFailure != nil { return }
    var offset = 0
    buffer.withUnsafeBytes { raw in
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 {
          let code = n < 0 ? errno : EIO
          if code == EPIPE { Self.brokenPipe() }
          firstFailure = code
          return
        }
        offset += n
      }
    }
  }

  /// The reader went away with SIGPIPE ignored (SIGPIPE's default action
  /// would have ended fido already): end as quietly, with the status a shell
  /// shows for a process killed by SIGPIPE.
  static func brokenPipe() -> Never {
    _exit(128 + SIGPIPE)
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

  /// All of stdin as bytes. A read error is exit 66, never an early end.
  func readAllStdin() throws(FidoError) -> [UInt8] {
    if let stdinText { return Array(stdinText.utf8) }
    var data = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, 65536) }
      if n < 0 && errno == EINTR { continue }
      if n < 0 { throw .noInput("cannot read stdin: \(CoreFile.describe(errno))") }
      if n == 0 { return data }
      data += chunk[0..<n]
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
