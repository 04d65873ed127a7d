internal import CMongoc
import Synchronization

/// libmongoc and its process-wide state. fido does not link libmongoc: its
/// load and initialisation (OpenSSL, SASL, ICU, libmongocrypt…) cost about
/// 10 ms, which `--version`, `help` and `completion` should not pay. The
/// first `MongoClient` loads it (`DynamicLibrary`), runs `mongoc_init` and
/// silences its log; `main` calls `cleanup()` once at the end.
package enum MongoRuntime {
  /// The shared-object name of libmongoc 1.x (Debian's libmongoc-1.0-0 package).
  static let library = "libmongoc-1.0.so.0"

  /// nil until the first `api()`; then the loaded table, or why loading
  /// failed (not tried again: it would fail the same way).
  private static let state = Mutex<Result<fido_mongoc_api, MongoError>?>(nil)

  /// Loads and initialises libmongoc now rather than at the first client.
  /// A missing or broken library is an error of `MongoError.libraryDomain`
  /// (exit 69 once mapped).
  package static func initialize() throws(MongoError) {
    _ = try api()
  }

  /// Runs `mongoc_cleanup` if libmongoc was loaded. Call once, after the
  /// last client is gone; no libmongoc call may follow.
  package static func cleanup() {
    loaded?.cleanup()
  }

  /// libmongoc's entry points, loaded and initialised on the first call.
  static func api() throws(MongoError) -> fido_mongoc_api {
    try state.withLock { (state) throws(MongoError) -> fido_mongoc_api in
      if state == nil {
        state = Result { () throws(MongoError) -> fido_mongoc_api in try load() }
      }
      return try state!.get()
    }
  }

  /// The entry points if libmongoc is loaded, without loading it: for
  /// libmongoc's callbacks, which run only once a client exists.
  static var loaded: fido_mongoc_api? {
    state.withLock { try? $0?.get() }
  }

  private static func load() throws(MongoError) -> fido_mongoc_api {
    // libmongoc keeps its performance counters in /dev/shm/mongoc-PID unless
    // told not to. A process that dies without mongoc_cleanup (a signal, a
    // kill) leaves that file behind; the next process given the same PID then
    // warns "Falling back to malloc for counters" on stderr, during the load
    // itself, before any log handler can be set. fido reads no counters.
    setenv("MONGOC_DISABLE_SHM", "1", 1)
    let api: fido_mongoc_api
    do {
      api = try DynamicLibrary.load(library, names: fido_mongoc_symbols)
    } catch {
      throw MongoError(
        domain: MongoError.libraryDomain, code: 0,
        message:
          "\(error.message); fido needs libmongoc 1.x to reach MongoDB (Debian package libmongoc-1.0-0)"
      )
    }
    // Silenced before init, which may warn on stderr itself.
    silenceLibraryLog(api)
    api.`init`()
    return api
  }

  /// libmongoc's default log handler writes INFO and DEBUG lines to stdout,
  /// which carries only results, and warnings such as a failed best-effort
  /// abortTransaction to stderr. fido drops them; a client with a -v sink
  /// routes WARNING and above to it while it lives (`CommandMonitor`).
  static func silenceLibraryLog(_ api: fido_mongoc_api) {
    api.log_set_handler({ _, _, _, _ in }, nil)
  }
}
