internal import CCurl

/// Owns one libcurl easy handle, its header list and its error buffer, and
/// runs blocking requests on it; `deinit` releases all three. Not `Sendable`:
/// use a handle from one thread at a time.
///
/// Every request gets the same safety settings: only `http`/`https`, no
/// redirects (credentials never follow one), TLS peer and host verification
/// on, no signals (timeouts work off the main thread), no `Expect:
/// 100-continue`, connect and total time limits. A POST always opens a fresh
/// connection and closes it afterwards: on a reused connection that turns out
/// dead, libcurl silently resends the request, which for a non-idempotent
/// POST could repeat it.
package final class CurlEasy {
  private let runtime: HTTPRuntime
  private let api: UnsafeMutablePointer<fido_curl_api>
  private let handle: UnsafeMutableRawPointer
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let errorBuffer: UnsafeMutablePointer<CChar>

  /// A response body larger than this ends the transfer with an error.
  package static let maxResponseBytes = 16 << 20

  /// A handle on a runtime of its own (one-off requests, tests).
  package convenience init() throws(CurlError) {
    try self.init(runtime: HTTPRuntime())
  }

  package init(runtime: HTTPRuntime) throws(CurlError) {
    self.runtime = runtime
    api = runtime.api
    guard let handle = runtime.api.pointee.easy_init() else {
      throw CurlError(
        code: CURLE_FAILED_INIT, detail: "curl_easy_init failed", requestWritten: false)
    }
    self.handle = handle
    errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
    errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
  }

  deinit {
    api.pointee.easy_cleanup(handle)
    api.pointee.slist_free_all(headerList)
    errorBuffer.deallocate()
  }

  /// Sends `request` and waits for the complete answer. Any HTTP status is a
  /// response; only transport failures throw.
  package func perform(_ request: HTTPRequest) throws(CurlError) -> HTTPResponse {
    api.pointee.easy_reset(handle)
    api.pointee.slist_free_all(headerList)
    headerList = nil
    errorBuffer[0] = 0

    let sink = ResponseSink()
    try configure(request, sink: Unmanaged.passUnretained(sink).toOpaque())
    let code = withExtendedLifetime(sink) { api.pointee.easy_perform(handle) }
    guard code == CURLE_OK else {
      throw CurlError(
        code: code, detail: detail(code),
        requestWritten: requestWritten(bodyLength: request.method == .post ? request.body.count : 0)
      )
    }
    var status = 0
    _ = fido_curl_easy_getinfo_long(api, handle, CURLINFO_RESPONSE_CODE, &status)
    return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
  }

  private func configure(_ request: HTTPRequest, sink: UnsafeMutableRawPointer) throws(CurlError) {
    try check(fido_curl_easy_setopt_pointer(api, handle, CURLOPT_ERRORBUFFER, errorBuffer))
    try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_NOSIGNAL, 1))
    try check(fido_curl_easy_setopt_string(api, handle, CURLOPT_URL, request.url))
    try check(fido_curl_easy_setopt_string(api, handle, CURLOPT_PROTOCOLS_STR, "http,https"))
    try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_FOLLOWLOCATION, 0))
    try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_SSL_VERIFYPEER, 1))
    try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_SSL_VERIFYHOST, 2))
    try check(
      fido_curl_easy_setopt_long(
        api, handle, CURLOPT_CONNECTTIMEOUT_MS, Self.clampedMS(request.connectTimeoutMS)))
    try check(
      fido_curl_easy_setopt_long(api, handle, CURLOPT_TIMEOUT_MS, Self.clampedMS(request.timeoutMS))
    )
    try check(fido_curl_easy_setopt_string(api, handle, CURLOPT_USERAGENT, "fido"))
    try check(fido_curl_easy_setopt_write_function(api, handle, Self.receiveBody))
    try check(fido_curl_easy_setopt_pointer(api, handle, CURLOPT_WRITEDATA, sink))
    try check(fido_curl_easy_setopt_header_function(api, handle, Self.receiveHeader))
    try check(fido_curl_easy_setopt_pointer(api, handle, CURLOPT_HEADERDATA, sink))
    // HTTP Basic is libcurl's default CURLOPT_HTTPAUTH; libcurl sends it with the request.
    if let username = request.username {
      try check(fido_curl_easy_setopt_string(api, handle, CURLOPT_USERNAME, username))
    }
    if let password = request.password {
      try check(fido_curl_easy_setopt_string(api, handle, CURLOPT_PASSWORD, password))
    }
    var lines = request.headers.map { "\($0.name): \($0.value)" }
    switch request.method {
    case .get:
      try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_HTTPGET, 1))
    case .post:
      try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_FRESH_CONNECT, 1))
      try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_FORBID_REUSE, 1))
      try check(fido_curl_easy_setopt_long(api, handle, CURLOPT_POST, 1))
      try check(
        fido_curl_easy_setopt_off_t(
          api, handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
      // COPYPOSTFIELDS copies the bytes now, so the buffer need not outlive this call.
      var body = request.body
      body.append(0)  // a non-empty buffer, so an empty body still has an address
      try check(
        body.withUnsafeMutableBytes {
          fido_curl_easy_setopt_pointer(api, handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress)
        })
      lines.append("Expect:")
    }
    for line in lines {
      guard let list = api.pointee.slist_append(headerList, line) else {
        throw CurlError(code: CURLE_OUT_OF_MEMORY, detail: "", requestWritten: false)
      }
      headerList = list
    }
    try check(fido_curl_easy_setopt_slist(api, handle, CURLOPT_HTTPHEADER, headerList))
  }

  private func check(_ code: CURLcode) throws(CurlError) {
    guard code == CURLE_OK else {
      throw CurlError(code: code, detail: detail(code), requestWritten: false)
    }
  }

  /// libcurl's detail names the host, port and time; its generic text is the fallback.
  private func detail(_ code: CURLcode) -> String {
    let specific = String(cString: errorBuffer)
    return specific.isEmpty ? runtime.text(of: code) : specific
  }

  /// The second half of `CurlError`'s rule: did libcurl hand the whole request to the socket?
  private func requestWritten(bodyLength: Int) -> Bool {
    if bodyLength > 0 {
      var uploaded: curl_off_t = 0
      guard fido_curl_easy_getinfo_off_t(api, handle, CURLINFO_SIZE_UPLOAD_T, &uploaded) == CURLE_OK
      else { return true }
      return uploaded >= bodyLength
    }
    var requestSize = 0
    guard fido_curl_easy_getinfo_long(api, handle, CURLINFO_REQUEST_SIZE, &requestSize) == CURLE_OK
    else { return true }
    return requestSize > 0
  }

  private static func clampedMS(_ ms: Int64) -> Int {
    Int(max(1, min(ms, Int64(Int32.max))))
  }

  private static let receiveBody: fido_curl_data_callback = { data, size, count, userdata in
    let n = size * count
    guard let data, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    guard sink.body.count + n <= CurlEasy.maxResponseBytes else { return 0 }  // CURLE_WRITE_ERROR
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
    return n
  }

  private static let receiveHeader: fido_curl_data_callback = { data, size, count, userdata in
    let n = size * count
    guard let data, let userdata else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
    // Each response (an interim 1xx, then the final one) starts with a status
    // line; keep only the last response's fields.
    if line.hasPrefix("HTTP/") {
      sink.headers.removeAll()
    } else {
      sink.headers.append(line: line)
    }
    return n
  }
}

/// Where the C callbacks put what arrives; reached through `WRITEDATA`/`HEADERDATA`.
private final class ResponseSink {
  var body: [UInt8] = []
  var headers = HTTPHeaders()
}
