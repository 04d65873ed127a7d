import FidoCore

/// Every runnable command. The table's leaves name one; `Fido.run` maps each to
/// its handler with an exhaustive switch, so a leaf without a handler does not compile.
enum CommandID: String, CaseIterable, Sendable {
  case userCreate, userList, userGet, userUpdate, userDelete
  case txnAdd, txnList, txnGet, txnUpdate, txnDelete, txnImport
  case analytics
  case smsList, smsRetry, smsSync, smsWorker
  case auditList, auditVerify
  case dbInit, dbCheck, dbMigrateLegacy
  case doctor
  case whoami
  case profileList
  case completion
  case help
  case version
  /// Hidden: dynamic completion of user emails.
  case complete
}

/// How a shell should complete an option's value or a positional.
enum CompletionKind: Sendable, Equatable {
  case none
  case file
  case values([String])
  /// User emails from the database (hidden `fido __complete emails PREFIX`).
  case emails
  /// A comma-separated list of the command's field names (`--fields`).
  case fields
  /// A command path, one name per word (`fido help txn add`): the children
  /// of the path typed so far, each described by its abstract.
  case commands
}

struct OptionSpec: Sendable {
  enum Kind: Sendable, Equatable {
    /// A flag takes no value.
    case flag
    /// Takes one value; given twice, a usage error.
    case value
  }
  var long: String
  var short: Character?
  var kind: Kind
  /// Shown in help and man: `--amount AMOUNT`.
  var valueName: String?
  var help: String
  var env: String?
  var defaultValue: String?
  /// A value outside this set is a usage error.
  var allowed: [String]?
  var completion: CompletionKind
  var hidden: Bool
  /// The parser reports a usage error when a required option is missing
  /// (unless `--help` was given).
  var required: Bool

  init(
    _ long: String, short: Character? = nil, value valueName: String? = nil, help: String,
    env: String? = nil, default defaultValue: String? = nil, allowed: [String]? = nil,
    completion: CompletionKind? = nil, hidden: Bool = false, required: Bool = false
  ) {
    self.long = long
    self.short = short
    self.kind = valueName == nil ? .flag : .value
    self.valueName = valueName
    self.help = help
    self.env = env
    self.defaultValue = defaultValue
    self.allowed = allowed
    self.completion = completion ?? (allowed.map { .values($0) } ?? .none)
    self.hidden = hidden
    self.required = required
  }
}

struct PositionalSpec: Sendable {
  var name: String
  var help: String
  var optional: Bool
  var completion: CompletionKind
  /// A value outside this set is a usage error.
  var allowed: [String]?
  /// Takes every remaining argument (only the last positional may).
  var variadic: Bool
  init(
    _ name: String, help: String, optional: Bool = false, completion: CompletionKind? = nil,
    allowed: [String]? = nil, variadic: Bool = false
  ) {
    self.name = name
    self.help = help
    self.optional = optional
    self.completion = completion ?? (allowed.map { .values($0) } ?? .none)
    self.allowed = allowed
    self.variadic = variadic
  }
}

struct CommandSpec: Sendable {
  var name: String
  var abstract: String
  /// Built when help or the man page asks: some discussions interpolate
  /// lists (exit statuses, formats) that a running command never needs.
  private let discussionText: @Sendable () -> String
  var discussion: String { discussionText() }
  var examples: [String]
  var positionals: [PositionalSpec]
  var options: [OptionSpec]
  var children: [CommandSpec]
  var id: CommandID?
  var hidden: Bool
  /// Groups of option long names of which at most one may be given,
  /// e.g. `[["phone", "no-phone"]]`.
  var mutuallyExclusive: [[String]]
  /// The fields of the objects the command prints (what `--fields` accepts
  /// and completes); nil when it prints none.
  var schema: OutSchema?

  init(
    _ name: String, abstract: String,
    discussion: @autoclosure @escaping @Sendable () -> String = "", examples: [String] = [],
    positionals: [PositionalSpec] = [], options: [OptionSpec] = [], children: [CommandSpec] = [],
    id: CommandID? = nil, hidden: Bool = false, mutuallyExclusive: [[String]] = [],
    schema: OutSchema? = nil
  ) {
    self.name = name
    self.abstract = abstract
    self.discussionText = discussion
    self.examples = examples
    self.positionals = positionals
    self.options = options
    self.children = children
    self.id = id
    self.hidden = hidden
    self.mutuallyExclusive = mutuallyExclusive
    self.schema = schema
  }
}

/// The parser's result: which command, with which option values and positionals.
struct Invocation: Sendable, Equatable {
  /// Command names from the root, e.g. ["user", "create"].
  var path: [String]
  var id: CommandID?
  /// Option values by long name; a flag given is "" . Global options included.
  /// Only what was given on the command line: defaults and environment
  /// variables (see the table's `defaultValue` and `env`) are applied later, so
  /// that flag > environment > env file > default holds. `--version` anywhere
  /// sets `values["version"]`.
  var values: [String: String]
  var positionals: [String]
  /// `--help`/`-h` was given.
  ///
  /// `id == nil` means no runnable command was named: either `path` names a
  /// group (`fido user`, or `fido` alone with path []) or only `--version`
  /// was given. Without `wantsHelp` or `--version`, the dispatcher prints the
  /// group's help on stderr and exits 2; with `wantsHelp` it prints that help
  /// on stdout and exits 0.
  var wantsHelp: Bool

  func flag(_ long: String) -> Bool { values[long] != nil }
  func value(_ long: String) -> String? { values[long] }
}
