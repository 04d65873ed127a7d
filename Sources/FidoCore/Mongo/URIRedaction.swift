/// Finds and hides secrets in connection strings (MongoDB's, and the https
/// URL of `TWILIO_API_BASE`) without parsing them fully: the userinfo of
/// `scheme://user:PASSWORD@hosts/…`, and the values of query options whose
/// name holds "password", "secret", "token", "key" or is
/// `authMechanismProperties` (such as `tlsCertificateKeyFilePassword`, or
/// `authMechanismProperties=AWS_SESSION_TOKEN:…`).
///
/// It works on malformed strings too, because the messages about malformed
/// strings must not leak either. The authority starts after the first
/// `://`, else after a scheme-like prefix and its `:` and slashes
/// (`mongodb:/u:p@h`, `mongodb+srv:u:p@h`), else at the start; the userinfo
/// is everything from there to the LAST `@` (an unescaped `@`, `/`, `?` or
/// `#` in a password is invalid but must still be hidden). When in doubt it
/// hides more: only a well-formed `scheme://` keeps a plain user name
/// (`mongodb://fido:****@h`); otherwise the whole userinfo goes
/// (`mongodb:/****@h`).
enum URIRedaction {
  static let mask = "****"
  static let secretOptionWords = ["password", "secret", "token", "authmechanismproperties", "key"]

  /// Where `uri`'s userinfo is, and whether a user name may be shown.
  private struct Authority {
    /// The userinfo (without the `@`), possibly empty.
    var userinfo: Range<String.Index>
    /// The `scheme://` was well formed.
    var wellFormed: Bool
  }

  /// The userinfo of `uri`, or nil when there is no `@` after the scheme.
  private static func authority(in uri: Substring) -> Authority? {
    let start: String.Index
    var wellFormed = false
    if let sep = uri.firstRange(of: "://"), isSchemeLike(uri[..<sep.lowerBound]) {
      start = sep.upperBound
      wellFormed = true
    } else if let colon = uri.firstIndex(of: ":"), isSchemeLike(uri[..<colon]) {
      var i = uri.index(after: colon)
      while i < uri.endIndex, uri[i] == "/" || uri[i] == "\\" { i = uri.index(after: i) }
      start = i
    } else {
      start = uri.startIndex
    }
    guard let at = uri[start...].lastIndex(of: "@") else { return nil }
    return Authority(userinfo: start..<at, wellFormed: wellFormed)
  }

  /// `mongodb`, `mongodb+srv`, `https`, `mongdb`: a letter, then letters,
  /// digits, `+`, `-` or `.`.
  private static func isSchemeLike(_ s: Substring) -> Bool {
    guard let first = s.first, first.isASCII, first.isLetter else { return false }
    return s.allSatisfy(isSchemeCharacter)
  }

  private static func isSchemeCharacter(_ c: Character) -> Bool {
    c.isASCII && (c.isLetter || c.isNumber || c == "+" || c == "-" || c == ".")
  }

  /// A user name that is safe to show: nothing a URI would have escaped.
  private static func isPlainUser(_ s: Substring) -> Bool {
    !s.isEmpty
      && !s.unicodeScalars.contains {
        ":/?#[]@\\ \"'`<>".unicodeScalars.contains($0) || $0.properties.isWhitespace
          || CoreText.isControlLike($0)
      }
  }

  /// The secret parts of `uri`'s userinfo: the password (after the first
  /// `:`) and the whole userinfo, longest first; empty without userinfo.
  static func secrets(in uri: String) -> [String] {
    guard let a = authority(in: uri[...]), !a.userinfo.isEmpty else { return [] }
    let info = uri[a.userinfo]
    var out = [String(info)]
    if let colon = info.firstIndex(of: ":") {
      let password = info[info.index(after: colon)...]
      if !password.isEmpty { out.append(String(password)) }
    }
    return out
  }

  /// The password of the connection string `uri`, when it has `user:password@`.
  static func password(in uri: String) -> String? {
    guard let a = authority(in: uri[...]), let colon = uri[a.userinfo].firstIndex(of: ":") else {
      return nil
    }
    let password = uri[uri.index(after: colon)..<a.userinfo.upperBound]
    return password.isEmpty ? nil : String(password)
  }

  /// `uri` with its userinfo's secret (at least the password) and secret
  /// options replaced by `****`.
  static func redact(uri: String) -> String {
    guard let a = authority(in: uri[...]) else { return redactSecretOptions(uri) }
    let info = uri[a.userinfo]
    var shown: String
    if a.wellFormed, let colon = info.firstIndex(of: ":"), isPlainUser(info[..<colon]) {
      shown = info[..<colon] + ":" + mask
    } else if a.wellFormed, !info.contains(":"), isPlainUser(info) {
      shown = String(info)  // a user without a password (x509)
    } else {
      shown = mask
    }
    if info.isEmpty { shown = "" }
    let rest = uri[a.userinfo.upperBound...]  // from the "@"
    return String(uri[..<a.userinfo.lowerBound]) + shown + redactSecretOptions(String(rest))
  }

  /// A free text (an error message) with every connection string it quotes
  /// redacted as by `redact(uri:)`: each word (up to white space or a quote)
  /// that has a `:` before an `@`, the mark of userinfo, however malformed
  /// the rest (an email address has no `:`).
  static func redact(message: String) -> String {
    var out = ""
    var word = ""
    func flush() {
      if let at = word.lastIndex(of: "@"), word[..<at].contains(":") {
        out += redact(uri: word)
      } else {
        out += word
      }
      word = ""
    }
    for c in message {
      if isMessageDelimiter(c) {
        flush()
        out.append(c)
      } else {
        word.append(c)
      }
    }
    flush()
    return out
  }

  private static func isMessageDelimiter(_ c: Character) -> Bool {
    c.isWhitespace || c == "'" || c == "\"" || c == "`"
  }

  /// `message` with whatever precedes an `@` in each word replaced by
  /// `****`: for messages about a URI that has userinfo, whose parts a
  /// library may quote split elsewhere than fido splits them (libmongoc's
  /// "Failed to resolve 'ss@host'" for the password `p@ss`).
  static func redactBeforeAt(message: String) -> String {
    var out = ""
    var word = ""
    func flush(_ next: Character?) {
      if let next, next == "@", !word.isEmpty { word = mask }
      out += word
      word = ""
      if let next { out.append(next) }
    }
    for c in message {
      if c == "@" || isMessageDelimiter(c) || "/[](){}<>,;=".contains(c) {
        flush(c)
      } else {
        word.append(c)
      }
    }
    flush(nil)
    return out
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
