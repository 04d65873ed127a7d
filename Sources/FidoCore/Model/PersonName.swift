/// A person's name: 1–200 characters of valid UTF-8, no control characters.
public enum PersonName {
  /// Returns the name as given (not trimmed); refuses an empty or
  /// whitespace-only name, more than 200 characters, control characters,
  /// line/paragraph separators and U+FFFD (the mark of bytes that were not
  /// valid UTF-8).
  public static func validate(_ text: String) throws(FidoError) -> String {
    func invalid(_ why: String) -> FidoError {
      .invalidData("invalid name \(CoreText.quoted(text)): \(why)")
    }
    if CoreText.trim(text).isEmpty { throw invalid("it is empty; write e.g. Ama Mensah") }
    if text.count > 200 { throw invalid("it is longer than 200 characters") }
    if text.unicodeScalars.contains(where: { CoreText.isControlLike($0) }) {
      throw invalid("it must not contain control characters or line breaks")
    }
    if text.unicodeScalars.contains("\u{FFFD}") {
      throw invalid("it is not valid UTF-8 (contains U+FFFD)")
    }
    return text
  }
}
