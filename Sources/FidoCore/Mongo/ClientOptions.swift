/// How to reach MongoDB. `timeoutMS` becomes serverSelectionTimeoutMS,
/// connectTimeoutMS and socketTimeoutMS unless the URI sets them.
public struct ClientOptions: Sendable {
  /// The application name fido gives the server in its handshake (it shows
  /// in the server's logs, `$currentOp` and Atlas's profiler) unless the
  /// URI names one with `appname=`.
  public static let defaultAppName = "fido/\(FidoVersion.string)"

  public var uri: String
  public var appName: String = ClientOptions.defaultAppName
  public var timeoutMS: Int64 = 10_000
  /// The -v diagnostics sink (one line per call, no newline); nil = off.
  /// Lines never hold command bodies or the URI's password.
  public var log: (@Sendable (String) -> Void)?

  public init(
    uri: String, appName: String = ClientOptions.defaultAppName, timeoutMS: Int64 = 10_000,
    log: (@Sendable (String) -> Void)? = nil
  ) {
    self.uri = uri
    self.appName = appName
    self.timeoutMS = timeoutMS
    self.log = log
  }
}
