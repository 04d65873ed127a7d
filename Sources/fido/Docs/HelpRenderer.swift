/// `fido help [COMMAND...]` and `--help`: plain text for an 80-column
/// terminal, rendered from the command table, deterministic.
enum HelpRenderer {
  static let width = 80

  /// Help for the command at `path` (names below the root; [] is the
  /// top-level help). Unknown trailing names are ignored: the help of the
  /// deepest command found is shown (use `CommandTable.resolve(path:)` first
  /// to report them).
  static func render(
    path: [String], root: CommandSpec = CommandTable.root,
    globals: [OptionSpec] = CommandTable.globalOptions
  ) -> String {
    let (command, names) = deepest(path, root: root)
    let name = names.joined(separator: " ")
    var sections: [String] = []

    let usage = "Usage: "
    sections.append(
      wrapUnits(
        synopsisUnits(command, names: names), width: width,
        firstPrefix: usage, indent: usage.count + name.count + 1))

    var about = command.abstract
    if !command.discussion.isEmpty { about += "\n\n" + wrap(command.discussion, indent: 0) }
    sections.append(about)

    let positionals = command.positionals
    if !positionals.isEmpty {
      sections.append(
        "Arguments:\n"
          + table(positionals.map { (positionalLeft($0), positionalHelp($0)) }))
    }

    let children = command.children.filter { !$0.hidden }
    if !children.isEmpty {
      sections.append(
        "Commands:\n" + table(children.map { ($0.name, words($0.abstract)) }, minimumGap: 2))
    }

    let options = command.options.filter { !$0.hidden }
    if !options.isEmpty { sections.append("Options:\n" + optionTable(options)) }

    if let schema = command.schema {
      var units = schema.fields.map { field in
        (field.parts.isEmpty
          ? field.name : field.name + "{" + field.parts.joined(separator: ",") + "}") + ","
      }
      units[units.count - 1].removeLast()
      // How a nested field is named, with this command's own first one.
      let nested = schema.fields.first { !$0.parts.isEmpty }.map {
        "; nested as \($0.name) or \($0.columns[0])"
      }
      sections.append(
        "Fields (--fields\(nested ?? "")):\n"
          + wrapUnits(units, width: width, firstPrefix: "  ", indent: 2))
    }

    let visibleGlobals = globals.filter { !$0.hidden }
    if names.count == 1 {
      sections.append("Global options:\n" + optionTable(visibleGlobals))
    } else if !visibleGlobals.isEmpty {
      var units = visibleGlobals.map { optionSummary($0) + "," }
      units[units.count - 1].removeLast()
      units.append("(see '\(names[0]) help')")
      sections.append(
        "Global options:\n" + wrapUnits(units, width: width, firstPrefix: "  ", indent: 2))
    }

    if !command.examples.isEmpty {
      sections.append("Examples:\n" + command.examples.map { "  " + $0 }.joined(separator: "\n"))
    }

    if !children.isEmpty {
      sections.append(
        "Run '\(names[0]) help \(names.dropFirst().map { $0 + " " }.joined())COMMAND' for a command's options."
      )
    }
    return sections.joined(separator: "\n\n") + "\n"
  }

  /// `Run 'fido user create --help' for details.`
  static func helpHint(path: [String], root: CommandSpec = CommandTable.root) -> String {
    let (_, names) = deepest(path, root: root)
    return "Run '\(names.joined(separator: " ")) --help' for details."
  }

  // MARK: - Synopsis, shared with the man page

  /// The deepest command along `path`, with its names from the root.
  static func deepest(_ path: [String], root: CommandSpec) -> (CommandSpec, [String]) {
    var node = root
    var names = [root.name]
    for name in path {
      guard let child = node.children.first(where: { $0.name == name }) else { break }
      node = child
      names.append(name)
    }
    return (node, names)
  }

  /// The full synopsis as units that are never broken across lines:
  /// `["fido", "user", "update", "USER", "[--name NAME]", "[--phone E164|--no-phone]", ...]`.
  static func synopsisUnits(_ command: CommandSpec, names: [String]) -> [String] {
    var units = names
    if names.count == 1 {
      return units + ["[GLOBAL OPTIONS]", "COMMAND", "[SUBCOMMAND]", "[OPTIONS]", "[ARGS]"]
    }
    if !command.children.isEmpty { return units + ["COMMAND", "[OPTIONS]", "[ARGS]"] }
    units += command.positionals.map(positionalUnit)
    var done: Set<String> = []
    for option in command.options where !option.hidden && !done.contains(option.long) {
      if let group = command.mutuallyExclusive.first(where: { $0.contains(option.long) }) {
        let members = group.compactMap { name in command.options.first { $0.long == name } }
        done.formUnion(group)
        let text = members.map { optionUnit($0, bracketed: false) }.joined(separator: "|")
        units.append(members.contains(where: \.required) ? text : "[" + text + "]")
      } else {
        done.insert(option.long)
        units.append(optionUnit(option))
      }
    }
    return units
  }

  /// `USER`, `[FILE]`, `[COMMAND...]`, `bash|zsh|fish`.
  static func positionalUnit(_ spec: PositionalSpec) -> String {
    var text = spec.allowed?.joined(separator: "|") ?? spec.name
    if spec.variadic { text += "..." }
    return spec.optional ? "[" + text + "]" : text
  }

  /// Allowed values longer than this, joined, are shown by the value's
  /// name in a synopsis (`[--status STATUS]`) and listed in the option's help.
  static let inlineAllowedLimit = 40

  /// `--name NAME`, `[--phone E164]`, `--type credit|debit`, `[--yes]`.
  static func optionUnit(_ spec: OptionSpec, bracketed: Bool = true) -> String {
    var text = "--" + spec.long
    if spec.kind == .value {
      let allowed = spec.allowed?.joined(separator: "|")
      text +=
        " "
        + ((allowed?.count ?? .max) <= inlineAllowedLimit ? allowed! : spec.valueName ?? "VALUE")
    }
    return spec.required || !bracketed ? text : "[" + text + "]"
  }

  // MARK: - Option and argument lists

  /// `-o, --output FMT` (or `    --uri URI` beside options with a short name).
  static func optionLeft(_ spec: OptionSpec, shortPad: Bool) -> String {
    var text = ""
    if let short = spec.short {
      text = "-\(short), "
    } else if shortPad {
      text = "    "
    }
    text += "--" + spec.long
    if spec.kind == .value { text += " " + (spec.valueName ?? "VALUE") }
    return text
  }

  /// `-o/--output FMT` for the one-paragraph summary of global options.
  static func optionSummary(_ spec: OptionSpec) -> String {
    var text = spec.short.map { "-\($0)/" } ?? ""
    text += "--" + spec.long
    if spec.kind == .value { text += " " + (spec.valueName ?? "VALUE") }
    return text
  }

  /// The help text's words, then `[required]`, `[one of: ...]`, `[env: ...]`
  /// and `[default: ...]` as units that are never broken across lines.
  static func optionHelp(_ spec: OptionSpec) -> [String] {
    var units = words(spec.help)
    if spec.required { units.append("[required]") }
    if let allowed = spec.allowed { units += oneOf(allowed) }
    if let env = spec.env { units.append("[env: \(env)]") }
    if let value = spec.defaultValue { units.append("[default: \(value)]") }
    return units
  }

  /// `[one of: a, b]` as one unit; a longer list may break between values.
  static func oneOf(_ allowed: [String]) -> [String] {
    let unit = "[one of: \(allowed.joined(separator: ", "))]"
    guard unit.count > inlineAllowedLimit else { return [unit] }
    return words(unit)
  }

  /// Split on the UTF-8 bytes: space and newline are ASCII, so the pieces are
  /// whole characters, and splitting the Characters (grapheme clusters) cost
  /// `fido help` about 8% of its instructions.
  static func words(_ text: String) -> [String] {
    text.utf8.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
      .map { String(decoding: $0, as: UTF8.self) }
  }

  static func positionalLeft(_ spec: PositionalSpec) -> String {
    spec.variadic ? spec.name + "..." : spec.name
  }

  static func positionalHelp(_ spec: PositionalSpec) -> [String] {
    var units = words(spec.help)
    if spec.optional { units.append("[optional]") }
    if let allowed = spec.allowed { units.append("[one of: \(allowed.joined(separator: ", "))]") }
    return units
  }

  static func optionTable(_ options: [OptionSpec]) -> String {
    let pad = options.contains { $0.short != nil }
    return table(options.map { (optionLeft($0, shortPad: pad), optionHelp($0)) })
  }

  /// Two columns: names indented by 2, help wrapped in a column of its own;
  /// a name too long for the column puts its help on the next line.
  static func table(_ rows: [(String, [String])], minimumGap: Int = 3) -> String {
    let longest = rows.map { $0.0.count }.max() ?? 0
    let column = min(2 + longest + minimumGap, 30)
    var lines: [String] = []
    for (left, help) in rows {
      let name = "  " + left
      let body = wrapUnits(
        help, width: width, firstPrefix: String(repeating: " ", count: column), indent: column)
      let bodyText = String(body.dropFirst(column))
      if name.count + minimumGap <= column {
        lines.append(name + String(repeating: " ", count: column - name.count) + bodyText)
      } else {
        lines.append(name)
        lines.append(body)
      }
    }
    return lines.joined(separator: "\n")
  }

  // MARK: - Wrapping

  /// Words of `text` filled to `width`, every line indented by `indent`.
  /// Paragraphs (blank-line separated) are kept; a word longer than a line
  /// stands on its own.
  static func wrap(_ text: String, indent: Int, width: Int = width) -> String {
    let paragraphs = text.split(separator: "\n\n", omittingEmptySubsequences: false)
    return paragraphs.map { paragraph in
      return wrapUnits(
        words(String(paragraph)), width: width, firstPrefix: String(repeating: " ", count: indent),
        indent: indent)
    }.joined(separator: "\n\n")
  }

  /// Units joined by spaces, filled to `width`; the first line starts with
  /// `firstPrefix`, the others with `indent` spaces.
  static func wrapUnits(_ units: [String], width: Int, firstPrefix: String, indent: Int) -> String {
    var lines: [String] = []
    var line = firstPrefix
    // String.count walks the characters, so the line's length is kept here.
    var length = firstPrefix.count
    var lineHasUnit = false
    let pad = String(repeating: " ", count: indent)
    for unit in units {
      let unitLength = unit.count
      if lineHasUnit && length + 1 + unitLength > width {
        lines.append(line)
        line = pad + unit
        length = indent + unitLength
      } else {
        line += (lineHasUnit ? " " : "") + unit
        length += (lineHasUnit ? 1 : 0) + unitLength
      }
      lineHasUnit = true
    }
    lines.append(line)
    return lines.joined(separator: "\n")
  }
}
