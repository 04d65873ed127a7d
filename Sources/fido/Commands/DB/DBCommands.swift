import FidoCore

enum DBInit {
  static func run(_ ctx: Context) throws(FidoError) {
    let store = try ctx.store()
    try store.ensureIndexes()
    let out = try ctx.listRenderer()
    for (collection, specs) in FidoStore.Indexes.all {
      for spec in specs {
        out.write(
          OutObject([
            ("collection", .string(collection)),
            ("index", .string(spec["name"]?.stringValue ?? "")),
            ("unique", .bool(spec["unique"]?.boolValue ?? false)),
          ]))
      }
    }
    out.finish()
  }
}

enum DBCheck {
  static func run(_ ctx: Context) throws(FidoError) {
    let repair = ctx.invocation.flag("repair")
    let store = try ctx.store()
    let out = try ctx.listRenderer()
    var repaired = 0
    var left = 0
    var orphanUsers: [String] = []
    let drifts: Int
    do {
      drifts = try store.check(repair: repair, now: ctx.clock()) { drift, fixed in
        var o = drift.out
        if let fixed {
          o.append("repaired", .bool(fixed))
          if fixed { repaired += 1 } else { left += 1 }
        }
        if drift.figure == "user" { orphanUsers.append(drift.userID.hex) }
        out.write(o)
      }
    } catch {
      out.finish()
      // Each user's repair is its own transaction: the ones done stay done.
      if repaired > 0 {
        ctx.io.err.write("fido: repaired \(repaired) drifted figure(s) before the failure\n")
      }
      throw error
    }
    out.finish()
    if drifts > 0 && !repair {
      var parts: [String] = []
      if drifts > orphanUsers.count {
        parts.append(
          "\(drifts - orphanUsers.count) figure(s) drifted from the transactions; run 'fido db check --repair' to fix them"
        )
      }
      if let first = orphanUsers.first {
        parts.append(
          "\(orphanUsers.count) missing user(s) still have transactions, which --repair leaves as they are (see them with 'fido txn list --user \(first)')"
        )
      }
      throw .failure(parts.joined(separator: "; "))
    }
    if repaired > 0 { ctx.io.err.write("fido: repaired \(repaired) drifted figure(s)\n") }
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
      throw .failure("\(left) drift(s) not repaired: \(why.joined(separator: "; "))")
    }
  }
}
