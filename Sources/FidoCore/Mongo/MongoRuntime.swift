internal import CMongoc

/// libmongoc's process-wide state. `main` calls `initialize()` once before the
/// first client and `cleanup()` once after the last client is gone.
public enum MongoRuntime {
  public static func initialize() {
    mongoc_init()
    silenceLibraryLog()
  }

  public static func cleanup() {
    mongoc_cleanup()
  }

  /// libmongoc's default log handler writes INFO and DEBUG lines to stdout,
  /// which carries only results, and warnings such as a failed best-effort
  /// abortTransaction to stderr. fido drops them; a client with a -v sink
  /// routes WARNING and above to it while it lives (`CommandMonitor`).
  static func silenceLibraryLog() {
    mongoc_log_set_handler({ _, _, _, _ in }, nil)
  }
}
