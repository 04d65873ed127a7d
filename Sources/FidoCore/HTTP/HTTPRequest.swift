/// One HTTP request for `CurlEasy`. Credentials travel in `username` and
/// `password` (HTTP Basic, sent by libcurl), never in `url`.
package struct HTTPRequest: Sendable {
  package enum Method: String, Sendable {
    case get = "GET"
    case post = "POST"
  }

  package var method: Method
  package var url: String
  /// Extra header fields, in order.
  package var headers: [(name: String, value: String)]
  /// The request body; sent only for `.post`.
  package var body: [UInt8]
  package var username: String?
  package var password: String?
  /// Limit for name resolution, TCP connect and TLS handshake.
  package var connectTimeoutMS: Int64
  /// Limit for the whole transfer, connect included.
  package var timeoutMS: Int64

  package init(
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
