import FidoCore
import XCTest

@testable import fido

final class ParserTests: XCTestCase {
  func parse(_ args: String...) throws -> Invocation { try Parser.parse(args) }

  /// The usage message `args` fail with, or a failure if they parse.
  func usageError(
    _ args: [String], file: StaticString = #filePath, line: UInt = #line
  ) -> String? {
    do {
      let invocation = try Parser.parse(args)
      XCTFail("expected a usage error, got \(invocation)", file: file, line: line)
      return nil
    } catch {
      guard case .usage(let message) = error else {
        XCTFail("expected a usage error, got \(error)", file: file, line: line)
        return nil
      }
      return message
    }
  }

  func assertUsage(
    _ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertEqual(usageError(args, file: file, line: line), expected, file: file, line: line)
  }

  // MARK: GNU forms

  func testLongOptionWithSeparateValue() throws {
    let inv = try parse("user", "create", "--name", "Ama Mensah", "--email", "ama@example.com")
    XCTAssertEqual(inv.path, ["user", "create"])
    XCTAssertEqual(inv.id, .userCreate)
    XCTAssertEqual(inv.value("name"), "Ama Mensah")
    XCTAssertEqual(inv.value("email"), "ama@example.com")
    XCTAssertFalse(inv.wantsHelp)
    XCTAssertEqual(inv.positionals, [])
  }

  func testLongOptionWithEqualsValue() throws {
    let inv = try parse("user", "create", "--name=Ama", "--email=a=b@example.com")
    XCTAssertEqual(inv.value("name"), "Ama")
    XCTAssertEqual(inv.value("email"), "a=b@example.com")
  }

  func testLongOptionWithEmptyEqualsValueIsAnEmptyValue() throws {
    let inv = try parse("user", "create", "--name=", "--email", "a@example.com")
    XCTAssertEqual(inv.value("name"), "")
  }

  func testShortOptionWithSeparateAndAttachedValue() throws {
    XCTAssertEqual(try parse("-o", "json", "user", "list").value("output"), "json")
    XCTAssertEqual(try parse("user", "list", "-ojson").value("output"), "json")
  }

  func testBundledShortFlags() throws {
    let inv = try parse("user", "list", "-qv")
    XCTAssertTrue(inv.flag("quiet"))
    XCTAssertTrue(inv.flag("verbose"))
  }

  func testBundleEndingInAValueOption() throws {
    let attached = try parse("user", "list", "-qvocsv")
    XCTAssertTrue(attached.flag("quiet"))
    XCTAssertEqual(attached.value("output"), "csv")
    let separate = try parse("user", "list", "-qo", "ndjson")
    XCTAssertTrue(separate.flag("quiet"))
    XCTAssertEqual(separate.value("output"), "ndjson")
  }

  func testBundledShortOfTheCommandItself() throws {
    let inv = try parse("user", "delete", "ama@example.com", "-yq")
    XCTAssertTrue(inv.flag("yes"))
    XCTAssertTrue(inv.flag("quiet"))
  }

  func testGlobalOptionsBeforeBetweenAndAfterCommands() throws {
    let before = try parse("--uri", "mongodb://db:27017", "--db=test", "-q", "user", "list")
    let between = try parse("user", "--uri", "mongodb://db:27017", "--db=test", "-q", "list")
    let after = try parse("user", "list", "--uri", "mongodb://db:27017", "--db=test", "-q")
    for inv in [before, between, after] {
      XCTAssertEqual(inv.id, .userList)
      XCTAssertEqual(inv.value("uri"), "mongodb://db:27017")
      XCTAssertEqual(inv.value("db"), "test")
      XCTAssertTrue(inv.flag("quiet"))
    }
  }

  func testEveryGlobalOptionIsAccepted() throws {
    let inv = try parse(
      "doctor", "--uri", "mongodb+srv://c.example.net", "--db", "fido", "-o", "table", "-q",
      "--no-color", "--env-file", ".env", "--timeout", "2.5", "-v")
    XCTAssertEqual(inv.id, .doctor)
    XCTAssertEqual(
      inv.values,
      [
        "uri": "mongodb+srv://c.example.net", "db": "fido", "output": "table", "quiet": "",
        "no-color": "", "env-file": ".env", "timeout": "2.5", "verbose": "",
      ])
  }

  func testDoubleDashEndsOptions() throws {
    let file = try parse("txn", "import", "--", "-weird.csv")
    XCTAssertEqual(file.positionals, ["-weird.csv"])
    let user = try parse("user", "get", "--", "--name")
    XCTAssertEqual(user.positionals, ["--name"])
    XCTAssertEqual(user.values, [:])
    // A second -- is an argument.
    XCTAssertEqual(try parse("txn", "import", "--", "--").positionals, ["--"])
  }

  func testDoubleDashBeforeTheCommandStillSelectsIt() throws {
    let inv = try parse("-q", "--", "user", "get", "-x")
    XCTAssertEqual(inv.id, .userGet)
    XCTAssertEqual(inv.positionals, ["-x"])
  }

  func testLoneDashIsAnArgument() throws {
    let inv = try parse("txn", "import", "-", "--format", "csv")
    XCTAssertEqual(inv.positionals, ["-"])
    XCTAssertEqual(inv.value("format"), "csv")
  }

  func testAValueStartingWithADashIsTakenAsTheValue() throws {
    let create = try parse(
      "user", "create", "--name", "Ama", "--email", "a@example.com", "--balance", "-5")
    XCTAssertEqual(create.value("balance"), "-5")
    let add = try parse(
      "txn", "add", "--user", "a@example.com", "--amount", "-5", "--type", "debit")
    XCTAssertEqual(add.value("amount"), "-5")
    // Even `--` is a value there: here, one outside -o's allowed set.
    assertUsage(
      ["user", "list", "-o", "--"], "'-o' must be one of table, json, ndjson, csv, tsv (got '--')")
  }

  /// A single-valued option given twice was silently the last one (`--type
  /// credit --type debit` recorded a debit): now a usage error naming it,
  /// whatever the spelling, and never quoting the values (one may be a URI
  /// with a password). Flags may be repeated.
  func testAnOptionGivenTwiceIsAUsageError() throws {
    let twice = "option '--type' is given more than once; give it once"
    let add = ["txn", "add", "--user", "a@example.com", "--amount", "5"]
    assertUsage(add + ["--type", "credit", "--type", "debit"], twice)
    assertUsage(add + ["--type=credit", "--type", "credit"], twice)
    assertUsage(
      ["user", "list", "--limit", "5", "-ojson", "--limit=7"],
      "option '--limit' is given more than once; give it once")
    assertUsage(
      ["-o", "json", "user", "list", "--output=csv"],
      "option '--output' is given more than once; give it once")
    let uri = try XCTUnwrap(
      usageError(["--uri", "mongodb://u:hunter22@h", "user", "list", "--uri=mongodb://u:pw2222@h"]))
    XCTAssertFalse(uri.contains("hunter22") || uri.contains("pw2222"), uri)
    XCTAssertEqual(
      try parse("-v", "user", "list", "-v", "-qq").values, ["verbose": "", "quiet": ""])
  }

  func testPositionalsAndOptionsInAnyOrder() throws {
    let inv = try parse("user", "update", "--name", "Ama", "ama@example.com", "--no-phone")
    XCTAssertEqual(inv.positionals, ["ama@example.com"])
    XCTAssertEqual(inv.value("name"), "Ama")
    XCTAssertTrue(inv.flag("no-phone"))
  }

  func testTopLevelLeafAndHiddenCommand() throws {
    let analytics = try parse("analytics", "ama@example.com", "--since", "2023-08-01")
    XCTAssertEqual(analytics.id, .analytics)
    XCTAssertEqual(analytics.path, ["analytics"])
    let complete = try parse("__complete", "emails", "--", "-am")
    XCTAssertEqual(complete.id, .complete)
    XCTAssertEqual(complete.positionals, ["emails", "-am"])
    XCTAssertEqual(try parse("__complete", "emails").positionals, ["emails"])
  }

  func testHelpTakesAnyCommandWords() throws {
    let inv = try parse("help", "user", "create")
    XCTAssertEqual(inv.id, .help)
    XCTAssertEqual(inv.positionals, ["user", "create"])
    XCTAssertEqual(try parse("help").positionals, [])
  }

  func testCompletionShells() throws {
    for shell in ["bash", "zsh", "fish"] {
      let inv = try parse("completion", shell)
      XCTAssertEqual(inv.id, .completion)
      XCTAssertEqual(inv.positionals, [shell])
    }
    assertUsage(["completion", "tcsh"], "SHELL must be one of bash, zsh, fish (got 'tcsh')")
    assertUsage(["completion"], "missing argument SHELL for 'fido completion'")
  }

  func testEveryCommandPathParses() throws {
    let argv: [[String]: [String]] = [
      ["user", "create"]: ["--name", "A", "--email", "a@example.com"],
      ["user", "get"]: ["a@example.com"], ["user", "update"]: ["a@example.com"],
      ["user", "delete"]: ["a@example.com"],
      ["txn", "add"]: ["--user", "u", "--amount", "1", "--type", "credit"],
      ["txn", "list"]: ["--user", "u"], ["txn", "get"]: ["t"], ["txn", "update"]: ["t"],
      ["txn", "delete"]: ["t"], ["analytics"]: ["u"], ["completion"]: ["zsh"],
      ["__complete"]: ["emails", ""],
    ]
    for id in CommandID.allCases {
      guard let path = CommandTableTests.path(of: id) else {
        XCTFail("\(id) is not in the table")
        continue
      }
      let inv = try Parser.parse(path + (argv[path] ?? []))
      XCTAssertEqual(inv.id, id, "\(path)")
      XCTAssertEqual(inv.path, path)
    }
  }

  // MARK: Groups, --help and --version

  func testNoCommandIsTheRootGroupWithoutHelp() throws {
    let inv = try Parser.parse([])
    XCTAssertEqual(inv.path, [])
    XCTAssertNil(inv.id)
    XCTAssertFalse(inv.wantsHelp)
    XCTAssertEqual(try parse("--").path, [])
  }

  func testAGroupWithoutSubcommandHasNoIdAndNoHelp() throws {
    for group in ["user", "txn", "sms", "db"] {
      let inv = try parse(group)
      XCTAssertEqual(inv.path, [group])
      XCTAssertNil(inv.id)
      XCTAssertFalse(inv.wantsHelp)
    }
    XCTAssertEqual(try parse("-q", "user", "-v").values, ["quiet": "", "verbose": ""])
  }

  func testHelpFlagAtEveryLevel() throws {
    XCTAssertTrue(try parse("--help").wantsHelp)
    XCTAssertEqual(try parse("-h").path, [])
    let group = try parse("user", "--help")
    XCTAssertEqual(group.path, ["user"])
    XCTAssertNil(group.id)
    XCTAssertTrue(group.wantsHelp)
    let leaf = try parse("txn", "add", "-h")
    XCTAssertEqual(leaf.id, .txnAdd)
    XCTAssertTrue(leaf.wantsHelp)
    XCTAssertEqual(try parse("--help", "user", "create").path, ["user", "create"])
    XCTAssertTrue(try parse("user", "list", "-qh").wantsHelp)
    XCTAssertNil(try parse("user", "list", "-h").values["help"])
  }

  func testHelpSuppressesValidationErrors() throws {
    XCTAssertTrue(try parse("user", "create", "--help").wantsHelp)
    XCTAssertTrue(try parse("user", "get", "-h").wantsHelp)
    XCTAssertTrue(try parse("user", "get", "a", "b", "c", "--help").wantsHelp)
    XCTAssertTrue(try parse("txn", "add", "--type", "CREDIT", "--help").wantsHelp)
    XCTAssertTrue(try parse("user", "create", "--nmae", "x", "--help").wantsHelp)
    XCTAssertTrue(try parse("user", "--bogus", "x", "--help").wantsHelp)
    XCTAssertTrue(try parse("completion", "tcsh", "--help").wantsHelp)
    XCTAssertTrue(try parse("user", "update", "u", "--phone", "+1", "--no-phone", "-h").wantsHelp)
  }

  func testHelpDoesNotHideAnUnknownCommand() {
    assertUsage(["usr", "--help"], "unknown command 'usr' (did you mean 'user'?)")
    assertUsage(
      ["user", "crate", "-h"], "unknown command 'crate' for 'fido user' (did you mean 'create'?)")
  }

  func testVersionAnywhere() throws {
    let alone = try parse("--version")
    XCTAssertEqual(alone.values["version"], "")
    XCTAssertNil(alone.id)
    XCTAssertEqual(try parse("user", "list", "--version").values["version"], "")
    let incomplete = try parse("user", "get", "--version")
    XCTAssertEqual(incomplete.values["version"], "")
    XCTAssertEqual(incomplete.id, .userGet)
    XCTAssertEqual(try parse("version").id, .version)
  }

  // MARK: Errors

  func testUnknownOptionSuggestsTheClosest() {
    assertUsage(
      ["user", "create", "--nmae", "Ama"],
      "unknown option '--nmae' for 'fido user create' (did you mean '--name'?)")
    assertUsage(
      ["txn", "list", "--user", "u", "--sinse", "2023-01-01"],
      "unknown option '--sinse' for 'fido txn list' (did you mean '--since'?)")
    assertUsage(
      ["user", "list", "--ouptut", "json"],
      "unknown option '--ouptut' for 'fido user list' (did you mean '--output'?)")
    assertUsage(
      ["user", "list", "--name-con", "x"],
      "unknown option '--name-con' for 'fido user list' (did you mean '--name-contains'?)")
    assertUsage(["user", "get", "u", "--zzzzzz"], "unknown option '--zzzzzz' for 'fido user get'")
  }

  func testSingleDashLongOptionSuggestsTheLongForm() {
    assertUsage(
      ["user", "create", "-name", "Ama"],
      "unknown option '-name' for 'fido user create' (did you mean '--name'?)")
    assertUsage(["user", "get", "u", "-x"], "unknown option '-x' for 'fido user get'")
  }

  func testOptionOfASubcommandBeforeIt() {
    assertUsage(
      ["txn", "--amount", "5", "add"],
      "unknown option '--amount' for 'fido txn' (it belongs after the subcommand: 'fido txn add --amount')"
    )
  }

  func testUnknownCommand() {
    assertUsage(["usr"], "unknown command 'usr' (did you mean 'user'?)")
    assertUsage(["analytcs", "u"], "unknown command 'analytcs' (did you mean 'analytics'?)")
    assertUsage(
      ["user", "crate"], "unknown command 'crate' for 'fido user' (did you mean 'create'?)")
    assertUsage(
      ["txn", "imprt", "f"], "unknown command 'imprt' for 'fido txn' (did you mean 'import'?)")
    assertUsage(
      ["sms", "x"], "unknown command 'x' for 'fido sms' (expected one of list, retry, sync, worker)"
    )
    // Hidden commands are never suggested.
    XCTAssertFalse(usageError(["__compleet"])?.contains("__complete") ?? true)
  }

  func testMissingValue() {
    assertUsage(
      ["txn", "add", "--user", "u", "--type", "credit", "--amount"],
      "option '--amount' needs a value")
    assertUsage(["user", "list", "-o"], "option '-o' needs a value")
  }

  func testValueOutsideTheAllowedSet() {
    assertUsage(
      ["txn", "add", "--user", "u", "--amount", "5", "--type", "CREDIT"],
      "'--type' must be one of credit, debit (got 'CREDIT')")
    assertUsage(
      ["-o", "yaml", "user", "list"],
      "'-o' must be one of table, json, ndjson, csv, tsv (got 'yaml')")
    assertUsage(
      ["sms", "list", "--status="],
      "'--status' must be one of pending, failed, sent, skipped, delivered, undelivered (got '')")
  }

  func testMissingAndUnexpectedArguments() {
    assertUsage(["user", "get"], "missing argument USER for 'fido user get'")
    assertUsage(["user", "get", "a", "x"], "unexpected argument 'x' for 'fido user get'")
    assertUsage(["db", "init", "now"], "unexpected argument 'now' for 'fido db init'")
    assertUsage(["txn", "import", "a", "b"], "unexpected argument 'b' for 'fido txn import'")
    assertUsage(["__complete"], "missing argument KIND for 'fido __complete'")
  }

  func testMissingRequiredOption() {
    assertUsage(
      ["user", "create", "--name", "Ama"],
      "missing required option '--email' for 'fido user create'")
    assertUsage(["txn", "list"], "missing required option '--user' for 'fido txn list'")
    assertUsage(
      ["txn", "add", "--user", "u", "--amount", "1"],
      "missing required option '--type' for 'fido txn add'")
  }

  func testFlagWithAValue() {
    assertUsage(["user", "delete", "u", "--yes=1"], "flag '--yes' takes no value")
    assertUsage(["user", "list", "--quiet="], "flag '--quiet' takes no value")
  }

  func testMutuallyExclusiveOptions() {
    assertUsage(
      ["user", "update", "u", "--phone", "+233201234567", "--no-phone"],
      "options '--phone' and '--no-phone' cannot be used together; give only one")
  }

  func testFirstErrorWins() {
    assertUsage(["--bogus", "usr"], "unknown option '--bogus' for 'fido'")
  }

  func testMessagesStayOnOneLineAndShort() throws {
    let message = try XCTUnwrap(usageError(["user", "get", "a", "b\nc\u{1B}[31m"]))
    XCTAssertEqual(message, "unexpected argument 'b\\nc\\u{1b}[31m' for 'fido user get'")
    let long = try XCTUnwrap(usageError([String(repeating: "x", count: 100)]))
    XCTAssertLessThan(long.count, 200)
    XCTAssertTrue(long.contains("…"), "shortened like every quoted value")
  }

  func testEmptyAndOddArguments() throws {
    XCTAssertEqual(
      usageError([""]),
      "unknown command '' (expected one of user, txn, analytics, sms, audit, db, doctor, whoami, profile, completion, help, version)"
    )
    XCTAssertEqual(try parse("user", "get", "").positionals, [""])
    assertUsage(["--=x"], "unknown option '--' for 'fido'")
    let replacement = String(decoding: [0x2D, 0x2D, 0xFF, 0xFE], as: UTF8.self)
    XCTAssertNotNil(usageError([replacement]))
    XCTAssertNotNil(usageError(["-\u{301}"]))
    XCTAssertEqual(try parse("user", "get", "\u{0}").positionals, ["\u{0}"])
  }

  func testHugeArgumentsDoNotHang() throws {
    let huge = String(repeating: "u", count: 1_000_000)
    XCTAssertNotNil(usageError([huge]))
    XCTAssertNotNil(usageError(["user", "list", "--" + huge]))
    XCTAssertNotNil(usageError(["user", "list", "-" + huge]))
    XCTAssertEqual(try parse("user", "get", huge).positionals, [huge])
  }

  // MARK: Never crashing

  /// 500 seeded random argv vectors from the table's vocabulary and junk:
  /// each parses or fails with a one-line usage error.
  func testRandomArgumentVectorsParseOrFailWithUsage() {
    var vocabulary: [String] = ["-", "--", "", "-=", "--=", "=", "-h", "--help", "--version"]
    func collect(_ spec: CommandSpec) {
      vocabulary.append(spec.name)
      for option in spec.options {
        vocabulary += ["--" + option.long, "--" + option.long + "=", "--" + option.long + "=x"]
        if let short = option.short { vocabulary.append("-\(short)") }
        vocabulary += option.allowed ?? []
      }
      for positional in spec.positionals { vocabulary += positional.allowed ?? [] }
      spec.children.forEach(collect)
    }
    collect(CommandTable.root)
    for option in CommandTable.globalOptions {
      vocabulary += ["--" + option.long, "--" + option.long + "=json"]
      if let short = option.short { vocabulary += ["-\(short)", "-\(short)json", "-q\(short)"] }
    }
    let junk = [
      "ama@example.com", "-5", "21.50", "CREDIT", "\u{FFFD}", "--\u{FFFD}", "-\u{FFFD}q",
      "\n", "\t-x", "--name\u{0}", "é", "-é", "e\u{301}", "-\u{301}", "🙂", "--🙂=🙂",
      String(repeating: "-", count: 300), "-qvh", "-ojson", "--uri=mongodb://h",
    ]
    vocabulary += junk
    var rng = SplitMix64(seed: 0x5EED_F1D0)
    for round in 0..<500 {
      let count = Int(rng.next() % 9)
      let argv = (0..<count).map { _ in vocabulary[Int(rng.next() % UInt64(vocabulary.count))] }
      do {
        let inv = try Parser.parse(argv)
        if let id = inv.id {
          XCTAssertEqual(CommandTable.find(path: inv.path)?.id, id, "round \(round): \(argv)")
        }
      } catch {
        guard case .usage(let message) = error else {
          XCTFail("round \(round): \(argv) threw \(error)")
          continue
        }
        XCTAssertFalse(message.isEmpty)
        XCTAssertFalse(message.contains("\n"), "round \(round): \(argv): \(message)")
      }
    }
  }

  // MARK: Suggest

  func testSuggestions() {
    XCTAssertEqual(Suggest.closest(to: "nmae", among: ["email", "name"]), "name")
    XCTAssertEqual(Suggest.closest(to: "usr", among: ["user", "txn"]), "user")
    XCTAssertEqual(Suggest.closest(to: "USER", among: ["user", "txn"]), "user")
    XCTAssertEqual(Suggest.closest(to: "ana", among: ["analytics", "db"]), "analytics")
    XCTAssertNil(Suggest.closest(to: "x", among: ["db", "sms"]))
    XCTAssertNil(Suggest.closest(to: "", among: ["db"]))
    XCTAssertNil(Suggest.closest(to: "completely", among: ["user", "txn"]))
    XCTAssertEqual(Suggest.distance(Array("ca"), Array("ac")), 1)
    XCTAssertEqual(Suggest.distance(Array("kitten"), Array("sitting")), 3)
    XCTAssertEqual(Suggest.distance(Array(""), Array("abc")), 3)
  }
}

/// A small deterministic generator for the random argv test.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
