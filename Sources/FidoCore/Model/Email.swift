/// Email addresses as fido stores them: trimmed, lower-cased, unique.
public enum Email {
  /// Trims surrounding whitespace and lower-cases; then requires at most 254
  /// bytes, exactly one `@`, a non-empty local part, a dotted domain whose
  /// labels are all non-empty, and no whitespace or control characters.
  public static func normalize(_ text: String) throws(FidoError) -> String {
    let email = String(CoreText.trim(text)).lowercased()
    func invalid(_ why: String) -> FidoError {
      .invalidData("invalid email \(CoreText.quoted(text)): \(why)")
    }
    if email.isEmpty { throw invalid("it is empty; write e.g. ama@example.com") }
    if email.utf8.count > 254 { throw invalid("it is longer than 254 characters") }
    if email.unicodeScalars.contains(where: {
      $0.properties.isWhitespace || CoreText.isControlLike($0)
    }) {
      throw invalid("it must not contain spaces or control characters")
    }
    let parts = email.split(separator: "@", omittingEmptySubsequences: false)
    if parts.count != 2 { throw invalid("it needs exactly one '@', as in ama@example.com") }
    let (local, domain) = (parts[0], parts[1])
    if local.isEmpty { throw invalid("nothing before the '@'; write e.g. ama@example.com") }
    let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
    if labels.count < 2 || labels.contains(where: \.isEmpty) {
      throw invalid("the domain after '@' must be dotted like example.com")
    }
    return email
  }
}
