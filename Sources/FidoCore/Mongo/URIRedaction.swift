/// Finds and hides secrets in MongoDB connection strings without parsing them
/// fully: the password in `scheme://user:PASSWORD@hosts/…`, and the values of
/// query options whose name holds "password", "secret", "token", "key" or is
/// `authMechanismProperties` (such as `tlsCertificateKeyFilePassword`, or
/// `authMechanismProperties=AWS_SESSION_TOKEN:…`). Works on malformed strings too, because
/// error messages about malformed strings must not leak either.
enum URIRedaction {
  static let mask = "****"
  static let secretOptionWords = ["password", "secret", "token", "authmechanismproperties", "key"]

  /// The password of the connection string `uri`, when it has `user:password@`.
  static func password(in uri: String) -> String? {
    guard let scheme = uri.firstRange(of: "://"),
      let r = passwordRange(in: uri, from: scheme.upperBound, inMessage: false), !r.isEmpty
    else { return nil }
    return String(uri[r])
  }

  /// `uri` with its password and secret options replaced by `****`.
  static func redact(uri: String) -> String {
    var out = uri
    if let scheme = out.firstRange(of: "://"),
      let r = passwordRange(in: out, from: scheme.upperBound, inMessage: false)
    {
      out.replaceSubrange(r, with: mask)
    }
    return redactSecretOptions(out)
  }

  /// A free text (an error message) with the password of every connection
  /// string it quotes replaced by `****`.
  static func redact(message: String) -> String {
    var out = message
    var searchStart = out.startIndex
    while let scheme = out[searchStart...].firstRange(of: "://") {
      if let r = passwordRange(in: out, from: scheme.upperBound, inMessage: true) {
        let lowerOffset = out.distance(from: out.startIndex, to: r.lowerBound)
        out.replaceSubrange(r, with: mask)
        searchStart = out.index(out.startIndex, offsetBy: lowerOffset + mask.count)
      } else {
        searchStart = scheme.upperBound
      }
    }
    return out
  }

  /// The password inside the authority that starts at `start` (just after
  /// "://"). The user info ends at the last "@" before the options; an
  /// unescaped "@" or "/" in a password is invalid but must still be hidden.
  /// In a message the connection string also ends at white space or a quote.
  private static func passwordRange(in text: String, from start: String.Index, inMessage: Bool)
    -> Range<String.Index>?
  {
    let rest = text[start...]
    let end =
      rest.firstIndex { c in
        c == "?" || (inMessage && (c.isWhitespace || c == "'" || c == "\"" || c == "`"))
      } ?? rest.endIndex
    guard let at = rest[..<end].lastIndex(of: "@"),
      let colon = rest[..<at].firstIndex(of: ":")
    else { return nil }
    return text.index(after: colon)..<at
  }

  /// `…?tlsCertificateKeyFilePassword=secret&…` → `…=****&…`.
  private static func redactSecretOptions(_ uri: String) -> String {
    guard let q = uri.firstIndex(of: "?") else { return uri }
    let parts = uri[uri.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false)
      .map {
        part -> String in
        guard let eq = part.firstIndex(of: "=") else { return String(part) }
        let name = part[..<eq].lowercased()
        guard secretOptionWords.contains(where: { name.contains($0) }) else { return String(part) }
        return part[...eq] + mask
      }
    return uri[...q] + parts.joined(separator: "&")
  }
}
