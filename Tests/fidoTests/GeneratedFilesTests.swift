import FidoCore
import Foundation
import XCTest

@testable import fido

extension TestSupport {
  /// The man page as committed: fixed date, the package's version.
  static let manDate = "2026-11-25"

  static func manPage() -> String {
    ManPage.render(
      CommandTable.root, globals: CommandTable.globalOptions, version: FidoVersion.string,
      date: manDate)
  }

  /// Generated files and their renderers, relative to the repository root.
  static func generated() -> [(path: String, render: () -> String)] {
    [
      (
        "completions/fido.bash",
        { BashCompletion.render(CommandTable.root, globals: CommandTable.globalOptions) }
      ),
      (
        "completions/_fido",
        { ZshCompletion.render(CommandTable.root, globals: CommandTable.globalOptions) }
      ),
      (
        "completions/fido.fish",
        { FishCompletion.render(CommandTable.root, globals: CommandTable.globalOptions) }
      ),
      ("man/fido.1", { manPage() }),
    ]
  }
}

/// completions/ and man/ are generated from the table and committed; these
/// tests fail when they drift, and check the shells and mandoc accept them.
final class GeneratedFilesTests: XCTestCase {
  func testCommittedFilesMatchTheRenderers() throws {
    for (path, render) in TestSupport.generated() {
      try TestSupport.assertGolden(render(), at: TestSupport.repoRoot.appendingPathComponent(path))
    }
  }

  /// Every variable the configuration reads (`setting("…")` in Config.swift)
  /// has its entry in the man page's ENVIRONMENT: from an option's `env` or
  /// from `ConfigVariables.all`, and `ConfigVariables.all` names no other.
  func testEveryVariableTheConfigurationReadsIsInTheManPageEnvironment() throws {
    let source = try String(
      contentsOf: TestSupport.repoRoot.appendingPathComponent(
        "Sources/FidoCore/Config/Config.swift"),
      encoding: .utf8)
    let read = Set(source.matches(of: /setting\("([A-Z_]+)"\)/).map { String($0.1) })
    XCTAssertTrue(read.contains("TWILIO_AUTH_TOKEN"), "the pattern still finds the reads")
    let man = TestSupport.manPage()
    let start = try XCTUnwrap(man.range(of: ".SH ENVIRONMENT\n"))
    let end = try XCTUnwrap(man.range(of: "\n.SH ", range: start.upperBound..<man.endIndex))
    let documented = Set(
      man[start.upperBound..<end.lowerBound].split(separator: "\n")
        .filter { $0.hasPrefix(".B ") }.map { String($0.dropFirst(3)).replacing("\\-", with: "-") })
    XCTAssertEqual(read.subtracting(documented), [], "read but not in ENVIRONMENT")
    let listed = Set(ConfigVariables.all.map(\.name))
    XCTAssertEqual(listed.subtracting(read), [], "in ConfigVariables but never read")
  }

  /// The README's exit table lists exactly the codes of `ExitStatus.all`.
  func testTheREADMEExitTableMatchesTheExitStatusList() throws {
    let readme = try String(
      contentsOf: TestSupport.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let section = try XCTUnwrap(readme.split(separator: "## Exit status").dropFirst().first)
    let codes = section.split(separator: "\n").prefix { !$0.hasPrefix("## ") }.compactMap {
      line -> String? in
      let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
      guard line.hasPrefix("| "), let first = cells.first, first.first?.isNumber == true else {
        return nil
      }
      return first
    }
    XCTAssertEqual(codes, ExitStatus.all.map(\.codes))
  }

  /// The README's credit-score formula has the weights of `CreditScore.weights`.
  func testTheREADMECreditScoreFormulaMatchesTheWeights() throws {
    let readme = try String(
      contentsOf: TestSupport.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let terms = CreditScore.weights.map { "\($0.text)·\($0.name)" }.joined(separator: " + ")
    XCTAssertTrue(readme.contains("`value = 1 + 4 × (\(terms))`"), terms)
    XCTAssertEqual(CreditScore.weights.reduce(0) { $0 + $1.hundredths }, 100)
  }

  func testTheManPageNamesEveryCommandAndOption() throws {
    let man = TestSupport.manPage().replacing("\\-", with: "-").replacing("\\&", with: "")
    func walk(_ spec: CommandSpec, _ names: [String]) {
      for child in spec.children {
        let name = (names + [child.name]).joined(separator: " ")
        if child.hidden {
          XCTAssertFalse(man.contains(child.name), "hidden \(name) is in the man page")
          continue
        }
        XCTAssertTrue(man.contains(".SS \"fido \(name)\""), name)
        for option in child.options where !option.hidden {
          XCTAssertTrue(man.contains("--" + option.long), "\(name) --\(option.long)")
        }
        walk(child, names + [child.name])
      }
    }
    walk(CommandTable.root, [])
    for option in CommandTable.globalOptions {
      XCTAssertTrue(man.contains("--" + option.long), "--\(option.long)")
    }
    for env in [
      "MONGO_URI", "MONGO_DB_NAME", "FIDO_OUTPUT", "NO_COLOR", "FIDO_ENV_FILE", "FIDO_TIMEOUT",
      "FIDO_CURRENCY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM",
      "TWILIO_MESSAGING_SERVICE_SID", "TWILIO_API_BASE",
    ] {
      XCTAssertTrue(man.contains(".B \(env)\n"), "ENVIRONMENT lacks \(env)")
    }
    for section in [
      "NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES",
      "EXIT STATUS", "OUTPUT FORMATS", "SMS OUTBOX", "CREDIT SCORE", "EXAMPLES", "SEE ALSO",
    ] {
      XCTAssertTrue(man.contains(".SH \(section)\n"), section)
    }
    for entry in ExitStatus.all {
      XCTAssertTrue(man.contains(".TP\n.B \(entry.codes)\n"), "exit status \(entry.codes)")
    }
    XCTAssertTrue(man.contains(".TH FIDO 1 2026-11-25 \"fido \(FidoVersion.string)\""))
  }

  func testCompletionsLeaveOutHiddenCommands() {
    for (path, render) in TestSupport.generated() where path.hasPrefix("completions/") {
      let script = render()
      XCTAssertFalse(script.contains("__complete\""), path)
      XCTAssertFalse(script.contains("\"__complete"), path)
      XCTAssertTrue(script.contains("__complete emails --"), "\(path) completes emails")
    }
  }

  func testTheScriptsEmailQueryParsesAsTheHiddenCommand() throws {
    let model = CompletionModel(CommandTable.root, globals: CommandTable.globalOptions)
    var words = model.emailsCommand(prefix: "-am").split(separator: " ").map(String.init)
    XCTAssertEqual(words.removeFirst(), "fido")
    XCTAssertEqual(words.removeLast(), "2>/dev/null")
    let inv = try Parser.parse(words)
    XCTAssertEqual(inv.id, .complete)
    XCTAssertEqual(inv.positionals, ["emails", "-am"])
    XCTAssertEqual(inv.value("timeout"), "2")
  }

  // MARK: Syntax

  func check(_ tool: String, _ arguments: [String], file path: String) throws
    -> TestSupport.Output
  {
    guard let executable = TestSupport.which(tool) else {
      throw XCTSkip("\(tool) is not installed")
    }
    let url = try temporaryCopy(path)
    return try TestSupport.run(executable, arguments + [url.path])
  }

  /// The rendered file in a temporary directory (so the check does not depend
  /// on the committed copy being current).
  func temporaryCopy(_ path: String) throws -> URL {
    let render = try XCTUnwrap(TestSupport.generated().first { $0.path == path }?.render)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent((path as NSString).lastPathComponent)
    try render().write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  func testBashAcceptsTheBashCompletion() throws {
    let result = try check("bash", ["-n"], file: "completions/fido.bash")
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stderr, "")
  }

  func testZshAcceptsTheZshCompletion() throws {
    let result = try check("zsh", ["-n"], file: "completions/_fido")
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stderr, "")
  }

  func testFishAcceptsTheFishCompletion() throws {
    let result = try check("fish", ["-n"], file: "completions/fido.fish")
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stderr, "")
  }

  func testMandocLintsTheManPageClean() throws {
    let result = try check("mandoc", ["-T", "lint", "-W", "style"], file: "man/fido.1")
    XCTAssertEqual(result.stdout + result.stderr, "")
    XCTAssertEqual(result.status, 0)
  }

  func testGroffFormatsTheManPageWithoutWarnings() throws {
    let result = try check("groff", ["-man", "-ww", "-z"], file: "man/fido.1")
    XCTAssertEqual(result.stderr, "")
    XCTAssertEqual(result.status, 0)
  }
}
