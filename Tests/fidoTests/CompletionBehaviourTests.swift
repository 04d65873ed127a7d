import Foundation
import XCTest

@testable import fido

/// Runs the generated completion scripts in real shells, with a fake `fido`
/// on PATH that answers `__complete emails`, and checks what they offer.
final class CompletionBehaviourTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "fido-completion-\(UUID().uuidString)")
    let bin = dir.appendingPathComponent("bin")
    try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
    let fake = bin.appendingPathComponent("fido")
    try """
    #!/bin/sh
    # Answers only what the completion scripts ask.
    [ "$1 $2 $3 $4 $5" = "--timeout 2 __complete emails --" ] || exit 2
    for e in ama@example.com kofi@example.com; do
      case $e in "$6"*) echo "$e" ;; esac
    done

    """.write(to: fake, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
    for (path, render) in TestSupport.generated() where path.hasPrefix("completions/") {
      try render().write(
        to: dir.appendingPathComponent((path as NSString).lastPathComponent), atomically: true,
        encoding: .utf8)
    }
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: dir)
  }

  var environment: [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = dir.appendingPathComponent("bin").path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    env["HOME"] = dir.path
    env["XDG_CONFIG_HOME"] = dir.path
    env["XDG_DATA_HOME"] = dir.path
    return env
  }

  /// line → the sorted candidates the shell offers.
  typealias Cases = KeyValuePairs<String, [String]>

  static let cases: Cases = [
    "fido ": [
      "analytics", "audit", "completion", "db", "doctor", "help", "profile", "sms", "txn", "user",
      "version", "whoami",
    ],
    "fido us": ["user"],
    "fido user ": ["create", "delete", "get", "list", "update"],
    "fido --db x -q user ": ["create", "delete", "get", "list", "update"],
    "fido user get ": ["ama@example.com", "kofi@example.com"],
    "fido user get k": ["kofi@example.com"],
    "fido analytics a": ["ama@example.com"],
    "fido user get ama@example.com ": [],
    "fido txn add --user ": ["ama@example.com", "kofi@example.com"],
    "fido txn add --type ": ["credit", "debit"],
    "fido -o ": ["csv", "json", "ndjson", "table", "tsv"],
    "fido user list -qo ": ["csv", "json", "ndjson", "table", "tsv"],
    "fido sms list --status ": [
      "delivered", "failed", "pending", "sent", "skipped", "undelivered",
    ],
    "fido txn import --format ": ["csv", "ndjson"],
    "fido sms ": ["list", "retry", "sync", "worker"],
    "fido sms worker --": [
      "--db", "--env-file", "--fields", "--help", "--interval", "--no-color", "--once", "--output",
      "--profile", "--quiet", "--timeout", "--uri", "--verbose", "--version",
    ],
    "fido completion ": ["bash", "fish", "zsh"],
    "fido user create --n": ["--name", "--no-color"],
    "fido user delete u --y": ["--yes"],
    "fido user list --fields ": [
      "balance", "created_at", "currency", "email", "id", "name", "phone", "updated_at",
    ],
    "fido txn list --fields id,sms_s": ["id,sms_sid", "id,sms_status"],
    // help completes a command path, not the top level again.
    "fido help ": [
      "analytics", "audit", "completion", "db", "doctor", "help", "profile", "sms", "txn", "user",
      "version", "whoami",
    ],
    "fido help txn ": ["add", "delete", "get", "import", "list", "update"],
    "fido -q help sms w": ["worker"],
    "fido help txn add ": [],
    "fido help nosuch ": [],
  ]

  func testBash() throws {
    guard let bash = TestSupport.which("bash") else { throw XCTSkip("bash is not installed") }
    var script = "source \(dir.appendingPathComponent("fido.bash").path)\n"
    script += """
      t() {
        read -r -a COMP_WORDS <<< "$1"
        [[ $1 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _fido
        printf '%s\\n' "${COMPREPLY[@]}" | sort | tr '\\n' ' '
        echo
      }

      """
    for (line, _) in Self.cases { script += "t \(line.shellQuoted)\n" }
    let result = try TestSupport.run(
      bash, ["--norc", "--noprofile", "-c", script], environment: environment)
    XCTAssertEqual(result.stderr, "")
    compare(result.stdout, shell: "bash")
  }

  func testFish() throws {
    guard let fish = TestSupport.which("fish") else { throw XCTSkip("fish is not installed") }
    var script = "source \(dir.appendingPathComponent("fido.fish").path)\n"
    for (line, _) in Self.cases {
      script +=
        "set -l r (complete -C\(FishCompletion.quote(line)) | string replace -r '\\t.*' '' | sort)\n"
      script += "echo (string join ' ' -- $r)\n"
    }
    let result = try TestSupport.run(fish, ["--no-config", "-c", script], environment: environment)
    XCTAssertEqual(result.stderr, "")
    compare(result.stdout, shell: "fish")
  }

  /// fish shows each candidate's description: a command's abstract, never
  /// the positional's own help ("The command, e.g. user create").
  func testFishDescribesEachCommandByItsAbstract() throws {
    guard let fish = TestSupport.which("fish") else { throw XCTSkip("fish is not installed") }
    let script = """
      source \(dir.appendingPathComponent("fido.fish").path)
      complete -C'fido help '
      echo ==
      complete -C'fido help txn '
      echo ==
      complete -C'fido '
      """
    let result = try TestSupport.run(fish, ["--no-config", "-c", script], environment: environment)
    XCTAssertEqual(result.stderr, "")
    let parts = result.stdout.components(separatedBy: "==\n").map {
      Set($0.split(separator: "\n").map(String.init))
    }
    XCTAssertEqual(parts.count, 3, result.stdout)
    guard parts.count == 3 else { return }
    let topLevel = Set(
      CommandTable.root.children.filter { !$0.hidden }.map { "\($0.name)\t\($0.abstract)" })
    XCTAssertEqual(topLevel.count, 12)
    XCTAssertEqual(parts[0], topLevel)
    XCTAssertEqual(parts[2], topLevel)
    XCTAssertTrue(
      parts[1].contains("add\tRecord a credit or debit and send its SMS alert"), "\(parts[1])")
    XCTAssertEqual(parts[1].count, 6, "\(parts[1])")
    XCTAssertFalse(result.stdout.contains("e.g. user create"), result.stdout)
  }

  func testZsh() throws {
    guard let zsh = TestSupport.which("zsh") else { throw XCTSkip("zsh is not installed") }
    // A pseudo-terminal zsh with compinit, whose compadd also prints what it adds.
    let cases: Cases = [
      "fido ": Self.cases[0].value,
      "fido user ": ["create", "delete", "get", "list", "update"],
      "fido user get ": ["ama@example.com", "kofi@example.com"],
      "fido txn add --type ": ["credit", "debit"],
      "fido -o ": ["csv", "json", "ndjson", "table", "tsv"],
      "fido completion ": ["bash", "fish", "zsh"],
      "fido help ": Self.cases[0].value,
      "fido help txn ": ["add", "delete", "get", "import", "list", "update"],
      "fido help db ": ["check", "init", "migrate-legacy"],
      "fido user get x --fields ": [
        "balance", "created_at", "currency", "email", "id", "name", "phone", "updated_at",
      ],
    ]
    var script = """
      zmodload zsh/zpty
      zpty z zsh -f -i
      zpty -w z 'PS1= ; PROMPT= ; RPROMPT='
      zpty -w z 'fpath=(\(dir.path) $fpath); autoload -Uz compinit; compinit -u -D'
      zpty -w z 'comptest() {
        compadd() {
          if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return $?; fi
          local -a hits
          builtin compadd -A hits "$@"
          local h; for h in $hits; do print -r -- "<<$h>>"; done
          builtin compadd "$@"
        }
        _main_complete "$@"
      }'
      zpty -w z 'zle -C comptest-widget complete-word comptest; bindkey "^T" comptest-widget'
      zpty -w z 'print -- "--RE""ADY--"'
      zpty -r z setup '*--READY--*'
      run() {
        local line out=""
        zpty -w z "$1"$'\\x14'
        zpty -w z $'\\x15'
        zpty -w z 'print -- "--DO""NE--"'
        while zpty -r z line; do
          out+=$line
          [[ $line == *--DONE--* ]] && break
        done
        print -r -- ${(j: :)${(ou)${(M)${(s:>>:)out}:#*<<*}#*<<}}
      }

      """
    for (line, _) in cases { script += "run \(line.shellQuoted)\n" }
    script += "zpty -d z\n"
    let result = try TestSupport.run(zsh, ["-f", "-c", script], environment: environment)
    let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    for (index, (line, expected)) in cases.enumerated() {
      XCTAssertEqual(
        index < lines.count ? lines[index] : "<none>", expected.joined(separator: " "),
        "zsh: '\(line)'\n\(result.stdout)\(result.stderr)")
    }
  }

  func compare(_ output: String, shell: String, file: StaticString = #filePath, line: UInt = #line)
  {
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    for (index, (typed, expected)) in Self.cases.enumerated() {
      XCTAssertEqual(
        index < lines.count ? lines[index] : "<none>", expected.joined(separator: " "),
        "\(shell): '\(typed)'", file: file, line: line)
    }
  }
}
