import Foundation
import XCTest

final class UserCommandTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  func createUser(_ name: String, _ email: String, phone: String? = nil, balance: String? = nil)
    -> [String: Any]
  {
    var args = ["user", "create", "--name", name, "--email", email]
    if let phone { args += ["--phone", phone] }
    if let balance { args += ["--balance", balance] }
    return fido.object(args)
  }

  func testCreateGetUpdateDeleteRoundTrip() {
    let created = createUser(
      "Ama Mensah", "  Ama.Mensah@Example.COM ", phone: "+233241234567", balance: "1100")
    let id = created["id"] as? String ?? ""
    XCTAssertEqual(id.count, 24)
    XCTAssertEqual(created["email"] as? String, "ama.mensah@example.com")
    XCTAssertEqual(created["balance"] as? String, "1100.00")
    XCTAssertEqual(created["currency"] as? String, "GHS")
    XCTAssertEqual(created["phone"] as? String, "+233241234567")
    XCTAssertEqual(
      Array((created as NSDictionary).allKeys as! [String]).sorted(),
      ["balance", "created_at", "currency", "email", "id", "name", "phone", "updated_at"])

    // By id and by email, in any case.
    XCTAssertEqual(fido.object(["user", "get", id])["email"] as? String, "ama.mensah@example.com")
    XCTAssertEqual(fido.object(["user", "get", "AMA.MENSAH@example.com"])["id"] as? String, id)

    let updated = fido.object(["user", "update", id, "--name", "Ama K. Mensah", "--no-phone"])
    XCTAssertEqual(updated["name"] as? String, "Ama K. Mensah")
    XCTAssertTrue(updated["phone"] is NSNull)
    // What MongoDB holds, read independently.
    XCTAssertEqual(
      fido.mongoPython(
        "u = db.users.find_one(); print(u['name'], 'phone' in u, u['balance'], u['opening_balance'])"
      ),
      "Ama K. Mensah False 110000 110000")

    let deleted = fido.object(["user", "delete", id, "--yes"])
    XCTAssertEqual(deleted["id"] as? String, id)
    let gone = fido.run(["user", "get", id])
    XCTAssertEqual(gone.status, 3)
    XCTAssertTrue(gone.stderr.hasPrefix("fido: error: "), gone.stderr)
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "0")
  }

  func testDuplicateEmailIsAConflictAndWritesNothing() {
    _ = createUser("Kofi", "kofi@example.com")
    let r = fido.run(["user", "create", "--name", "Kofi Two", "--email", "KOFI@example.com"])
    XCTAssertEqual(r.status, 4, r.stderr)
    XCTAssertEqual(r.stdout, "")
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "1")
    // Update into someone else's email is a conflict too.
    let other = createUser("Esi", "esi@example.com")
    let u = fido.run(["user", "update", other["id"] as! String, "--email", "kofi@example.com"])
    XCTAssertEqual(u.status, 4, u.stderr)
  }

  func testInvalidDataExits65AndWritesNothing() {
    let cases: [[String]] = [
      ["--name", "A", "--email", "not-an-email"],
      ["--name", "A", "--email", "a@b"],
      ["--name", "A", "--email", "a@@b.com"],
      ["--name", "A", "--email", "a@b.com", "--phone", "0241234567"],
      ["--name", "A", "--email", "a@b.com", "--phone", "+0241234567"],
      ["--name", "A", "--email", "a@b.com", "--phone", "+1234"],
      ["--name", "", "--email", "a@b.com"],
      ["--name", "A\u{7}", "--email", "a@b.com"],
      ["--name", "A", "--email", "a@b.com", "--balance", "-5"],
      ["--name", "A", "--email", "a@b.com", "--balance", "1.234"],
      ["--name", "A", "--email", "a@b.com", "--currency", "QQQ"],
    ]
    for args in cases {
      let r = fido.run(["user", "create"] + args)
      XCTAssertEqual(r.status, 65, "\(args): \(r.stderr)")
      XCTAssertEqual(r.stdout, "", "\(args)")
      XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
    }
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "0")
    XCTAssertEqual(fido.run(["user", "get", "not-an-id"]).status, 65)
    XCTAssertEqual(fido.run(["user", "get", "0123456789abcdef01234567"]).status, 3)
    XCTAssertEqual(fido.run(["user", "get", "nobody@example.com"]).status, 3)
  }

  func testZeroOpeningBalanceAndOtherCurrencies() {
    let u = fido.object([
      "user", "create", "--name", "Jo", "--email", "jo@example.com", "--balance", "0", "--currency",
      "jpy",
    ])
    XCTAssertEqual(u["currency"] as? String, "JPY")
    XCTAssertEqual(u["balance"] as? String, "0")
    let k = fido.object([
      "user", "create", "--name", "Ka", "--email", "ka@example.com", "--balance", "1.5",
      "--currency", "KWD",
    ])
    XCTAssertEqual(k["balance"] as? String, "1.500")
    XCTAssertEqual(
      fido.mongoPython("print(db.users.find_one({'email': 'ka@example.com'})['balance'])"), "1500")
  }

  func testListPagesWithoutGapsOrDuplicates() {
    var ids: [String] = []
    for i in 0..<23 { ids.append(createUser("User \(i)", "user\(i)@example.com")["id"] as! String) }
    XCTAssertEqual(ids, ids.sorted(), "ids ascend in creation order")
    var seen: [String] = []
    var after: String? = nil
    repeat {
      var args = ["user", "list", "--limit", "5"]
      if let after { args += ["--after", after] }
      let page = fido.list(args).map { $0["id"] as! String }
      XCTAssertLessThanOrEqual(page.count, 5)
      seen += page
      after = page.count == 5 ? page.last : nil
    } while after != nil
    XCTAssertEqual(seen, ids)
    XCTAssertEqual(fido.list(["user", "list", "--limit", "0"]).count, 23)
    XCTAssertEqual(fido.list(["user", "list"]).count, 23)
    XCTAssertEqual(fido.list(["user", "list", "--name-contains", "USER 1"]).count, 11)  // 1, 10–19
    XCTAssertEqual(
      fido.list(["user", "list", "--name-contains", ".*"]).count, 0, "text is literal, not a regex")
    XCTAssertEqual(
      fido.list(["user", "list", "--email", "USER7@example.com"]).map { $0["id"] as! String },
      [ids[7]])
    // -q prints ids only; tsv has no header.
    let quiet = fido.run(["user", "list", "-q", "--limit", "3"])
    XCTAssertEqual(quiet.stdout, ids.prefix(3).joined(separator: "\n") + "\n")
    let tsv = fido.run(["user", "list", "-o", "tsv", "--limit", "2"])
    XCTAssertEqual(tsv.stdout.split(separator: "\n").count, 2)
    XCTAssertTrue(
      tsv.stdout.hasPrefix(ids[0] + "\tUser 0\tuser0@example.com\t\tGHS\t0.00\t"), tsv.stdout)
    let csv = fido.run(["user", "list", "-o", "csv", "--limit", "1"])
    XCTAssertTrue(
      csv.stdout.hasPrefix("id,name,email,phone,currency,balance,created_at,updated_at\r\n"),
      csv.stdout)
    let nd = fido.run(["user", "list", "-o", "ndjson", "--limit", "4"])
    XCTAssertEqual(nd.stdout.split(separator: "\n").count, 4)
  }

  func testDeleteRefusesWithoutYesOffATerminalAndWithTransactions() {
    let u = createUser("Yaw", "yaw@example.com")
    let id = u["id"] as! String
    let refused = fido.run(["user", "delete", id])
    XCTAssertEqual(refused.status, 2, refused.stderr)
    XCTAssertTrue(refused.stderr.contains("--yes"))
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "1")
    XCTAssertEqual(
      fido.run(["txn", "add", "--user", id, "--amount", "5", "--type", "credit", "--no-sms"])
        .status, 0)
    let conflict = fido.run(["user", "delete", id, "--yes"])
    XCTAssertEqual(conflict.status, 4, conflict.stderr)
    // The conflict comes before any prompt: no --yes, still 4.
    XCTAssertEqual(fido.run(["user", "delete", id]).status, 4)
    XCTAssertEqual(fido.run(["user", "delete", id, "--cascade", "--yes", "-q"]).stdout, id + "\n")
    XCTAssertEqual(
      fido.mongoPython(
        "print(db.users.count_documents({}), db.transactions.count_documents({}))"
      ),
      "0 0")
  }

  func testPasswordIsHashedAndNeverPrinted() {
    let secret = "correct horse battery staple"
    let formats = ["json", "ndjson", "csv", "tsv", "table"]
    let r = fido.run(
      ["user", "create", "--name", "Pat", "--email", "pat@example.com", "--password-stdin", "-v"],
      stdin: secret + "\n")
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret))
    let hash = fido.mongoPython("print(db.users.find_one()['password_hash'])")
    XCTAssertTrue(hash.hasPrefix("$scrypt$ln="), hash)
    XCTAssertFalse(hash.contains(secret))
    for f in formats {
      let g = fido.run(["user", "get", "pat@example.com", "-o", f, "-v"])
      XCTAssertEqual(g.status, 0)
      XCTAssertFalse(
        g.stdout.contains(secret) || g.stdout.contains("scrypt") || g.stderr.contains(secret), f)
      XCTAssertFalse(g.stdout.contains("password"), f)
    }
    XCTAssertFalse(fido.run(["user", "list", "-o", "json"]).stdout.contains("scrypt"))
    // Too short.
    let short = fido.run(
      ["user", "create", "--name", "Q", "--email", "q@example.com", "--password-stdin"],
      stdin: "short\n")
    XCTAssertEqual(short.status, 65)
    // Update re-hashes with a fresh salt.
    XCTAssertEqual(
      fido.run(["user", "update", "pat@example.com", "--password-stdin"], stdin: secret).status, 0)
    let hash2 = fido.mongoPython(
      "print(db.users.find_one({'email': 'pat@example.com'})['password_hash'])")
    XCTAssertNotEqual(hash, hash2)
  }

  func testURIPasswordNeverPrinted() {
    let secret = "s3cr3t-uri-pw"
    // A port where nothing listens: unavailable, and the message must not leak the password.
    let r = fido.run(
      ["user", "list", "-v", "--timeout", "1", "-o", "json"],
      env: ["MONGO_URI": "mongodb://admin:\(secret)@127.0.0.1:1/?serverSelectionTimeoutMS=500"])
    XCTAssertEqual(r.status, 69, r.stderr)
    XCTAssertFalse(r.stdout.contains(secret) || r.stderr.contains(secret), r.stderr)
    XCTAssertTrue(r.stderr.contains("\"code\":\"unavailable\""), r.stderr)
    let bad = fido.run(["user", "list"], env: ["MONGO_URI": "mongodb://admin:\(secret)@"])
    XCTAssertEqual(bad.status, 78, bad.stderr)
    XCTAssertFalse(bad.stderr.contains(secret), bad.stderr)
    XCTAssertEqual(fido.run(["user", "list"], env: ["MONGO_URI": "http://example.com"]).status, 78)
  }

  func testUsageErrorsExit2WithSuggestions() {
    let r = fido.run(["usr", "list"])
    XCTAssertEqual(r.status, 2)
    XCTAssertTrue(r.stderr.contains("did you mean 'user'"), r.stderr)
    let o = fido.run(["user", "create", "--nmae", "x", "--email", "a@b.com"])
    XCTAssertEqual(o.status, 2)
    XCTAssertTrue(o.stderr.contains("--name"), o.stderr)
    // The hint points to the help of the command that was being parsed.
    XCTAssertTrue(o.stderr.hasSuffix("Run 'fido user create --help' for details.\n"), o.stderr)
    XCTAssertTrue(
      fido.run(["user", "crate"]).stderr.hasSuffix("Run 'fido user --help' for details.\n"))
    XCTAssertTrue(r.stderr.hasSuffix("Run 'fido --help' for details.\n"), r.stderr)
    XCTAssertEqual(fido.run([]).status, 2)
    XCTAssertEqual(fido.run(["user", "get"]).status, 2)
    XCTAssertEqual(fido.run(["user", "get", "a@b.com", "extra"]).status, 2)
    XCTAssertEqual(fido.run(["user", "list", "-o", "xml"]).status, 2)
    XCTAssertEqual(fido.run(["user", "list", "--limit", "-1"]).status, 2)
    let json = fido.run(["user", "get", "-o", "json"])
    XCTAssertEqual(json.status, 2)
    XCTAssertTrue(json.stderr.contains("{\"error\":{\"code\":\"usage\""), json.stderr)
    XCTAssertEqual(fido.run(["user", "update", "a@b.com"]).status, 2, "nothing to update")
    XCTAssertEqual(fido.run(["--version"]).status, 0)
    XCTAssertEqual(fido.run(["help", "user", "create"]).status, 0)
    XCTAssertEqual(fido.run(["user", "create", "--help"]).status, 0)
  }

  func testEnvFileAndPrecedence() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-env-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent(".env")
    try "# test\nexport MONGO_DB_NAME=\"\(fido.db)_envfile\"\n".write(
      to: file, atomically: true, encoding: .utf8)
    var env = fido.environment
    env["MONGO_DB_NAME"] = nil
    fido.environment = env
    XCTAssertEqual(
      fido.run([
        "--env-file", file.path, "user", "create", "--name", "E", "--email", "e@example.com",
      ]).status, 0)
    XCTAssertEqual(
      fido.run(["user", "list", "-q", "--env-file", file.path, "--db", "\(fido.db)_other"]).stdout,
      "", "flag beats env file")
    XCTAssertEqual(fido.run(["user", "list", "-q", "--env-file", file.path]).stdout.count, 25)
    try "NOT A LINE\n".write(to: file, atomically: true, encoding: .utf8)
    let bad = fido.run(["--env-file", file.path, "user", "list"])
    XCTAssertEqual(bad.status, 78)
    XCTAssertTrue(bad.stderr.contains("line 1"), bad.stderr)
    XCTAssertEqual(
      fido.run(["--env-file", dir.appendingPathComponent("missing").path, "user", "list"]).status,
      78)
  }
}
