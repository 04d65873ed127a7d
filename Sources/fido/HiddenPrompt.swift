#if canImport(Glibc)
  import Glibc
#endif

/// A line read from the terminal on stdin without echo (a password). Echo
/// is restored on every way out: the end of the line, end of input, an
/// error, and SIGINT, SIGTERM or SIGHUP (restored by the handler, which then
/// dies by the signal as the default action would: the shell sees 130).
enum HiddenPrompt {
  /// The terminal's settings before echo was turned off; read by the handler.
  nonisolated(unsafe) private static var saved = termios()
  nonisolated(unsafe) private static var active: sig_atomic_t = 0
  private static let signals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

  /// Writes `prompt` on stderr and reads one line from fd 0 with echo off;
  /// nil at end of input. The newline is not part of the result; the caller
  /// wipes the bytes when done.
  static func read(prompt: String, io: IOStreams) -> [UInt8]? {
    io.out.flush()
    io.err.write(prompt)
    io.err.flush()
    guard tcgetattr(0, &saved) == 0 else { return readLine() }
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL)
    var previous: [Int32: sigaction] = [:]
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { sig in
      if HiddenPrompt.active != 0 { tcsetattr(0, TCSAFLUSH, &HiddenPrompt.saved) }
      let newline: [UInt8] = [0x0A]
      _ = newline.withUnsafeBytes { Glibc.write(2, $0.baseAddress, 1) }
      Glibc.signal(sig, SIG_DFL)
      raise(sig)
    }
    sigemptyset(&action.sa_mask)
    for sig in signals {
      var old = sigaction()
      sigaction(sig, &action, &old)
      previous[sig] = old
    }
    active = 1
    tcsetattr(0, TCSAFLUSH, &quiet)
    defer {
      tcsetattr(0, TCSAFLUSH, &saved)
      active = 0
      for sig in signals { if var old = previous[sig] { sigaction(sig, &old, nil) } }
      io.err.write("\n")  // the user's Enter was not echoed
    }
    return readLine()
  }

  /// Bytes from fd 0 up to a newline (not included) or the end of input.
  private static func readLine() -> [UInt8]? {
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while true {
      let n = Glibc.read(0, &byte, 1)
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return line.isEmpty ? nil : line }
      if byte == 0x0A { return line }
      line.append(byte)
    }
  }
}
