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
    let out = try ctx.listRenderer(schema: .drift(repair: repair))
    let drifts = try store.check(repair: repair, now: ctx.clock()) { drift in
      var o = drift.out
      if repair { o.append("repaired", .bool(true)) }
      out.write(o)
    }
    out.finish()
    if drifts > 0 && !repair {
      throw .failure(
        "\(drifts) figure(s) drifted from the transactions; run 'fido db check --repair' to fix them"
      )
    }
    if repair {
      ctx.summary(
        drifts > 0
          ? "db check: repaired \(plural(drifts, "drifted figure"))"
          : "db check: no drift found; nothing to repair")
    }
  }
}
