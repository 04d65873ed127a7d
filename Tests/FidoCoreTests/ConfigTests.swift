import FidoCore
import Foundation
import XCTest

final class EnvFileTests: XCTestCase {
  func testParseForms() throws {
    let text = [
      "# the service's settings",
      "",
      "MONGO_URI=mongodb://db.example:27017",
      "export MONGO_DB_NAME=fido_prod",
      "  TWILIO_FROM = +15550001111  ",
      "SINGLE='it is # not a comment'",
      "SINGLE2='a \\n b'",
      "DOUBLE=\"say \\\"hi\\\" \\\\ then\\nnewline\" # trailing comment",
      "HASH=abc#def",
      "COMMENTED=value # comment",
      "EMPTY=",
      "EMPTY_QUOTED=\"\"",
      "CRLF=yes\r",
      "\r",
      "export=plain",
      "_under_9=x",
      "DUP=1",
      "DUP=2",
      "   # indented comment",
    ].joined(separator: "\n")
    let values = try EnvFile.parse(text, path: "test.env")
    XCTAssertEqual(values["MONGO_URI"], "mongodb://db.example:27017")
    XCTAssertEqual(values["MONGO_DB_NAME"], "fido_prod")
    XCTAssertEqual(values["TWILIO_FROM"], "+15550001111")
    XCTAssertEqual(values["SINGLE"], "it is # not a comment")
    XCTAssertEqual(values["SINGLE2"], "a \\n b")
    XCTAssertEqual(values["DOUBLE"], "say \"hi\" \\ then\nnewline")
    XCTAssertEqual(values["HASH"], "abc#def")
    XCTAssertEqual(values["COMMENTED"], "value")
    XCTAssertEqual(values["EMPTY"], "")
    XCTAssertEqual(values["EMPTY_QUOTED"], "")
    XCTAssertEqual(values["CRLF"], "yes")
    XCTAssertEqual(values["export"], "plain")
    XCTAssertEqual(values["_under_9"], "x")
    XCTAssertEqual(values["DUP"], "2")
  }

  func testSingleQuoteThenTextIsAnError() {
    XCTAssertEqual(
      coreError { try EnvFile.parse("A=1\nSINGLE='it''s'", path: "x.env") }?.message.hasPrefix(
        "env file 'x.env' line 2: expected KEY=VALUE"), true)
  }

  func testBadLinesNameTheLineButNotTheValue() {
    let cases: [(String, Int)] = [
      ("A=1\nB=2\nmy-secret-password\n", 3),
      ("TWILIO_AUTH_TOKEN=\"sekrit-token-value\n", 1),
      ("A=1\nTOKEN='sekrit-token-value", 2),
      ("1KEY=sekrit-token-value", 1),
      ("KEY-X=sekrit-token-value", 1),
      ("\n\nexport sekrit-token-value", 3),
      ("A=\"sekrit-token-value\" junk", 1),
      ("=sekrit-token-value", 1),
      ("A=1\r\nB\r\n", 2),
    ]
    for (text, line) in cases {
      let e = coreError { try EnvFile.parse(text, path: "/etc/fido.env") }
      XCTAssertEqual(e?.code, "config", text)
      XCTAssertTrue(
        e?.message.hasPrefix("env file '/etc/fido.env' line \(line): expected KEY=VALUE") ?? false,
        e?.message ?? text)
      XCTAssertFalse(e?.message.contains("sekrit") ?? true)
      XCTAssertFalse(e?.message.contains("my-secret") ?? true)
    }
  }

  func testLoad() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-core-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("good.env")
    try Data("MONGO_DB_NAME=fromfile\r\n".utf8).write(to: file)
    XCTAssertEqual(try EnvFile.load(path: file.path)["MONGO_DB_NAME"], "fromfile")

    let missing = dir.appendingPathComponent("missing.env").path
    let e = coreError { try EnvFile.load(path: missing) }
    XCTAssertEqual(e?.code, "config")
    XCTAssertTrue(e?.message.contains(missing) ?? false)
    XCTAssertTrue(e?.message.lowercased().contains("no such file") ?? false, e?.message ?? "")
    XCTAssertEqual(coreError { try EnvFile.load(path: dir.path) }?.code, "config")
  }
}

final class ConfigTests: XCTestCase {
  let sid = "AC" + String(repeating: "0123456789abcdef", count: 2)
  let service = "MG" + String(repeating: "ABCDEF0123456789", count: 2)

  func withEnvFile(_ text: String, _ body: (String) throws -> Void) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-\(UUID().uuidString).env"
    ).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    // An env file holding a secret must be private (other users' read is refused).
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
  }

  // MARK: config file (profiles)

  func testConfigFileParses() throws {
    let file = try ConfigFile.parse(
      """
      # comment
      [local]
      MONGO_URI=mongodb://127.0.0.1:27017
        export MONGO_DB_NAME = 'fido dev'

      [prod.eu-1]
      protected = true
      TWILIO_FROM=+15550001111
      """, path: "c")
    XCTAssertEqual(file.profiles.map(\.name), ["local", "prod.eu-1"])
    XCTAssertEqual(file.profile("local")?.values["MONGO_DB_NAME"], "fido dev")
    XCTAssertEqual(file.profile("local")?.protected, false)
    XCTAssertEqual(file.profile("prod.eu-1")?.protected, true)
    let bad: [(String, String)] = [
      ("MONGO_URI=x\n[a]\n", "line 1: a setting before the first [NAME]"),
      ("[a]\nPASSWORD=x\n", "line 2: unknown key 'PASSWORD'"),
      ("[a]\nprotected = yes\n", "line 2: protected is true or false"),
      ("[a]\n[a]\n", "line 2: profile 'a' is defined twice"),
      ("[a b]\n", "line 1: a profile name is"),
      ("[a]\nMONGO_URI x-secret\n", "line 2: expected KEY=VALUE"),
    ]
    for (text, message) in bad {
      let e = coreError { try ConfigFile.parse(text, path: "c") }
      XCTAssertEqual(e?.exitCode, 78)
      XCTAssertTrue(e?.message.hasPrefix("config file 'c' \(message)") ?? false, e?.message ?? "")
      XCTAssertFalse(e?.message.contains("x-secret") ?? true, "never the line's text")
    }
  }

  func testConfigFilePath() {
    XCTAssertEqual(ConfigFile.path(environment: ["FIDO_CONFIG": "/a", "HOME": "/h"]), "/a")
    XCTAssertEqual(
      ConfigFile.path(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]), "/x/fido/config")
    XCTAssertEqual(ConfigFile.path(environment: ["HOME": "/h"]), "/h/.config/fido/config")
    XCTAssertNil(ConfigFile.path(environment: [:]))
  }

  func testHostsAndMaskedSID() throws {
    let c = try Config.resolve(
      flags: ["uri": "mongodb://u:p@db1:27017,db2/fido?tls=true"], environment: [:])
    XCTAssertEqual(c.hosts, "db1:27017,db2")
    XCTAssertEqual(Config.maskedSID(sid), "AC…" + String(sid.suffix(4)))
  }

  func testDefaults() throws {
    let c = try Config.resolve(flags: [:], environment: [:])
    XCTAssertEqual(c.uri, "mongodb://127.0.0.1:27017")
    XCTAssertEqual(c.db, "fido")
    XCTAssertNil(c.output)
    XCTAssertFalse(c.quiet)
    XCTAssertFalse(c.noColor)
    XCTAssertFalse(c.verbose)
    XCTAssertEqual(c.timeoutMS, 10_000)
    XCTAssertEqual(try c.currency, Currency(code: "GHS", minorDigits: 2))
    XCTAssertNil(c.twilio)
    XCTAssertEqual(c.twilioBase, "https://api.twilio.com")
  }

  /// Only a password typed into --uri draws the warning: the environment
  /// and the env file are not visible to other users in `ps`.
  func testAPasswordInURIOnTheCommandLineDrawsOneWarningWithoutTheSecret() throws {
    let withPassword = "mongodb://app:hunter2@db.example:27017/?authSource=admin"
    let c = try Config.resolve(flags: ["uri": withPassword], environment: [:])
    XCTAssertEqual(c.warnings.count, 1)
    XCTAssertTrue(c.warnings[0].contains("--uri"), c.warnings[0])
    XCTAssertTrue(c.warnings[0].contains("MONGO_URI"), c.warnings[0])
    XCTAssertFalse(c.warnings[0].contains("hunter2"))
    XCTAssertFalse(c.warnings[0].contains("\n"))
    let keyPassword = "mongodb://db.example/?tls=true&tlsCertificateKeyFilePassword=pw9"
    XCTAssertEqual(
      try Config.resolve(flags: ["uri": keyPassword], environment: [:]).warnings.count, 1)

    for uri in [
      "mongodb://app@db.example/?authMechanism=MONGODB-X509", "mongodb://db.example:27017/",
      "mongodb://app:@db.example/", "mongodb://db.example/?tls=true&tlsCertificateKeyFile=/k.pem",
    ] {
      XCTAssertEqual(try Config.resolve(flags: ["uri": uri], environment: [:]).warnings, [], uri)
    }
    XCTAssertEqual(
      try Config.resolve(flags: [:], environment: ["MONGO_URI": withPassword]).warnings, [])
    try withEnvFile("MONGO_URI=\(withPassword)\n") { path in
      XCTAssertEqual(try Config.resolve(flags: ["env-file": path], environment: [:]).warnings, [])
    }
  }

  func testPrecedenceFlagEnvFileDefault() throws {
    let file =
      "MONGO_URI=mongodb://file:1\nMONGO_DB_NAME=filedb\nFIDO_OUTPUT=csv\nFIDO_TIMEOUT=3\nFIDO_CURRENCY=kes\n"
    try withEnvFile(file) { path in
      let env = [
        "MONGO_URI": "mongodb://env:1", "MONGO_DB_NAME": "envdb", "FIDO_OUTPUT": "json",
        "FIDO_TIMEOUT": "2",
      ]
      let flags = [
        "uri": "mongodb://flag:1", "db": "flagdb", "output": "tsv", "timeout": "1",
        "env-file": path,
      ]

      let all = try Config.resolve(flags: flags, environment: env)
      XCTAssertEqual([all.uri, all.db], ["mongodb://flag:1", "flagdb"])
      XCTAssertEqual(all.output, .tsv)
      XCTAssertEqual(all.timeoutMS, 1000)
      XCTAssertEqual(try all.currency.code, "KES")
      XCTAssertEqual(all.envFile, path)

      let noFlags = try Config.resolve(flags: ["env-file": path], environment: env)
      XCTAssertEqual([noFlags.uri, noFlags.db], ["mongodb://env:1", "envdb"])
      XCTAssertEqual(noFlags.output, .json)
      XCTAssertEqual(noFlags.timeoutMS, 2000)

      let fileOnly = try Config.resolve(flags: [:], environment: ["FIDO_ENV_FILE": path])
      XCTAssertEqual([fileOnly.uri, fileOnly.db], ["mongodb://file:1", "filedb"])
      XCTAssertEqual(fileOnly.output, .csv)
      XCTAssertEqual(fileOnly.timeoutMS, 3000)

      // Empty environment values count as unset.
      let emptyEnv = try Config.resolve(
        flags: [:], environment: ["FIDO_ENV_FILE": path, "MONGO_URI": ""])
      XCTAssertEqual(emptyEnv.uri, "mongodb://file:1")
    }
  }

  /// Only a URI nobody chose earns the "make server" hint when it is unreachable.
  func testURIOriginAndTheUnreachableHint() throws {
    let none = try Config.resolve(flags: [:], environment: ["MONGO_URI": ""])
    XCTAssertEqual(none.uriOrigin, .default)
    XCTAssertTrue(none.unreachableFix.contains("'make server'"), none.unreachableFix)
    XCTAssertTrue(none.unreachableFix.contains("set MONGO_URI"), none.unreachableFix)
    // The default URI given on purpose is a choice: the plain advice.
    let flag = try Config.resolve(flags: ["uri": Config.defaultURI], environment: [:])
    XCTAssertEqual(flag.uriOrigin, .option)
    XCTAssertEqual(flag.unreachableFix, MongoError.defaultUnreachableFix)
    let env = try Config.resolve(flags: [:], environment: ["MONGO_URI": Config.defaultURI])
    XCTAssertEqual(env.uriOrigin, .environment)
    XCTAssertEqual(env.unreachableFix, "check MONGO_URI and that the server is running")
    try withEnvFile("MONGO_URI=\(Config.defaultURI)\n") { path in
      let file = try Config.resolve(flags: [:], environment: ["FIDO_ENV_FILE": path])
      XCTAssertEqual(file.uriOrigin, .envFile)
      XCTAssertEqual(
        file.unreachableFix,
        "check MONGO_URI in env file '\(path)' and that the server is running")
      // A profile's URI: the advice names the profile.
      try withEnvFile("[staging]\nMONGO_URI=mongodb://127.0.0.1:1\n") { config in
        let p = try Config.resolve(
          flags: ["profile": "staging"], environment: ["FIDO_CONFIG": config])
        XCTAssertEqual(p.uriOrigin, .profile("staging"))
        XCTAssertEqual(
          p.unreachableFix, "check MONGO_URI in profile 'staging' and that the server is running")
      }
      // An env file without MONGO_URI leaves the default.
      try withEnvFile("MONGO_DB_NAME=x\n") { other in
        XCTAssertEqual(
          try Config.resolve(flags: ["env-file": other], environment: [:]).uriOrigin, .default)
      }
    }
  }

  func testFlagsAndNoColor() throws {
    let c = try Config.resolve(
      flags: ["quiet": "", "verbose": "", "no-color": ""], environment: [:])
    XCTAssertTrue(c.quiet && c.verbose && c.noColor)
    XCTAssertTrue(try Config.resolve(flags: [:], environment: ["NO_COLOR": "1"]).noColor)
    XCTAssertFalse(try Config.resolve(flags: [:], environment: ["NO_COLOR": ""]).noColor)
  }

  func testTimeouts() throws {
    let good: [(String, Int64)] = [
      ("10", 10_000), ("0.5", 500), ("2.25", 2250), ("1.2345", 1234), ("0.001", 1),
      ("86400", 86_400_000), ("007", 7000),
    ]
    for (text, ms) in good {
      XCTAssertEqual(
        try Config.resolve(flags: ["timeout": text], environment: [:]).timeoutMS, ms, text)
      XCTAssertEqual(
        try Config.resolve(flags: [:], environment: ["FIDO_TIMEOUT": text]).timeoutMS, ms, text)
    }
    for bad in [
      "0", "0.0", "0.0004", "-1", "1e3", "abc", ".5", "5.", "1,5", "86401", "99999999999999999999",
      " 1", "",
    ] {
      XCTAssertEqual(
        coreError { try Config.resolve(flags: ["timeout": bad], environment: [:]) }?.code, "usage",
        bad)
      if !bad.isEmpty {
        XCTAssertEqual(
          coreError { try Config.resolve(flags: [:], environment: ["FIDO_TIMEOUT": bad]) }?.code,
          "config", bad)
      }
    }
  }

  /// A bad setting reads "WHERE is 'VALUE': FIX", the place first, the value quoted once.
  func testBadSettingMessagesNameWhereAndWhat() throws {
    try withEnvFile("FIDO_TIMEOUT=abc\n") { path in
      XCTAssertEqual(
        coreError { try Config.resolve(flags: ["env-file": path], environment: [:]) }?.message,
        "FIDO_TIMEOUT in env file '\(path)' is 'abc': give a number of seconds greater than 0, such as 10 or 0.5 (at most 86400)"
      )
    }
    XCTAssertEqual(
      coreError { try Config.resolve(flags: ["timeout": "abc"], environment: [:]) }?.message,
      "invalid value 'abc' for --timeout: give a number of seconds greater than 0, such as 10 or 0.5 (at most 86400)"
    )
    XCTAssertEqual(
      coreError { try Config.resolve(flags: [:], environment: ["FIDO_OUTPUT": "yaml"]) }?.message,
      "FIDO_OUTPUT is 'yaml': use one of table, json, ndjson, csv, tsv")
    XCTAssertEqual(
      coreError { try Config.resolve(flags: [:], environment: ["FIDO_SMS_MODE": "later"]) }?
        .message,
      "FIDO_SMS_MODE is 'later': use send (txn add sends) or queue (fido sms worker sends)")
    XCTAssertEqual(
      coreError { try Config.resolve(flags: [:], environment: ["FIDO_SMS_VALIDITY": "0"]) }?
        .message,
      "FIDO_SMS_VALIDITY is '0': give whole seconds from 1 to 36000 (Twilio's ValidityPeriod), e.g. 3600"
    )
  }

  func testOutputValidation() {
    XCTAssertEqual(
      coreError { try Config.resolve(flags: ["output": "yaml"], environment: [:]) }?.code, "usage")
    XCTAssertEqual(
      coreError { try Config.resolve(flags: ["output": "JSON"], environment: [:]) }?.code, "usage")
    XCTAssertEqual(
      coreError { try Config.resolve(flags: [:], environment: ["FIDO_OUTPUT": "yaml"]) }?.code,
      "config")
  }

  func testURIAndDBValidation() {
    XCTAssertEqual(
      coreError { try Config.resolve(flags: ["uri": "http://x"], environment: [:]) }?.code, "config"
    )
    let e = coreError {
      try Config.resolve(flags: [:], environment: ["MONGO_URI": "postgres://u:hunter2@h/db"])
    }
    XCTAssertEqual(e?.code, "config")
    XCTAssertFalse(e?.message.contains("hunter2") ?? true)
    XCTAssertNoThrow(
      try Config.resolve(
        flags: ["uri": "mongodb+srv://u:p@cluster0.example.net/"], environment: [:]))
    for bad in ["", "a/b", "a.b", "a b", "a$b", String(repeating: "d", count: 64)] {
      XCTAssertEqual(
        coreError { try Config.resolve(flags: ["db": bad], environment: [:]) }?.code, "config", bad)
    }
  }

  /// A bad FIDO_CURRENCY resolves (every command that needs no default
  /// currency runs) and fails only where the default is read: exit 78, naming it.
  func testBadCurrencyIsConfigOnlyWhenRead() throws {
    let c = try Config.resolve(flags: [:], environment: ["FIDO_CURRENCY": "QQQ"])
    let e = coreError { try c.currency }
    XCTAssertEqual(e?.code, "config")
    XCTAssertEqual(e?.exitCode, 78)
    XCTAssertEqual(
      e?.message,
      "FIDO_CURRENCY: unknown currency 'QQQ': use an active ISO 4217 code such as GHS, NGN, KES, USD"
    )
    XCTAssertTrue(c.description.contains("currency: invalid"), c.description)
  }

  func testTwilioSettings() throws {
    XCTAssertNil(try Config.resolve(flags: [:], environment: ["TWILIO_ACCOUNT_SID": sid]).twilio)
    XCTAssertNil(try Config.resolve(flags: [:], environment: ["TWILIO_AUTH_TOKEN": "tok"]).twilio)

    let full = try Config.resolve(
      flags: [:],
      environment: [
        "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "s3cret-token",
        "TWILIO_FROM": "+15550001111",
      ])
    XCTAssertEqual(
      full.twilio,
      TwilioSettings(
        accountSID: sid, authToken: "s3cret-token", from: "+15550001111",
        apiBase: "https://api.twilio.com"))

    let viaService = try Config.resolve(
      flags: [:],
      environment: [
        "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_MESSAGING_SERVICE_SID": service,
        "TWILIO_API_BASE": "http://127.0.0.1:8099/",
      ])
    XCTAssertEqual(viaService.twilio?.messagingServiceSID, service)
    XCTAssertNil(viaService.twilio?.from)
    XCTAssertEqual(viaService.twilio?.apiBase, "http://127.0.0.1:8099")
    XCTAssertEqual(viaService.twilioBase, "http://127.0.0.1:8099")

    let noSender = coreError {
      try Config.resolve(
        flags: [:], environment: ["TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "t"])
    }
    XCTAssertEqual(
      noSender, .config("SMS settings: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"))

    for badSID in [
      "AC123", "XX" + String(sid.dropFirst(2)), sid + "0", "AC" + String(repeating: "g", count: 32),
    ] {
      let e = coreError {
        try Config.resolve(
          flags: [:],
          environment: [
            "TWILIO_ACCOUNT_SID": badSID, "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+15550001111",
          ])
      }
      XCTAssertEqual(e?.code, "config", badSID)
    }
    XCTAssertEqual(
      coreError {
        try Config.resolve(
          flags: [:],
          environment: [
            "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_MESSAGING_SERVICE_SID": "MG1",
          ])
      }?.code, "config")
    XCTAssertEqual(
      coreError { try Config.resolve(flags: [:], environment: ["TWILIO_API_BASE": "ftp://x"]) }?
        .code, "config")
  }

  func testTwilioFromEnvFile() throws {
    try withEnvFile(
      "TWILIO_ACCOUNT_SID=\(sid)\nTWILIO_AUTH_TOKEN='from-file'\nTWILIO_FROM=+15550001111\n"
    ) { path in
      let c = try Config.resolve(
        flags: ["env-file": path], environment: ["TWILIO_AUTH_TOKEN": "from-env"])
      XCTAssertEqual(c.twilio?.authToken, "from-env")
      XCTAssertEqual(c.twilio?.accountSID, sid)
    }
  }

  func testSecretsNeverShown() throws {
    let c = try Config.resolve(
      flags: [
        "uri":
          "mongodb://admin:hunter2@db1:27017,db2:27017/fido?authSource=admin&tlsCertificateKeyFilePassword=pw9"
      ],
      environment: [
        "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "s3cret-token",
        "TWILIO_FROM": "+15550001111",
      ])
    XCTAssertEqual(
      c.redactedURI,
      "mongodb://admin:****@db1:27017,db2:27017/fido?authSource=admin&tlsCertificateKeyFilePassword=****"
    )
    var dumped = ""
    dump(c, to: &dumped)
    for text in [
      c.description, c.debugDescription, String(describing: c), String(reflecting: c),
      "\(c.twilio!)", dumped,
    ] {
      XCTAssertFalse(text.contains("hunter2"), text)
      XCTAssertFalse(text.contains("s3cret-token"), text)
      XCTAssertFalse(text.contains("pw9"), text)
    }
    XCTAssertTrue(c.description.contains("<redacted>"))
    // A token in TWILIO_API_BASE's userinfo (which `doctor` shows) too.
    let base = try Config.resolve(
      flags: [:],
      environment: [
        "TWILIO_API_BASE": "https://user:tw-tok3n@api.example.com", "TWILIO_ACCOUNT_SID": sid,
        "TWILIO_AUTH_TOKEN": "s3cret-token", "TWILIO_FROM": "+15550001111",
      ])
    XCTAssertEqual(Config.redact(uri: base.twilioBase), "https://user:****@api.example.com")
    var dumpedBase = ""
    dump(base, to: &dumpedBase)
    for text in [base.description, "\(base.twilio!)", dumpedBase] {
      XCTAssertFalse(text.contains("tw-tok3n"), text)
    }
    XCTAssertEqual(Config.redact(uri: "mongodb://host:27017/"), "mongodb://host:27017/")
    XCTAssertEqual(Config.redact(uri: "mongodb://user@host/"), "mongodb://user@host/")
    XCTAssertEqual(
      Config.redact(uri: "mongodb+srv://u:p%40ss@c.example.net/?w=majority"),
      "mongodb+srv://u:****@c.example.net/?w=majority")
  }
}
