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
    let out = try ctx.listRenderer(schema: .drift(repair: repair))
    let now = ctx.clock()
    var repaired = 0
    var left = 0
    var orphanUsers: [String] = []
    var unrepairable = 0
    // Documents fido cannot read: reported, left as they are, out of every figure.
    var invalid = 0
    let found: Int
    do {
      found = try store.check(repair: repair, now: now) { (drift, fixed) throws(FidoError) in
        var o = drift.out
        if let fixed {
          o.append("repaired", .bool(fixed))
          if fixed { repaired += 1 } else { left += 1 }
        }
        if drift.figure == "user", let u = drift.userID { orphanUsers.append(u.hex) }
        if drift.isInvalid {
          invalid += 1
        } else if !drift.repairable {
          unrepairable += 1
        }
        try out.write(o)
      }
    } catch {
      try? out.finish()
      // Each user's repair is its own transaction: the ones done stay done.
      if repaired > 0 {
        ctx.io.err.write("fido: repaired \(repaired) drifted figure(s) before the failure\n")
      }
      throw error
    }
    let drifts = found - invalid
    // What --repair does with unreadable documents, said wherever it ends.
    let invalidNote =
      invalid > 0
      ? "\(plural(invalid, "stored document")) fido cannot read (rows 'invalid') \(invalid == 1 ? "was" : "were") left out of every figure and left as \(invalid == 1 ? "it is" : "they are"): correct or remove \(invalid == 1 ? "it" : "them") with MongoDB's tools, then run 'fido db check' again"
      : nil
    // History: every chain is verified the way 'fido audit verify' does; a
    // repair adopts the records where only they differ from history (a
    // `repair` entry keeps what history said) and leaves damaged chains.
    // Not while a figure cannot be stored: history would adopt records that
    // fido cannot recompute.
    let adopted = repair && unrepairable == 0 ? try store.adoptHistory(now: now) : 0
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
    let history =
      remaining > 0
      ? AuditVerify.summary(found: remaining, users: users)
        + (repair
          ? "; a damaged chain cannot be repaired"
          : "; 'fido db check --repair' records changes made outside fido")
      : nil
    // What is still wrong, one clause each, for the error that ends the command.
    var outstanding: [String] = []
    if drifts > orphanUsers.count && !repair {
      outstanding.append(
        "\(drifts - orphanUsers.count) figure(s) drifted from the transactions; run 'fido db check --repair' to fix them"
      )
    }
    if let first = orphanUsers.first {
      outstanding.append(
        "\(orphanUsers.count) missing user(s) still have transactions, which --repair leaves as they are (see them with 'fido txn list --user \(first)')"
      )
    }
    if let history { outstanding.append(history) }
    if adopted > 0 {
      ctx.io.err.write(
        "fido: recorded \(adopted) change(s) made outside fido in history (action repair)\n")
    }
    if unrepairable > 0 {
      throw .invalidData(
        "\(unrepairable) figure(s) cannot be recomputed into what fido stores (past the Int64 limit); they were left as they are: correct the transactions they come from"
          + (invalidNote.map { "; also \($0)" } ?? "") + (history.map { "; also \($0)" } ?? ""))
    }
    if let invalidNote {
      // Exit 65 while such documents remain, with or without --repair;
      // --repair has repaired the readable figures by now.
      if repair {
        ctx.summary(
          "db check: repaired \(repaired) of \(plural(drifts, "drifted figure")); \(plural(invalid, "unreadable document")) left out"
        )
      }
      throw .invalidData(([invalidNote] + outstanding).joined(separator: "; "))
    }
    if drifts > 0 && !repair {
      throw .failure(outstanding.joined(separator: "; "))
    }
    if repair {
      ctx.summary(
        drifts == 0
          ? "db check: no drift found; nothing to repair"
          : repaired == drifts
            ? "db check: repaired \(plural(drifts, "drifted figure"))"
            : "db check: repaired \(repaired) of \(plural(drifts, "drifted figure"))")
    }
    if left > 0 {
      var why: [String] = []
      if let first = orphanUsers.first {
        why.append(
          "\(orphanUsers.count) missing user(s) still have transactions (orphans are left as they are; see them with 'fido txn list --user \(first)')"
        )
      }
      if left > orphanUsers.count {
        why.append(
          "\(left - orphanUsers.count) drift(s) of users deleted meanwhile (run 'fido db check' again)"
        )
      }
      if let history { why.append(history) }
      throw .failure("\(left) drift(s) not repaired: \(why.joined(separator: "; "))")
    }
    if let history { throw .failure(history) }
    // A clean check prints no rows: on a terminal, say so (scripts see nothing).
    if !repair, drifts == 0, ctx.io.stderrIsTTY {
      ctx.summary("db check: no drift found; every history chain verifies")
    }
  }
}
