import XCTest

@testable import fido

final class HelpTests: XCTestCase {
  /// Every visible command path, the root ([]) first.
  static func visiblePaths() -> [[String]] {
    var paths: [[String]] = []
    func walk(_ spec: CommandSpec, _ path: [String]) {
      paths.append(path)
      for child in spec.children where !child.hidden { walk(child, path + [child.name]) }
    }
    walk(CommandTable.root, [])
    return paths
  }

  static func snapshotName(_ path: [String]) -> String {
    (["help"] + path).joined(separator: "-") + ".txt"
  }

  func testHelpMatchesTheSnapshots() throws {
    for path in Self.visiblePaths() {
      try TestSupport.assertGolden(
        HelpRenderer.render(path: path),
        at: TestSupport.snapshots.appendingPathComponent(Self.snapshotName(path)))
    }
  }

  func testNoSnapshotIsStale() throws {
    let expected = Set(Self.visiblePaths().map(Self.snapshotName))
    let files = try FileManager.default.contentsOfDirectory(atPath: TestSupport.snapshots.path)
    for file in files where file.hasPrefix("help") {
      XCTAssertTrue(expected.contains(file), "\(file) belongs to no command; delete it")
    }
  }

  func testHelpFitsEightyColumns() {
    for path in Self.visiblePaths() {
      for line in HelpRenderer.render(path: path).split(separator: "\n") {
        XCTAssertLessThanOrEqual(line.count, 80, "\(path): \(line)")
        XCTAssertFalse(line.hasSuffix(" "), "\(path): trailing space in '\(line)'")
      }
    }
  }

  func testHelpShowsOptionsDefaultsEnvAndExamples() {
    let help = HelpRenderer.render(path: ["user", "create"])
    XCTAssertTrue(help.hasPrefix("Usage: fido user create --name NAME --email EMAIL"))
    XCTAssertTrue(help.contains("--currency CODE"))
    XCTAssertTrue(help.contains("[env: FIDO_CURRENCY]"))
    XCTAssertTrue(help.contains("[default: GHS]"))
    XCTAssertTrue(help.contains("[required]"))
    XCTAssertTrue(help.contains("Examples:\n  fido user create"))
    XCTAssertTrue(help.contains("Global options:"))
    XCTAssertTrue(help.hasSuffix("\n"))
  }

  func testGroupHelpListsSubcommands() {
    let help = HelpRenderer.render(path: ["txn"])
    XCTAssertTrue(help.hasPrefix("Usage: fido txn COMMAND"))
    for name in ["add", "list", "get", "update", "delete", "import"] {
      XCTAssertTrue(help.contains("\n  \(name) "), name)
    }
    XCTAssertTrue(help.contains("Run 'fido help txn COMMAND'"))
  }

  func testTopLevelHelpListsCommandsAndGlobalOptionsButNotHiddenOnes() {
    let help = HelpRenderer.render(path: [])
    XCTAssertTrue(help.hasPrefix("Usage: fido [GLOBAL OPTIONS] COMMAND"))
    let topLevel = [
      "user", "txn", "analytics", "sms", "audit", "db", "doctor", "whoami", "profile", "completion",
      "help", "version",
    ]
    for name in topLevel { XCTAssertTrue(help.contains("\n  \(name) "), name) }
    XCTAssertFalse(help.contains("__complete"))
    XCTAssertTrue(help.contains("[env: MONGO_URI]"))
    XCTAssertTrue(help.contains("-o, --output FMT"))
  }

  func testUnknownTrailingNamesShowTheDeepestCommand() {
    XCTAssertEqual(
      HelpRenderer.render(path: ["user", "nope"]), HelpRenderer.render(path: ["user"]))
    XCTAssertEqual(HelpRenderer.render(path: ["nope"]), HelpRenderer.render(path: []))
  }

  func testHelpHint() {
    XCTAssertEqual(
      HelpRenderer.helpHint(path: ["user", "create"]), "Run 'fido user create --help' for details.")
  }

  func testSynopsisFollowsTheDesign() {
    func synopsis(_ path: String...) -> String {
      let spec = CommandTable.find(path: path)!
      return HelpRenderer.synopsisUnits(spec, names: ["fido"] + path).joined(separator: " ")
    }
    XCTAssertEqual(
      synopsis("user", "update"),
      "fido user update USER [--name NAME] [--email EMAIL] [--phone E164|--no-phone] [--password-stdin]"
    )
    XCTAssertEqual(
      synopsis("txn", "add"),
      "fido txn add --user USER --amount AMOUNT --type credit|debit [--date DATE] [--key KEY] [--no-sms]"
    )
    // DESIGN's synopsis plus --batch-size and --workers (see the README's import section).
    XCTAssertEqual(
      synopsis("txn", "import"),
      "fido txn import [FILE] [--format ndjson|csv] [--dry-run] [--sms] [--batch-size N] [--workers N]"
    )
    // Six statuses are too many for the synopsis: the option's help lists them.
    XCTAssertEqual(synopsis("sms", "list"), "fido sms list [--status STATUS] [--limit N]")
    let listHelp = HelpRenderer.render(path: ["sms", "list"])
    XCTAssertTrue(listHelp.contains("[one of: pending, failed, sent,\n"), listHelp)
    XCTAssertTrue(listHelp.contains(" skipped, delivered, undelivered]\n"), listHelp)
    XCTAssertEqual(synopsis("sms", "sync"), "fido sms sync [--limit N]")
    XCTAssertEqual(synopsis("sms", "worker"), "fido sms worker [--interval SECONDS] [--once]")
  }

  func testWrapping() {
    XCTAssertEqual(HelpRenderer.wrap("aaa bbb ccc", indent: 2, width: 9), "  aaa bbb\n  ccc")
    XCTAssertEqual(HelpRenderer.wrap("a\n\nb", indent: 0), "a\n\nb")
    XCTAssertEqual(
      HelpRenderer.wrap(String(repeating: "x", count: 100), indent: 2),
      "  " + String(repeating: "x", count: 100))
  }
}
