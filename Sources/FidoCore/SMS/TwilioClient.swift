/// Twilio's Messages API (2010-04-01) over libcurl: create one message, and
/// look one up after an ambiguous outcome. Blocking, one request at a time,
/// all on one `CurlEasy` made at the first request (so libcurl is loaded only
/// when a request is sent); look-up pages share a connection, and a create
/// never rides a reused one (`CurlEasy` opens a fresh connection per POST).
///
/// Logging (`-v`): one line per request and one per answer or failure, with
/// the account SID cut to its first 6 characters and no query string (it
/// holds phone numbers). Credentials go to libcurl as CURLOPT_USERNAME /
/// CURLOPT_PASSWORD only; they are never in a URL, a log line or a reason,
/// and as a last guard every log line has the token masked.
package final class TwilioClient {
  package let config: TwilioConfig
  private let log: (@Sendable (String) -> Void)?
  /// The handle, made at the first request; a failure to load libcurl
  /// fails that request and every later one before anything is sent.
  private var easy: Result<CurlEasy, CurlError>?

  /// A lookup reads at most this many pages of 50 before it gives up with `.failed`.
  package static let maxLookupPages = 20
  /// How far Twilio's clock may lag this machine's: a message created more
  /// than this before the attempt began is not the attempt's.
  package static let clockSkewMillis: Int64 = 10 * 60 * 1000

  package init(_ config: TwilioConfig, log: (@Sendable (String) -> Void)? = nil) {
    self.config = config
    self.log = log
  }

  /// Creates one SMS: `POST {base}/2010-04-01/Accounts/{SID}/Messages.json`
  /// with the form fields `To`, `From` and/or `MessagingServiceSid`, `Body`
  /// and `ValidityPeriod` (so Twilio drops it rather than deliver it hours
  /// late). Assumes a config that passed `validate()`.
  package func send(to: String, body: String) -> SendOutcome {
    var form = [("To", to)]
    if let from = config.from, !from.isEmpty { form.append(("From", from)) }
    if let service = config.messagingServiceSID, !service.isEmpty {
      form.append(("MessagingServiceSid", service))
    }
    form.append(("Body", body))
    form.append(("ValidityPeriod", String(config.settings.validitySeconds)))
    let request = HTTPRequest(
      method: .post, url: url(messagesPath),
      headers: [
        (name: "Accept", value: "application/json"),
        (name: "Content-Type", value: "application/x-www-form-urlencoded"),
      ],
      body: Array(FormURLEncoding.encode(form).utf8))
    switch exchange(request) {
    case .failure(let error):
      return error.requestMaySent
        ? .ambiguous(reason: "may have been sent: " + error.message)
        : .retryable(reason: "not sent: " + error.message, retryAfterSeconds: nil)
    case .success(let response):
      return Self.outcome(ofCreate: response)
    }
  }

  package enum LookupResult: Sendable, Equatable {
    case found(sid: String)
    /// Twilio answered every page and no message matches.
    case notFound
    /// The lookup itself failed; whether the message exists is still unknown.
    case failed(reason: String)
    case unauthorized(reason: String)
  }

  /// After an ambiguous outcome: did Twilio create an outbound message to
  /// `to` whose body is exactly `body`, on or after `sentAfterMs` (less
  /// `clockSkewMillis`), that `isTaken` does not claim for another
  /// notification? Lists `GET …/Messages.json?To=…&DateSent>=YYYY-MM-DD&PageSize=50`
  /// (Twilio filters dates by whole UTC days; the day before absorbs clock
  /// skew and midnight) and follows `next_page_uri` for up to
  /// `maxLookupPages` pages. If there are more pages than that, the answer is
  /// `.failed`, not `.notFound`: only a complete search may lead to a resend.
  ///
  /// The same text can go to the same number twice in a day (credit, debit,
  /// credit again leaves the same balance): a message created well before
  /// the attempt (`date_created`), or one whose sid another notification
  /// already holds, is not this one. Limits: a message Twilio still holds
  /// without a send date may not be listed yet by the `DateSent` filter.
  package func lookup(
    to: String, body: String, sentAfterMs: Int64, isTaken: (String) -> Bool = { _ in false }
  ) -> LookupResult {
    let earliest = sentAfterMs - Self.clockSkewMillis
    let day = FidoDate.day(sentAfterMs - 86_400_000)
    var target =
      messagesPath + "?"
      + FormURLEncoding.encode([("To", to), ("DateSent>", day), ("PageSize", "50")])
    for _ in 0..<Self.maxLookupPages {
      let request = HTTPRequest(
        method: .get, url: url(target), headers: [(name: "Accept", value: "application/json")])
      let response: HTTPResponse
      switch exchange(request) {
      case .failure(let error): return .failed(reason: "message lookup: " + error.message)
      case .success(let r): response = r
      }
      let json = try? JSONValue.parse(response.body)
      if Self.isAuthFailure(status: response.status, code: json?["code"]?.intValue) {
        return .unauthorized(reason: Self.describe(response.status, json))
      }
      guard response.status == 200, let json, let messages = json["messages"]?.arrayValue else {
        return .failed(reason: "message lookup: " + Self.describe(response.status, json))
      }
      for message in messages where Self.matches(message, to: to, body: body) {
        if let created = message["date_created"]?.stringValue.flatMap(Self.parseRFC2822),
          created < earliest
        {
          continue
        }
        if let sid = message["sid"]?.stringValue, !isTaken(sid) { return .found(sid: sid) }
      }
      guard let next = json["next_page_uri"]?.stringValue, !next.isEmpty else { return .notFound }
      // Follow only Twilio's own relative page links to the same list.
      guard next.hasPrefix(messagesPath + "?") else {
        return .failed(reason: "message lookup: unexpected next_page_uri")
      }
      target = next
    }
    return .failed(reason: "message lookup: more than \(Self.maxLookupPages) pages of messages")
  }

  package enum AccountCheck: Sendable, Equatable {
    /// Twilio accepted the credentials; the account's status (`active`, `suspended`…).
    case ok(status: String)
    case unauthorized(reason: String)
    case failed(reason: String)
  }

  /// `doctor`: one authenticated `GET …/Accounts/{Sid}.json`, so a wrong
  /// token shows before an alert is lost to it.
  package func checkAccount() -> AccountCheck {
    let path = "/2010-04-01/Accounts/\(FormURLEncoding.percentEncode(config.accountSID)).json"
    let request = HTTPRequest(
      method: .get, url: url(path), headers: [(name: "Accept", value: "application/json")])
    switch exchange(request) {
    case .failure(let error): return .failed(reason: error.message)
    case .success(let response):
      let json = try? JSONValue.parse(response.body)
      if Self.isAuthFailure(status: response.status, code: json?["code"]?.intValue) {
        return .unauthorized(reason: Self.describe(response.status, json))
      }
      guard response.status == 200 else {
        return .failed(reason: Self.describe(response.status, json))
      }
      return .ok(status: json?["status"]?.stringValue ?? "unknown")
    }
  }

  /// What a fetch of one message says about its delivery.
  package enum FetchResult: Sendable, Equatable {
    /// Twilio answered with the message: its `status`, and `error_code` and
    /// `error_message` when it has them.
    case message(status: String, errorCode: Int?, errorMessage: String?)
    /// 429 / 20429: not processed; ask again after `retryAfterSeconds` if given.
    case rateLimited(reason: String, retryAfterSeconds: Int?)
    /// Twilio has no such message (404): it will not have one later either.
    case notFound(reason: String)
    case unauthorized(reason: String)
    /// Transport error, 5xx, or an answer without a status: try again later.
    case failed(reason: String)
  }

  /// `GET {base}/2010-04-01/Accounts/{SID}/Messages/{Sid}.json`: one request.
  package func fetch(sid: String) -> FetchResult {
    guard Self.isMessageSID(sid) else { return .notFound(reason: "not a message sid") }
    let path =
      "/2010-04-01/Accounts/\(FormURLEncoding.percentEncode(config.accountSID))/Messages/\(sid).json"
    let request = HTTPRequest(
      method: .get, url: url(path), headers: [(name: "Accept", value: "application/json")])
    switch exchange(request) {
    case .failure(let error): return .failed(reason: "message fetch: " + error.message)
    case .success(let response): return Self.result(ofFetch: response)
    }
  }

  static func result(ofFetch response: HTTPResponse) -> FetchResult {
    let json = try? JSONValue.parse(response.body)
    let code = json?["code"]?.intValue
    if isAuthFailure(status: response.status, code: code) {
      return .unauthorized(reason: describe(response.status, json))
    }
    if response.status == 429 || code == 20429 {
      return .rateLimited(
        reason: describe(response.status, json),
        retryAfterSeconds: Backoff.retryAfterSeconds(response.headers["Retry-After"]))
    }
    if response.status == 404 { return .notFound(reason: describe(response.status, json)) }
    guard response.status == 200, let json, let status = json["status"]?.stringValue,
      !status.isEmpty
    else {
      return .failed(reason: "message fetch: " + describe(response.status, json))
    }
    let message = json["error_message"]?.stringValue
    return .message(
      status: status, errorCode: json["error_code"]?.intValue,
      errorMessage: (message?.isEmpty ?? true) ? nil : message)
  }

  // MARK: - Classification

  /// The create's answer in outbox terms; see `SendOutcome` for the rules.
  static func outcome(ofCreate response: HTTPResponse) -> SendOutcome {
    let status = response.status
    let json = try? JSONValue.parse(response.body)
    if (200..<300).contains(status) {
      guard let sid = json?["sid"]?.stringValue, isMessageSID(sid) else {
        return .ambiguous(reason: "HTTP \(status) without a valid message sid")
      }
      return .sent(sid: sid, status: json?["status"]?.stringValue ?? "")
    }
    let code = json?["code"]?.intValue
    let reason = describe(status, json)
    if isAuthFailure(status: status, code: code) { return .unauthorized(reason: reason) }
    if status == 429 || code == 20429 || code == 21611 {
      return .retryable(
        reason: reason,
        retryAfterSeconds: Backoff.retryAfterSeconds(response.headers["Retry-After"]))
    }
    if (400..<500).contains(status) { return .permanent(code: code, reason: reason) }
    return .ambiguous(reason: reason)
  }

  private static func isAuthFailure(status: Int, code: Int?) -> Bool {
    status == 401 || status == 403 || code == 20003
  }

  /// `Twilio error 21211 (HTTP 400): <message> (<more_info>)`, or
  /// `HTTP 503: <message>` without a Twilio code, from whatever the error
  /// body holds. Names the code once: callers add nothing to it.
  static func describe(_ status: Int, _ json: JSONValue?) -> String {
    var text = "HTTP \(status)"
    if let code = json?["code"]?.intValue { text = "Twilio error \(code) (HTTP \(status))" }
    if let message = json?["message"]?.stringValue, !message.isEmpty { text += ": " + message }
    if let more = json?["more_info"]?.stringValue, !more.isEmpty { text += " (\(more))" }
    return text
  }

  private static func matches(_ message: JSONValue, to: String, body: String) -> Bool {
    guard let sid = message["sid"]?.stringValue, isMessageSID(sid) else { return false }
    return message["to"]?.stringValue == to && message["body"]?.stringValue == body
      && (message["direction"]?.stringValue?.hasPrefix("outbound") ?? false)
  }

  /// Twilio's RFC 2822 timestamps (`Thu, 24 Aug 2023 05:01:45 +0000`) as
  /// milliseconds since the epoch; nil for anything else.
  static func parseRFC2822(_ text: String) -> Int64? {
    func number(_ s: Substring) -> Int64? {
      guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
      return Int64(s)
    }
    let parts = text.split(separator: " ")
    guard parts.count == 6, parts[0].hasSuffix(","), let day = number(parts[1]),
      let month = Self.months.firstIndex(of: String(parts[2])).map({ Int64($0 + 1) }),
      let year = number(parts[3]), (1...9999).contains(year),
      day >= 1, day <= FidoDate.daysInMonth(year, month)
    else { return nil }
    let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
    let zone = parts[5]
    guard clock.count == 3, let h = number(clock[0]), let m = number(clock[1]),
      let sec = number(clock[2]), h < 24, m < 60, sec < 61,
      zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
      let zh = number(zone.dropFirst().prefix(2)), let zm = number(zone.suffix(2))
    else { return nil }
    let offset = (zh * 60 + zm) * 60_000 * (sign == "-" ? -1 : 1)
    let days = FidoDate.days(fromCivil: year, month, day)
    return days * FidoDate.msPerDay + ((h * 60 + m) * 60 + sec) * 1000 - offset
  }

  private static let months = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  /// `^(SM|MM)[0-9a-fA-F]{32}$`
  static func isMessageSID(_ sid: String) -> Bool {
    TwilioSettings.isSID(sid, prefix: "SM") || TwilioSettings.isSID(sid, prefix: "MM")
  }

  // MARK: - Transport

  private var messagesPath: String {
    "/2010-04-01/Accounts/\(FormURLEncoding.percentEncode(config.accountSID))/Messages.json"
  }

  private func url(_ pathAndQuery: String) -> String {
    var base = config.apiBase
    while base.hasSuffix("/") { base.removeLast() }
    return base + pathAndQuery
  }

  /// One request with the account's credentials and the configured time
  /// limit, logged without secrets.
  private func exchange(_ request: HTTPRequest) -> Result<HTTPResponse, CurlError> {
    var request = request
    request.username = config.accountSID
    request.password = config.authToken
    request.connectTimeoutMS = config.timeoutMS
    request.timeoutMS = config.timeoutMS
    // The path without the query (a lookup's To= is a customer's number).
    var path = String(request.url.dropFirst(url("").count).prefix { $0 != "?" })
    if path.isEmpty { path = messagesPath }
    let shownPath = path.replacing(config.accountSID, with: config.accountSID.prefix(6) + "…")
    emit("twilio: → \(request.method.rawValue) \(shownPath)")
    let clock = ContinuousClock()
    let start = clock.now
    func elapsed() -> Int64 {
      let d = clock.now - start
      return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
    do {
      if easy == nil { easy = Result { () throws(CurlError) in try CurlEasy() } }
      let response = try easy!.get().perform(request)
      emit("twilio: ← \(response.status) in \(elapsed()) ms")
      return .success(response)
    } catch {
      let sent = error.requestMaySent ? "may have been sent" : "not sent"
      emit("twilio: ✗ after \(elapsed()) ms: \(error.message) (request \(sent))")
      return .failure(error)
    }
  }

  private func emit(_ line: String) {
    guard let log else { return }
    log(config.authToken.isEmpty ? line : line.replacing(config.authToken, with: "<redacted>"))
  }

}
