import FidoCore

enum SMSList {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let status = inv.value("status").flatMap(SMSState.Status.init(rawValue:))
    let page = ListPage(limit: try inv.limit())
    let store = try ctx.store()
    let out = try ctx.listRenderer()
    try store.listSMS(status: status, limit: page.queryLimit, invalid: { page.skip($0, ctx) }) {
      (t) throws(FidoError) in
      if page.admit(id: t.id.hex) { try out.write(t.smsOut) }
    }
    try ctx.finishList(out, page, what: "alerts", pagesWithAfter: false)
  }
}

/// The Twilio settings, checked: SMS not configured or a bad setting is exit 78.
func configuredTwilio(_ ctx: Context) throws(FidoError) -> (Config, TwilioSettings) {
  let config = try ctx.config()
  guard let twilio = config.twilio else {
    throw .config(
      "SMS is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID)"
    )
  }
  try SMSSender.checkSettings(twilio, timeoutMS: config.timeoutMS)
  return (config, twilio)
}

enum SMSRetry {
  static func run(_ ctx: Context) throws(FidoError) {
    let (config, twilio) = try configuredTwilio(ctx)
    let limit = try ctx.invocation.limit()
    let store = try ctx.store()
    let sender = SMSSender(
      store: store, settings: twilio, timeoutMS: config.timeoutMS, log: ctx.diagnostics())
    let summary = try sender.retryDue(limit: limit, now: ctx.clock)
    try ctx.emit(
      OutObject([
        ("claimed", .int(Int64(summary.claimed))), ("sent", .int(Int64(summary.sent))),
        ("failed", .int(Int64(summary.failed))), ("skipped", .int(Int64(summary.skipped))),
        ("pending", .int(Int64(summary.stillPending))),
      ]))
    ctx.summary(
      summary.claimed == 0
        ? "sms retry: no alert was due"
        : "sms retry: \(plural(summary.claimed, "due alert")): \(summary.sent) sent, "
          + "\(summary.failed) failed for good, \(summary.skipped) skipped, "
          + "\(summary.stillPending) still pending")
    if let reason = summary.unauthorized {
      throw .unauthorized(
        "Twilio refused the credentials (\(reason)); fix TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN and run 'fido sms retry' again"
      )
    }
    try unreadableAlerts(summary.unreadable, ctx, doing: "sent")
  }
}

/// Alerts a pass left alone because their transactions cannot be read: a
/// warning each, then exit 65 (the other alerts were handled).
func unreadableAlerts(_ docs: [UnreadableDocument], _ ctx: Context, doing: String)
  throws(FidoError)
{
  guard !docs.isEmpty else { return }
  let hours = SMSSender.putOffMillis / 3_600_000
  for doc in docs { ctx.warn("\(doc.sentence); its alert was not \(doing)") }
  throw .invalidData(
    "\(plural(docs.count, "alert")) not \(doing): fido cannot read \(docs.count == 1 ? "its transaction" : "their transactions") (see the warnings), tried again in \(plural(Int(hours), "hour")); fido shows no guessed value: see 'fido db check'"
  )
}

enum SMSSync {
  static func run(_ ctx: Context) throws(FidoError) {
    let (config, twilio) = try configuredTwilio(ctx)
    let limit = try ctx.invocation.limit()
    let store = try ctx.store()
    let sender = SMSSender(
      store: store, settings: twilio, timeoutMS: config.timeoutMS, log: ctx.diagnostics())
    let started = ctx.clock()
    // A message still on its way is due again at once: the next run asks again.
    let summary = try sender.syncDue(limit: limit, now: ctx.clock, pollDelay: { _, _ in 0 })
    try ctx.emit(
      OutObject([
        ("checked", .int(Int64(summary.checked))), ("delivered", .int(Int64(summary.delivered))),
        ("undelivered", .int(Int64(summary.undelivered))),
        ("in_flight", .int(Int64(summary.inFlight))), ("errors", .int(Int64(summary.errors))),
      ]))
    if let reason = summary.unauthorized {
      throw .unauthorized(
        "Twilio refused the credentials (\(reason)); fix TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN and run 'fido sms sync' again"
      )
    }
    var sentence =
      "sms sync: checked \(plural(summary.checked, "message")): \(summary.delivered) delivered, \(summary.undelivered) undelivered, \(summary.inFlight) still on their way"
    if summary.errors > 0 { sentence += ", \(summary.errors) not answered" }
    sentence += " in \(elapsedText(ms: ctx.clock() - started))"
    if let trouble = summary.twilioTrouble {
      sentence += "; stopped early: \(trouble)"
    }
    ctx.summary(CoreText.escaped(sentence))
    try unreadableAlerts(summary.unreadable, ctx, doing: "checked")
  }
}

enum SMSWorkerCommand {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let interval = try intervalMS(inv.value("interval"))
    let (config, twilio) = try configuredTwilio(ctx)
    let store = try ctx.store()
    let json = config.output == .json || config.output == .ndjson
    let err = ctx.io.err
    Interrupts.catchTerminationSignals()
    let worker = SMSWorker(
      store: store, settings: twilio, timeoutMS: config.timeoutMS, intervalMS: interval,
      twilioLog: ctx.diagnostics(),
      log: { event in
        err.write(
          json ? Render.json(.object(event.out)) + "\n" : "fido: worker: " + text(event.out) + "\n")
        err.flush()
      },
      shouldStop: { Interrupts.received != 0 }, now: ctx.clock)
    try worker.run(once: inv.flag("once"))
  }

  /// `--interval SECONDS`: 0.1 to 3600, decimals allowed.
  static func intervalMS(_ text: String?) throws(FidoError) -> Int64 {
    guard let text else { return 5000 }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    let digits = { (s: Substring) in !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    guard parts.count <= 2, digits(parts[0]), parts.count == 1 || digits(parts[1]),
      parts[0].count <= 4
    else {
      throw .usage(
        "'--interval' takes seconds from 0.1 to 3600 such as 5 or 0.5, got \(CoreText.quoted(text))"
      )
    }
    let whole = Int64(parts[0])!
    let fraction = parts.count == 2 ? Array(parts[1].utf8.prefix(3)) : []
    var ms = whole * 1000
    var scale: Int64 = 100
    for d in fraction {
      ms += Int64(d - 0x30) * scale
      scale /= 10
    }
    guard (100...3_600_000).contains(ms) else {
      throw .usage(
        "'--interval' takes seconds from 0.1 to 3600 such as 5 or 0.5, got \(CoreText.quoted(text))"
      )
    }
    return ms
  }

  /// `sent transaction_id=… to=… sid=… attempts=1`: the event, then its fields.
  static func text(_ event: OutObject) -> String {
    var words: [String] = []
    for (key, value) in event.fields where key != "at" {
      if key == "event" {
        words.append(Render.fieldText(value))
      } else {
        let v = Render.fieldText(value)
        words.append(v.contains(" ") || v.isEmpty ? "\(key)=\"\(v)\"" : "\(key)=\(v)")
      }
    }
    return CoreText.escaped(words.joined(separator: " "))
  }
}
