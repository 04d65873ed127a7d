import FidoCore

enum SMSList {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let status = inv.value("status").flatMap(SMSState.Status.init(rawValue:))
    let page = ListPage(limit: try inv.limit())
    let store = try ctx.store()
    let out = try ctx.listRenderer()
    try store.listSMS(status: status, limit: page.queryLimit) { (t) throws(FidoError) in
      if page.admit(id: t.id.hex) { try out.write(t.smsOut) }
    }
    try ctx.finishList(out, page, what: "alerts", pagesWithAfter: false)
  }
}

enum SMSRetry {
  static func run(_ ctx: Context) throws(FidoError) {
    let config = try ctx.config()
    guard let twilio = config.twilio else {
      throw .config(
        "SMS is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (or TWILIO_MESSAGING_SERVICE_SID)"
      )
    }
    try SMSSender.checkSettings(twilio, timeoutMS: config.timeoutMS)
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
  }
}
