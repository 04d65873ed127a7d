/// Every failure fido reports. Each case carries a message that names the
/// problem and, where there is one, the fix. `fido/Fido.swift` is the only
/// place that prints one and picks the exit status.
public enum FidoError: Error, Equatable, Sendable {
  /// Unknown command or option, missing or extra argument (exit 2).
  case usage(String)
  /// User or transaction not found (exit 3).
  case notFound(String)
  /// Duplicate email, reused idempotency key, delete of a user with transactions (exit 4).
  case conflict(String)
  /// Invalid amount, date, email, phone, id, currency, import line (exit 65).
  case invalidData(String)
  /// MongoDB unreachable or timed out; libmongoc or libcrypto cannot be loaded (exit 69).
  case unavailable(String)
  /// Authentication or authorization refused, by MongoDB or Twilio (exit 77).
  case unauthorized(String)
  /// Malformed URI, env file, SMS settings (exit 78).
  case config(String)
  /// Anything else (exit 1).
  case failure(String)

  public var exitCode: Int32 {
    switch self {
    case .usage: 2
    case .notFound: 3
    case .conflict: 4
    case .invalidData: 65
    case .unavailable: 69
    case .unauthorized: 77
    case .config: 78
    case .failure: 1
    }
  }

  /// The stable `code` of the JSON error object.
  public var code: String {
    switch self {
    case .usage: "usage"
    case .notFound: "not_found"
    case .conflict: "conflict"
    case .invalidData: "invalid_data"
    case .unavailable: "unavailable"
    case .unauthorized: "unauthorized"
    case .config: "config"
    case .failure: "failure"
    }
  }

  public var message: String {
    switch self {
    case .usage(let m), .notFound(let m), .conflict(let m), .invalidData(let m),
      .unavailable(let m), .unauthorized(let m), .config(let m), .failure(let m):
      m
    }
  }
}

extension FidoError: CustomStringConvertible {
  public var description: String { message }
}
