import FidoCore

/// `--user USER` for history: an id is taken as is (a deleted user's history
/// stays readable by id); an email is looked up among the live users.
private func historyUser(_ ctx: Context) throws(FidoError) -> ObjectID? {
  guard let text = ctx.invocation.value("user") else { return nil }
  switch try UserRef.parse(text) {
  case .id(let id): return id
  case .email(let email):
    return try ctx.store().user(.email(email)).id
  }
}

enum AuditList {
  static func run(_ ctx: Context) throws(FidoError) {
    let inv = ctx.invocation
    let now = ctx.clock()
    let since = try inv.date("since", now: now)
    let until = try inv.date("until", now: now, endOfDay: true)
    let txn = try inv.objectID("txn", what: "transaction id")
    let after = try inv.objectID("after", what: "history entry id")
    let limit = try inv.limit()
    let user = try historyUser(ctx)
    let options = try ctx.renderOptions()
    let nested = options.format == .json || options.format == .ndjson
    let out = try ctx.listRenderer()
    try ctx.store().listAudit(
      AuditFilter(user: user, txn: txn, since: since, until: until, after: after, limit: limit)
    ) { (entry) throws(FidoError) in try out.write(AuditView.out(entry, nested: nested)) }
    try out.finish()
  }
}

enum AuditVerify {
  static func run(_ ctx: Context) throws(FidoError) {
    let user = try historyUser(ctx)
    let out = try ctx.listRenderer(schema: .auditProblem)
    var users: [String] = []
    let found = try ctx.store().verifyAudit(user: user) { (problem) throws(FidoError) in
      if users.last != problem.userID.hex { users.append(problem.userID.hex) }
      try out.write(problem.out)
    }
    try out.finish()
    if found > 0 {
      throw .failure(Self.summary(found: found, users: users))
    }
    ctx.io.err.write("fido: every history chain verifies and matches the records\n")
  }

  static func summary(found: Int, users: [String]) -> String {
    let named = users.prefix(5).joined(separator: ", ") + (users.count > 5 ? ", …" : "")
    return
      "history does not verify: \(found) problem(s) for \(users.count) user(s) (\(named)); see 'fido help audit verify'"
  }
}
