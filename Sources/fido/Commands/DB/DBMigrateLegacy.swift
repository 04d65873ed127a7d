import FidoCore

/// `fido db migrate-legacy`: the old FastAPI service's `user` and
/// `transaction` collections into fido's model (see `LegacyMigrator`).
enum DBMigrateLegacy {
  /// `.signal` when SIGINT/SIGTERM stopped it between batches.
  static func run(_ ctx: Context) throws(FidoError) -> Exit {
    let inv = ctx.invocation
    let config = try ctx.config()
    let fromDB = try inv.value("from-db").map { (name) throws(FidoError) in
      try Config.checkedDB(name, origin: "--from-db")
    }
    let currency = try inv.currency(default: config)
    let options = MigrateOptions(
      fromDB: fromDB ?? config.db, currency: currency,
      balanceIs: inv.value("balance-is").flatMap(MigrateOptions.BalanceIs.init(rawValue:))
        ?? .opening,
      round: inv.flag("round"), skipInvalid: inv.flag("skip-invalid"),
      dryRun: inv.flag("dry-run"), scrubPasswords: inv.flag("scrub-legacy-passwords"),
      batchSize: try inv.batchSize())
    let migrator = LegacyMigrator(store: try ctx.store(), options: options, now: ctx.clock())
    let started = ctx.clock()
    var bar: ProgressBar? = nil
    var barPhase = ""
    var written = (batches: 0, users: 0, transactions: 0)
    Interrupts.catchTerminationSignals()
    let report: MigrateReport
    do {
      report = try migrator.run(
        note: { note in ctx.io.err.write("fido: \(line(note, options))\n") },
        progress: { phase, done, total in
          written.batches += 1
          if phase == "users" { written.users = done } else { written.transactions = done }
          guard ctx.io.stderrIsTTY else { return }
          if phase != barPhase {
            bar?.finish()
            barPhase = phase
            ctx.io.err.write("fido: writing \(phase)\n")
            bar = ProgressBar(io: ctx.io, started: ctx.clock(), clock: ctx.clock)
          }
          bar?.update(records: done, bytes: Int64(done), total: Int64(total))
        },
        shouldStop: { Interrupts.received != 0 })
    } catch {
      bar?.finish()
      if written.batches > 0 {
        ctx.io.err.write(
          "fido: wrote \(written.batches) complete batch(es) before the error: \(written.users) users, \(written.transactions) transactions; once it is fixed, run the same command again to finish\n"
        )
      }
      throw error
    }
    bar?.finish()
    try ctx.emit(report.out)
    let err = ctx.io.err
    if report.interrupted {
      err.write(
        "fido: interrupted after \(report.batches) complete batch(es): \(report.usersInserted) users, \(report.transactionsInserted) transactions; run the same command again to finish (what is already in fido is skipped)\n"
      )
      return Interrupts.exit
    }
    ctx.summary(
      "db migrate-legacy: \(sentence(report, ms: ctx.clock() - started)); \(reconciliation(report))"
    )
    if options.scrubPasswords && !options.dryRun && report.passwordsScrubbed == 0
      && (report.skippedCount > 0 || report.usersSkipped > 0 || !report.reconciled)
    {
      ctx.warn(
        "legacy passwords were not scrubbed: the migration is not complete (what was left out still needs them); fix the legacy data, migrate again, then scrub"
      )
    }
    if !report.reconciled {
      throw .failure(
        "the reconciliation does not add up (see above); run 'fido db check' and the same migration again"
      )
    }
    return .status(0)
  }

  static func line(_ note: MigrateNote, _ options: MigrateOptions) -> String {
    switch note {
    case .invalid(let s), .conflict(let s): options.skipInvalid ? "left out: \(s)" : s
    case .leftWithUser(let s): "left out: \(s)"
    case .rounded(let s), .shortPassword(let s): s
    }
  }

  /// `migrated 20 users and 300 transactions in 1.2 s`, or what a dry run
  /// would do; the summary sentence goes on with the reconciliation.
  static func sentence(_ r: MigrateReport, ms: Int64) -> String {
    var s: String
    if r.dryRun {
      s =
        "dry run: would migrate \(r.usersInserted) users and \(r.transactionsInserted) transactions; nothing was written"
    } else {
      s =
        "migrated \(r.usersInserted) users and \(r.transactionsInserted) transactions in \(elapsedText(ms: ms))"
    }
    if r.usersExisting + r.transactionsExisting > 0 {
      s +=
        "; \(r.usersExisting) users and \(r.transactionsExisting) transactions were already migrated"
    }
    if r.usersSkipped + r.skippedCount > 0 {
      s += "; left out \(r.usersSkipped) users and \(r.skippedCount) transactions"
    }
    if r.rounded > 0 { s += "; rounded \(r.rounded) figure(s)" }
    if r.shortPasswords > 0 { s += "; \(r.shortPasswords) user(s) should set a new password" }
    if r.passwordsScrubbed > 0 { s += "; scrubbed \(r.passwordsScrubbed) legacy password(s)" }
    return s
  }

  static func reconciliation(_ r: MigrateReport) -> String {
    let c = r.currency.code
    return
      "reconciliation \(c): legacy \(r.legacyCount) transactions, \(c) \(r.money(r.legacySum)); migrated \(r.migratedCount), \(c) \(r.money(r.migratedSum)); skipped \(r.skippedCount), \(c) \(r.money(r.skippedSum)): \(r.reconciled ? "they agree" : "THEY DO NOT AGREE")"
  }
}
