import FidoCore

/// argv (without argv[0]) and the command table → an `Invocation`, or a
/// `FidoError.usage` whose one-line message names the problem and the fix.
///
/// GNU conventions: `--name value`, `--name=value`, `-o json`, `-ojson`,
/// bundled flags `-qv`, `--` ends options, a lone `-` is an argument. Global
/// options are accepted before or after the command, at any depth. Command
/// names are resolved by position: while the current command has
/// subcommands, the next argument names one.
///
/// An option that takes a value takes the next argument whatever it looks
/// like (`--amount -5` reaches the amount's validation). It may be given
/// once: a second value is a usage error naming the option (never "the
/// last wins"). A flag may be repeated (`-v -v` is `-v`).
///
/// `--help`/`-h` anywhere sets `wantsHelp` and, like `--version`, suppresses
/// every error except an unknown command (there would be no command to show
/// help for). A group named without a subcommand (`fido user`, or `fido`
/// alone) is not an error here: the `Invocation` has `id == nil`, and the
/// dispatcher prints the group's help on stderr and exits 2.
///
/// The parser applies neither defaults nor environment variables: `values`
/// holds only what argv gave.
enum Parser {
  static func parse(
    _ args: [String], root: CommandSpec = CommandTable.root,
    globals: [OptionSpec] = CommandTable.globalOptions
  ) throws(FidoError) -> Invocation {
    var run = ParseRun(root: root, globals: globals)
    return try run.parse(args)
  }

  /// The command path argv names, as far as it resolves: after a parse error,
  /// which command's help the hint points to.
  static func commandPath(
    _ args: [String], root: CommandSpec = CommandTable.root,
    globals: [OptionSpec] = CommandTable.globalOptions
  ) -> [String] {
    var run = ParseRun(root: root, globals: globals)
    _ = try? run.parse(args)
    return run.path
  }

  /// `unknown command 'usr' (did you mean 'user'?)`, or for a subcommand
  /// `unknown command 'crate' for 'fido user' (did you mean 'create'?)`.
  static func unknownCommandMessage(_ name: String, in group: CommandSpec, path: [String])
    -> String
  {
    let visible = group.children.filter { !$0.hidden }.map(\.name)
    var message = "unknown command \(quoted(name))"
    if path.count > 1 { message += " for '\(path.joined(separator: " "))'" }
    if let suggestion = Suggest.closest(to: name, among: visible) {
      message += " (did you mean '\(suggestion)'?)"
    } else {
      let list = visible.joined(separator: ", ")
      message += " (expected one of \(list))"
    }
    return message
  }

  /// User input shown in a message: quoted, control characters escaped, short.
  static func quoted(_ text: String) -> String { CoreText.quoted(text, limit: 40) }
}

/// One parse: the state of the walk over argv.
private struct ParseRun {
  struct Problem {
    var message: String
    /// An unknown command is reported even with `--help`.
    var isCommand: Bool
  }

  let globals: [OptionSpec]
  var command: CommandSpec
  var names: [String]
  var path: [String] = []
  var values: [String: String] = [:]
  var positionals: [String] = []
  var wantsHelp = false
  var problems: [Problem] = []
  /// False after an unknown command: later arguments go nowhere.
  var resolving = true

  init(root: CommandSpec, globals: [OptionSpec]) {
    self.globals = globals
    self.command = root
    self.names = [root.name]
  }

  var commandName: String { names.joined(separator: " ") }

  mutating func parse(_ args: [String]) throws(FidoError) -> Invocation {
    var tokens = Tokenizer(args)
    while let token = tokens.next() {
      switch token {
      case .endOfOptions:
        continue
      case .argument(let arg):
        argument(arg)
      case .long(let name, let inline):
        long(name, inline: inline, tokens: &tokens)
      case .shorts(let letters):
        shorts(letters, tokens: &tokens)
      }
    }

    let isLeaf = command.children.isEmpty
    if isLeaf && problems.isEmpty { validateLeaf() }

    if wantsHelp || values["version"] != nil {
      if let first = problems.first, first.isCommand { throw .usage(first.message) }
    } else if let first = problems.first {
      throw .usage(first.message)
    }
    return Invocation(
      path: path, id: isLeaf ? command.id : nil, values: values,
      positionals: isLeaf ? positionals : [], wantsHelp: wantsHelp)
  }

  // MARK: Arguments and command names

  mutating func argument(_ arg: String) {
    guard resolving else { return }
    guard !command.children.isEmpty else {
      positionals.append(arg)
      return
    }
    guard let child = command.children.first(where: { $0.name == arg }) else {
      problems.append(
        Problem(
          message: Parser.unknownCommandMessage(arg, in: command, path: names), isCommand: true))
      resolving = false
      return
    }
    command = child
    path.append(arg)
    names.append(arg)
  }

  // MARK: Options

  func option(long name: String) -> OptionSpec? {
    command.options.first { $0.long == name } ?? globals.first { $0.long == name }
  }

  func option(short letter: Unicode.Scalar) -> OptionSpec? {
    let matches: (OptionSpec) -> Bool = { spec in
      guard let short = spec.short, short.unicodeScalars.count == 1 else { return false }
      return short.unicodeScalars.first == letter
    }
    return command.options.first(where: matches) ?? globals.first(where: matches)
  }

  mutating func problem(_ message: String) {
    problems.append(Problem(message: message, isCommand: false))
  }

  mutating func long(_ name: String, inline: String?, tokens: inout Tokenizer) {
    let typed = "--" + name
    guard let spec = option(long: name) else {
      problem(unknownOptionMessage(typed, name: name))
      return
    }
    switch spec.kind {
    case .flag:
      if inline != nil {
        problem("flag '\(typed)' takes no value")
        return
      }
      set(spec)
    case .value:
      guard let value = inline ?? tokens.nextRaw() else {
        problem("option '\(typed)' needs a value")
        return
      }
      set(spec, value: value, typed: typed)
    }
  }

  mutating func shorts(_ letters: [Unicode.Scalar], tokens: inout Tokenizer) {
    var index = 0
    while index < letters.count {
      let letter = letters[index]
      var typed = "-"
      typed.unicodeScalars.append(letter)
      guard let spec = option(short: letter) else {
        // The rest of the bundle may be this option's value: stop here.
        if index == 0 && letters.count > 1 {
          // `-name` for `--name`?
          var word = ""
          word.unicodeScalars.append(contentsOf: letters)
          if let suggestion = Suggest.closest(to: word, among: visibleLongNames) {
            problem(
              "unknown option \(Parser.quoted("-" + word)) for '\(commandName)'"
                + " (did you mean '--\(suggestion)'?)")
            return
          }
        }
        problem("unknown option \(Parser.quoted(typed)) for '\(commandName)'")
        return
      }
      switch spec.kind {
      case .flag:
        set(spec)
        index += 1
      case .value:
        let rest = letters[(index + 1)...]
        let value: String?
        if rest.isEmpty {
          value = tokens.nextRaw()
        } else {
          var attached = ""
          attached.unicodeScalars.append(contentsOf: rest)
          value = attached
        }
        guard let value else {
          problem("option '\(typed)' needs a value")
          return
        }
        set(spec, value: value, typed: typed)
        return
      }
    }
  }

  mutating func set(_ spec: OptionSpec) {
    if spec.long == "help" {
      wantsHelp = true
    } else {
      values[spec.long] = ""
    }
  }

  mutating func set(_ spec: OptionSpec, value: String, typed: String) {
    if let allowed = spec.allowed, !allowed.contains(value) {
      problem(
        "'\(typed)' must be one of \(allowed.joined(separator: ", ")) (got \(Parser.quoted(value)))"
      )
      return
    }
    if values[spec.long] != nil {
      // Not the values: one may be a secret (`--uri`).
      problem("option '--\(spec.long)' is given more than once; give it once")
      return
    }
    values[spec.long] = value
  }

  var visibleLongNames: [String] {
    (command.options + globals).filter { !$0.hidden }.map(\.long)
  }

  func unknownOptionMessage(_ typed: String, name: String) -> String {
    var message = "unknown option \(Parser.quoted(typed)) for '\(commandName)'"
    if let suggestion = Suggest.closest(to: name, among: visibleLongNames) {
      message += " (did you mean '--\(suggestion)'?)"
    } else if let owner = owner(ofOption: name, under: command, prefix: commandName) {
      message += " (it belongs after the subcommand: '\(owner) --\(name)')"
    }
    return message
  }

  /// The first visible subcommand below `spec` that has option `--name`.
  func owner(ofOption name: String, under spec: CommandSpec, prefix: String) -> String? {
    for child in spec.children where !child.hidden {
      let childName = prefix + " " + child.name
      if child.options.contains(where: { $0.long == name && !$0.hidden }) { return childName }
      if let deeper = owner(ofOption: name, under: child, prefix: childName) { return deeper }
    }
    return nil
  }

  // MARK: Leaf validation

  mutating func validateLeaf() {
    let specs = command.positionals
    for (index, spec) in specs.enumerated() where index >= positionals.count {
      if !spec.optional {
        problem("missing argument \(spec.name) for '\(commandName)'")
        return
      }
    }
    let takesRest = specs.last?.variadic ?? false
    if !takesRest && positionals.count > specs.count {
      problem("unexpected argument \(Parser.quoted(positionals[specs.count])) for '\(commandName)'")
      return
    }
    for (index, value) in positionals.enumerated() {
      guard let spec = index < specs.count ? specs[index] : specs.last else { break }
      if let allowed = spec.allowed, !allowed.contains(value) {
        problem(
          "\(spec.name) must be one of \(allowed.joined(separator: ", ")) (got \(Parser.quoted(value)))"
        )
        return
      }
    }
    for spec in command.options where spec.required && values[spec.long] == nil {
      problem("missing required option '--\(spec.long)' for '\(commandName)'")
      return
    }
    for group in command.mutuallyExclusive {
      let given = group.filter { values[$0] != nil }
      if given.count > 1 {
        let list = given.map { "'--\($0)'" }.joined(separator: " and ")
        problem("options \(list) cannot be used together; give only one")
        return
      }
    }
  }
}
