internal import CMongoc

/// Counts the commands a client starts and, with a log sink, writes one line
/// per command event for -v:
///
///     mongo: → insert fido.transactions (request 7)
///     mongo: ← insert ok 1.84 ms
///     mongo: ← insert failed 2.10 ms: code 11000
///
/// Only the command name, namespace, request id, duration and error code are
/// read; command and reply bodies are never printed (they can hold password
/// hashes). libmongoc calls back on the client's own thread; the monitor is
/// passed to it as an unretained context pointer and the client keeps it alive.
final class CommandMonitor {
  private let api: fido_mongoc_api
  private(set) var started = 0
  let log: (@Sendable (String) -> Void)?
  /// The connection string, to scrub its password from libmongoc's messages.
  private let uri: String
  private var routesLibraryLog = false
  /// With a sink: the connection's settings that -v prints with each
  /// handshake (`MongoClient`): application name, TLS, login.
  var session: String?
  private var lastTopology = "Unknown"

  init(api: fido_mongoc_api, log: (@Sendable (String) -> Void)?, uri: String) {
    self.api = api
    self.log = log
    self.uri = uri
  }

  deinit {
    if routesLibraryLog { MongoRuntime.silenceLibraryLog(api) }
  }

  /// With a sink, sends libmongoc's own WARNING, ERROR and CRITICAL lines to
  /// it (as `mongo: libmongoc warning: …`) until this monitor goes away.
  /// libmongoc's log handler is process-wide; the last client with a sink
  /// gets the lines, and any monitor going away silences them again, so the
  /// handler never points at a freed monitor.
  func routeLibraryLog() {
    guard log != nil else { return }
    routesLibraryLog = true
    api.log_set_handler(
      { level, _, message, context in
        guard let context, let message, level.rawValue <= MONGOC_LOG_LEVEL_WARNING.rawValue else {
          return
        }
        let name =
          switch level {
          case MONGOC_LOG_LEVEL_WARNING: "warning"
          case MONGOC_LOG_LEVEL_ERROR: "error"
          default: "critical"
          }
        let monitor = Unmanaged<CommandMonitor>.fromOpaque(context).takeUnretainedValue()
        monitor.note(
          "mongo: libmongoc \(name): \(MongoError.scrub(String(cString: message), uri: monitor.uri))"
        )
      }, Unmanaged.passUnretained(self).toOpaque())
  }

  /// Installs the callbacks on `client`. The client must not outlive `self`.
  func install(on client: OpaquePointer) {
    guard let callbacks = api.apm_callbacks_new() else { return }
    defer { api.apm_callbacks_destroy(callbacks) }
    api.apm_set_command_started_cb(callbacks) { event in
      guard let event, let api = MongoRuntime.loaded,
        let context = api.apm_command_started_get_context(event)
      else { return }
      Unmanaged<CommandMonitor>.fromOpaque(context).takeUnretainedValue().commandStarted(event)
    }
    api.apm_set_command_succeeded_cb(callbacks) { event in
      guard let event, let api = MongoRuntime.loaded,
        let context = api.apm_command_succeeded_get_context(event)
      else { return }
      Unmanaged<CommandMonitor>.fromOpaque(context).takeUnretainedValue().commandSucceeded(event)
    }
    api.apm_set_command_failed_cb(callbacks) { event in
      guard let event, let api = MongoRuntime.loaded,
        let context = api.apm_command_failed_get_context(event)
      else { return }
      Unmanaged<CommandMonitor>.fromOpaque(context).takeUnretainedValue().commandFailed(event)
    }
    if log != nil {
      api.apm_set_server_changed_cb(callbacks) { event in
        guard let event, let api = MongoRuntime.loaded,
          let context = api.apm_server_changed_get_context(event)
        else { return }
        Unmanaged<CommandMonitor>.fromOpaque(context).takeUnretainedValue().serverChanged(event)
      }
      api.apm_set_topology_changed_cb(callbacks) { event in
        guard let event, let api = MongoRuntime.loaded,
          let context = api.apm_topology_changed_get_context(event)
        else { return }
        Unmanaged<CommandMonitor>.fromOpaque(context).takeUnretainedValue().topologyChanged(event)
      }
    }
    _ = api.client_set_apm_callbacks(client, callbacks, Unmanaged.passUnretained(self).toOpaque())
  }

  /// A server answered the handshake (`hello`): which server, what it is,
  /// and what fido sent.
  ///
  ///     mongo: handshake with 10.0.0.5:27017: RSPrimary of replica set rs0, wire version 21; appname fido/0.1.0, TLS (system CA certificates), login "fido" (SCRAM-SHA-256, authSource admin)
  private func serverChanged(_ event: OpaquePointer) {
    guard let log, let description = api.apm_server_changed_get_new_description(event) else {
      return
    }
    let type = string(api.server_description_type(description))
    guard type != "Unknown" else { return }
    var host = "?"
    if let list = api.apm_server_changed_get_host(event) {
      host = withUnsafeBytes(of: list.pointee.host_and_port) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
    var what = type
    if let reply = api.server_description_hello_response(description) {
      let hello = Document(copying: reply)
      if let set = hello["setName"]?.stringValue { what += " of replica set \(set)" }
      if let wire = hello["maxWireVersion"]?.replyInt64 { what += ", wire version \(wire)" }
    }
    log("mongo: handshake with \(host): \(what)\(session.map { "; \($0)" } ?? "")")
  }

  /// The deployment's type as libmongoc sees it (Single, ReplicaSetWithPrimary,
  /// Sharded, LoadBalanced), each time it changes.
  private func topologyChanged(_ event: OpaquePointer) {
    guard let log, let description = api.apm_topology_changed_get_new_description(event) else {
      return
    }
    let type = string(api.topology_description_type(description))
    guard type != lastTopology, type != "Unknown" else { return }
    lastTopology = type
    log("mongo: topology \(type)")
  }

  func note(_ line: @autoclosure () -> String) {
    log?(line())
  }

  private func commandStarted(_ event: OpaquePointer) {
    started += 1
    guard let log else { return }
    let name = string(api.apm_command_started_get_command_name(event))
    let db = string(api.apm_command_started_get_database_name(event))
    let request = api.apm_command_started_get_request_id(event)
    var target = db
    if let command = api.apm_command_started_get_command(event),
      let collection = collectionName(in: command)
    {
      target = "\(db).\(collection)"
    }
    log("mongo: → \(name) \(target) (request \(request))")
  }

  private func commandSucceeded(_ event: OpaquePointer) {
    guard let log else { return }
    let name = string(api.apm_command_succeeded_get_command_name(event))
    let duration = Self.milliseconds(api.apm_command_succeeded_get_duration(event))
    if let reply = api.apm_command_succeeded_get_reply(event),
      let code = writeErrorCode(in: reply)
    {
      log("mongo: ← \(name) failed \(duration) ms: code \(code)")
    } else {
      log("mongo: ← \(name) ok \(duration) ms")
    }
  }

  private func commandFailed(_ event: OpaquePointer) {
    guard let log else { return }
    let name = string(api.apm_command_failed_get_command_name(event))
    let duration = Self.milliseconds(api.apm_command_failed_get_duration(event))
    var error = bson_error_t()
    api.apm_command_failed_get_error(event, &error)
    let detail =
      error.domain == MongoError.serverDomain
      ? "code \(error.code)" : "error domain \(error.domain) code \(error.code)"
    log("mongo: ← \(name) failed \(duration) ms: \(detail)")
  }

  /// The collection a command targets: its first field's value when that is
  /// a string (`{insert: "transactions", …}`), else its `collection` field
  /// (`{getMore: <cursor id>, collection: "transactions"}`).
  private func collectionName(in command: OpaquePointer) -> String? {
    guard let iter = fido_bson_iter_storage_new() else { return nil }
    defer { fido_bson_iter_storage_free(iter) }
    var length: UInt32 = 0
    if bson_iter_init(iter, command), bson_iter_next(iter), bson_iter_type(iter) == BSON_TYPE_UTF8 {
      return string(bson_iter_utf8(iter, &length))
    }
    if bson_iter_init_find(iter, command, "collection"), bson_iter_type(iter) == BSON_TYPE_UTF8 {
      return string(bson_iter_utf8(iter, &length))
    }
    return nil
  }

  /// The code of the first write error or of a write concern error in an
  /// otherwise successful reply (`{ok: 1, writeErrors: [{code: 11000, …}]}`).
  private func writeErrorCode(in reply: OpaquePointer) -> Int32? {
    guard let iter = fido_bson_iter_storage_new(), let child = fido_bson_iter_storage_new() else {
      return nil
    }
    defer {
      fido_bson_iter_storage_free(iter)
      fido_bson_iter_storage_free(child)
    }
    if bson_iter_init_find(iter, reply, "writeErrors"), bson_iter_type(iter) == BSON_TYPE_ARRAY,
      bson_iter_recurse(iter, child), bson_iter_next(child),
      bson_iter_type(child) == BSON_TYPE_DOCUMENT,
      bson_iter_recurse(child, iter), bson_iter_find(iter, "code")
    {
      return bson_iter_as_int64(iter) == 0
        ? nil : Int32(truncatingIfNeeded: bson_iter_as_int64(iter))
    }
    if bson_iter_init_find(iter, reply, "writeConcernError"),
      bson_iter_type(iter) == BSON_TYPE_DOCUMENT,
      bson_iter_recurse(iter, child), bson_iter_find(child, "code")
    {
      return Int32(truncatingIfNeeded: bson_iter_as_int64(child))
    }
    return nil
  }

  private func string(_ p: UnsafePointer<CChar>?) -> String {
    p.map { String(cString: $0) } ?? "?"
  }

  /// Microseconds as milliseconds with two decimals, without Foundation.
  static func milliseconds(_ microseconds: Int64) -> String {
    let us = max(0, microseconds)
    let hundredths = (us + 5) / 10
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
  }
}
