/// Email addresses as fido stores them: trimmed, lower-cased, unique.
package enum Email {
  /// Trims surrounding whitespace and lower-cases; then requires at most 254
  /// bytes, no whitespace or control characters, exactly one `@`, a local
  /// part that is not empty, neither starts nor ends with a dot and has no
  /// two dots in a row, and a domain of at least two dot-separated labels,
  /// each of letters, digits and hyphens, neither starting nor ending with
  /// a hyphen.
  package static func normalize(_ text: String) throws(FidoError) -> String {
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
    if local.hasPrefix(".") || local.hasSuffix(".") {
      throw invalid("the part before '@' must not start or end with a dot")
    }
    if local.contains("..") { throw invalid("the part before '@' must not hold two dots in a row") }
    let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
    if labels.count < 2 || labels.contains(where: \.isEmpty) {
      throw invalid("the domain after '@' must be dotted like example.com")
    }
    for label in labels {
      if let bad = label.unicodeScalars.first(where: { !isLabelScalar($0) }) {
        throw invalid(
          "the domain after '@' may hold only letters, digits, hyphens and dots, not \(CoreText.quoted(String(bad)))"
        )
      }
      if label.hasPrefix("-") || label.hasSuffix("-") {
        throw invalid(
          "a part of the domain must not start or end with a hyphen (\(CoreText.quoted(String(label))))"
        )
      }
      // A combining mark belongs to the letter before it.
      if let first = label.unicodeScalars.first, isMark(first) {
        throw invalid("a part of the domain must start with a letter or digit")
      }
    }
    return email
  }

  /// Letters (of any script, as internationalised domains have), decimal
  /// digits, the combining marks some scripts write letters with, and `-`.
  static func isLabelScalar(_ s: Unicode.Scalar) -> Bool {
    if s == "-" { return true }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .decimalNumber:
      return true
    default:
      return isMark(s)
    }
  }

  static func isMark(_ s: Unicode.Scalar) -> Bool {
    switch s.properties.generalCategory {
    case .nonspacingMark, .spacingMark: true
    default: false
    }
  }
}
