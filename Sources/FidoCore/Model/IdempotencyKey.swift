/// An idempotency key for `txn add --key`: 1–128 printable characters.
package enum IdempotencyKey {
  package static func validate(_ text: String) throws(FidoError) -> String {
    func invalid(_ why: String) -> FidoError {
      .invalidData("invalid idempotency key \(CoreText.quoted(text)): \(why)")
    }
    if text.isEmpty { throw invalid("it is empty; use 1–128 printable characters") }
    // Code points, not characters: one character can carry any number of
    // combining marks (a 120 KB key of one "character").
    if text.unicodeScalars.count > 128 { throw invalid("it is longer than 128 characters") }
    if text.unicodeScalars.contains(where: { CoreText.isControlLike($0) || $0 == "\u{FFFD}" }) {
      throw invalid("use printable characters only (no control characters)")
    }
    return text
  }
}
