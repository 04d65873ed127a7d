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
    let page = ListPage(limit: try inv.limit())
    let user = try historyUser(ctx)
    let options = try ctx.renderOptions()
    let nested = options.format == .json || options.format == .ndjson
    // Columns every row repeats (the user's id with --user, the target with
    // --txn): a table leaves them out, as txn list does.
    let out = try ctx.listRenderer(
      tableOmits: (user == nil ? [] : ["user_id"])
        + (txn == nil ? [] : ["target_collection", "target_id"]))
    try ctx.store().listAudit(
      AuditFilter(
        user: user, txn: txn, since: since, until: until, after: after, limit: page.queryLimit)
    ) { (entry) throws(FidoError) in
      if page.admit(id: entry["_id"]?.objectIDValue?.hex ?? "") {
        try out.write(AuditView.out(entry, nested: nested))
      }
    }
    try ctx.finishList(out, page, what: "history entries")
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
