import Foundation
import XCTest

/// Seeded fuzzing of the real binary: whatever the arguments or the import
/// input, fido exits only with a documented status and never traps.
final class FuzzTests: XCTestCase {
  var fido: FidoRunner!
  static let documented: Set<Int32> = [0, 1, 2, 3, 4, 65, 69, 77, 78]

  override func setUpWithError() throws { fido = try FidoRunner() }

  func assertSane(
    _ r: FidoResult, _ what: String, file: StaticString = #filePath, line: UInt = #line
  ) {
    XCTAssertTrue(
      Self.documented.contains(r.status), "exit \(r.status) for \(what): \(r.stderr)", file: file,
      line: line)
    for marker in [
      "Fatal error", "Swift runtime failure", "Stack dump", "Illegal instruction",
      "Segmentation fault",
    ] {
      XCTAssertFalse(r.stderr.contains(marker), "\(marker) for \(what)", file: file, line: line)
    }
    if r.status != 0 {
      XCTAssertTrue(
        r.stderr.contains("fido: error: "), "no error line for \(what): \(r.stderr)", file: file,
        line: line)
    }
  }

  func testArgvFuzz() {
    let id =
      fido.object([
        "user", "create", "--name", "Fuzz", "--email", "fuzz@example.com", "--balance", "5",
      ])["id"] as! String
    var rng = SeededRandom(seed: 0xF1D0)
    let vocabulary = [
      "user", "txn", "sms", "db", "analytics", "doctor", "completion", "help", "version", "create",
      "list", "get",
      "update", "delete", "add", "import", "retry", "init", "check", "--name", "--email", "--phone",
      "--balance",
      "--currency", "--amount", "--type", "--date", "--key", "--user", "--since", "--until",
      "--limit", "--after",
      "--status", "--repair", "--cascade", "--yes", "--no-sms", "--no-phone", "--dry-run",
      "--format", "-o", "-q",
      "-v", "-h", "--help", "--version", "--output=json", "-ojson", "-qv", "--", "-", "credit",
      "debit", "json",
      "csv", "tsv", "ndjson", "table", "bash", "zsh", "fish", "pending", id, "fuzz@example.com",
      "21.50", "0",
      "-5", "1e9", "99999999999999999999999999", "2023-08-18", "now", "", " ", "\u{0}",
      "\u{FFFD}\u{FFFD}", "é",
      "💸", String(repeating: "x", count: 5000), "--timeout", "0.2", "--db", "fuzzdb", "--uri",
      "mongodb://%%",
    ]
    let destructive: Set<String> = ["delete", "--repair", "import", "retry", "--password-stdin"]
    for n in 0..<300 {
      let count = Int.random(in: 0...7, using: &rng)
      var args = (0..<count).map { _ in vocabulary.randomElement(using: &rng)! }
      if args.contains(where: destructive.contains) { args.append("--dry-run") }
      // Keep deletes away from the fixture user's data but still parse them.
      let r = fido.run(args.filter { $0 != "\u{0}" }, stdin: "")
      assertSane(r, "#\(n) \(args.map { String($0.prefix(20)) })")
    }
  }

  func testInvalidUTF8Arguments() throws {
    // Bytes that are not UTF-8 reach the process through a shell.
    let r = fido.shell(#""$FIDO" user create --name $'\xff\xfe' --email $'a\xc3@b.com'; echo "status=$?""#)
    XCTAssertTrue(r.stdout.contains("status=65"), r.stdout + r.stderr)
  }
}
