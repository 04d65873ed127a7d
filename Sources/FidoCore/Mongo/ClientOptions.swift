/// How to reach MongoDB. `timeoutMS` becomes serverSelectionTimeoutMS,
/// connectTimeoutMS and socketTimeoutMS unless the URI sets them.
public struct ClientOptions: Sendable {
  public var uri: String
  public var appName: String = "fido"
  public var timeoutMS: Int64 = 10_000
  /// The -v diagnostics sink (one line per call, no newline); nil = off.
  /// Lines never hold command bodies or the URI's password.
  public var log: (@Sendable (String) -> Void)?

  public init(
    uri: String, appName: String = "fido", timeoutMS: Int64 = 10_000,
    log: (@Sendable (String) -> Void)? = nil
  ) {
    self.uri = uri
    self.appName = appName
    self.timeoutMS = timeoutMS
    self.log = log
  }
}
