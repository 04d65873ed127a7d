import FidoCore
import Foundation
import XCTest

/// fido as production runs it: TLS and a login, against SecantusDB servers
/// this class starts itself with `--auth` and TLS (certificates made with
/// the openssl CLI in a temporary folder).
///
/// The main server: users provisioned on a plain start, then restarted
/// with `--auth`, TLS and a CA for client certificates (offered ones are
/// verified; none is required). Tests that need another server (an
/// expired certificate, client certificates required) start their own.
final class SecureConnectionTests: XCTestCase {
  static let rootPassword = "r00t-Pa55-word"
  static let appPassword = "s3cret-Pa55-9f2"
  static let wrongPassword = "wr0ng-Pa55-7c1"
  static let db = "fido_secure"

  nonisolated(unsafe) static var folder: URL?
  nonisolated(unsafe) static var certs: TestCertificates?
  nonisolated(unsafe) static var server: TestServer?
  nonisolated(unsafe) static var setUpError: Error?

  var fido: FidoRunner!
  var certs: TestCertificates { Self.certs! }
  var port: Int { Self.server!.port }
  var extraServers: [TestServer] = []

  override class func setUp() {
    super.setUp()
    guard ProcessInfo.processInfo.environment["FIDO_TEST_URI"] != nil else { return }
    do {
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "fido-secure-\(UUID().uuidString.prefix(8))")
      Self.folder = folder
      let certs = try TestCertificates(in: folder.appendingPathComponent("certs"))
      Self.certs = certs
      let storage = folder.appendingPathComponent("main")
      // Users can only be made before --auth is on (SecantusDB has no
      // localhost exception): start plain, provision, restart.
      let plain = try TestServer(storage: storage)
      runPython(Self.provisioning, uri: "mongodb://127.0.0.1:\(plain.port)/")
      plain.stop()
      Self.server = try TestServer(
        storage: storage,
        arguments: [
          "--auth", "--enable-test-commands", "--tls-cert-file", certs.serverCert,
          "--tls-key-file", certs.serverKey, "--tls-ca-file", certs.ca,
        ])
    } catch {
      Self.setUpError = error
    }
  }

  override class func tearDown() {
    server?.stop()
    if let folder { try? FileManager.default.removeItem(at: folder) }
    super.tearDown()
  }

  /// Users: `root` (root), `fido` in admin with readWrite on the test
  /// database (so a URI naming the database needs authSource=admin), the
  /// client certificate's subject in `$external` (MONGODB-X509), and two
  /// users holding only fido's least-privilege roles (README, Scaling).
  static var provisioning: String {
    """
    admin = client.admin
    admin.command('createUser', 'root', pwd='\(rootPassword)', roles=['root'])
    admin.command('createUser', 'fido', pwd='\(appPassword)', roles=[{'role': 'readWrite', 'db': '\(db)'}], mechanisms=['SCRAM-SHA-256'])
    client['$external'].command('createUser', '\(TestCertificates.clientSubject)', roles=[{'role': 'readWrite', 'db': '\(db)'}], mechanisms=['MONGODB-X509'])
    app = client['\(db)']
    def on(actions): return [{'resource': {'db': '\(db)', 'collection': c}, 'actions': actions} for c in ('users', 'transactions')]
    app.command('createRole', 'fidoApp', privileges=on(['find', 'insert', 'update', 'remove', 'createIndex']), roles=[])
    app.command('createRole', 'fidoReader', privileges=on(['find', 'listIndexes']), roles=[])
    app.command('createRole', 'fidoNoIndexes', privileges=on(['find', 'insert', 'update', 'remove']), roles=[])
    app.command('createUser', 'app', pwd='\(appPassword)', roles=['fidoApp'], mechanisms=['SCRAM-SHA-256'])
    app.command('createUser', 'reader', pwd='\(appPassword)', roles=['fidoReader'], mechanisms=['SCRAM-SHA-256'])
    app.command('createUser', 'noindexes', pwd='\(appPassword)', roles=['fidoNoIndexes'], mechanisms=['SCRAM-SHA-256'])
    """
  }

  override func setUpWithError() throws {
    fido = try FidoRunner()
    if let error = Self.setUpError { throw error }
    guard Self.server != nil else { throw XCTSkip("no secure server") }
    // No MONGO_URI from `make test`: each test names its own connection.
    fido.environment = [
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "MONGO_DB_NAME": Self.db, "FIDO_TIMEOUT": "5",
    ]
  }

  override func tearDown() {
    for server in extraServers { server.stop() }
    if Self.server != nil, fido != nil {
      root("client['\(Self.db)'].users.drop(); client['\(Self.db)'].transactions.drop()")
    }
  }

  // MARK: helpers

  /// `mongodb://[user:password@]127.0.0.1:PORT/[path]?tls=true&tlsCAFile=CA[&more]`
  func uri(
    user: String? = "fido", password: String = appPassword, path: String = "",
    port: Int? = nil, _ options: String = "authSource=admin"
  ) -> String {
    let login = user.map { "\($0):\(password)@" } ?? ""
    return
      "mongodb://\(login)127.0.0.1:\(port ?? self.port)/\(path)?tls=true&tlsCAFile=\(certs.ca)\(options.isEmpty ? "" : "&" + options)"
  }

  /// Python with a root client over TLS: the independent reader of what fido stored.
  @discardableResult
  func root(_ code: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    runPython(
      "db = client['\(Self.db)']\n" + code,
      uri: uri(user: "root", password: Self.rootPassword), file: file, line: line)
  }

  func startServer(_ arguments: [String]) throws -> TestServer {
    let storage = Self.folder!.appendingPathComponent("extra-\(UUID().uuidString.prefix(8))")
    let server = try TestServer(storage: storage, arguments: arguments)
    extraServers.append(server)
    return server
  }

  func assertNoSecret(
    _ r: FidoResult, _ secrets: [String] = [appPassword, wrongPassword, rootPassword],
    file: StaticString = #filePath, line: UInt = #line
  ) {
    for secret in secrets {
      XCTAssertFalse(r.stdout.contains(secret), "stdout: \(r.stdout)", file: file, line: line)
      XCTAssertFalse(r.stderr.contains(secret), "stderr: \(r.stderr)", file: file, line: line)
    }
  }

  // MARK: SCRAM

  /// The user lives in `admin`, the URI names the data's database: the
  /// login works only with authSource=admin, and what fido writes is there.
  func testSCRAMLoginWithAuthSourceOverTLS() {
    let env = ["MONGO_URI": uri(path: Self.db)]
    let created = fido.run(
      [
        "user", "create", "--name", "Ama", "--email", "ama@example.com", "--balance", "10", "-o",
        "json",
      ],
      env: env)
    XCTAssertEqual(created.status, 0, created.stderr)
    let add = fido.run(
      [
        "txn", "add", "--user", "ama@example.com", "--amount", "2.50", "--type", "credit",
        "--no-sms",
      ],
      env: env)
    XCTAssertEqual(add.status, 0, add.stderr)
    XCTAssertEqual(
      root(
        "u = db.users.find_one({'email': 'ama@example.com'}); print(u['balance'], db.transactions.count_documents({}))"
      ),
      "1250 1")

    // Without authSource the login is tried against the URI's database, where no such user is.
    let noSource = fido.run(
      ["user", "get", "ama@example.com"], env: ["MONGO_URI": uri(path: Self.db, "")])
    XCTAssertEqual(noSource.status, 77, noSource.stderr)
    assertNoSecret(noSource)
  }

  /// A refused login is exit 77 however the URI arrives, and no output, the
  /// -v diagnostics and the JSON error included, holds either password.
  func testAWrongPasswordIsExit77AndNoSecretIsPrinted() {
    let bad = uri(password: Self.wrongPassword)
    let runs = [
      fido.run(["user", "list"], env: ["MONGO_URI": bad]),
      fido.run(["-v", "user", "list", "-o", "json"], env: ["MONGO_URI": bad]),
      fido.run(["--uri", bad, "-v", "doctor"]),
      fido.run(
        ["txn", "add", "--user", "a@example.com", "--amount", "1", "--type", "credit"],
        env: ["MONGO_URI": bad]),
    ]
    for r in runs {
      XCTAssertEqual(r.status, 77, r.stderr)
      XCTAssertTrue(r.stderr.contains("MongoDB refused the credentials"), r.stderr)
      assertNoSecret(r)
    }
    XCTAssertTrue(runs[1].stderr.contains("\"code\":\"unauthorized\""), runs[1].stderr)
    // The right password, -v on: the handshake and every command are logged, the password is not.
    let good = fido.run(["-v", "user", "list"], env: ["MONGO_URI": uri()])
    XCTAssertEqual(good.status, 0, good.stderr)
    assertNoSecret(good)
  }

  /// Only a password typed into --uri draws the warning, once, without the password.
  func testAPasswordInURIOnTheCommandLineDrawsOneWarning() throws {
    let onCommandLine = fido.run(["--uri", uri(), "user", "list"])
    XCTAssertEqual(onCommandLine.status, 0, onCommandLine.stderr)
    let warnings = onCommandLine.stderr.split(separator: "\n").filter { $0.contains("warning") }
    XCTAssertEqual(warnings.count, 1, onCommandLine.stderr)
    XCTAssertTrue(warnings.first?.contains("--uri") ?? false, onCommandLine.stderr)
    XCTAssertTrue(warnings.first?.contains("MONGO_URI") ?? false, onCommandLine.stderr)
    assertNoSecret(onCommandLine)

    let fromEnvironment = fido.run(["user", "list"], env: ["MONGO_URI": uri()])
    XCTAssertEqual(fromEnvironment.status, 0, fromEnvironment.stderr)
    XCTAssertEqual(fromEnvironment.stderr, "")

    let envFile = Self.folder!.appendingPathComponent("fido-\(UUID().uuidString.prefix(8)).env")
    try Data("MONGO_URI='\(uri())'\n".utf8).write(to: envFile)
    XCTAssertEqual(chmod(envFile.path, 0o600), 0)
    let fromFile = fido.run(["--env-file", envFile.path, "user", "list"])
    XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
    XCTAssertEqual(fromFile.stderr, "")

    // A URI without a password, such as an X.509 login, draws none.
    let x509 = fido.run([
      "--uri", uri(user: nil, "authMechanism=MONGODB-X509&tlsCertificateKeyFile=\(certs.client)"),
      "user", "list",
    ])
    XCTAssertEqual(x509.status, 0, x509.stderr)
    XCTAssertEqual(x509.stderr, "")
  }

  // MARK: TLS

  /// A server certificate that does not verify against tlsCAFile: exit 69
  /// naming the file and OpenSSL's reason, without the password.
  func testAWrongCAIsExit69NamingTheFileAndTheReason() {
    let wrong = uri().replacingOccurrences(of: certs.ca, with: certs.otherCA)
    let r = fido.run(["--timeout", "2", "user", "list"], env: ["MONGO_URI": wrong])
    XCTAssertEqual(r.status, 69, r.stderr)
    XCTAssertTrue(r.stderr.contains("tlsCAFile '\(certs.otherCA)'"), r.stderr)
    XCTAssertTrue(r.stderr.contains("did not verify"), r.stderr)
    XCTAssertTrue(r.stderr.contains("self-signed certificate in certificate chain"), r.stderr)
    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    assertNoSecret(r)

    // No tlsCAFile: the system's CAs do not know the test CA either.
    let system = fido.run(
      ["--timeout", "2", "user", "list"],
      env: ["MONGO_URI": "mongodb://127.0.0.1:\(port)/?tls=true"])
    XCTAssertEqual(system.status, 69, system.stderr)
    XCTAssertTrue(system.stderr.contains("system's CA certificates"), system.stderr)

    // A tlsCAFile that cannot be read is a configuration error, found before connecting.
    let missing = fido.run(
      ["user", "list"],
      env: ["MONGO_URI": uri().replacingOccurrences(of: certs.ca, with: certs.ca + ".missing")])
    XCTAssertEqual(missing.status, 78, missing.stderr)
    XCTAssertTrue(missing.stderr.contains("\(certs.ca).missing"), missing.stderr)
    XCTAssertTrue(missing.stderr.contains("No such file or directory"), missing.stderr)
    assertNoSecret(missing)
  }

  func testAnExpiredServerCertificateIsExit69NamingTheFileAndTheReason() throws {
    let server = try startServer([
      "--tls-cert-file", certs.expiredServerCert, "--tls-key-file", certs.serverKey,
    ])
    let r = fido.run(
      ["--timeout", "2", "user", "list"], env: ["MONGO_URI": uri(port: server.port)])
    XCTAssertEqual(r.status, 69, r.stderr)
    XCTAssertTrue(r.stderr.contains("tlsCAFile '\(certs.ca)'"), r.stderr)
    XCTAssertTrue(r.stderr.contains("certificate has expired"), r.stderr)
    assertNoSecret(r)
  }

  /// A server that requires client certificates: refused without one (69,
  /// saying a client certificate may be needed), refused with an expired
  /// one (69, naming the file and its expiry), and works with a good one.
  func testAServerRequiringClientCertificates() throws {
    let server = try startServer([
      "--tls-cert-file", certs.serverCert, "--tls-key-file", certs.serverKey,
      "--tls-ca-file", certs.ca, "--tls-require-client-cert",
    ])
    let without = fido.run(
      ["--timeout", "2", "user", "list"], env: ["MONGO_URI": uri(user: nil, port: server.port, "")])
    XCTAssertEqual(without.status, 69, without.stderr)
    XCTAssertTrue(without.stderr.contains("client certificate"), without.stderr)
    XCTAssertTrue(without.stderr.contains("tlsCertificateKeyFile"), without.stderr)

    let expired = fido.run(
      ["--timeout", "2", "user", "list"],
      env: [
        "MONGO_URI": uri(
          user: nil, port: server.port, "tlsCertificateKeyFile=\(certs.expiredClient)")
      ])
    XCTAssertEqual(expired.status, 69, expired.stderr)
    XCTAssertTrue(
      expired.stderr.contains(
        "tlsCertificateKeyFile '\(certs.expiredClient)' expired on 2020-01-02"),
      expired.stderr)

    let good = uri(user: nil, port: server.port, "tlsCertificateKeyFile=\(certs.client)")
    let created = fido.run(
      ["user", "create", "--name", "Kofi", "--email", "kofi@example.com", "-o", "json"],
      env: ["MONGO_URI": good])
    XCTAssertEqual(created.status, 0, created.stderr)
    let listed = fido.run(["user", "list", "-q"], env: ["MONGO_URI": good])
    XCTAssertEqual(listed.status, 0, listed.stderr)
    XCTAssertEqual(listed.stdout.split(separator: "\n").count, 1, listed.stdout)
  }

  /// MONGODB-X509: the client certificate is the login. A certificate from
  /// the same CA whose subject has no user is refused with 77.
  func testX509Authentication() {
    let x509 = uri(user: nil, "authMechanism=MONGODB-X509&tlsCertificateKeyFile=\(certs.client)")
    let created = fido.run(
      ["user", "create", "--name", "Esi", "--email", "esi@example.com", "-o", "json"],
      env: ["MONGO_URI": x509])
    XCTAssertEqual(created.status, 0, created.stderr)
    XCTAssertEqual(root("print(db.users.count_documents({'email': 'esi@example.com'}))"), "1")

    let stranger = fido.run(
      ["user", "list"],
      env: ["MONGO_URI": x509.replacingOccurrences(of: certs.client, with: certs.strangerClient)])
    XCTAssertEqual(stranger.status, 77, stranger.stderr)
  }

  // MARK: Application name and -v

  /// fido names itself `fido/VERSION` in the handshake unless the URI
  /// names an application: a fail point that matches only that name fails
  /// fido's command and no other client's. -v shows the handshake.
  func testAppNameReachesTheServerAndVerboseShowsTheHandshake() {
    let appName = ClientOptions.defaultAppName
    XCTAssertEqual(appName, "fido/\(FidoVersion.string)")
    root(
      "client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'alwaysOn', 'data': {'failCommands': ['find'], 'appName': '\(appName)', 'errorCode': 2}})"
    )
    defer { root("client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'})") }
    let named = fido.run(["user", "list"], env: ["MONGO_URI": uri()])
    XCTAssertEqual(named.status, 1, "the fail point did not match fido's appname: \(named.stderr)")
    XCTAssertEqual(root("print(db.users.count_documents({}))"), "0")
    let own = fido.run(
      ["user", "list"], env: ["MONGO_URI": uri("authSource=admin&appname=nightly-report")])
    XCTAssertEqual(own.status, 0, own.stderr)

    let verbose = fido.run(
      ["-v", "user", "list"], env: ["MONGO_URI": uri("authSource=admin&appname=nightly-report")])
    XCTAssertEqual(verbose.status, 0, verbose.stderr)
    let handshake = verbose.stderr.split(separator: "\n").first { $0.contains("handshake with") }
    XCTAssertNotNil(handshake, verbose.stderr)
    for part in [
      "127.0.0.1:\(port)", "RSPrimary", "replica set", "appname nightly-report", "tlsCAFile",
      "login 'fido'",
      "authSource admin",
    ] {
      XCTAssertTrue(handshake?.contains(part) ?? false, "\(part) missing: \(verbose.stderr)")
    }
    XCTAssertTrue(verbose.stderr.contains("mongo: topology "), verbose.stderr)
    assertNoSecret(verbose)
  }

  // MARK: Least privilege

  /// SecantusDB enforces roles. A user holding only fido's role (find,
  /// insert, update, remove, createIndex on fido's collections) runs every
  /// command; a reader (find, listIndexes) reads and is refused writes with
  /// 77, writing nothing; without createIndex, `db init` is refused.
  func testCommandsRunAsAUserHoldingOnlyFidosRole() {
    let app = ["MONGO_URI": uri(user: "app", path: Self.db, "")]
    func ok(
      _ args: [String], _ env: [String: String], file: StaticString = #filePath, line: UInt = #line
    ) -> String {
      let r = fido.run(args, env: env)
      XCTAssertEqual(r.status, 0, "fido \(args): \(r.stderr)", file: file, line: line)
      return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    _ = ok(["db", "init"], app)
    let user = ok(
      ["user", "create", "--name", "Yaw", "--email", "yaw@example.com", "--balance", "100", "-q"],
      app)
    let txn = ok(
      ["txn", "add", "--user", user, "--amount", "40", "--type", "debit", "--no-sms", "-q"], app)
    _ = ok(["txn", "update", txn, "--amount", "30"], app)
    _ = ok(
      [
        "txn", "add", "--user", user, "--amount", "5", "--type", "credit", "--no-sms", "--key",
        "k1",
      ], app)
    _ = ok(["txn", "list", "--user", user], app)
    _ = ok(["analytics", user], app)
    _ = ok(["db", "check"], app)
    XCTAssertEqual(root("print(db.users.find_one()['balance'])"), "7500")

    let reader = ["MONGO_URI": uri(user: "reader", path: Self.db, "")]
    _ = ok(["user", "get", user], reader)
    _ = ok(["txn", "list", "--user", user], reader)
    _ = ok(["analytics", user], reader)
    _ = ok(["doctor"], reader)
    let refused = fido.run(
      ["txn", "add", "--user", user, "--amount", "1", "--type", "credit", "--no-sms"], env: reader)
    XCTAssertEqual(refused.status, 77, refused.stderr)
    XCTAssertEqual(
      root("print(db.users.find_one()['balance'], db.transactions.count_documents({}))"), "7500 2")

    let noIndexes = ["MONGO_URI": uri(user: "noindexes", path: Self.db, "")]
    let initRefused = fido.run(["db", "init"], env: noIndexes)
    XCTAssertEqual(initRefused.status, 77, initRefused.stderr)
    _ = ok(
      ["txn", "add", "--user", user, "--amount", "1", "--type", "credit", "--no-sms"], noIndexes)

    // The role is the database's: the same user cannot reach another one.
    let elsewhere = fido.run(["--db", "other_db", "user", "list"], env: app)
    XCTAssertEqual(elsewhere.status, 77, elsewhere.stderr)

    _ = ok(["user", "delete", user, "--cascade", "--yes"], app)
    XCTAssertEqual(
      root("print(db.users.count_documents({}), db.transactions.count_documents({}))"), "0 0")
  }
}
