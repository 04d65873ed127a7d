internal import CMongoc
internal import COpenSSL

#if canImport(Glibc)
  import Glibc
#endif

/// Says why a TLS connection to MongoDB failed, naming the file in the
/// connection string that is at fault (`tlsCAFile`, `tlsCertificateKeyFile`)
/// and the reason, never the URI's secrets.
///
/// libmongoc reports a failed TLS connection only as text inside a
/// server-selection error: "TLS handshake failed: certificate verify failed
/// (10): certificate has expired" when the server's certificate does not
/// verify, but only "connection closed" when the server refuses the client's
/// certificate (with TLS 1.3 the refusal comes after the handshake) and
/// "connection error" when a file cannot be loaded. So the exit status
/// stays the one the error's domain gives (69); this text is only read to
/// word the message, and what libmongoc does not say is found by looking
/// at the files themselves.
enum TLSDiagnosis {
  struct Settings: Equatable {
    /// `tlsCAFile`, as libmongoc decoded it.
    var caFile: String?
    /// `tlsCertificateKeyFile`: the client certificate and its private key.
    var certificateKeyFile: String?
    /// `tlsCertificateKeyFilePassword` is set: the key is encrypted.
    var keyIsEncrypted: Bool
  }

  /// The TLS settings of a parsed URI, or nil when it does not use TLS.
  static func settings(_ api: fido_mongoc_api, uri: OpaquePointer) -> Settings? {
    guard api.uri_get_tls(uri) else { return nil }
    func option(_ name: String) -> String? {
      api.uri_get_option_as_utf8(uri, name, nil).map { String(cString: $0) }
    }
    return Settings(
      caFile: option(MONGOC_URI_TLSCAFILE),
      certificateKeyFile: option(MONGOC_URI_TLSCERTIFICATEKEYFILE),
      keyIsEncrypted: api.uri_has_option(uri, MONGOC_URI_TLSCERTIFICATEKEYFILEPASSWORD))
  }

  /// The TLS settings of `uri`, or nil when it does not use TLS, cannot be
  /// parsed, or libmongoc is not loaded (then there was no connection).
  static func settings(uri: String) -> Settings? {
    guard let api = MongoRuntime.loaded else { return nil }
    var error = bson_error_t()
    guard let parsed = api.uri_new_with_error(uri, &error) else { return nil }
    defer { api.uri_destroy(parsed) }
    return settings(api, uri: parsed)
  }

  /// Before connecting: each file the URI names must open, or the
  /// connection string is wrong (exit 78). libmongoc would only log it and
  /// report "connection error" once the server-selection timeout ran out.
  static func checkFiles(_ settings: Settings) throws(MongoError) {
    for (option, path) in [
      ("tlsCAFile", settings.caFile), ("tlsCertificateKeyFile", settings.certificateKeyFile),
    ] {
      guard let path else { continue }
      if case .failure(let reason) = read(path, limit: 0) {
        throw MongoError(
          domain: MongoError.optionsDomain, code: 0,
          message:
            "cannot read \(option) \(CoreText.quoted(path)) from the MongoDB URI: \(reason); fix the path in the connection string"
        )
      }
    }
  }

  /// One clause for a failed connection's libmongoc `message` on a TLS
  /// connection: which file, and why. Nil when the failure does not look
  /// like TLS (a refused or timed-out connection, an unknown host).
  static func explain(message: String, settings: Settings) -> String? {
    let ca = settings.caFile.map { "tlsCAFile \(CoreText.quoted($0))" }
    if let reason = detail(after: "certificate verify failed (", in: message) {
      // "(19): self-signed certificate in certificate chain": drop OpenSSL's number.
      let text = reason.firstRange(of: "): ").map { String(reason[$0.upperBound...]) } ?? reason
      return
        "TLS: the server's certificate did not verify against \(ca ?? "the system's CA certificates"): \(text); \(ca == nil ? "set tlsCAFile to the CA that signed it" : "tlsCAFile must hold the CA that signed the server's certificate, and that certificate must be valid today")"
    }
    if let reason = detail(after: "TLS handshake failed: ", in: message) {
      return "TLS handshake failed: \(reason)\(ca.map { " (\($0))" } ?? "")"
    }
    // libmongoc's words for the rest are unreliable over TLS ("connection
    // closed" when nothing listens, "connection refused" when the server
    // reset the connection over a certificate it refused): a plain TCP
    // connection to the server tells them apart.
    guard let host = detail(after: "calling hello on '", in: message)?.split(separator: "'").first,
      accepts(String(host))
    else { return nil }
    if let ca, let caFile = settings.caFile,
      let problem = problem(caFile, isClient: false, settings)
    {
      return "TLS: \(ca) \(problem)"
    }
    guard let certFile = settings.certificateKeyFile else {
      return
        "TLS: the server closed the connection during the handshake: it may require a client certificate (add tlsCertificateKeyFile=PATH, the certificate and its key in one PEM file) or not use TLS"
    }
    let cert = "the client certificate in tlsCertificateKeyFile \(CoreText.quoted(certFile))"
    if let problem = problem(certFile, isClient: true, settings) {
      return "TLS: \(cert) \(problem)"
    }
    return
      "TLS: the server closed the connection: it may not accept \(cert); check that a CA the server trusts signed it"
  }

  // MARK: - private

  /// The text after `marker` up to libmongoc's " calling hello on …" or "]".
  private static func detail(after marker: String, in message: String) -> String? {
    guard let start = message.firstRange(of: marker) else { return nil }
    var rest = message[start.upperBound...]
    for end in [" calling ", "]"] {
      if let r = rest.firstRange(of: end) { rest = rest[..<r.lowerBound] }
    }
    let text = rest.trimmingPrefix(" ")
    return text.isEmpty ? nil : String(text)
  }

  /// True when `hostAndPort` ("db.example.com:27017", "[::1]:27017")
  /// accepts a TCP connection within a second.
  private static func accepts(_ hostAndPort: String) -> Bool {
    guard let colon = hostAndPort.lastIndex(of: ":") else { return false }
    var host = hostAndPort[..<colon]
    if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
    let port = String(hostAndPort[hostAndPort.index(after: colon)...])
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(String(host), port, &hints, &list) == 0, let list else { return false }
    defer { freeaddrinfo(list) }
    var entry: UnsafeMutablePointer<addrinfo>? = list
    while let info = entry?.pointee {
      entry = info.ai_next
      let fd = socket(
        info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      var limit = timeval(tv_sec: 1, tv_usec: 0)
      _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
      if connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return true }
    }
    return false
  }

  /// What is wrong with a PEM file libmongoc could not use, or nil when
  /// nothing fido can see is.
  private static func problem(_ path: String, isClient: Bool, _ settings: Settings) -> String? {
    let text: String
    switch read(path, limit: 1 << 20) {
    case .failure(let reason): return "cannot be read: \(reason)"
    case .success(let bytes): text = String(decoding: bytes, as: UTF8.self)
    }
    guard text.contains("-----BEGIN CERTIFICATE-----") else { return "holds no PEM certificate" }
    guard isClient else { return nil }
    if !text.contains("PRIVATE KEY-----") {
      return "holds no private key: put the certificate and its key in one PEM file"
    }
    return validity(path)
  }

  /// "expired on …" or "is not valid until …" for the first certificate
  /// in `path`, read with libcrypto; nil when it is valid now or unreadable.
  private static func validity(_ path: String) -> String? {
    guard let x509 = try? x509API.get(), let bio = x509.BIO_new_file(path, "r") else { return nil }
    defer { _ = x509.BIO_free(bio) }
    guard let cert = x509.PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
    defer { x509.X509_free(cert) }
    if let notAfter = x509.X509_get0_notAfter(cert), x509.X509_cmp_current_time(notAfter) < 0 {
      return "expired on \(date(x509, notAfter)); renew it"
    }
    if let notBefore = x509.X509_get0_notBefore(cert), x509.X509_cmp_current_time(notBefore) > 0 {
      return "is not valid until \(date(x509, notBefore)); check the clock or the certificate"
    }
    return nil
  }

  private static func date(_ x509: fido_x509_api, _ time: UnsafePointer<ASN1_TIME>) -> String {
    var tm = Glibc.tm()
    guard x509.ASN1_TIME_to_tm(time, &tm) == 1 else { return "an unreadable date" }
    let days = FidoDate.days(
      fromCivil: Int64(tm.tm_year) + 1900, Int64(tm.tm_mon) + 1, Int64(tm.tm_mday))
    let seconds = Int64(tm.tm_hour) * 3600 + Int64(tm.tm_min) * 60 + Int64(tm.tm_sec)
    return FidoDate.format((days * 86_400 + seconds) * 1000)
  }

  /// libcrypto's certificate functions, loaded the first time a TLS
  /// failure needs them.
  private static let x509API = Result { () throws(DynamicLibrary.LoadFailure) -> fido_x509_api in
    try DynamicLibrary.load(DynamicLibrary.libcrypto, names: fido_x509_symbols)
  }

  /// The first `limit` bytes of `path`, or strerror's text.
  private static func read(_ path: String, limit: Int) -> Result<[UInt8], ReadFailure> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return .failure(ReadFailure(errno)) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
      return .failure(ReadFailure(EISDIR))
    }
    guard limit > 0 else { return .success([]) }
    var bytes = [UInt8](repeating: 0, count: limit)
    let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
    guard n >= 0 else { return .failure(ReadFailure(errno)) }
    return .success(Array(bytes.prefix(n)))
  }

  struct ReadFailure: Error, CustomStringConvertible {
    let description: String
    init(_ code: Int32) { description = String(cString: strerror(code)) }
  }
}
