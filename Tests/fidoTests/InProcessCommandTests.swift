import FidoCore
import Foundation
import XCTest

@testable import fido

/// Commands run through `Fido.main` in process (see `InProcess`): exact
/// error messages, and the confirmation prompt on a terminal.
final class InProcessCommandTests: XCTestCase {
  /// Nothing listens on port 1: a case that connected by mistake would fail
  /// with 69 within a second, not pass.
  let offline = ["MONGO_URI": "mongodb://127.0.0.1:1", "FIDO_TIMEOUT": "1"]

  /// Argument vectors and the exact stderr and status they end with.
  /// Every case fails before any connection.
  func testErrorMessagesAreExact() {
    let id = "64e0f0c2a1b2c3d4e5f60718"
    let cases: [(args: [String], err: String, status: Int32)] = [
      // Unknown commands and options, with suggestions.
      (
        ["usr", "list"],
        "fido: error: unknown command 'usr' (did you mean 'user'?)\nRun 'fido --help' for details.\n",
        2
      ),
      (
        ["user", "lst"],
        "fido: error: unknown command 'lst' for 'fido user' (did you mean 'list'?)\nRun 'fido user --help' for details.\n",
        2
      ),
      (
        ["user", "--help", "x"],
        "fido: error: unknown command 'x' for 'fido user' (expected one of create, list, get, update, delete)\nRun 'fido user --help' for details.\n",
        2
      ),
      (
        ["user", "list", "--limt", "5"],
        "fido: error: unknown option '--limt' for 'fido user list' (did you mean '--limit'?)\nRun 'fido user list --help' for details.\n",
        2
      ),
      (
        ["user", "delete", id, "--yes", "--bogus"],
        "fido: error: unknown option '--bogus' for 'fido user delete'\nRun 'fido user delete --help' for details.\n",
        2
      ),
      (
        ["help", "usr"],
        "fido: error: unknown command 'usr' (did you mean 'user'?)\nRun 'fido --help' for details.\n",
        2
      ),
      // Usage: missing, extra, repeated and out-of-set values.
      (
        ["user", "get"],
        "fido: error: missing argument USER for 'fido user get'\nRun 'fido user get --help' for details.\n",
        2
      ),
      (
        ["user", "get", "a", "b"],
        "fido: error: unexpected argument 'b' for 'fido user get'\nRun 'fido user get --help' for details.\n",
        2
      ),
      (
        ["user", "create", "--name", "Ann"],
        "fido: error: missing required option '--email' for 'fido user create'\nRun 'fido user create --help' for details.\n",
        2
      ),
      (
        ["user", "list", "--limit"],
        "fido: error: option '--limit' needs a value\nRun 'fido user list --help' for details.\n",
        2
      ),
      (
        ["user", "list", "--limit", "x"],
        "fido: error: '--limit' takes a whole number ≥ 0 (0 means all), got 'x'\nRun 'fido user list --help' for details.\n",
        2
      ),
      (
        ["user", "list", "-o", "json", "-o", "csv"],
        "fido: error: option '--output' is given more than once; give it once\nRun 'fido user list --help' for details.\n",
        2
      ),
      (
        ["user", "list", "--output", "yaml"],
        "fido: error: '--output' must be one of table, json, ndjson, csv, tsv (got 'yaml')\nRun 'fido user list --help' for details.\n",
        2
      ),
      (
        ["txn", "add", "--user", id, "--amount", "5", "--type", "credt"],
        "fido: error: '--type' must be one of credit, debit (got 'credt')\nRun 'fido txn add --help' for details.\n",
        2
      ),
      (
        ["--timeout", "abc", "user", "list"],
        "fido: error: invalid value 'abc' for --timeout: give a number of seconds greater than 0, such as 10 or 0.5 (at most 86400)\nRun 'fido user list --help' for details.\n",
        2
      ),
      (
        ["completion", "tcsh"],
        "fido: error: SHELL must be one of bash, zsh, fish (got 'tcsh')\nRun 'fido completion --help' for details.\n",
        2
      ),
      // Bad values: amount, date, id, email, phone, currency (exit 65).
      (
        ["user", "create", "--name", "Ann", "--email", "a@b.co", "--balance", "abc"],
        "fido: error: invalid amount 'abc': use digits with an optional '.' and up to 2 decimal places, e.g. 21.50\n",
        65
      ),
      (
        ["user", "create", "--name", "Ann", "--email", "a@b.co", "--balance", "1.234"],
        "fido: error: invalid amount '1.234': GHS has 2 decimal places; write e.g. 21.50\n", 65
      ),
      (
        [
          "user", "create", "--name", "Ann", "--email", "a@b.co", "--balance",
          "99999999999999999999",
        ],
        "fido: error: amount '99999999999999999999' is too large: at most GHS 9,999,999,999,999.99\n",
        65
      ),
      (
        ["txn", "list", "--user", id, "--since", "2023-13-01"],
        "fido: error: invalid date '2023-13-01': use RFC 3339 like 2023-08-18T15:30:00Z, a day like 2023-08-18, or now\n",
        65
      ),
      (
        ["txn", "list", "--user", id, "--since", "yesterdy"],
        "fido: error: invalid date 'yesterdy': use RFC 3339 like 2023-08-18T15:30:00Z, a day like 2023-08-18, or now\n",
        65
      ),
      (
        ["txn", "get", "123"],
        "fido: error: invalid transaction id '123': expected 24 hex digits\n", 65
      ),
      (
        ["txn", "delete", "zz0f0c2a1b2c3d4e5f60718a"],
        "fido: error: invalid transaction id 'zz0f0c2a1b2c3d4e5f60718a': expected 24 hex digits\n",
        65
      ),
      (
        ["user", "get", "not-an-id"],
        "fido: error: invalid user 'not-an-id': give a 24-hex-digit user id or an email address\n",
        65
      ),
      (
        ["user", "create", "--name", "Ann", "--email", "bad"],
        "fido: error: invalid email 'bad': it needs exactly one '@', as in ama@example.com\n", 65
      ),
      (
        ["user", "create", "--name", "Ann", "--email", "a@b"],
        "fido: error: invalid email 'a@b': the domain after '@' must be dotted like example.com\n",
        65
      ),
      (
        ["user", "create", "--name", "Ann", "--email", "a@b.co", "--phone", "123"],
        "fido: error: invalid phone '123': use E.164, '+' then the country code and number, 8–15 digits, no spaces (e.g. +233241234567)\n",
        65
      ),
      (
        ["user", "create", "--name", "Ann", "--email", "a@b.co", "--currency", "usd1"],
        "fido: error: unknown currency 'usd1': use an active ISO 4217 code such as GHS, NGN, KES, USD\n",
        65
      ),
      // With -o json, the JSON error object follows the line.
      (
        ["user", "list", "-o", "json", "--limt", "5"],
        """
        fido: error: unknown option '--limt' for 'fido user list' (did you mean '--limit'?)
        Run 'fido user list --help' for details.
        {"error":{"code":"usage","message":"unknown option '--limt' for 'fido user list' (did you mean '--limit'?)","exit":2}}

        """, 2
      ),
    ]
    for c in cases {
      let run = InProcess.run(c.args, environment: offline)
      let command = (["fido"] + c.args).joined(separator: " ")
      XCTAssertEqual(run.exit, .status(c.status), command)
      XCTAssertEqual(run.err, c.err, command)
      XCTAssertEqual(run.out, "", "\(command): nothing on stdout")
    }
  }

  /// `fido` alone: the usage on stderr, then the error; nothing on stdout.
  func testNoCommandPrintsTheUsageThenTheError() {
    let run = InProcess.run([], environment: offline)
    XCTAssertEqual(run.exit, .status(2))
    XCTAssertEqual(run.out, "")
    XCTAssertTrue(run.err.hasPrefix(HelpRenderer.render(path: [])), run.err)
    XCTAssertTrue(
      run.err.hasSuffix("\nfido: error: no command given\nRun 'fido --help' for details.\n"),
      run.err)
  }

  // MARK: - The confirmation prompt, server-free (Context.confirm)

  /// `user delete` parsed, with stdin as given; `ledger` on db.example.net.
  private func deleting(
    _ extra: [String] = [], stdin: String, terminal: Bool
  ) throws -> (Context, IOStreams) {
    let io = IOStreams.test(stdinTTY: terminal, stdin: stdin)
    let ctx = Context(
      io: io,
      environment: [
        "MONGO_URI": "mongodb://db.example.net:27017/?w=majority", "MONGO_DB_NAME": "ledger",
      ],
      invocation: try Parser.parse(["user", "delete", "ann@example.com"] + extra), clock: { 0 })
    return (ctx, io)
  }

  private let prompt =
    "fido: delete user ann@example.com on host 'db.example.net:27017', database 'ledger'? [y/N] "

  private func confirm(_ ctx: Context) -> FidoError? {
    do throws(FidoError) {
      try ctx.confirm { "delete user ann@example.com" }
      return nil
    } catch {
      return error
    }
  }

  func testOnATerminalYesGoesOn() throws {
    for answer in ["y\n", "yes\n", " Y \n", "YES"] {
      let (ctx, io) = try deleting(stdin: answer, terminal: true)
      XCTAssertNil(confirm(ctx), answer)
      XCTAssertEqual(io.err.captured, prompt, answer)
    }
  }

  func testOnATerminalAnythingElseOrEndOfInputCancelsWithExit5() throws {
    for answer in ["n\n", "no\n", "\n", "yess\n", ""] {
      let (ctx, io) = try deleting(stdin: answer, terminal: true)
      let error = confirm(ctx)
      XCTAssertEqual(error, .cancelled("cancelled; nothing was changed"), answer)
      XCTAssertEqual(error?.exitCode, 5)
      XCTAssertEqual(io.err.captured, prompt, answer)
    }
  }

  func testNotATerminalRefusesWithoutYes() throws {
    let (ctx, io) = try deleting(stdin: "y\n", terminal: false)
    let error = confirm(ctx)
    XCTAssertEqual(
      error,
      .usage(
        "refusing to delete user ann@example.com without --yes when stdin is not a terminal; add --yes"
      ))
    XCTAssertEqual(error?.exitCode, 2)
    XCTAssertEqual(io.err.captured, "", "no prompt")
  }

  func testWithYesNothingIsAskedNorBuilt() throws {
    let (ctx, io) = try deleting(["--yes"], stdin: "", terminal: true)
    var built = false
    XCTAssertNoThrow(
      try ctx.confirm { () throws(FidoError) in
        built = true
        return "delete user ann@example.com"
      })
    XCTAssertFalse(built, "the question's reads are skipped with --yes")
    XCTAssertEqual(io.err.captured, "")
  }

  // MARK: - The prompt through Fido.main, against the test server

  func testUserDeleteOnATerminalAsksAndTheAnswerDecides() throws {
    let env = try InProcess.serverEnvironment()
    let created = InProcess.run(
      ["user", "create", "--name", "Ann", "--email", "ann@example.com", "-q"], environment: env)
    XCTAssertEqual(created.exit, .status(0), created.err)
    let id = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
    let host = URL(string: env["MONGO_URI"]!)!
    let prompt =
      "fido: delete user ann@example.com on host '\(host.host!):\(host.port!)', database '\(env["MONGO_DB_NAME"]!)'? [y/N] "
    func exists() -> Bool {
      InProcess.run(["user", "get", id, "-q"], environment: env).status == 0
    }

    for answer in ["n\n", ""] {
      let run = InProcess.run(
        ["user", "delete", id], stdin: answer, stdinIsTerminal: true, environment: env)
      XCTAssertEqual(run.exit, .status(5), answer)
      XCTAssertEqual(run.err, prompt + "fido: error: cancelled; nothing was changed\n", answer)
      XCTAssertEqual(run.out, "")
      XCTAssertTrue(exists(), "declined: the user is still there")
    }

    let refused = InProcess.run(["user", "delete", id], stdin: "y\n", environment: env)
    XCTAssertEqual(refused.exit, .status(2))
    XCTAssertTrue(
      refused.err.hasPrefix(
        "fido: error: refusing to delete user ann@example.com without --yes when stdin is not a terminal; add --yes\n"
      ), refused.err)
    XCTAssertTrue(exists())

    let yes = InProcess.run(
      ["user", "delete", id, "-q"], stdin: "y\n", stdinIsTerminal: true, environment: env)
    XCTAssertEqual(yes.exit, .status(0), yes.err)
    XCTAssertEqual(yes.err, prompt)
    XCTAssertEqual(yes.out, id + "\n")
    let gone = InProcess.run(["user", "get", id], environment: env)
    XCTAssertEqual(gone.exit, .status(3), gone.err)
  }
}
