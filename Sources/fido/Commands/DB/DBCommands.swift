import FidoCore

enum DBInit {
  static func run(_ ctx: Context) throws(FidoError) {
    let store = try ctx.store()
    try store.ensureIndexes()
    let out = try ctx.listRenderer()
    for (collection, specs) in FidoStore.Indexes.all {
      for spec in specs {
        try out.write(
          OutObject([
            ("collection", .string(collection)),
            ("index", .string(spec["name"]?.stringValue ?? "")),
            ("unique", .bool(spec["unique"]?.boolValue ?? false)),
          ]))
      }
    }
    try out.finish()
  }
}

enum DBCheck {
  static func run(_ ctx: Context) throws(FidoError) {
    let repair = ctx.invocation.flag("repair")
    let store = try ctx.store()
    let out = try ctx.listRenderer()
    let now = ctx.clock()
    let drifts = try store.check(repair: repair, now: now) { (drift) throws(FidoError) in
      var o = drift.out
      if repair { o.append("repaired", .bool(true)) }
      try out.write(o)
    }
    // History: every chain is verified the way 'fido audit verify' does; a
    // repair adopts the records where only they differ from history (a
    // `repair` entry keeps what history said) and leaves damaged chains.
    let adopted = repair ? try store.adoptHistory(now: now) : 0
    var users: [String] = []
    let remaining = try store.verifyAudit { (problem) throws(FidoError) in
      if users.last != problem.userID.hex { users.append(problem.userID.hex) }
      var o = OutObject([
        ("user_id", .string(problem.userID.hex)), ("figure", .string("history: \(problem.what)")),
        ("stored", .string(problem.live)), ("expected", .string(problem.recorded)),
      ])
      if repair { o.append("repaired", .bool(false)) }
      try out.write(o)
    }
    try out.finish()
    if drifts > 0 && !repair {
      throw .failure(
        "\(drifts) figure(s) drifted from the transactions; run 'fido db check --repair' to fix them"
      )
    }
    if drifts > 0 { ctx.io.err.write("fido: repaired \(drifts) drifted figure(s)\n") }
    if adopted > 0 {
      ctx.io.err.write(
        "fido: recorded \(adopted) change(s) made outside fido in history (action repair)\n")
    }
    if remaining > 0 {
      throw .failure(
        AuditVerify.summary(found: remaining, users: users)
          + (repair
            ? "; a damaged chain cannot be repaired"
            : "; 'fido db check --repair' records changes made outside fido"))
    }
  }
}
