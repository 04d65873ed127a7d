import FidoCore

enum TxnAdd {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let config = try ctx.config()
    // A bad SMS setting is a configuration error before anything is recorded.
    if let twilio = config.twilio {
      try SMSSender.checkSettings(twilio, timeoutMS: config.timeoutMS)
    }
    let ref = try UserRef.parse(inv.value("user") ?? "")
    let type = try TxnType.parse(inv.value("type") ?? "")
    let now = ctx.clock()
    // `--date now` is no date: the time of recording, as without --date
    // (so a retry with the same --key matches its first run).
    let date = inv.value("date").map(FidoDate.isNow) == true ? nil : try inv.date("date", now: now)
    let key = try inv.value("key").map { (k) throws(FidoError) in try IdempotencyKey.validate(k) }
    let store = try ctx.store()
    let user = try store.user(ref)
    let amount = try Money.minorUnits(inv.value("amount") ?? "", currency: user.currency)
    let skip = SMSState.skipReason(
      optOut: inv.flag("no-sms") ? "--no-sms" : nil, phone: user.phone,
      smsConfigured: config.twilio != nil, phoneOptedOut: user.phoneOptedOut)
    var new = NewTransaction(
      user: user, amount: amount, type: type, date: date, key: key, smsSkipReason: skip)
    // FIDO_SMS_MODE=queue: the alert stays pending for `fido sms worker`;
    // otherwise it is held for the sender's lease while it is sent below.
    if config.smsMode != .queue {
      new.smsLeaseMillis = SMSSender.leaseMillis(timeoutMS: config.timeoutMS)
    }
    let result = try store.addTransaction(new, now: now)
    var txn = result.transaction
    if result.created, txn.sms.status == .pending, new.smsLeaseMillis != nil,
      let twilio = config.twilio
    {
      txn = try SMSSender(
        store: store, settings: twilio, timeoutMS: config.timeoutMS, log: ctx.diagnostics()
      )
      .deliverNow(txn, now: ctx.clock)
      if txn.sms.status == .pending {
        ctx.warn(
          "transaction recorded, but its SMS is still pending (\(txn.sms.lastError ?? "not sent")); 'fido sms retry' will resend it"
        )
      } else if txn.sms.status == .failed {
        ctx.warn(
          "transaction recorded, but its SMS failed for good: \(txn.sms.lastError ?? "unknown error")"
        )
      }
    }
    try ctx.emit(txn.out)
  }
}

enum TxnList {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let ref = try UserRef.parse(inv.value("user") ?? "")
    let now = ctx.clock()
    let since = try inv.date("since", now: now)
    let until = try inv.date("until", now: now, endOfDay: true)
    let type = try inv.value("type").map { (t) throws(FidoError) in try TxnType.parse(t) }
    let after = try inv.objectID("after", what: "transaction id")
    let page = ListPage(limit: try inv.limit())
    let store = try ctx.store()
    // The user's currency too: a transaction in another one is unreadable.
    // By id, a missing user's (orphan) transactions are still listed.
    let user: ObjectID
    let currency: Currency?
    switch ref {
    case .id(let id):
      user = id
      currency = try store.userCurrency(id)
    case .email:
      let u = try store.user(ref)
      (user, currency) = (u.id, u.currency)
    }
    // One user's list: the table leaves out the columns every row repeats.
    let out = try ctx.listRenderer(tableOmits: ["user_id", "full_name"])
    try store.listTransactions(
      TxnFilter(
        user: user, since: since, until: until, type: type, after: after, limit: page.queryLimit),
      userCurrency: currency, invalid: { page.skip($0, ctx) }
    ) { (t) throws(FidoError) in if page.admit(id: t.id.hex) { try out.write(t.out) } }
    try ctx.finishList(out, page, what: "transactions")
  }
}

enum TxnGet {
  static func run(_ ctx: Context) throws(FidoError) {
    let id = try parseID(ctx.invocation.argument, what: "transaction id")
    try ctx.emit(try ctx.store().transaction(id).out)
  }
}

enum TxnUpdate {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let id = try parseID(inv.argument, what: "transaction id")
    let now = ctx.clock()
    var changes = TxnChanges()
    changes.type = try inv.value("type").map { (t) throws(FidoError) in try TxnType.parse(t) }
    changes.date = try inv.date("date", now: now)
    // Parsed in the transaction's currency once the update has read it.
    changes.amount = inv.value("amount")
    guard !changes.isEmpty else {
      throw .usage("nothing to update: give --amount, --type or --date")
    }
    try ctx.emit(try ctx.store().updateTransaction(id, changes, now: now).out)
  }
}

enum TxnDelete {
  static func run(_ ctx: Context) throws(FidoError) {
    let id = try parseID(ctx.invocation.argument, what: "transaction id")
    let store = try ctx.store()
    try ctx.confirm { () throws(FidoError) in
      let txn = try store.transaction(id)
      return "delete transaction \(id.hex) (\(txn.type.rawValue) \(txn.money.display))"
    }
    try ctx.emit(try store.deleteTransaction(id, now: ctx.clock()).out)
  }
}

enum AnalyticsCommand {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let ref = try UserRef.parse(inv.argument)
    let now = ctx.clock()
    let since = try inv.date("since", now: now)
    let until = try inv.date("until", now: now, endOfDay: true)
    if let since, let until, since > until {
      throw .invalidData("--since is after --until: the window is empty; swap them")
    }
    let store = try ctx.store()
    let (user, figures) =
      since == nil && until == nil
      ? try store.analytics(ref) : try store.analytics(ref, since: since, until: until)
    try ctx.emit(figures.out(user: user, since: since, until: until))
  }
}
