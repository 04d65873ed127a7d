import Foundation
import XCTest

/// DESIGN.md, "Documents fido did not write": documents written by other
/// tools (inserted here with pymongo, exactly as the old service stored them
/// or as a hand edit would) are never shown with a guessed value and never
/// counted. Before this behaviour a double amount showed as 0.00, a
/// `refund` as a credit that db check counted as a debit, a string date made
/// db check fail with the raw `$dateTrunc` error, and other currencies and
/// negative amounts went into the balance.
final class ForeignDocumentTests: XCTestCase {
  var fido: FidoRunner!
  var user = ""
  /// The bad transactions by what is wrong with them, all of `user` but the last.
  var bad: [(field: String, id: String)] = []
  /// The readable transactions: a credit of 10.00 and a debit of 3.00.
  var good: [String] = []

  override func setUpWithError() throws {
    fido = try FidoRunner()
    user =
      fido.object(["user", "create", "--name", "Ama Mensah", "--email", "ama@example.com"])["id"]
      as? String ?? ""
    XCTAssertEqual(user.count, 24)
    for (amount, type, date) in [
      ("10.00", "credit", "2023-08-18T09:00:00Z"), ("3.00", "debit", "2023-08-19T09:00:00Z"),
    ] {
      good.append(
        fido.object([
          "txn", "add", "--user", user, "--amount", amount, "--type", type, "--date", date,
          "--no-sms",
        ])["id"] as? String ?? "")
    }
    // One field wrong in each; all else as fido writes it.
    let out = fido.mongoPython(
      """
      from bson import ObjectId, Int64
      import datetime
      u = ObjectId('\(user)')
      d = datetime.datetime(2023, 8, 18, 12, tzinfo=datetime.timezone.utc)
      base = {'user_id': u, 'full_name': 'Ama Mensah', 'amount': Int64(500), 'currency': 'GHS',
              'type': 'credit', 'date': d, 'sms': {'status': 'skipped', 'attempts': Int64(0)},
              'created_at': d, 'updated_at': d}
      cases = [('amount', 21.5), ('amount', 21.0), ('type', 'refund'), ('date', '2023-08-18'),
               ('currency', 'USD'), ('amount', Int64(-500)), ('user_id', '\(user)')]
      for field, value in cases:
          doc = dict(base)
          doc[field] = value
          print(field, db.transactions.insert_one(doc).inserted_id)
      """)
    bad = out.split(separator: "\n").map { line in
      let parts = line.split(separator: " ")
      return (String(parts[0]), String(parts[1]))
    }
    XCTAssertEqual(bad.count, 7, out)
  }

  /// Everything stored in `transactions` and `users`, to compare before and after.
  func snapshot() -> String {
    fido.mongoPython(
      "print(json.dumps([list(db.users.find({}, {'password_hash': 0}).sort('_id')), list(db.transactions.find().sort('_id'))], default=str, sort_keys=True))"
    )
  }

  func lines(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init)
  }

  // MARK: get

  func testGetFailsNamingDocumentFieldAndCheck() {
    for (field, id) in bad {
      let r = fido.run(["txn", "get", id])
      XCTAssertEqual(r.status, 65, "\(field): \(r.stderr)")
      XCTAssertEqual(r.stdout, "", field)
      XCTAssertEqual(lines(r.stderr).count, 1, r.stderr)
      XCTAssertTrue(r.stderr.contains("transaction \(id): \(field) is"), r.stderr)
      XCTAssertTrue(r.stderr.contains("'fido db check'"), r.stderr)
      XCTAssertFalse(r.stderr.contains("0.00"), "a guessed amount: \(r.stderr)")
    }
    // The double the old service stored is named as one, never read as 21.50 or 0.00.
    let r = fido.run(["txn", "get", bad[0].id, "-o", "json"])
    XCTAssertTrue(r.stderr.contains("amount is 21.5 (a double)"), r.stderr)
    XCTAssertTrue(r.stderr.contains("\"exit\":65"), r.stderr)
    // An integral double is no integer either.
    XCTAssertTrue(
      fido.run(["txn", "get", bad[1].id]).stderr.contains("amount is 21.0 (a double)"))
    // The readable ones read.
    XCTAssertEqual(fido.object(["txn", "get", good[0]])["amount"] as? String, "10.00")
  }

  // MARK: lists

  func testListPrintsReadableWarnsForEachOtherAndExits65() {
    let r = fido.run(["txn", "list", "--user", user, "-o", "json"])
    XCTAssertEqual(r.status, 65, r.stderr)
    let rows =
      (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    XCTAssertEqual(Set(rows.compactMap { $0["id"] as? String }), Set(good), r.stdout)
    let warnings = lines(r.stderr).filter { $0.hasPrefix("fido: warning:") }
    // Every bad one of this user (the one with a string user_id is no one's).
    let mine = bad.filter { $0.field != "user_id" }
    XCTAssertEqual(warnings.count, mine.count, r.stderr)
    for (field, id) in mine {
      XCTAssertEqual(
        warnings.filter { $0.contains("transaction \(id): \(field) is") }.count, 1, r.stderr)
    }
    XCTAssertTrue(lines(r.stderr).last?.contains("'fido db check'") == true, r.stderr)
    // By email too (the user is read for its currency either way).
    let byEmail = fido.run(["txn", "list", "--user", "ama@example.com", "-q"])
    XCTAssertEqual(byEmail.status, 65)
    XCTAssertEqual(Set(lines(byEmail.stdout)), Set(good))

    // A user written by another tool with its email in mixed case.
    fido.mongoPython(
      "db.users.insert_one({'name': 'Old User', 'email': 'Old.User@Example.COM', 'currency': 'GHS', 'opening_balance': 0, 'balance': 0})"
    )
    let users = fido.run(["user", "list", "-q"])
    XCTAssertEqual(users.status, 65, users.stderr)
    XCTAssertEqual(lines(users.stdout), [user])
    XCTAssertEqual(
      lines(users.stderr).filter { $0.contains("email is 'Old.User@Example.COM'") }.count, 1,
      users.stderr)
  }

  // MARK: db check

  func testCheckReportsEachInvalidAndRepairLeavesThemOutOfEveryFigure() throws {
    // Drift as well: repair must fix it from the readable transactions only.
    fido.mongoPython("db.users.update_one({}, {'$inc': {'balance': 999, 'stats.count': 5}})")
    // A user whose _id is no ObjectId sorts before every other: it is
    // reported and takes no other user's transactions with it.
    fido.mongoPython(
      "db.users.insert_one({'_id': 'legacy-1', 'name': 'L', 'email': 'l@example.com', 'currency': 'GHS', 'opening_balance': 0, 'balance': 0})"
    )
    let r = fido.run(["db", "check", "-o", "json"])
    XCTAssertEqual(r.status, 65, r.stderr)
    XCTAssertFalse(r.stderr.contains("dateTrunc"), r.stderr)
    let rows =
      (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [[String: Any]] ?? []
    let invalid = rows.filter { $0["figure"] as? String == "invalid" }
    XCTAssertEqual(invalid.count, bad.count + 1, r.stdout)
    XCTAssertEqual(
      invalid.filter {
        ($0["stored"] as? String)?.hasPrefix("user 'legacy-1' (a string): _id is") == true
      }
      .count, 1, r.stdout)
    XCTAssertFalse(r.stdout.contains("orphan"), r.stdout)
    for (field, id) in bad {
      XCTAssertEqual(
        invalid.filter {
          ($0["stored"] as? String)?.hasPrefix("transaction \(id): \(field) is") == true
        }
        .count, 1, "\(field) \(id): \(r.stdout)")
    }
    let balance = rows.first { $0["figure"] as? String == "balance" }
    XCTAssertEqual(balance?["stored"] as? String, "1699", r.stdout)
    XCTAssertEqual(balance?["expected"] as? String, "700", r.stdout)

    let badBefore = fido.mongoPython(
      "print(json.dumps(list(db.transactions.find({'_id': {'$nin': [\(good.map { "__import__('bson').ObjectId('\($0)')" }.joined(separator: ", "))]}}).sort('_id')), default=str))"
    )
    let repair = fido.run(["db", "check", "--repair", "-o", "json"])
    // Exit 65 while unreadable documents remain; the readable figures are repaired.
    XCTAssertEqual(repair.status, 65, repair.stderr)
    XCTAssertTrue(repair.stderr.contains("left out of every figure"), repair.stderr)
    let repaired =
      (try? JSONSerialization.jsonObject(with: Data(repair.stdout.utf8))) as? [[String: Any]]
      ?? []
    XCTAssertEqual(
      repaired.first { $0["figure"] as? String == "balance" }?["repaired"] as? Bool, true)
    XCTAssertTrue(
      repaired.filter { $0["figure"] as? String == "invalid" }.allSatisfy {
        $0["repaired"] as? Bool == false
      })
    // The figures in MongoDB: those of the credit of 10.00 and the debit of
    // 3.00 alone, computed here independently.
    let stored = fido.mongoPython(
      """
      u = db.users.find_one()
      s = u['stats']
      print(u['balance'], s['count'], s['credit_count'], s['debit_count'], s['credit_total'], s['debit_total'], json.dumps(s['days'], sort_keys=True), s['first_at'].isoformat(), s['last_at'].isoformat())
      """)
    XCTAssertEqual(
      stored,
      "700 2 1 1 1000 300 {\"2023-08-18\": {\"amount\": 1000, \"count\": 1}, \"2023-08-19\": {\"amount\": 300, \"count\": 1}} 2023-08-18T09:00:00 2023-08-19T09:00:00"
    )
    // The unreadable documents are left exactly as they were.
    XCTAssertEqual(
      fido.mongoPython(
        "print(json.dumps(list(db.transactions.find({'_id': {'$nin': [\(good.map { "__import__('bson').ObjectId('\($0)')" }.joined(separator: ", "))]}}).sort('_id')), default=str))"
      ), badBefore)
    // Then only they remain: no drift, and history verifies (the repair
    // recorded them in history without breaking the chain).
    let again = fido.run(["db", "check", "-o", "json"])
    XCTAssertEqual(again.status, 65, again.stderr)
    let left =
      (try? JSONSerialization.jsonObject(with: Data(again.stdout.utf8))) as? [[String: Any]] ?? []
    XCTAssertEqual(left.count, bad.count + 1, again.stdout)
    XCTAssertTrue(left.allSatisfy { $0["figure"] as? String == "invalid" }, again.stdout)
    let verify = fido.run(["audit", "verify"])
    XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    // Removing them makes the database clean.
    fido.mongoPython(
      "db.users.delete_one({'_id': 'legacy-1'})\ndb.transactions.delete_many({'_id': {'$nin': [\(good.map { "__import__('bson').ObjectId('\($0)')" }.joined(separator: ", "))]}})"
    )
    // (History then says they were deleted outside fido: exit 1, not 65.)
    let clean = fido.run(["db", "check"])
    XCTAssertNotEqual(clean.status, 65, clean.stderr)
    XCTAssertFalse(clean.stdout.contains("invalid"), clean.stdout)
    XCTAssertFalse(clean.stdout.contains("balance"), clean.stdout)
  }

  // MARK: analytics

  func testAnalyticsCountsNoUnreadableTransaction() {
    // A window holding unreadable transactions: refused, naming one.
    let before = snapshot()
    let w = fido.run(["analytics", user, "--since", "2023-08-01"])
    XCTAssertEqual(w.status, 65, w.stderr)
    XCTAssertEqual(w.stdout, "")
    XCTAssertTrue(w.stderr.contains("'fido db check'"), w.stderr)
    XCTAssertTrue(
      bad.contains { w.stderr.contains("transaction \($0.id): \($0.field) is") }, w.stderr)
    XCTAssertEqual(snapshot(), before)
    // A window of readable ones only: exact.
    let day2 = fido.object(["analytics", user, "--since", "2023-08-19"])
    XCTAssertEqual(day2["transaction_count"] as? Int, 1)
    XCTAssertEqual(day2["total_amount"] as? String, "3.00")
    // Without a window: the counters, which never counted them.
    let all = fido.object(["analytics", user])
    XCTAssertEqual(all["transaction_count"] as? Int, 2)
    XCTAssertEqual(all["total_amount"] as? String, "13.00")
    XCTAssertEqual(all["balance"] as? String, "7.00")
  }

  // MARK: writes refuse what they cannot read

  func testWritesRefuseUnreadableDocumentsAndWriteNothing() {
    let before = snapshot()
    let del = fido.run(["txn", "delete", bad[0].id, "--yes"])
    XCTAssertEqual(del.status, 65, del.stderr)
    XCTAssertTrue(del.stderr.contains("amount is 21.5 (a double)"), del.stderr)
    let upd = fido.run(["txn", "update", bad[2].id, "--type", "debit"])
    XCTAssertEqual(upd.status, 65, upd.stderr)
    XCTAssertTrue(upd.stderr.contains("type is 'refund'"), upd.stderr)
    XCTAssertEqual(snapshot(), before)
    // A user whose balance is a double (as the old service stored it).
    fido.mongoPython("db.users.update_one({}, {'$set': {'balance': 7.0}})")
    let stored = snapshot()
    let get = fido.run(["user", "get", user])
    XCTAssertEqual(get.status, 65, get.stderr)
    XCTAssertTrue(get.stderr.contains("user \(user): balance is 7.0 (a double)"), get.stderr)
    let add = fido.run([
      "txn", "add", "--user", user, "--amount", "1", "--type", "credit", "--no-sms",
    ])
    XCTAssertEqual(add.status, 65, add.stderr)
    let delGood = fido.run(["txn", "delete", good[0], "--yes"])
    XCTAssertEqual(delGood.status, 65, delGood.stderr)
    XCTAssertEqual(snapshot(), stored)
  }

  /// An email written in mixed case is found (today it could never be) and
  /// reported with its fix, which works.
  func testMixedCaseEmailIsFoundReportedAndFixable() {
    let id = fido.mongoPython(
      "print(db.users.insert_one({'name': 'Old User', 'email': 'Old.User@Example.COM', 'currency': 'GHS', 'opening_balance': 0, 'balance': 0}).inserted_id)"
    )
    for ref in ["old.user@example.com", "Old.User@Example.COM", id] {
      let r = fido.run(["user", "get", ref])
      XCTAssertEqual(r.status, 65, "\(ref): \(r.stderr)")
      XCTAssertTrue(r.stderr.contains("user \(id): email is 'Old.User@Example.COM'"), r.stderr)
      XCTAssertTrue(
        r.stderr.contains("fido user update \(id) --email old.user@example.com"), r.stderr)
      XCTAssertTrue(r.stderr.contains("'fido db check'"), r.stderr)
    }
    let fix = fido.run([
      "user", "update", "Old.User@Example.COM", "--email", "old.user@example.com",
    ])
    XCTAssertEqual(fix.status, 0, fix.stderr)
    XCTAssertEqual(
      fido.mongoPython(
        "print(db.users.find_one({'_id': __import__('bson').ObjectId('\(id)')})['email'])"),
      "old.user@example.com")
    XCTAssertEqual(fido.object(["user", "get", "old.user@example.com"])["id"] as? String, id)
  }

  // MARK: indexes

  /// The old service's non-unique `email_1` on `users`: db init (and user
  /// create) fail with one line naming the index and the fix, and doctor
  /// reports it.
  func testLegacyNonUniqueEmailIndex() throws {
    let f = try FidoRunner()
    f.mongoPython("db.users.create_index('email', name='email_1')")
    for args in [["db", "init"], ["user", "create", "--name", "X", "--email", "x@example.com"]] {
      let r = f.run(args)
      XCTAssertEqual(r.status, 4, r.stderr)
      XCTAssertEqual(lines(r.stderr).count, 1, r.stderr)
      XCTAssertTrue(r.stderr.contains("index users.email_1"), r.stderr)
      XCTAssertTrue(r.stderr.contains("not unique"), r.stderr)
      XCTAssertTrue(r.stderr.contains("dropIndex(\"email_1\")"), r.stderr)
      XCTAssertTrue(r.stderr.contains("'fido db init'"), r.stderr)
      XCTAssertFalse(r.stderr.contains("code 8"), r.stderr)
    }
    XCTAssertEqual(f.mongoPython("print(db.users.count_documents({}))"), "0")
    let doctor = f.run(["doctor", "-o", "json"])
    XCTAssertNotEqual(doctor.status, 0)
    let report =
      (try? JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8))) as? [String: Any] ?? [:]
    XCTAssertTrue(
      (report["indexes"] as? String)?.contains("users.email_1 exists with other options") == true,
      doctor.stdout)
    // The fix it names works.
    f.mongoPython("db.users.drop_index('email_1')")
    XCTAssertEqual(f.run(["db", "init"]).status, 0)
    XCTAssertEqual(
      f.mongoPython("print(db.users.index_information()['email_1'].get('unique'))"), "True")
    let ok = f.run(["doctor", "-o", "json"])
    let fixed =
      (try? JSONSerialization.jsonObject(with: Data(ok.stdout.utf8))) as? [String: Any] ?? [:]
    XCTAssertTrue((fixed["indexes"] as? String)?.hasPrefix("all ") == true, ok.stdout)
  }
}
