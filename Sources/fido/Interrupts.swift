import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// SIGINT/SIGTERM during a long command (an import): remember the signal so
/// the command can stop at a safe point, then die by that signal as Unix
/// tools do (the shell sees 130 or 143).
enum Interrupts {
  private static let signal = Atomic<Int32>(0)

  static var received: Int32 { signal.load(ordering: .relaxed) }

  static func catchTerminationSignals() {
    let handler: @convention(c) (Int32) -> Void = { sig in
      Interrupts.signal.store(sig, ordering: .relaxed)
    }
    Glibc.signal(SIGINT, handler)
    Glibc.signal(SIGTERM, handler)
  }

  /// Restores the default action and raises the received signal again.
  static func resendAndDie() -> Never {
    let sig = received == 0 ? SIGTERM : received
    Glibc.signal(sig, SIG_DFL)
    raise(sig)
    exit(128 + sig)
  }
}
