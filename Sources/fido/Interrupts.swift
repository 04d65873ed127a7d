import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// How a run of fido ends: with an exit status, or by the signal that
/// interrupted a long command (an import) at a safe point.
enum Exit: Equatable {
  case status(Int32)
  case signal(Int32)

  /// The status a shell shows: 128 + the signal for a run a signal ended.
  var status: Int32 {
    switch self {
    case .status(let status): status
    case .signal(let sig): 128 + sig
    }
  }
}

/// SIGINT/SIGTERM during a long command (an import): remember the signal so
/// the command can stop at a safe point and return `Exit.signal` through
/// `Fido.main`, which ends fido by that signal as Unix tools do (the shell
/// sees 130 or 143) once its output is flushed and its clients closed.
enum Interrupts {
  private static let signal = Atomic<Int32>(0)

  static var received: Int32 { signal.load(ordering: .relaxed) }

  /// How a command that stopped because `received` turned nonzero ends.
  static var exit: Exit { .signal(received == 0 ? SIGTERM : received) }

  static func catchTerminationSignals() {
    let handler: @convention(c) (Int32) -> Void = { sig in
      Interrupts.signal.store(sig, ordering: .relaxed)
    }
    Glibc.signal(SIGINT, handler)
    Glibc.signal(SIGTERM, handler)
  }

  /// Tests: as if `sig` had arrived (0: as if none had).
  static func simulate(_ sig: Int32) { signal.store(sig, ordering: .relaxed) }

  /// Ends the process as `exit` says: with its status, or by its signal
  /// (the default action restored, the signal raised again).
  static func end(_ exit: Exit) -> Never {
    if case .signal(let sig) = exit {
      Glibc.signal(sig, SIG_DFL)
      raise(sig)
    }
    Glibc.exit(exit.status)
  }
}
