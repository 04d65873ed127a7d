/// One HTTP request for `CurlEasy`. Credentials travel in `username` and
/// `password` (HTTP Basic, sent by libcurl), never in `url`.
public struct HTTPRequest: Sendable {
  public enum Method: String, Sendable {
    case get = "GET"
    case post = "POST"
  }

  public var method: Method
  public var url: String
  /// Extra header fields, in order.
  public var headers: [(name: String, value: String)]
  /// The request body; sent only for `.post`.
  public var body: [UInt8]
  public var username: String?
  public var password: String?
  /// Limit for name resolution, TCP connect and TLS handshake.
  public var connectTimeoutMS: Int64
  /// Limit for the whole transfer, connect included.
  public var timeoutMS: Int64

  public init(
    method: Method, url: String, headers: [(name: String, value: String)] = [],
    body: [UInt8] = [], username: String? = nil, password: String? = nil,
    connectTimeoutMS: Int64 = 10_000, timeoutMS: Int64 = 10_000
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.username = username
    self.password = password
    self.connectTimeoutMS = connectTimeoutMS
    self.timeoutMS = timeoutMS
  }
}
