/// The service's `.env` format: `KEY=VALUE` lines.
///
/// - blank lines and full-line `#` comments are skipped;
/// - an optional `export ` prefix is allowed;
/// - keys are `[A-Za-z_][A-Za-z0-9_]*`, with optional spaces around `=`;
/// - a value may be single-quoted (taken literally) or double-quoted
///   (`\"`, `\\`, `\n`, `\r`, `\t` escapes); after the closing quote only
///   spaces and a `#` comment may follow;
/// - an unquoted value runs to the end of the line or to a ` #` comment,
///   trailing spaces removed;
/// - CRLF line ends are tolerated; a later key overrides an earlier one.
///
/// Any other line is a configuration error naming the file and line
/// number, never the line's text: it may hold a secret.
package enum EnvFile {
  package static func parse(_ text: String, path: String) throws(FidoError) -> [String: String] {
    var result: [String: String] = [:]
    var lineNumber = 0
    for rawLine in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
      lineNumber += 1
      var line = Array(rawLine)
      if line.last == 0x0D { line.removeLast() }
      if let (key, value) = try parseLine(line, path: path, number: lineNumber) {
        result[key] = value
      }
    }
    return result
  }

  /// Reads and parses a file; an unreadable file is a configuration error
  /// naming the path and the reason.
  package static func load(path: String) throws(FidoError) -> [String: String] {
    let bytes: [UInt8]
    do {
      bytes = try CoreFile.read(path: path)
    } catch {
      throw .config("env file \(CoreText.quoted(path)): \(error.reason)")
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw .config("env file \(CoreText.quoted(path)): not valid UTF-8 text")
    }
    return try parse(text, path: path)
  }

  private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

  /// One line: nil for a blank or comment line. `what` names the file in
  /// errors (`env file`, `config file`).
  static func parseLine(
    _ line: [UInt8], path: String, number: Int, what: String = "env file"
  ) throws(FidoError) -> (String, String)? {
    func bad(_ hint: String = "") -> FidoError {
      .config("\(what) \(CoreText.quoted(path)) line \(number): expected KEY=VALUE\(hint)")
    }
    var i = 0
    let n = line.count
    func skipSpaces() { while i < n, isSpace(line[i]) { i += 1 } }
    skipSpaces()
    if i == n || line[i] == UInt8(ascii: "#") { return nil }

    // optional "export "
    let export = Array("export".utf8)
    if n - i > export.count, Array(line[i..<(i + export.count)]) == export,
      isSpace(line[i + export.count])
    {
      i += export.count
      skipSpaces()
    }

    // key
    let keyStart = i
    while i < n {
      let b = line[i]
      let letter = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
      let digit = b >= 0x30 && b <= 0x39
      if letter || (digit && i > keyStart) { i += 1 } else { break }
    }
    if i == keyStart { throw bad() }
    let key = String(decoding: line[keyStart..<i], as: UTF8.self)
    skipSpaces()
    guard i < n, line[i] == UInt8(ascii: "=") else { throw bad() }
    i += 1
    skipSpaces()

    var value = [UInt8]()
    if i < n, line[i] == UInt8(ascii: "'") {
      i += 1
      guard let close = line[i...].firstIndex(of: UInt8(ascii: "'")) else {
        throw bad(" (the single quote is not closed)")
      }
      value = Array(line[i..<close])
      i = close + 1
      try rest(&i)
    } else if i < n, line[i] == UInt8(ascii: "\"") {
      i += 1
      var closed = false
      while i < n {
        let b = line[i]
        if b == UInt8(ascii: "\"") {
          closed = true
          i += 1
          break
        }
        if b == UInt8(ascii: "\\"), i + 1 < n {
          let e = line[i + 1]
          switch e {
          case UInt8(ascii: "n"): value.append(0x0A)
          case UInt8(ascii: "r"): value.append(0x0D)
          case UInt8(ascii: "t"): value.append(0x09)
          case UInt8(ascii: "\""), UInt8(ascii: "\\"): value.append(e)
          default: value.append(contentsOf: [b, e])  // unknown escape kept as written
          }
          i += 2
          continue
        }
        value.append(b)
        i += 1
      }
      if !closed { throw bad(" (the double quote is not closed)") }
      try rest(&i)
    } else {
      // unquoted: up to a " #" comment; trailing spaces removed
      var end = n
      var k = i
      while k < n {
        if line[k] == UInt8(ascii: "#") && k > i && isSpace(line[k - 1]) {
          end = k
          break
        }
        k += 1
      }
      var v = Array(line[i..<end])
      while let last = v.last, isSpace(last) { v.removeLast() }
      value = v
    }
    return (key, String(decoding: value, as: UTF8.self))

    func rest(_ i: inout Int) throws(FidoError) {
      while i < n, isSpace(line[i]) { i += 1 }
      if i < n, line[i] != UInt8(ascii: "#") { throw bad(" (text after the closing quote)") }
    }
  }
}
