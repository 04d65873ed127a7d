internal import CMongoc

/// The one connection to MongoDB (one `mongoc_client_t`, used from one
/// thread). Collections, sessions and cursors keep it alive.
package final class MongoClient {
  /// libmongoc, loaded by the first client.
  let api: fido_mongoc_api
  let handle: OpaquePointer
  let options: ClientOptions
  let monitor: CommandMonitor

  /// Opens a client (no network traffic until the first command), loading
  /// libmongoc first if no client has yet (`MongoError.libraryDomain` if it
  /// cannot be). A malformed URI is `uriDomain`, an option fido cannot use
  /// `optionsDomain`; `fidoError` makes both exit 78, and its message never
  /// holds the password.
  package init(_ options: ClientOptions) throws(MongoError) {
    let api = try MongoRuntime.api()
    self.api = api
    self.options = options
    self.monitor = CommandMonitor(api: api, log: options.log, uri: options.uri)
    if options.routesLibraryLog { monitor.routeLibraryLog() }

    var error = bson_error_t()
    guard let uri = api.uri_new_with_error(options.uri, &error) else {
      var e = MongoError(error, reply: nil)
      e.domain = MongoError.uriDomain
      throw e
    }
    defer { api.uri_destroy(uri) }

    let timeout = Int32(clamping: max(0, options.timeoutMS))
    for key in [
      MONGOC_URI_SERVERSELECTIONTIMEOUTMS, MONGOC_URI_CONNECTTIMEOUTMS, MONGOC_URI_SOCKETTIMEOUTMS,
    ]
    where !api.uri_has_option(uri, key) {
      _ = api.uri_set_option_as_int32(uri, key, timeout)
    }
    // A single-threaded client gives up after one failed scan by default;
    // keep trying (an election takes seconds) until serverSelectionTimeoutMS.
    if !api.uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTRYONCE) {
      _ = api.uri_set_option_as_bool(uri, MONGOC_URI_SERVERSELECTIONTRYONCE, false)
    }
    if api.uri_get_appname(uri) == nil, !api.uri_set_appname(uri, options.appName) {
      throw MongoError(
        domain: MongoError.optionsDomain, code: 0,
        message:
          "invalid application name \(CoreText.quoted(options.appName)): at most 128 bytes")
    }
    let tls = TLSDiagnosis.settings(api, uri: uri)
    if let tls { try TLSDiagnosis.checkFiles(tls) }

    if let log = options.log {
      log("mongo: connecting to \(URIRedaction.redact(uri: options.uri))")
      monitor.session = Self.sessionSummary(api, uri: uri, tls: tls)
    }
    guard let client = api.client_new_from_uri_with_error(uri, &error) else {
      throw MongoError(error, reply: nil)
    }
    handle = client
    _ = api.client_set_error_api(client, Int32(MONGOC_ERROR_API_VERSION_2))
    monitor.install(on: client)

    // Money needs majority acknowledgement; an explicit w in the URI wins.
    // Journal and wtimeoutMS from the URI are kept.
    let uriConcern = api.uri_get_write_concern(uri)
    let wIsSet =
      api.write_concern_get_w(uriConcern) != MONGOC_WRITE_CONCERN_W_DEFAULT
      || api.write_concern_get_wmajority(uriConcern)
      || api.write_concern_get_wtag(uriConcern) != nil
    if !wIsSet {
      let wc = api.write_concern_copy(uriConcern)
      defer { api.write_concern_destroy(wc) }
      api.write_concern_set_wmajority(wc, api.write_concern_get_wtimeout(uriConcern))
      api.client_set_write_concern(client, wc)
    }
  }

  deinit {
    api.client_destroy(handle)
  }

  /// What -v says of the connection next to each handshake: the
  /// application name sent, TLS and its files, the login (user name,
  /// mechanism, authSource; never the password).
  private static func sessionSummary(
    _ api: fido_mongoc_api, uri: OpaquePointer, tls: TLSDiagnosis.Settings?
  )
    -> String
  {
    var parts = ["appname \(api.uri_get_appname(uri).map { String(cString: $0) } ?? "none")"]
    if let tls {
      var files: [String] = []
      if let ca = tls.caFile { files.append("tlsCAFile \(CoreText.quoted(ca))") }
      if let cert = tls.certificateKeyFile {
        files.append("tlsCertificateKeyFile \(CoreText.quoted(cert))")
      }
      parts.append(
        files.isEmpty ? "TLS (system CA certificates)" : "TLS (\(files.joined(separator: ", ")))")
    } else {
      parts.append("no TLS")
    }
    let mechanism = api.uri_get_auth_mechanism(uri).map { String(cString: $0) }
    if let user = api.uri_get_username(uri).map({ String(cString: $0) }) {
      let source = api.uri_get_auth_source(uri).map { String(cString: $0) } ?? "admin"
      parts.append(
        "login \(CoreText.quoted(user)) (\(mechanism ?? "SCRAM, negotiated"), authSource \(source))"
      )
    } else if let mechanism {
      parts.append("login by \(mechanism)")
    } else {
      parts.append("no login")
    }
    return parts.joined(separator: ", ")
  }

  /// Commands started on this client so far (from command monitoring).
  package var roundTrips: Int { monitor.started }

  /// Runs a database command on the primary and returns its reply.
  /// The command is sent as given (libmongoc's "raw" command path): the
  /// client's write concern is not added, so a write command sent this way
  /// should carry its own `writeConcern` (outside a transaction).
  package func command(_ command: Document, db: String, session: MongoSession? = nil)
    throws(MongoError)
    -> Document
  {
    try command.withBSON { (cmd) throws(MongoError) -> Document in
      try withOptions(Document(), session: session) { (opts) throws(MongoError) -> Document in
        var error = bson_error_t()
        let (ok, reply) = withReply {
          api.client_command_with_opts(handle, db, cmd, nil, opts, $0, &error)
        }
        guard ok else { throw MongoError(error, reply: reply) }
        return reply
      }
    }
  }

  package func collection(_ name: String, db: String) -> MongoCollection {
    MongoCollection(client: self, db: db, name: name)
  }

  package func startSession() throws(MongoError) -> MongoSession {
    var error = bson_error_t()
    guard let session = api.client_start_session(handle, nil, &error) else {
      throw MongoError(error, reply: nil)
    }
    return MongoSession(handle: session, client: self)
  }

  /// The server's `hello` reply (falls back to `isMaster` on servers before 4.4.2).
  package func hello() throws(MongoError) -> Document {
    do {
      return try command(["hello": 1], db: "admin")
    } catch  where error.domain == MongoError.serverDomain && error.code == 59 {
      return try command(["isMaster": 1], db: "admin")
    }
  }

  /// True when the deployment supports multi-document transactions: a replica
  /// set member (wire version ≥ 7) or a mongos (wire version ≥ 8).
  /// Read from the handshake of the server writes go to (no round trip).
  package func supportsTransactions() throws(MongoError) -> Bool {
    let reply = try handshakeReply()
    let wire = reply["maxWireVersion"]?.replyInt64 ?? 0
    guard reply["logicalSessionTimeoutMinutes"].map({ !$0.isNull }) ?? false else { return false }
    if reply["msg"]?.stringValue == "isdbgrid" { return wire >= 8 }
    if reply["setName"] != nil { return wire >= 7 }
    return false
  }

  /// The hello reply libmongoc received when it connected to the server it
  /// selects for writes (selecting it connects, as the next command would):
  /// the same fields as `hello()` without a command of its own. Falls back
  /// to `hello()` when the description holds no reply.
  func handshakeReply() throws(MongoError) -> Document {
    var error = bson_error_t()
    guard let description = api.client_select_server(handle, true, nil, &error) else {
      throw MongoError(error, reply: nil)
    }
    defer { api.server_description_destroy(description) }
    guard let reply = api.server_description_hello_response(description),
      bson_count_keys(reply) > 0
    else { return try hello() }
    return Document(copying: reply)
  }

  /// The server version from `buildInfo`, e.g. "7.0.5".
  package func serverVersion() throws(MongoError) -> String {
    let reply = try command(["buildInfo": 1], db: "admin")
    return reply["version"]?.stringValue ?? "unknown"
  }

  /// A one-line description of the deployment: "standalone", "sharded
  /// (mongos 10.0.0.5:27017)", "replica set rs0 (3 members, primary
  /// 10.0.0.1:27017)", or "unreachable (…)".
  /// Read from the handshake's hello reply (`handshakeReply`), as
  /// `supportsTransactions` is: no command of its own.
  package func topologyDescription() -> String {
    let reply: Document
    do {
      reply = try handshakeReply()
    } catch {
      return "unreachable (\(MongoError.scrub(error.message, uri: options.uri)))"
    }
    if reply["msg"]?.stringValue == "isdbgrid" {
      return "sharded"
    }
    if let setName = reply["setName"]?.stringValue {
      let members = reply["hosts"]?.arrayValue?.count ?? 0
      let primary = reply["primary"]?.stringValue ?? "none"
      return
        "replica set \(setName) (\(members) member\(members == 1 ? "" : "s"), primary \(primary))"
    }
    return "standalone"
  }

  // MARK: Helpers for the other Mongo/ files

  /// Builds `opts` plus the session's `sessionId` and hands it to `body`.
  func withOptions<R>(
    _ opts: Document, session: MongoSession?, _ body: (OpaquePointer) throws(MongoError) -> R
  ) throws(MongoError) -> R {
    try opts.withBSON { (bson) throws(MongoError) -> R in
      if let session {
        try session.append(to: bson)
      }
      return try body(bson)
    }
  }
}

/// Hands initialised `bson_t` storage to a C call that treats it as an
/// "uninitialized `bson_t *reply`" out-parameter, copies the reply, and frees
/// the storage (never `bson_new()`: libmongoc re-initialises it and the
/// allocation leaks).
func withReply<R>(_ body: (OpaquePointer) -> R) -> (R, Document) {
  let reply = fido_bson_storage_new()!
  defer { fido_bson_storage_free(reply) }
  let result = body(reply)
  return (result, Document(copying: reply))
}
