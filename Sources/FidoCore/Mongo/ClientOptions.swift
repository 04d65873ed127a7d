/// How to reach MongoDB. `timeoutMS` becomes serverSelectionTimeoutMS,
/// connectTimeoutMS and socketTimeoutMS unless the URI sets them.
package struct ClientOptions: Sendable {
  /// The application name fido gives the server in its handshake (it shows
  /// in the server's logs, `$currentOp` and Atlas's profiler) unless the
  /// URI names one with `appname=`.
  package static let defaultAppName = "fido/\(FidoVersion.string)"

  package var uri: String
  package var appName: String = ClientOptions.defaultAppName
  package var timeoutMS: Int64 = 10_000
  /// The -v diagnostics sink (one line per call, no newline); nil = off.
  /// Lines never hold command bodies or the URI's password.
  package var log: (@Sendable (String) -> Void)?
  /// Whether libmongoc's own warnings go to `log` too. Its log handler is
  /// process-wide: with several clients on several threads (an import's
  /// workers), only the one that outlives the others may hold it, or a
  /// warning on one thread could reach a client another thread is freeing.
  package var routesLibraryLog = true

  package init(
    uri: String, appName: String = ClientOptions.defaultAppName, timeoutMS: Int64 = 10_000,
    log: (@Sendable (String) -> Void)? = nil
  ) {
    self.uri = uri
    self.appName = appName
    self.timeoutMS = timeoutMS
    self.log = log
  }
}
