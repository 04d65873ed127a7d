import Foundation
import XCTest

/// Profiles from the config file, their precedence, file modes, whoami,
/// profile list and the prompts that name where they would write.
final class ProfileTests: XCTestCase {
  var fido: FidoRunner!
  var dir: URL!
  var configPath: String { dir.appendingPathComponent("config").path }

  override func setUpWithError() throws {
    fido = try FidoRunner()
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-profiles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // Only the profile names the server: no MONGO_URI or MONGO_DB_NAME in the environment.
    fido.environment["MONGO_URI"] = nil
    fido.environment["MONGO_DB_NAME"] = nil
    fido.environment["FIDO_CONFIG"] = configPath
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  func write(_ text: String, to path: String, mode: Int = 0o600) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
  }

  var standardConfig: String {
    """
    # fido profiles
    [local]
    MONGO_URI=\(fido.uri)
    MONGO_DB_NAME=\(fido.db)_profile

    [prod]
    MONGO_URI=mongodb://admin:pr0d-s3cret@127.0.0.1:1/?authSource=admin
    MONGO_DB_NAME=fido_prod
    TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
    TWILIO_AUTH_TOKEN=tw1l10-t0ken-s3cret
    TWILIO_FROM=+15005550006
    protected = true

    """
  }

  func database(_ args: [String], env: [String: String] = [:]) -> String {
    let r = fido.run(args + ["whoami", "--fields", "database"], env: env)
    XCTAssertEqual(r.status, 0, r.stderr)
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func testPrecedenceFlagEnvEnvFileProfileDefault() throws {
    try write(standardConfig, to: configPath)
    let envFile = dir.appendingPathComponent("fido.env").path
    try write("MONGO_DB_NAME=from_env_file\n", to: envFile)
    let p = ["--profile", "local"]
    XCTAssertEqual(database(p), "\(fido.db)_profile", "profile over the default")
    XCTAssertEqual(database(p + ["--env-file", envFile]), "from_env_file", "env file over profile")
    XCTAssertEqual(
      database(p + ["--env-file", envFile], env: ["MONGO_DB_NAME": "from_env"]), "from_env",
      "environment over env file")
    XCTAssertEqual(
      database(
        p + ["--env-file", envFile, "--db", "from_flag"], env: ["MONGO_DB_NAME": "from_env"]),
      "from_flag", "flag over everything")
    XCTAssertEqual(database([], env: ["FIDO_PROFILE": "local"]), "\(fido.db)_profile")
    XCTAssertEqual(
      database(["--profile", "local"], env: ["FIDO_PROFILE": "prod"]), "\(fido.db)_profile",
      "--profile over FIDO_PROFILE")
    // Without a profile, the default (and the default URI: not this server).
    let none = fido.run(["whoami", "--fields", "database", "--timeout", "0.3"])
    XCTAssertEqual(none.stdout, "fido\n")
    XCTAssertEqual(none.status, 69, "the default URI has no server here: \(none.stderr)")
  }

  /// Each history entry names who made the change: the OS user and host
  /// (read here through Python's own look-ups), fido's version and the
  /// profile — including when the look-up is put off to the first write.
  func testHistoryNamesTheOSUserHostVersionAndProfile() throws {
    try write(standardConfig, to: configPath)
    let created = fido.run([
      "--profile", "local", "user", "create", "--name", "Ama", "--email", "a@x.io", "-q",
    ])
    XCTAssertEqual(created.status, 0, created.stderr)
    let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    // Without a profile: the same store, named by the environment instead.
    let added = fido.run(
      ["txn", "add", "--user", id, "--amount", "5", "--type", "credit", "--no-sms"],
      env: ["MONGO_URI": fido.uri, "MONGO_DB_NAME": "\(fido.db)_profile"])
    XCTAssertEqual(added.status, 0, added.stderr)
    let version = fido.run(["--version"]).stdout.split(separator: " ").last.map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let actors = fido.mongoPython(
      """
      import os, pwd, socket
      me = pwd.getpwuid(os.geteuid()).pw_name, socket.gethostname()
      for e in client[sys.argv[2] + '_profile'].audit.find().sort([('user_id', 1), ('seq', 1)]):
          a = e['actor']
          print(e['action'], (a['os_user'], a['host']) == me, a['fido_version'], a.get('profile'))
      """)
    XCTAssertEqual(
      actors, "user.create True \(version ?? "?") local\ntxn.create True \(version ?? "?") None")
  }

  func testUnknownProfileListsTheKnownOnes() throws {
    try write(standardConfig, to: configPath)
    let r = fido.run(["--profile", "staging", "user", "list"])
    XCTAssertEqual(r.status, 78)
    XCTAssertEqual(
      r.stderr,
      "fido: error: unknown profile 'staging' in config file '\(configPath)'; known profiles: local, prod\n"
    )
    try FileManager.default.removeItem(atPath: configPath)
    let missing = fido.run(["--profile", "local", "user", "list"])
    XCTAssertEqual(missing.status, 78)
    XCTAssertTrue(missing.stderr.contains("which does not exist"), missing.stderr)
  }

  func testSecretsInReadableFilesAreRefused() throws {
    try write(standardConfig, to: configPath, mode: 0o644)
    let r = fido.run(["--profile", "local", "user", "list"])
    XCTAssertEqual(r.status, 78)
    XCTAssertEqual(
      r.stderr,
      "fido: error: config file '\(configPath)' holds a MONGO_URI password and TWILIO_AUTH_TOKEN and other users can read it; run: chmod 600 '\(configPath)'\n"
    )
    XCTAssertFalse(r.stderr.contains("pr0d-s3cret"))
    try write(standardConfig, to: configPath, mode: 0o640)
    XCTAssertEqual(fido.run(["--profile", "local", "user", "list"]).status, 78, "group-readable")
    try write(standardConfig, to: configPath, mode: 0o600)
    XCTAssertEqual(fido.run(["--profile", "local", "user", "list"]).status, 0)

    // The env file: the same rule; without a secret any mode is fine.
    let envFile = dir.appendingPathComponent("fido.env").path
    try write("TWILIO_AUTH_TOKEN=abc\n", to: envFile, mode: 0o604)
    let env = fido.run(["--profile", "local", "--env-file", envFile, "user", "list"])
    XCTAssertEqual(env.status, 78)
    XCTAssertTrue(env.stderr.hasSuffix("run: chmod 600 '\(envFile)'\n"), env.stderr)
    try write("MONGO_DB_NAME=x\n", to: envFile, mode: 0o644)
    XCTAssertEqual(
      fido.run(["--profile", "local", "--env-file", envFile, "user", "list"]).status, 0)
  }

  func testWhoamiAndProfileListNeverPrintASecret() throws {
    try write(standardConfig, to: configPath)
    for format in ["table", "json", "ndjson", "csv", "tsv"] {
      let local = fido.run(["--profile", "local", "whoami", "-o", format])
      XCTAssertEqual(local.status, 0, local.stderr)
      XCTAssertTrue(local.stdout.contains("local"))
      let prod = fido.run(["--profile", "prod", "--timeout", "0.3", "whoami", "-o", format, "-v"])
      XCTAssertEqual(prod.status, 69, "exit 0 only when the server answers")
      for text in [local.stdout, local.stderr, prod.stdout, prod.stderr] {
        XCTAssertFalse(text.contains("pr0d-s3cret"), text)
        XCTAssertFalse(text.contains("tw1l10-t0ken"), text)
        XCTAssertFalse(text.contains("0123456789abcdef0123456789abcdef"), "the SID is masked")
      }
      if format == "json" {
        let o =
          (try? JSONSerialization.jsonObject(with: Data(prod.stdout.utf8))) as? [String: Any] ?? [:]
        XCTAssertEqual(o["uri"] as? String, "mongodb://admin:****@127.0.0.1:1/?authSource=admin")
        XCTAssertEqual(o["twilio_account"] as? String, "AC…cdef")
        XCTAssertTrue(o["server_version"] is NSNull)
        XCTAssertEqual(o["database"] as? String, "fido_prod")
      }
    }
    let list = fido.run(["--profile", "prod", "profile", "list", "-o", "csv"])
    XCTAssertEqual(list.status, 0, list.stderr)
    XCTAssertEqual(
      list.stdout,
      "name,active,protected,database,uri\r\n"
        + "local,false,false,\(fido.db)_profile,\(fido.uri)\r\n"
        + "prod,true,true,fido_prod,mongodb://admin:****@127.0.0.1:1/?authSource=admin\r\n")
  }

  func testProtectedProfilePromptAsksForTheDatabaseName() throws {
    guard let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] else {
      throw XCTSkip("FIDO_TEST_PYTHON is not set")
    }
    try write(standardConfig.replacing("[prod]", with: "protected = true\n[prod]"), to: configPath)
    fido.environment["FIDO_PROFILE"] = "local"
    let id = fido.run(["user", "create", "--name", "Ama", "--email", "ama@example.com", "-q"])
      .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts/pty_run.py").path
    func prompt(_ reply: String) -> String {
      fido.shell(
        "\(python) \(script) --reply 'confirm: =\(reply)' -- \"$FIDO\" user delete \(id) -o tsv"
      )
      .stdout
    }
    let wrong = prompt("y")
    XCTAssertTrue(
      wrong.hasPrefix(
        "fido: delete user ama@example.com in profile 'local' (host '\(fido.uri.dropFirst(10))', database '\(fido.db)_profile')?\nfido: this profile is protected: type the database name (\(fido.db)_profile) to confirm: y\n"
      ), wrong)
    XCTAssertTrue(wrong.hasSuffix("[exit 5 echo on]\n"), wrong)
    XCTAssertEqual(
      fido.mongoPython("print(db.client['\(fido.db)_profile'].users.count_documents({}))"), "1")
    let right = prompt("\(fido.db)_profile")
    XCTAssertTrue(right.hasSuffix("[exit 0 echo on]\n"), right)
    XCTAssertEqual(
      fido.mongoPython("print(db.client['\(fido.db)_profile'].users.count_documents({}))"), "0")
    _ = fido.mongoPython("db.client.drop_database('\(fido.db)_profile')")
  }
}
