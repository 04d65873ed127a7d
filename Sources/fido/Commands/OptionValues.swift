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
    try wholeNumber(
      "batch-size", in: 1...ImportOptions.maxBatchSize, default: ImportOptions.defaultBatchSize)
  }

  /// `--workers N`: concurrent import writers, 1 to `ImportOptions.maxWorkers`.
  func workers() throws(FidoError) -> Int {
    try wholeNumber("workers", in: 1...ImportOptions.maxWorkers, default: 1)
  }

  /// `--OPTION N`, a whole number within `range`; `fallback` when absent.
  private func wholeNumber(_ option: String, in range: ClosedRange<Int>, default fallback: Int)
    throws(FidoError) -> Int
  {
    guard let text = value(option) else { return fallback }
    guard let n = Int(text), range.contains(n) else {
      throw .usage(
        "'--\(option)' takes a whole number from \(range.lowerBound) to \(range.upperBound), got \(CoreText.quoted(text))"
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

  /// `--currency CODE`, else the configured default (`FIDO_CURRENCY`, else
  /// GHS), read only here: a bad `FIDO_CURRENCY` cannot fail a command
  /// that was given `--currency` or needs no currency.
  func currency(default config: Config) throws(FidoError) -> Currency {
    if let code = value("currency") { return try Currency.parse(code) }
    return try config.currency
  }

  /// The single positional a command takes (the parser has checked the count).
  var argument: String { positionals.first ?? "" }
}

extension Context {
  /// `--password-stdin`: all of stdin, one trailing newline removed, hashed.
  /// On a terminal: a prompt without echo, asked twice (the two must match).
  func passwordHashFromStdin() throws(FidoError) -> String? {
    guard invocation.flag("password-stdin") else { return nil }
    var password = io.stdinIsTTY ? try passwordFromTerminal() : try io.readAllStdin()
    defer { PasswordHasher.wipe(&password) }
    var checked = try PasswordInput.fromStdin(password)
    defer { PasswordHasher.wipe(&checked) }
    return try PasswordHasher.hash(checked)
  }

  private func passwordFromTerminal() throws(FidoError) -> [UInt8] {
    guard var first = HiddenPrompt.read(prompt: "New password: ", io: io) else {
      throw .invalidData("no password was typed; nothing was changed")
    }
    // Checked before the second prompt: a short password is not worth retyping.
    do {
      var ok = try PasswordInput.fromStdin(first)
      PasswordHasher.wipe(&ok)
    } catch {
      PasswordHasher.wipe(&first)
      throw error
    }
    var second = HiddenPrompt.read(prompt: "Repeat the password: ", io: io) ?? []
    defer { PasswordHasher.wipe(&second) }
    guard first == second else {
      PasswordHasher.wipe(&first)
      throw .invalidData("the two passwords differ; nothing was changed, run the command again")
    }
    return first
  }
}
