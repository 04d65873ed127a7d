/// A person's name: 1–200 characters of valid UTF-8, no control characters.
package enum PersonName {
  /// Returns the name trimmed of surrounding white space (a trailing newline
  /// from a script, a pasted leading space); refuses an empty or
  /// whitespace-only name, more than 200 characters, control characters
  /// (bidirectional controls included, `CoreText.isControlLike`),
  /// line/paragraph separators and U+FFFD (the mark of bytes that were not
  /// valid UTF-8).
  package static func validate(_ text: String) throws(FidoError) -> String {
    func invalid(_ why: String) -> FidoError {
      .invalidData("invalid name \(CoreText.quoted(text)): \(why)")
    }
    let name = String(CoreText.trim(text))
    if name.isEmpty { throw invalid("it is empty; write e.g. Ama Mensah") }
    if name.count > 200 { throw invalid("it is longer than 200 characters") }
    if name.unicodeScalars.contains(where: { CoreText.isControlLike($0) }) {
      throw invalid("it must not contain control characters or line breaks")
    }
    if name.unicodeScalars.contains("\u{FFFD}") {
      throw invalid("it is not valid UTF-8 (contains U+FFFD)")
    }
    return name
  }
}
