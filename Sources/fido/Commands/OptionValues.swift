import FidoCore

/// Reading typed values out of an invocation; shared by every command.
extension Invocation {
  /// `--limit N`: a whole number ≥ 0 (0 means all); `CommandTable.defaultLimit` if absent.
  func limit() throws(FidoError) -> Int64 {
    guard let text = value("limit") else { return CommandTable.defaultLimit }
    guard let n = Int64(text), n >= 0 else {
      throw .usage("'--limit' takes a whole number ≥ 0 (0 means all), got \(CoreText.quoted(text))")
    }
    return n
  }

  /// `--batch-size N`: lines per atomic import batch, 1 to `ImportOptions.maxBatchSize`.
  func batchSize() throws(FidoError) -> Int {
    guard let text = value("batch-size") else { return ImportOptions.defaultBatchSize }
    guard let n = Int(text), (1...ImportOptions.maxBatchSize).contains(n) else {
      throw .usage(
        "'--batch-size' takes a whole number from 1 to \(ImportOptions.maxBatchSize), got \(CoreText.quoted(text))"
      )
    }
    return n
  }

  func objectID(_ option: String, what: String) throws(FidoError) -> ObjectID? {
    guard let text = value(option) else { return nil }
    return try parseID(text, what: what)
  }

  func date(_ option: String, now: Int64, endOfDay: Bool = false) throws(FidoError) -> Int64? {
    guard let text = value(option) else { return nil }
    return try FidoDate.parse(text, now: now, endOfDay: endOfDay)
  }

  /// The single positional a command takes (the parser has checked the count).
  var argument: String { positionals.first ?? "" }
}

extension Context {
  /// `--password-stdin`: all of stdin, one trailing newline removed, hashed.
  func passwordHashFromStdin() throws(FidoError) -> String? {
    guard invocation.flag("password-stdin") else { return nil }
    if io.stdinIsTTY { io.err.write("Password (input is not hidden; end with Ctrl-D): ") }
    var password = try PasswordInput.fromStdin(io.readAllStdin())
    defer { PasswordHasher.wipe(&password) }
    return try PasswordHasher.hash(password)
  }
}
