import Foundation
import XCTest

/// Settings read only where they are needed, and input normalised before it
/// is stored: what a person meets at the terminal.
final class InputPolishTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  /// A bad FIDO_CURRENCY fails only a command that needs the default
  /// currency (exit 78, naming it, nothing written); `--currency` and
  /// commands that need no currency run as if it were unset.
  func testBadDefaultCurrencyFailsOnlyWhereItIsNeeded() {
    fido.environment["FIDO_CURRENCY"] = "usd!"
    let u = fido.object([
      "user", "create", "--name", "Ama", "--email", "ama@example.com", "--currency", "usd",
    ])
    XCTAssertEqual(u["currency"] as? String, "USD")
    XCTAssertEqual(fido.list(["user", "list"]).count, 1)
    XCTAssertEqual(
      fido.object([
        "txn", "add", "--user", u["id"] as? String ?? "", "--type", "credit", "--amount", "5",
      ])[
        "amount"] as? String, "5.00")

    let r = fido.run(["user", "create", "--name", "Kofi", "--email", "kofi@example.com"])
    XCTAssertEqual(r.status, 78, r.stderr)
    XCTAssertEqual(r.stdout, "")
    XCTAssertEqual(
      r.stderr,
      "fido: error: FIDO_CURRENCY: unknown currency 'usd!': use an active ISO 4217 code such as GHS, NGN, KES, USD\n"
    )
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "1")
  }
}

extension InputPolishTests {
  /// Names are stored trimmed (create and update); an email whose local part
  /// starts with a dot or whose domain holds an underscore is refused (65)
  /// and nothing is written.
  func testNamesAreStoredTrimmedAndBadEmailsRefused() {
    let u = fido.object([
      "user", "create", "--name", "  Ama Mensah \n", "--email", "ama@example.com",
    ])
    XCTAssertEqual(u["name"] as? String, "Ama Mensah")
    let id = u["id"] as? String ?? ""
    XCTAssertEqual(
      fido.object(["user", "update", id, "--name", "\tAma K. Mensah "])["name"] as? String,
      "Ama K. Mensah")
    XCTAssertEqual(fido.mongoPython("print(repr(db.users.find_one()['name']))"), "'Ama K. Mensah'")
    for email in [".kofi@example.com", "kofi..b@example.com", "kofi@exa_mple.com", "kofi@-x.com"] {
      let r = fido.run(["user", "create", "--name", "Kofi", "--email", email])
      XCTAssertEqual(r.status, 65, "\(email): \(r.stderr)")
      XCTAssertEqual(r.stdout, "")
    }
    XCTAssertEqual(fido.mongoPython("print(db.users.count_documents({}))"), "1")
  }
}

extension InputPolishTests {
  /// A malformed id names what it is once ("invalid transaction id id '123'" before).
  func testAMalformedIDIsNamedOnce() {
    for (args, message) in [
      (["txn", "get", "123"], "invalid transaction id '123': expected 24 hex digits"),
      (["user", "list", "--after", "x"], "invalid user id 'x': expected 24 hex digits"),
      (["audit", "list", "--after", "x"], "invalid history entry id 'x': expected 24 hex digits"),
    ] {
      let r = fido.run(args)
      XCTAssertEqual(r.status, 65, r.stderr)
      XCTAssertEqual(r.stderr, "fido: error: \(message)\n", "\(args)")
    }
  }
}
