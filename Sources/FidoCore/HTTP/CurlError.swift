internal import CCurl

/// A libcurl failure as a value, built in one place from the `CURLcode` and
/// what libcurl reports it wrote to the socket. HTTP statuses are not errors
/// here: they belong to the caller (the Twilio client).
///
/// `requestMaySent` answers the one question a non-idempotent caller has:
/// could the server have received the whole request? The rule:
///
/// 1. Codes that libcurl only returns before it writes any request byte
///    (URL or option problems, name resolution, TCP connect, TLS handshake and
///    certificate checks) are never sent.
/// 2. For every other code (timeouts, send/receive errors, an empty or
///    malformed reply, …) the request may have been sent exactly when libcurl
///    handed the complete request to the socket: for a request with a body,
///    `CURLINFO_SIZE_UPLOAD_T` reached the body length (the body follows the
///    headers); without a body, `CURLINFO_REQUEST_SIZE` is above zero. A
///    request cut short cannot have been acted on: the server waits for
///    `Content-Length` bytes. So a timeout while connecting counts as not sent,
///    and a timeout while waiting for the answer counts as maybe sent.
///
/// "Handed to the socket" does not mean "received", so `true` means "maybe",
/// never "surely".
package enum CurlError: Error, Sendable, Equatable {
  /// The request could not be set up: malformed URL, unsupported scheme, an
  /// option libcurl refused, no memory for a handle. Nothing was sent.
  case setup(code: Int, message: String)
  /// The host name (or proxy name) did not resolve. Nothing was sent.
  case resolve(code: Int, message: String)
  /// The TCP connection was refused or the host is unreachable. Nothing was sent.
  case connect(code: Int, message: String)
  /// The TLS handshake or the certificate check failed. Nothing was sent.
  case tls(code: Int, message: String)
  /// `CONNECTTIMEOUT_MS` or `TIMEOUT_MS` ran out.
  case timedOut(code: Int, message: String, requestMaySent: Bool)
  /// The connection failed while sending or receiving, or the server closed
  /// it without an answer, or answered with something that is not HTTP.
  case transfer(code: Int, message: String, requestMaySent: Bool)

  /// Whether the server may have received the complete request (see the type's rule).
  package var requestMaySent: Bool {
    switch self {
    case .setup, .resolve, .connect, .tls: false
    case .timedOut(_, _, let sent), .transfer(_, _, let sent): sent
    }
  }

  /// The `CURLcode` value.
  package var code: Int {
    switch self {
    case .setup(let c, _), .resolve(let c, _), .connect(let c, _), .tls(let c, _),
      .timedOut(let c, _, _), .transfer(let c, _, _):
      c
    }
  }

  /// libcurl's detail message, or its description of the code. It holds no
  /// credentials: fido never puts them in a URL.
  package var message: String {
    switch self {
    case .setup(_, let m), .resolve(_, let m), .connect(_, let m), .tls(_, let m),
      .timedOut(_, let m, _), .transfer(_, let m, _):
      m
    }
  }
}

extension CurlError: CustomStringConvertible {
  package var description: String { message }
}

extension CurlError {
  /// The one mapping from a `CURLcode` to a `CurlError`. `requestWritten` is
  /// the second half of the rule above, measured by the caller after the transfer.
  init(code: CURLcode, detail: String, requestWritten: Bool) {
    let raw = Int(code.rawValue)
    let text = detail.isEmpty ? "libcurl error \(code.rawValue)" : detail
    switch code {
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_FAILED_INIT, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN,
      CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_SETOPT_OPTION_SYNTAX,
      CURLE_INTERFACE_FAILED, CURLE_RECURSIVE_API_CALL:
      self = .setup(code: raw, message: text)
    case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST:
      self = .resolve(code: raw, message: text)
    case CURLE_COULDNT_CONNECT, CURLE_PROXY, CURLE_NO_CONNECTION_AVAILABLE:
      self = .connect(code: raw, message: text)
    case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
      CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
      CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_ENGINE_NOTFOUND,
      CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CLIENTCERT,
      CURLE_USE_SSL_FAILED, CURLE_QUIC_CONNECT_ERROR:
      self = .tls(code: raw, message: text)
    case CURLE_OPERATION_TIMEDOUT:
      self = .timedOut(code: raw, message: text, requestMaySent: requestWritten)
    default:
      self = .transfer(code: raw, message: text, requestMaySent: requestWritten)
    }
  }
}
