/// Passwords arrive only on stdin (`--password-stdin`).
package enum PasswordInput {
  package static let minLength = 8
  package static let maxLength = 1024

  /// All of stdin with one trailing newline (`\n` or `\r\n`) removed; it
  /// must be valid UTF-8 of 8–1024 characters (Unicode scalars). The
  /// result is a new buffer: wipe it with `PasswordHasher.wipe` when done.
  package static func fromStdin(_ bytes: [UInt8]) throws(FidoError) -> [UInt8] {
    var end = bytes.count
    if end > 0 && bytes[end - 1] == 0x0A {
      end -= 1
      if end > 0 && bytes[end - 1] == 0x0D { end -= 1 }
    }
    let rule = "use \(minLength)–\(maxLength) characters (one trailing newline is removed)"
    guard let count = scalarCount(bytes[..<end]) else {
      throw .invalidData("the password is not valid UTF-8 text; \(rule)")
    }
    guard (minLength...maxLength).contains(count) else {
      throw .invalidData(
        "the password is too \(count < minLength ? "short" : "long") (\(count) characters); \(rule)"
      )
    }
    return Array(bytes[..<end])
  }

  /// The number of Unicode scalars in strictly valid UTF-8 (no overlongs,
  /// surrogates or values over U+10FFFF), or nil. Works on the bytes so no
  /// unwipeable String copy of the password is made.
  static func scalarCount(_ b: ArraySlice<UInt8>) -> Int? {
    var i = b.startIndex
    var count = 0
    func cont(_ k: Int) -> Bool { k < b.endIndex && b[k] & 0xC0 == 0x80 }
    while i < b.endIndex {
      let c = b[i]
      switch c {
      case 0x00...0x7F:
        i += 1
      case 0xC2...0xDF:
        guard cont(i + 1) else { return nil }
        i += 2
      case 0xE0...0xEF:
        guard cont(i + 1), cont(i + 2) else { return nil }
        let c1 = b[i + 1]
        if c == 0xE0 && c1 < 0xA0 { return nil }  // overlong
        if c == 0xED && c1 >= 0xA0 { return nil }  // surrogate
        i += 3
      case 0xF0...0xF4:
        guard cont(i + 1), cont(i + 2), cont(i + 3) else { return nil }
        let c1 = b[i + 1]
        if c == 0xF0 && c1 < 0x90 { return nil }  // overlong
        if c == 0xF4 && c1 >= 0x90 { return nil }  // > U+10FFFF
        i += 4
      default:
        return nil
      }
      count += 1
    }
    return count
  }
}
