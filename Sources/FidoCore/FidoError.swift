/// Every failure fido reports. Each case carries a message that names the
/// problem and, where there is one, the fix. `fido/Fido.swift` is the only
/// place that prints one and picks the exit status.
package enum FidoError: Error, Equatable, Sendable {
  /// Unknown command or option, missing or extra argument (exit 2).
  case usage(String)
  /// User or transaction not found (exit 3).
  case notFound(String)
  /// Duplicate email, reused idempotency key, delete of a user with transactions (exit 4).
  case conflict(String)
  /// The operator declined a confirmation prompt; nothing was changed (exit 5).
  case cancelled(String)
  /// Invalid amount, date, email, phone, id, currency, import line; a figure
  /// past the money limit; a stored document fido cannot read (exit 65).
  case invalidData(String)
  /// An input file missing, unreadable, or not a regular file or stream;
  /// a read that failed (exit 66).
  case noInput(String)
  /// Output could not be written: disk full, closed stdout (exit 74).
  case output(String)
  /// The server may have applied the change; the message says how to check (exit 75).
  case outcomeUnknown(String)
  /// MongoDB unreachable or timed out; libmongoc or libcrypto cannot be loaded (exit 69).
  case unavailable(String)
  /// Authentication or authorization refused, by MongoDB or Twilio (exit 77).
  case unauthorized(String)
  /// Malformed URI, env file, SMS settings (exit 78).
  case config(String)
  /// Anything else (exit 1).
  case failure(String)

  package var exitCode: Int32 {
    switch self {
    case .usage: 2
    case .notFound: 3
    case .conflict: 4
    case .cancelled: 5
    case .invalidData: 65
    case .noInput: 66
    case .output: 74
    case .outcomeUnknown: 75
    case .unavailable: 69
    case .unauthorized: 77
    case .config: 78
    case .failure: 1
    }
  }

  /// The stable `code` of the JSON error object.
  package var code: String {
    switch self {
    case .usage: "usage"
    case .notFound: "not_found"
    case .conflict: "conflict"
    case .cancelled: "cancelled"
    case .invalidData: "invalid_data"
    case .noInput: "no_input"
    case .output: "output"
    case .outcomeUnknown: "outcome_unknown"
    case .unavailable: "unavailable"
    case .unauthorized: "unauthorized"
    case .config: "config"
    case .failure: "failure"
    }
  }

  package var message: String {
    switch self {
    case .usage(let m), .notFound(let m), .conflict(let m), .cancelled(let m), .invalidData(let m),
      .noInput(let m),
      .output(let m), .outcomeUnknown(let m), .unavailable(let m), .unauthorized(let m),
      .config(let m), .failure(let m):
      m
    }
  }
}

extension FidoError: CustomStringConvertible {
  package var description: String { message }
}

/// Every exit status fido documents, once: help, the man page and the
/// README's table are rendered from or checked against this list.
package enum ExitStatus {
  package struct Entry: Sendable {
    package let codes: String
    package let name: String
    package let meaning: String
  }

  package static let all: [Entry] = [
    Entry(codes: "0", name: "success", meaning: "Success."),
    Entry(
      codes: "1", name: "failure",
      meaning:
        "A failure not covered below (a bug if it ever happens on valid input); db check and audit verify also exit 1 while drift or a broken record remains, db check --repair while orphan transactions remain."
    ),
    Entry(
      codes: "2", name: "usage",
      meaning:
        "Usage: unknown command or option, missing or extra argument, a single-valued option given twice, a value outside an option's allowed set, a destructive command without --yes when stdin is not a terminal."
    ),
    Entry(codes: "3", name: "not found", meaning: "Not found: user, transaction."),
    Entry(
      codes: "4", name: "conflict",
      meaning:
        "Conflict: duplicate email, idempotency key reused with other data, delete of a user with transactions, an index of fido's name with other options (db init, doctor)."
    ),
    Entry(
      codes: "5", name: "cancelled",
      meaning:
        "Cancelled: the operator declined a destructive command's prompt; nothing was changed. Not 1 (kept for failures), not 2 (a mistake in the command line): a script can tell that a person said no."
    ),
    Entry(
      codes: "65", name: "invalid data",
      meaning:
        "Invalid data: amount, date, email, phone, id, currency, import line, an amount or total past the money limit, a stored document fido cannot read (lists print the readable ones first; db check, with or without --repair, while such documents remain)."
    ),
    Entry(
      codes: "66", name: "no input",
      meaning:
        "An input file is missing, unreadable, or not a regular file or stream, or a read of it failed (the message names the file and line)."
    ),
    Entry(
      codes: "69", name: "unavailable",
      meaning:
        "Service unavailable: MongoDB unreachable or timed out, or libmongoc or libcrypto (loaded when a command first needs them) missing or broken."
    ),
    Entry(
      codes: "74", name: "output error",
      meaning:
        "Output could not be written (disk full, closed stdout); a broken pipe (| head) ends fido silently with status 141, as SIGPIPE does."
    ),
    Entry(
      codes: "75", name: "outcome unknown",
      meaning:
        "The server may have applied the change but its reply was lost, even after retrying the commit within --timeout; the message names the command that shows whether it was applied (a --key makes a retry safe)."
    ),
    Entry(
      codes: "77", name: "unauthorized",
      meaning: "Authentication or authorization refused (MongoDB or Twilio)."
    ),
    Entry(
      codes: "78", name: "configuration",
      meaning:
        "Configuration error: malformed URI, env file, config file or SMS settings; an unknown profile; a secret in a config or env file other users can read."
    ),
    Entry(
      codes: "130, 143", name: "interrupted",
      meaning:
        "txn import or db migrate-legacy was interrupted by SIGINT or SIGTERM after its current batch; the batches written are complete and named on stderr. Running the same migration again finishes it; running the same import again finishes it when every line has a key."
    ),
  ]

  /// "2 usage, 3 not found, …": the one-line summary in `fido help`.
  package static var summary: String {
    all.filter { $0.codes != "0" && $0.codes != "1" && !$0.codes.contains(",") }
      .map { "\($0.codes) \($0.name)" }.joined(separator: ", ")
  }
}
