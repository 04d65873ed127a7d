import FidoCore
import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// `fido db migrate-legacy` against databases built by scripts/legacy_gen.py,
/// checked against MongoDB read directly (pymongo) and against an
/// independent computation from the legacy documents (Python's `Decimal` of
/// each float's `repr`, and Foundation's `Decimal` here).
final class MigrateLegacyTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  var root: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  /// Builds the legacy collections in `runner`'s database; returns the manifest.
  @discardableResult
  func generate(
    _ runner: FidoRunner? = nil, users: Int = 25, transactions: Int = 600, seed: Int = 1,
    cases: String = "", file: StaticString = #filePath, line: UInt = #line
  ) -> [String: Any] {
    let r = runner ?? fido!
    let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] ?? "python3"
    let out = r.shell(
      "\(python) \(root.path)/scripts/legacy_gen.py \"$MONGO_URI\" \"$MONGO_DB_NAME\" --users \(users) --transactions \(transactions) --seed \(seed) --cases '\(cases)'"
    )
    XCTAssertEqual(out.status, 0, out.stderr, file: file, line: line)
    return (try? JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]) ?? [:]
  }

  func migrate(_ args: [String] = [], runner: FidoRunner? = nil) -> FidoResult {
    (runner ?? fido!).run(["db", "migrate-legacy"] + args + ["-o", "json"])
  }

  func record(_ r: FidoResult, file: StaticString = #filePath, line: UInt = #line) -> [String: Any]
  {
    XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
  }

  /// A digest of a collection's documents in `_id` order (every field).
  func digest(_ collection: String, runner: FidoRunner? = nil) -> String {
    (runner ?? fido!).mongoPython(
      """
      import hashlib, bson
      h = hashlib.sha256()
      for d in db['\(collection)'].find({}, sort=[('_id', 1)]):
          h.update(bson.encode(d))
      print(h.hexdigest(), db['\(collection)'].count_documents({}))
      """)
  }

  func count(_ collection: String) -> Int {
    Int(fido.mongoPython("print(db['\(collection)'].count_documents({}))")) ?? -1
  }

  /// `db check` with --timeout 120: over the thousands of transactions some
  /// tests migrate, one aggregation on a loaded machine can outlast the
  /// suite's 10-second FIDO_TIMEOUT (exit 69, not a finding; as ImportTests).
  func checkClean(file: StaticString = #filePath, line: UInt = #line) {
    let r = fido.run(["db", "check", "--timeout", "120"])
    XCTAssertEqual(r.status, 0, "db check: \(r.stdout) \(r.stderr)", file: file, line: line)
    XCTAssertEqual(r.stdout, "", file: file, line: line)
    checkHistory(file: file, line: line)
  }

  /// History as DESIGN.md promises it of a migration, read from MongoDB
  /// directly: exactly one `user.migrate` entry per migrated user (the first
  /// of its chain), and `txn.migrate` entries (one per user per batch)
  /// naming every migrated transaction exactly once, under its own user and
  /// with its record; then `fido audit verify` finds nothing. Returns the
  /// users and transactions history names.
  @discardableResult
  func checkHistory(file: StaticString = #filePath, line: UInt = #line) -> (users: Int, txns: Int) {
    let text = fido.mongoPython(
      """
      legacy_users = set(u['_id'] for u in db.user.find({}, {'_id': 1}))
      legacy_txns = set(t['_id'] for t in db.transaction.find({}, {'_id': 1}))
      migrated = set(u['_id'] for u in db.users.find({}, {'_id': 1}) if u['_id'] in legacy_users)
      txn_user = {t['_id']: t['user_id'] for t in db.transactions.find({}, {'user_id': 1})
                  if t['_id'] in legacy_txns}
      problems, users, named = [], {}, {}
      for e in db.audit.find({'action': {'$in': ['user.migrate', 'txn.migrate']}}):
          u = e['user_id']
          if e['action'] == 'user.migrate':
              users[u] = users.get(u, 0) + 1
              if e['seq'] != 1 or e['prev'] is not None:
                  problems.append('user.migrate of %s is not the first entry' % u)
              if e['target'] != {'collection': 'users', 'id': u}:
                  problems.append('user.migrate of %s targets %s' % (u, e['target']))
              continue
          ids = e['target']['id']
          if e['target']['collection'] != 'transactions' or not isinstance(ids, list) or not ids:
              problems.append('txn.migrate of %s targets %s' % (u, e['target']))
              continue
          if [r['id'] for r in e['after']['transactions']] != ids:
              problems.append('txn.migrate of %s: after.transactions differ from its ids' % u)
          if set(e['before']['user']) != set(e['after']['user']):
              problems.append('txn.migrate of %s: before/after figures differ in fields' % u)
          for i in ids:
              named[i] = named.get(i, 0) + 1
              if txn_user.get(i) != u:
                  problems.append('transaction %s named under user %s' % (i, u))
      for u in migrated | set(users):
          if users.get(u) != 1 or u not in migrated:
              problems.append('user %s: %d user.migrate entries' % (u, users.get(u, 0)))
      for t in set(txn_user) | set(named):
          if named.get(t) != 1 or t not in txn_user:
              problems.append('transaction %s: named %d times' % (t, named.get(t, 0)))
      print(json.dumps({'problems': problems[:20], 'users': len(users), 'txns': len(named),
                        'migrated_users': len(migrated), 'migrated_txns': len(txn_user)}))
      """, file: file, line: line)
    let h = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    XCTAssertEqual(h["problems"] as? [String], [], text, file: file, line: line)
    XCTAssertEqual(h["users"] as? Int, h["migrated_users"] as? Int, file: file, line: line)
    XCTAssertEqual(h["txns"] as? Int, h["migrated_txns"] as? Int, file: file, line: line)
    let v = fido.run(["audit", "verify"])
    XCTAssertEqual(v.status, 0, "audit verify: \(v.stdout) \(v.stderr)", file: file, line: line)
    XCTAssertEqual(v.stdout, "", file: file, line: line)
    return (h["users"] as? Int ?? -1, h["txns"] as? Int ?? -1)
  }

  /// The legacy documents as the test reads them: amounts as Python's repr.
  struct LegacyUserDoc {
    var id, name, email, phone: String
    var password: String?
    var balance: String
  }
  struct LegacyTxnDoc {
    var id, user, amount, type: String
    var dateMs: Int64
  }

  func legacyDocs() -> (users: [LegacyUserDoc], txns: [LegacyTxnDoc]) {
    let text = fido.mongoPython(
      """
      out = {'users': [], 'txns': []}
      for u in db.user.find({}, sort=[('_id', 1)]):
          out['users'].append([str(u['_id']), u['name'], u['email'], u['phone_number'], u.get('password'), repr(u['balance'])])
      for t in db.transaction.find({}, sort=[('_id', 1)]):
          ms = int(t['transaction_date'].replace(tzinfo=__import__('datetime').timezone.utc).timestamp() * 1000 + 0.5)
          out['txns'].append([str(t['_id']), t['user_id'], repr(t['transaction_amount']), t['transaction_type'], ms])
      print(json.dumps(out))
      """)
    let obj =
      (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: [[Any]]] ?? [:]
    let users = (obj["users"] ?? []).map { u in
      LegacyUserDoc(
        id: u[0] as! String, name: u[1] as! String, email: u[2] as! String, phone: u[3] as! String,
        password: u[4] as? String, balance: u[5] as! String)
    }
    let txns = (obj["txns"] ?? []).map { t in
      LegacyTxnDoc(
        id: t[0] as! String, user: t[1] as! String, amount: t[2] as! String, type: t[3] as! String,
        dateMs: (t[4] as! NSNumber).int64Value)
    }
    return (users, txns)
  }

  /// `repr` text × 100 through Foundation's Decimal: the independent route.
  func cents(_ repr: String, file: StaticString = #filePath, line: UInt = #line) -> Int64 {
    guard let d = Decimal(string: repr, locale: Locale(identifier: "en_US_POSIX")) else {
      XCTFail("not a decimal: \(repr)", file: file, line: line)
      return 0
    }
    var scaled = d * 100
    var whole = Decimal()
    NSDecimalRound(&whole, &scaled, 0, .plain)
    XCTAssertEqual(whole, scaled, "\(repr) has at most 2 decimals", file: file, line: line)
    return Int64(truncating: whole as NSDecimalNumber)
  }

  /// Everything DESIGN.md promises of a migration, against MongoDB read directly.
  func verifyMigrated(balanceIs: String, file: StaticString = #filePath, line: UInt = #line) {
    let (users, txns) = legacyDocs()
    var model: [String: [ModelTxn]] = [:]
    for t in txns {
      model[t.user, default: []].append(
        ModelTxn(id: t.id, amount: cents(t.amount), credit: t.type == "credit", dateMs: t.dateMs))
    }
    // fido's documents, read directly.
    let stored = fido.mongoPython(
      """
      out = {'users': {}, 'txns': {}}
      for u in db.users.find({}):
          out['users'][str(u['_id'])] = {
              'id_type': type(u['_id']).__name__, 'name': u['name'], 'email': u['email'],
              'phone': u.get('phone'), 'hash': u.get('password_hash'), 'currency': u['currency'],
              'opening': u['opening_balance'], 'balance': u['balance'],
              'types': [type(u['opening_balance']).__name__, type(u['balance']).__name__],
              'keys': sorted(u.keys())}
      for t in db.transactions.find({}):
          out['txns'][str(t['_id'])] = {
              'user_id': str(t['user_id']), 'user_type': type(t['user_id']).__name__,
              'amount': t['amount'], 'amount_type': type(t['amount']).__name__,
              'type': t['type'], 'currency': t['currency'], 'full_name': t['full_name'],
              'ms': int(t['date'].replace(tzinfo=__import__('datetime').timezone.utc).timestamp() * 1000 + 0.5),
              'sms': [t['sms']['status'], t['sms']['last_error']]}
      print(json.dumps(out))
      """, file: file, line: line)
    let fidoDocs =
      (try? JSONSerialization.jsonObject(with: Data(stored.utf8)))
      as? [String: [String: [String: Any]]]
      ?? [:]
    let fu = fidoDocs["users"] ?? [:]
    let ft = fidoDocs["txns"] ?? [:]
    XCTAssertEqual(fu.count, users.count, "every legacy user", file: file, line: line)
    XCTAssertEqual(ft.count, txns.count, "every legacy transaction", file: file, line: line)
    for u in users {
      guard let s = fu[u.id] else {
        XCTFail("user \(u.id) was not migrated with its id", file: file, line: line)
        continue
      }
      let m = model[u.id] ?? []
      let net = m.reduce(Int64(0)) { $0 + ($1.credit ? $1.amount : -$1.amount) }
      let legacyBalance = cents(u.balance, file: file, line: line)
      let opening = balanceIs == "current" ? legacyBalance - net : legacyBalance
      XCTAssertEqual(s["id_type"] as? String, "ObjectId", file: file, line: line)
      XCTAssertEqual(
        s["name"] as? String, u.name.trimmingCharacters(in: .whitespaces), file: file, line: line)
      XCTAssertEqual(
        s["email"] as? String, u.email.trimmingCharacters(in: .whitespaces).lowercased(),
        file: file, line: line)
      XCTAssertEqual(s["phone"] as? String, u.phone.isEmpty ? nil : u.phone, file: file, line: line)
      XCTAssertEqual(s["currency"] as? String, "GHS", file: file, line: line)
      XCTAssertEqual((s["opening"] as? NSNumber)?.int64Value, opening, u.id, file: file, line: line)
      XCTAssertEqual(
        (s["balance"] as? NSNumber)?.int64Value, opening + net,
        "balance = opening + credits − debits",
        file: file, line: line)
      if balanceIs == "current" {
        XCTAssertEqual(
          (s["balance"] as? NSNumber)?.int64Value, legacyBalance, file: file, line: line)
      }
      XCTAssertEqual(s["types"] as? [String], ["Int64", "Int64"], file: file, line: line)
      XCTAssertFalse(
        (s["keys"] as? [String] ?? []).contains("password"), "no plain password field",
        file: file, line: line)
      let hash = s["hash"] as? String
      if let pw = u.password, !pw.isEmpty {
        XCTAssertTrue(
          (try? PasswordHasher.verify(Array(pw.utf8), phc: hash ?? "")) == true,
          "the legacy password verifies against the hash of user \(u.id)", file: file, line: line)
      } else {
        XCTAssertNil(hash, "a missing or empty password leaves no hash", file: file, line: line)
      }
      // Analytics from fido's maintained statistics against the slow obvious computation.
      var want = expectedAnalytics(m, opening: opening)
      want["balance"] = minorString(opening + net)
      assertAnalytics(fido.object(["analytics", u.id]), want, file: file, line: line)
    }
    let names = Dictionary(
      uniqueKeysWithValues: users.map { ($0.id, $0.name.trimmingCharacters(in: .whitespaces)) })
    for t in txns {
      guard let s = ft[t.id] else {
        XCTFail("transaction \(t.id) was not migrated with its id", file: file, line: line)
        continue
      }
      XCTAssertEqual(s["user_id"] as? String, t.user, file: file, line: line)
      XCTAssertEqual(s["user_type"] as? String, "ObjectId", file: file, line: line)
      XCTAssertEqual(
        (s["amount"] as? NSNumber)?.int64Value, cents(t.amount), "exact amount of \(t.amount)",
        file: file, line: line)
      XCTAssertEqual(s["amount_type"] as? String, "Int64", file: file, line: line)
      XCTAssertEqual(s["type"] as? String, t.type, file: file, line: line)
      XCTAssertEqual(s["currency"] as? String, "GHS", file: file, line: line)
      XCTAssertEqual((s["ms"] as? NSNumber)?.int64Value, t.dateMs, file: file, line: line)
      XCTAssertEqual(s["full_name"] as? String, names[t.user], file: file, line: line)
      XCTAssertEqual(s["sms"] as? [String], ["skipped", "migrated"], file: file, line: line)
    }
  }

  /// Plain-text passwords long enough not to occur by chance in a base64 hash.
  func plainPasswords() -> [String] {
    legacyDocs().users.compactMap(\.password).filter { $0.count >= 8 }
  }

  func assertNoPlainText(_ texts: [String], file: StaticString = #filePath, line: UInt = #line) {
    let passwords = plainPasswords()
    XCTAssertFalse(passwords.isEmpty, "the data set has passwords", file: file, line: line)
    let dump = fido.mongoPython(
      """
      from bson import json_util
      for c in ('users', 'transactions'):
          for d in db[c].find({}):
              print(json_util.dumps(d))
      """, file: file, line: line)
    for pw in passwords {
      XCTAssertFalse(
        dump.contains(pw), "a plain password in fido's collections", file: file, line: line)
      for t in texts {
        XCTAssertFalse(t.contains(pw), "a plain password in the output", file: file, line: line)
      }
    }
  }

  // MARK: tests

  func testMigratesAValidDatabaseExactlyAndARerunWritesNothing() {
    generate(users: 25, transactions: 600, seed: 3)
    let legacyBefore = (digest("user"), digest("transaction"))

    let dry = migrate(["--dry-run"])
    let d = record(dry)
    XCTAssertEqual(d["dry_run"] as? Bool, true)
    XCTAssertEqual(d["users_inserted"] as? Int, 25)
    XCTAssertEqual(d["transactions_inserted"] as? Int, 600)
    XCTAssertEqual(count("users"), 0, "--dry-run writes nothing")
    XCTAssertEqual(count("transactions"), 0)

    let run = fido.run(["db", "migrate-legacy", "-v", "-o", "json"])
    let r = record(run)
    XCTAssertEqual(r["users_inserted"] as? Int, 25)
    XCTAssertEqual(r["transactions_inserted"] as? Int, 600)
    XCTAssertEqual(r["legacy_count"] as? Int, 600)
    XCTAssertEqual(r["migrated_count"] as? Int, 600)
    XCTAssertEqual(r["skipped_count"] as? Int, 0)
    XCTAssertEqual(r["legacy_sum"] as? String, r["migrated_sum"] as? String)
    XCTAssertEqual(r["reconciled"] as? Bool, true)
    // One sentence on stderr, the reconciliation included.
    let sentence = run.stderr.split(separator: "\n").filter {
      $0.hasPrefix("fido: db migrate-legacy: ")
    }
    XCTAssertEqual(sentence.count, 1, run.stderr)
    XCTAssertTrue(
      sentence.first?.hasPrefix(
        "fido: db migrate-legacy: migrated 25 users and 600 transactions in ")
        == true, run.stderr)
    XCTAssertTrue(
      sentence.first?.contains("; reconciliation GHS: legacy 600 transactions, GHS ") == true,
      run.stderr)
    XCTAssertTrue(sentence.first?.hasSuffix(": they agree") == true, run.stderr)
    // Independently: the legacy sum from Python's Decimal of each repr.
    let pySum = fido.mongoPython(
      """
      from decimal import Decimal
      print(sum(Decimal(repr(t['transaction_amount'])) for t in db.transaction.find({})).quantize(Decimal('0.01')))
      """)
    XCTAssertEqual(r["legacy_sum"] as? String, pySum)

    verifyMigrated(balanceIs: "opening")
    // Short legacy passwords are listed, and hashed all the same (verified above).
    let short = legacyDocs().users.filter {
      ($0.password ?? "").count > 0 && $0.password!.count < 8
    }
    XCTAssertFalse(short.isEmpty)
    for u in short {
      XCTAssertTrue(run.stderr.contains("user \(u.id): the legacy password is shorter"), u.id)
    }
    XCTAssertEqual(r["short_passwords"] as? Int, short.count)
    assertNoPlainText([run.stdout, run.stderr, dry.stdout, dry.stderr])
    checkClean()
    let history = checkHistory()
    XCTAssertEqual(history.users, 25)
    XCTAssertEqual(history.txns, 600)
    XCTAssertEqual(
      count("audit"), 25 + Int(fido.mongoPython("print(len(db.transaction.distinct('user_id')))"))!,
      "one user.migrate per user, one txn.migrate per user with transactions (one batch)")
    XCTAssertEqual(digest("user").description, legacyBefore.0, "legacy users untouched")
    XCTAssertEqual(digest("transaction"), legacyBefore.1, "legacy transactions untouched")

    // Running it again writes nothing at all, history included.
    let fidoBefore = (digest("users"), digest("transactions"), digest("audit"))
    let again = record(migrate())
    XCTAssertEqual(again["users_inserted"] as? Int, 0)
    XCTAssertEqual(again["users_existing"] as? Int, 25)
    XCTAssertEqual(again["transactions_inserted"] as? Int, 0)
    XCTAssertEqual(again["transactions_existing"] as? Int, 600)
    XCTAssertEqual(again["reconciled"] as? Bool, true)
    XCTAssertEqual(digest("users"), fidoBefore.0)
    XCTAssertEqual(digest("transactions"), fidoBefore.1)
    XCTAssertEqual(digest("audit"), fidoBefore.2, "a re-run adds no history entry")
    // --fields chooses from the record.
    let chosen = fido.run([
      "db", "migrate-legacy", "--fields", "users_inserted,transactions_existing,reconciled", "-o",
      "csv",
    ])
    XCTAssertEqual(chosen.status, 0, chosen.stderr)
    XCTAssertEqual(
      chosen.stdout, "users_inserted,transactions_existing,reconciled\r\n0,600,true\r\n")
    XCTAssertEqual(digest("audit"), fidoBefore.2)
    checkClean()
  }

  func testBalanceIsCurrentDerivesTheOpeningBalance() {
    generate(users: 12, transactions: 300, seed: 5)
    let r = record(migrate(["--balance-is", "current"]))
    XCTAssertEqual(r["reconciled"] as? Bool, true)
    verifyMigrated(balanceIs: "current")
    checkClean()
    // Same ids, other opening balances: a re-run as `opening` is a conflict, writing nothing.
    let before = (digest("users"), digest("audit"))
    let clash = migrate()
    XCTAssertEqual(clash.status, 4, clash.stderr)
    XCTAssertTrue(
      clash.stderr.contains("already in fido with other data (opening balance)"), clash.stderr)
    XCTAssertEqual(digest("users"), before.0)
    XCTAssertEqual(digest("audit"), before.1)
  }

  func testEachInvalidCaseIsReportedAndNothingWritten() throws {
    let manifest = generate(users: 8, transactions: 80, seed: 7, cases: "all")
    let cases = manifest["cases"] as? [String: [String]] ?? [:]
    let r = migrate()
    XCTAssertEqual(r.status, 65, r.stderr)
    for (kind, ids) in cases {
      for id in ids {
        XCTAssertTrue(r.stderr.contains(id), "\(kind) \(id) is reported:\n\(r.stderr)")
      }
    }
    // Both ids of the email conflict on one line.
    let twins = cases["dup_email"] ?? []
    XCTAssertEqual(twins.count, 2)
    XCTAssertTrue(
      r.stderr.split(separator: "\n").contains { $0.contains(twins[0]) && $0.contains(twins[1]) },
      r.stderr)
    XCTAssertTrue(r.stderr.contains("nothing was written"), r.stderr)
    XCTAssertTrue(r.stderr.contains("\"code\":\"invalid_data\""), r.stderr)
    XCTAssertEqual(count("users"), 0)
    XCTAssertEqual(count("transactions"), 0)

    // --skip-invalid migrates the rest and lists what it left.
    let legacyBefore = digest("transaction")
    let s = fido.run(["db", "migrate-legacy", "--skip-invalid", "-o", "json"])
    let rec = record(s)
    for (kind, ids) in cases where kind != "rounding" && kind != "rounding_balance" {
      for id in ids {
        XCTAssertTrue(s.stderr.contains("left out: "), kind)
        XCTAssertTrue(s.stderr.contains(id), "\(kind) \(id)")
      }
    }
    XCTAssertEqual(rec["reconciled"] as? Bool, true)
    XCTAssertEqual(
      (rec["migrated_count"] as? Int ?? 0) + (rec["skipped_count"] as? Int ?? 0),
      manifest["transactions"] as? Int)
    XCTAssertEqual(
      count("users"), (manifest["users"] as! Int) - 6,
      "the twins, the bad phone, email, name and balance are left")
    XCTAssertEqual(count("transactions"), rec["migrated_count"] as? Int)
    let bad = Set(
      cases.filter {
        $0.key != "rounding_balance" && !$0.key.hasPrefix("dup") && $0.key != "local_phone"
          && $0.key != "bad_email" && $0.key != "empty_name"
      }.values.flatMap { $0 })
    let stored = Set(
      fido.mongoPython("for t in db.transactions.find({}, {'_id': 1}): print(t['_id'])").split(
        separator: "\n"
      ).map(String.init))
    XCTAssertTrue(bad.isDisjoint(with: stored), "no invalid transaction was migrated")
    checkClean()
    XCTAssertEqual(digest("transaction"), legacyBefore)
  }

  func testConflictsOnlyExit4AndRoundingIsOptIn() {
    let manifest = generate(users: 5, transactions: 40, seed: 11, cases: "dup_email")
    let twins = (manifest["cases"] as? [String: [String]])?["dup_email"] ?? []
    let r = migrate()
    XCTAssertEqual(r.status, 4, r.stderr)
    XCTAssertTrue(r.stderr.contains(twins[0]) && r.stderr.contains(twins[1]), r.stderr)
    XCTAssertEqual(count("users"), 0)

    // A legacy email that a fido user already has is a conflict too, naming both.
    let legacy = fido.mongoPython(
      "u = db.user.find_one({'email': {'$regex': '^ '}}); print(u['_id'], u['email'].strip().lower())"
    ).split(separator: " ").map(String.init)
    let fidoUser =
      fido.object([
        "user", "create", "--name", "Already Here", "--email", legacy[1], "--balance", "0",
      ])["id"] as! String
    let taken = migrate()
    XCTAssertEqual(taken.status, 4, taken.stderr)
    XCTAssertTrue(
      taken.stderr.split(separator: "\n").contains {
        $0.hasPrefix("fido: user \(legacy[0]): ")
          && $0.contains("already belongs to fido user \(fidoUser)")
      }, taken.stderr)
    XCTAssertEqual(count("users"), 1, "nothing was written")

    let other = try! FidoRunner()
    let m = generate(other, users: 5, transactions: 40, seed: 12, cases: "rounding")
    let rounding = (m["cases"] as? [String: [String]])?["rounding"] ?? []
    let refused = migrate(runner: other)
    XCTAssertEqual(refused.status, 65, refused.stderr)
    XCTAssertTrue(
      refused.stderr.contains("0.30000000000000004 has more than 2 decimal places"), refused.stderr)
    let ok = other.run(["db", "migrate-legacy", "--round", "-o", "json"])
    let rec = record(ok)
    XCTAssertEqual(rec["rounded"] as? Int, 4, "three amounts and one balance")
    for id in rounding {
      XCTAssertTrue(ok.stderr.contains("transaction \(id): transaction_amount"), id)
    }
    XCTAssertTrue(ok.stderr.contains("0.30000000000000004 rounded half-even to 0.30"), ok.stderr)
    XCTAssertTrue(ok.stderr.contains("2.675 rounded half-even to 2.68"), ok.stderr)
    XCTAssertTrue(ok.stderr.contains("1.005 rounded half-even to 1.00"), ok.stderr)
    let amounts = other.mongoPython(
      "import bson\nprint(sorted(db.transactions.find_one({'_id': bson.ObjectId(i)})['amount'] for i in \(rounding)))"
    )
    XCTAssertEqual(amounts, "[30, 100, 268]")
    let r2 = other.run(["db", "check"])
    XCTAssertEqual(r2.status, 0, r2.stdout)
  }

  /// A run killed with SIGKILL part-way, then run again, ends as an
  /// uninterrupted one does (the same seed gives both databases the same ids).
  func testKilledRunThenRerunEqualsAnUninterruptedOne() throws {
    let whole = try FidoRunner()
    generate(whole, users: 20, transactions: 3000, seed: 21)
    generate(users: 20, transactions: 3000, seed: 21)
    XCTAssertEqual(
      record(migrate(["--batch-size", "100"], runner: whole))["reconciled"] as? Bool, true)

    let p = Process()
    p.executableURL = URL(fileURLWithPath: fido.binary)
    p.arguments = ["db", "migrate-legacy", "--batch-size", "100"]
    p.environment = fido.environment
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    // A poller kills it with SIGKILL as soon as some batches are in.
    let killed = fido.mongoPython(
      """
      import os, signal, time
      deadline = time.time() + 120
      while time.time() < deadline and db.transactions.estimated_document_count() < 300:
          time.sleep(0.01)
      os.kill(\(p.processIdentifier), signal.SIGKILL)
      print('killed')
      """)
    p.waitUntilExit()
    XCTAssertEqual(killed, "killed")
    XCTAssertEqual(p.terminationReason, .uncaughtSignal)
    let partial = count("transactions")
    XCTAssertGreaterThan(partial, 0)
    XCTAssertLessThan(partial, 3000, "killed part-way")
    XCTAssertEqual(partial % 100, 0, "batches are atomic")
    checkClean()
    // The killed process's open transaction (if any) is aborted as the
    // server would after transactionLifetimeLimitSeconds.
    _ = fido.mongoPython("client.admin.command({'killAllSessions': []}); print('ok')")
    let rerun = record(migrate(["--batch-size", "100"]))
    XCTAssertEqual(rerun["transactions_existing"] as? Int, partial)
    XCTAssertEqual(rerun["transactions_inserted"] as? Int, 3000 - partial)
    XCTAssertEqual(rerun["reconciled"] as? Bool, true)
    checkClean()
    // The killed batch left no entry: as many as the uninterrupted run wrote.
    XCTAssertEqual(count("audit"), Int(whole.mongoPython("print(db.audit.count_documents({}))")))
    // Identical but for the times of writing, the salted hashes and the
    // history heads (entries hash their time); the chains are as long.
    let normalised = """
      import hashlib, bson
      def norm(d):
          d.pop('updated_at', None)
          d.pop('audit_head', None)
          if 'password_hash' in d: d['password_hash'] = True
          if 'sms' in d: d['sms'].pop('updated_at', None)
          return d
      for c in ('users', 'transactions'):
          h = hashlib.sha256()
          for d in db[c].find({}, sort=[('_id', 1)]):
              h.update(bson.encode(norm(d)))
          print(c, h.hexdigest())
      """
    XCTAssertEqual(fido.mongoPython(normalised), whole.mongoPython(normalised))
  }

  /// A lost commit reply, a transient commit error and a dropped connection
  /// on a batch's insert: the migration retries as MongoDB's transactions
  /// spec says, or fails having written whole batches only; run again, it
  /// ends exact either way.
  func testBatchesSurviveCommitFaults() {
    generate(users: 6, transactions: 250, seed: 41)
    let faults = [
      "'failCommands': ['commitTransaction'], 'errorCode': 91, 'errorLabels': ['UnknownTransactionCommitResult']",
      "'failCommands': ['commitTransaction'], 'errorCode': 251, 'errorLabels': ['TransientTransactionError']",
      "'failCommands': ['insert'], 'closeConnection': True",
    ]
    for (i, fault) in faults.enumerated() {
      _ = fido.mongoPython(
        "client.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1}, 'data': {\(fault), 'appName': 'fido'}}); print('ok')"
      )
      let r = migrate(["--batch-size", "100"])
      _ = fido.mongoPython(
        "client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'}); print('ok')")
      XCTAssertTrue([0, 1, 69, 75].contains(r.status), "fault \(i): \(r.status) \(r.stderr)")
      let n = count("transactions")
      XCTAssertEqual(n % 100 == 0 || n == 250, true, "whole batches only: \(n)")
      checkClean()
    }
    _ = fido.mongoPython("client.admin.command({'killAllSessions': []}); print('ok')")
    XCTAssertEqual(record(migrate())["reconciled"] as? Bool, true)
    verifyMigrated(balanceIs: "opening")
    checkClean()
  }

  func testScrubRemovesLegacyPasswordsOnlyAfterACompleteMigration() {
    generate(users: 10, transactions: 100, seed: 31, cases: "local_phone")
    let partial = fido.run([
      "db", "migrate-legacy", "--skip-invalid", "--scrub-legacy-passwords", "-o", "json",
    ])
    XCTAssertEqual(record(partial)["passwords_scrubbed"] as? Int, 0)
    XCTAssertTrue(partial.stderr.contains("legacy passwords were not scrubbed"), partial.stderr)
    XCTAssertNotEqual(
      fido.mongoPython("print(db.user.count_documents({'password': {'$exists': True}}))"), "0")

    // Fix the phone in the legacy data, then migrate again with the scrub.
    _ = fido.mongoPython(
      "db.user.update_one({'phone_number': '024 123 4567'}, {'$set': {'phone_number': '+233241234567'}}); print('ok')"
    )
    let withPasswords = fido.mongoPython(
      "print(json.dumps({str(u['_id']): u['password'] for u in db.user.find({'password': {'$exists': True}})}))"
    )
    let legacyOther = fido.mongoPython(
      "print([{k: v for k, v in u.items() if k != 'password'} for u in db.user.find({}, sort=[('_id', 1)])])"
    )
    let r = record(migrate(["--scrub-legacy-passwords"]))
    XCTAssertEqual(r["users_inserted"] as? Int, 1)
    let had =
      (try? JSONSerialization.jsonObject(with: Data(withPasswords.utf8))) as? [String: String]
      ?? [:]
    XCTAssertEqual(r["passwords_scrubbed"] as? Int, had.count)
    XCTAssertEqual(
      fido.mongoPython("print(db.user.count_documents({'password': {'$exists': True}}))"), "0")
    XCTAssertEqual(
      fido.mongoPython(
        "print([{k: v for k, v in u.items() if k != 'password'} for u in db.user.find({}, sort=[('_id', 1)])])"
      ),
      legacyOther, "only the password field is removed")
    // The hashes still verify the passwords the legacy data held.
    for (id, pw) in had where !pw.isEmpty {
      let hash = fido.mongoPython(
        "import bson\nprint(db.users.find_one({'_id': bson.ObjectId('\(id)')})['password_hash'])")
      XCTAssertTrue((try? PasswordHasher.verify(Array(pw.utf8), phc: hash)) == true, id)
    }
    checkClean()
  }
}
