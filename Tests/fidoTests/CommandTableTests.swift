import FidoCore
import XCTest

@testable import fido

final class CommandTableTests: XCTestCase {
  /// Every command with its path below the root, the root first.
  static func allCommands() -> [(path: [String], spec: CommandSpec)] {
    var result: [([String], CommandSpec)] = []
    func walk(_ spec: CommandSpec, _ path: [String]) {
      result.append((path, spec))
      for child in spec.children { walk(child, path + [child.name]) }
    }
    walk(CommandTable.root, [])
    return result
  }

  static func path(of id: CommandID) -> [String]? {
    allCommands().first { $0.spec.id == id }?.path
  }

  func testNamesAreUniquePerLevel() {
    for (path, spec) in Self.allCommands() {
      let names = spec.children.map(\.name)
      XCTAssertEqual(Set(names).count, names.count, "duplicate subcommand under \(path)")
    }
  }

  func testOptionNamesAndShortsAreUniquePerCommandIncludingGlobals() {
    for (path, spec) in Self.allCommands() {
      let options = spec.options + CommandTable.globalOptions
      let longs = options.map(\.long)
      XCTAssertEqual(Set(longs).count, longs.count, "duplicate long option at \(path): \(longs)")
      let shorts = options.compactMap(\.short)
      XCTAssertEqual(Set(shorts).count, shorts.count, "duplicate short option at \(path)")
    }
  }

  func testEveryLeafHasAnIdAndNoGroupHasOne() {
    for (path, spec) in Self.allCommands() {
      if spec.children.isEmpty {
        XCTAssertNotNil(spec.id, "leaf \(path) has no CommandID")
      } else {
        XCTAssertNil(spec.id, "group \(path) has a CommandID")
        XCTAssertTrue(spec.positionals.isEmpty, "group \(path) has positionals")
        XCTAssertTrue(spec.options.isEmpty, "group \(path) has options")
      }
    }
  }

  func testEveryCommandIDAppearsExactlyOnce() {
    let ids = Self.allCommands().compactMap(\.spec.id)
    for id in CommandID.allCases {
      XCTAssertEqual(ids.filter { $0 == id }.count, 1, "\(id)")
    }
  }

  func testEveryExampleParsesToItsCommand() throws {
    for (path, spec) in Self.allCommands() {
      if !spec.hidden && path.count > 0 {
        XCTAssertFalse(spec.examples.isEmpty, "\(path) has no example")
      }
      XCTAssertLessThanOrEqual(spec.examples.count, 3, "\(path) has too many examples")
      for example in spec.examples {
        let argv = try XCTUnwrap(TestSupport.fidoArguments(inExample: example), example)
        do {
          let inv = try Parser.parse(argv)
          if spec.children.isEmpty {
            XCTAssertEqual(inv.path, path, example)
            XCTAssertEqual(inv.id, spec.id, example)
          } else {
            XCTAssertEqual(Array(inv.path.prefix(path.count)), path, example)
          }
        } catch {
          XCTFail("example '\(example)' of \(path) fails: \(error)")
        }
      }
    }
  }

  func testOptionAndArgumentSpecsAreCoherent() {
    for (path, spec) in Self.allCommands() {
      for option in spec.options + CommandTable.globalOptions {
        XCTAssertFalse(option.long.hasPrefix("-"), "\(path) --\(option.long)")
        XCTAssertFalse(option.help.isEmpty)
        if option.required { XCTAssertEqual(option.kind, .value, "required flag --\(option.long)") }
        if option.kind == .flag {
          XCTAssertNil(option.defaultValue, "flag --\(option.long) has a default")
          XCTAssertNil(option.allowed)
        }
        if let allowed = option.allowed {
          XCTAssertFalse(allowed.isEmpty)
          XCTAssertEqual(option.completion, .values(allowed), "--\(option.long)")
          if let value = option.defaultValue { XCTAssertTrue(allowed.contains(value)) }
        }
      }
      for (index, positional) in spec.positionals.enumerated() {
        if positional.variadic {
          XCTAssertEqual(index, spec.positionals.count - 1, "\(path): only the last is variadic")
        }
        if index > 0 && spec.positionals[index - 1].optional {
          XCTAssertTrue(positional.optional, "\(path): required after optional")
        }
      }
      for group in spec.mutuallyExclusive {
        XCTAssertGreaterThan(group.count, 1)
        for name in group {
          XCTAssertTrue(spec.options.contains { $0.long == name }, "\(path): \(name)")
        }
      }
    }
  }

  func testTextIsASCIIAndShaped() {
    for (path, spec) in Self.allCommands() {
      var texts = [spec.name, spec.abstract, spec.discussion] + spec.examples
      texts += spec.options.flatMap {
        [$0.long, $0.help, $0.valueName ?? "", $0.defaultValue ?? ""]
      }
      texts += spec.positionals.flatMap { [$0.name, $0.help] }
      for text in texts {
        XCTAssertTrue(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(path): \(text)")
      }
      XCTAssertFalse(spec.abstract.isEmpty)
      XCTAssertFalse(spec.abstract.hasSuffix("."), "\(path) abstract ends with a period")
      for option in spec.options {
        XCTAssertFalse(option.help.hasSuffix("."), "\(path) --\(option.long)")
      }
    }
  }

  func testGlobalOptionsMatchTheDesign() {
    let globals = CommandTable.globalOptions
    let table = globals.map { "\($0.short.map { "-\($0) " } ?? "")--\($0.long) \($0.env ?? "")" }
    XCTAssertEqual(
      table,
      [
        "--uri MONGO_URI", "--db MONGO_DB_NAME", "-o --output FIDO_OUTPUT", "-q --quiet ",
        "--fields ", "--no-color NO_COLOR", "--env-file FIDO_ENV_FILE", "--profile FIDO_PROFILE",
        "--timeout FIDO_TIMEOUT",
        "-v --verbose ", "-h --help ", "--version ",
      ])
    let output = globals.first { $0.long == "output" }
    XCTAssertEqual(output?.allowed, ["table", "json", "ndjson", "csv", "tsv"])
    XCTAssertEqual(globals.first { $0.long == "timeout" }?.defaultValue, "10")
    XCTAssertEqual(globals.first { $0.long == "env-file" }?.completion, .file)
  }

  func testDesignDetails() throws {
    func command(_ path: String...) throws -> CommandSpec {
      try XCTUnwrap(CommandTable.find(path: path), "\(path)")
    }
    func option(_ spec: CommandSpec, _ long: String) throws -> OptionSpec {
      try XCTUnwrap(spec.options.first { $0.long == long }, long)
    }
    let create = try command("user", "create")
    XCTAssertEqual(create.options.filter(\.required).map(\.long), ["name", "email"])
    XCTAssertEqual(try option(create, "currency").env, "FIDO_CURRENCY")
    XCTAssertEqual(try option(create, "currency").defaultValue, "GHS")
    let add = try command("txn", "add")
    XCTAssertEqual(add.options.filter(\.required).map(\.long), ["user", "amount", "type"])
    XCTAssertEqual(try option(add, "user").completion, .emails)
    XCTAssertEqual(try option(add, "type").allowed, ["credit", "debit"])
    XCTAssertEqual(try option(try command("user", "list"), "limit").defaultValue, "100")
    XCTAssertEqual(try command("txn", "import").positionals.first?.completion, .file)
    XCTAssertEqual(try command("completion").positionals.first?.allowed, ["bash", "zsh", "fish"])
    XCTAssertEqual(
      try option(try command("sms", "list"), "status").allowed,
      ["pending", "failed", "sent", "skipped", "delivered", "undelivered"])
    // Every stored status can be listed, and nothing else.
    XCTAssertEqual(
      Set(try option(try command("sms", "list"), "status").allowed ?? []),
      Set(SMSState.Status.allCases.map(\.rawValue)))
    XCTAssertEqual(try option(try command("user", "delete"), "yes").short, "y")
    for path in [["user", "get"], ["user", "update"], ["user", "delete"], ["analytics"]] {
      XCTAssertEqual(CommandTable.find(path: path)?.positionals.first?.completion, .emails)
    }
    let complete = try command("__complete")
    XCTAssertTrue(complete.hidden)
    XCTAssertEqual(complete.positionals.map(\.name), ["KIND", "PREFIX"])
  }

  func testHelpCompletesCommandPaths() {
    XCTAssertEqual(CommandTable.find(path: ["help"])?.positionals.first?.completion, .commands)
  }

  func testFindAndResolve() throws {
    XCTAssertEqual(CommandTable.find(path: [])?.name, "fido")
    XCTAssertEqual(CommandTable.find(path: ["txn", "import"])?.id, .txnImport)
    XCTAssertNil(CommandTable.find(path: ["txn", "nope"]))
    XCTAssertEqual(try CommandTable.resolve(path: ["user", "get"]).id, .userGet)
    XCTAssertThrowsError(try CommandTable.resolve(path: ["usr"])) { error in
      XCTAssertEqual(
        error as? FidoError, .usage("unknown command 'usr' (did you mean 'user'?)"))
    }
    XCTAssertThrowsError(try CommandTable.resolve(path: ["user", "lst"])) { error in
      XCTAssertEqual(
        error as? FidoError,
        .usage("unknown command 'lst' for 'fido user' (did you mean 'list'?)"))
    }
  }
}
