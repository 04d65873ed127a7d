import FidoCore

/// `man/fido.1`: the manual in man(7) macros, rendered from the command table,
/// `ExitStatus.all`, `CreditScore.weights`, `ConfigVariables.all` and the
/// prose sections of `ManPageText` (output formats, the SMS outbox, …).
/// Version and date are passed in, so the output is deterministic.
enum ManPage {
  static func render(
    _ root: CommandSpec, globals: [OptionSpec], version: String, date: String
  ) -> String {
    let program = root.name
    var out = """
      .\\" Generated from \(program)'s command table (Sources/fido/Docs/ManPage.swift); do not edit.
      .TH \(program.uppercased()) 1 \(date) "\(program) \(version)" "User Commands"
      .SH NAME
      \(program) \\- \(text(lowercasedFirst(root.abstract)))
      .SH SYNOPSIS
      .B \(program)
      .RI [ "global options" ]
      .I command
      .RI [ subcommand ]
      .RI [ options ]
      .RI [ arguments ]

      """
    for section in ManPageText.sections {
      out += ".SH \(section.title)\n"
      for (index, block) in section.blocks.enumerated() {
        out += render(block, opensSection: index == 0, root: root, globals: globals)
      }
    }
    return out
  }

  // MARK: - Prose

  /// A block of `ManPageText`; a paragraph or example that does not open its
  /// section starts a new paragraph.
  static func render(
    _ block: ManBlock, opensSection: Bool, root: CommandSpec, globals: [OptionSpec]
  ) -> String {
    let newParagraph = opensSection ? "" : ".PP\n"
    switch block {
    case .paragraph(let lines):
      return newParagraph + lines.map(render).joined(separator: "\n") + "\n"
    case .items(let items):
      return items.map { item in
        ".TP\n" + ([item.term] + item.body).map(render).joined(separator: "\n") + "\n"
      }.joined()
    case .example(let lines):
      return newParagraph + example(lines)
    case .quote(let lines):
      return ".RS\n.PP\n" + lines.map(render).joined(separator: "\n") + "\n.RE\n"
    case .generated(let part):
      switch part {
      case .rootDiscussion: return text(root.discussion) + "\n"
      case .globalOptions: return globals.filter { !$0.hidden }.map(optionItem).joined()
      case .commands: return commands(root, names: [root.name])
      case .environment: return environment(root, globals: globals)
      case .exitStatus: return exitStatus() + "\n"
      case .scoreFormula: return newParagraph + ".RS 4\n.EX\n" + scoreFormula() + "\n.EE\n.RE\n"
      case .scoreFactors: return scoreFactors() + "\n"
      }
    }
  }

  /// Literal lines, indented, as `code` writes them.
  static func example(_ lines: [String]) -> String {
    ".RS 4\n.EX\n" + lines.map(code).joined(separator: "\n") + "\n.EE\n.RE\n"
  }

  /// One input line: roman text as it is, one font as `.B`/`.I` with the rest
  /// of the line, alternating fonts as `.BR` and the like, an argument with a
  /// space in double quotes.
  static func render(_ line: ManLine) -> String {
    let runs = line.runs
    if runs.count == 1 {
      let run = runs[0]
      if run.font == .roman { return guardLineStart(escaped(run.text, font: .roman)) }
      return ".\(run.font.rawValue) " + escaped(run.text, font: run.font)
    }
    let arguments = runs.map { run in
      let text = escaped(run.text, font: run.font)
      return text.isEmpty || text.contains(" ") ? "\"\(text)\"" : text
    }
    return "." + runs[0].font.rawValue + runs[1].font.rawValue + " "
      + arguments.joined(separator: " ")
  }

  /// Plain text as roff: backslashes, `…`, curly quotes and en dashes as
  /// escapes; in bold and italics (names, values) also hyphens as minus signs
  /// and straight quotes as `\(aq` and `\(dq`.
  static func escaped(_ text: String, font: ManLine.Font) -> String {
    var out = ""
    for character in text {
      switch character {
      case "\\": out += "\\e"
      case "…": out += "\\[u2026]"
      case "“": out += "\\(lq"
      case "”": out += "\\(rq"
      case "–": out += "\\(en"
      case "-" where font != .roman: out += "\\-"
      case "'" where font != .roman: out += "\\(aq"
      case "\"" where font != .roman: out += "\\(dq"
      default: out.append(character)
      }
    }
    return out
  }

  /// A `ConfigVariables` meaning as roff: `code` spans in bold.
  static func inline(_ meaning: String) -> String {
    meaning.split(separator: "`", omittingEmptySubsequences: false).enumerated().map {
      $0.offset % 2 == 1 ? "\\fB\(code(String($0.element)))\\fR" : String($0.element)
    }.joined()
  }

  // MARK: - Commands

  /// One `.SS` per command below `spec`, in table order, hidden ones left out.
  static func commands(_ spec: CommandSpec, names: [String]) -> String {
    var out = ""
    for child in spec.children where !child.hidden {
      let childNames = names + [child.name]
      out += ".SS \"\(code(childNames.joined(separator: " ")))\"\n"
      out += synopsis(child, names: childNames)
      out += ".PP\n" + text(sentence(child.abstract)) + "\n"
      if !child.discussion.isEmpty { out += text(child.discussion) + "\n" }
      for positional in child.positionals {
        out += ".TP\n\\fI\(code(positional.name))\\fR"
        if positional.variadic { out += "\\&..." }
        out += "\n" + text(sentence(positional.help))
        if let allowed = positional.allowed {
          out +=
            "\n" + "One of " + allowed.map { "\\fB\(code($0))\\fR" }.joined(separator: ", ")
            + "."
        }
        out += "\n"
      }
      for option in child.options where !option.hidden {
        out += optionItem(option)
      }
      if let schema = child.schema {
        let names = schema.fields.map { field in
          field.parts.isEmpty
            ? field.name : field.name + "{" + field.parts.joined(separator: ",") + "}"
        }
        out +=
          ".PP\nFields for\n.BR \\-\\-fields :\n" + names.map(code).joined(separator: ",\n") + ".\n"
      }
      if !child.examples.isEmpty {
        out += ".PP\n" + (child.examples.count == 1 ? "Example:" : "Examples:") + "\n"
        out +=
          ".PP\n.RS 4\n.EX\n" + child.examples.map(code).joined(separator: "\n") + "\n.EE\n.RE\n"
      }
      out += commands(child, names: childNames)
    }
    return out
  }

  /// The synopsis in bold and italics (right after `.SS`, which starts a paragraph).
  static func synopsis(_ spec: CommandSpec, names: [String]) -> String {
    var units: [String] = []
    for unit in HelpRenderer.synopsisUnits(spec, names: names) {
      units.append(styledUnit(unit, isName: units.count < names.count))
    }
    return fill(units.joined(separator: " ")) + "\n"
  }

  /// `--name NAME` → `\fB\-\-name\fR \fINAME\fR`; brackets and bars stay roman.
  static func styledUnit(_ unit: String, isName: Bool) -> String {
    if isName { return "\\fB\(code(unit))\\fR" }
    var out = ""
    var word = ""
    func flush() {
      guard !word.isEmpty else { return }
      if word.hasPrefix("-") {
        out += "\\fB\(code(word))\\fR"
      } else if word.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" || $0 == "." }) {
        out += "\\fI\(code(word))\\fR"
      } else {
        out += "\\fB\(code(word))\\fR"
      }
      word = ""
    }
    for character in unit {
      if "[]| ".contains(character) {
        flush()
        out.append(character)
      } else {
        word.append(character)
      }
    }
    flush()
    return out
  }

  /// A `.TP` item: the option's names in bold, its value in italics, then its
  /// help, allowed values, default and environment variable.
  static func optionItem(_ option: OptionSpec) -> String {
    var tag = ""
    if let short = option.short { tag += "\\fB\\-\(code(String(short)))\\fR, " }
    tag += "\\fB\\-\\-\(code(option.long))\\fR"
    if option.kind == .value { tag += " \\fI\(code(option.valueName ?? "VALUE"))\\fR" }
    var body = text(sentence(option.help))
    if option.required { body += "\nRequired." }
    if let allowed = option.allowed {
      body +=
        "\n" + fill("One of " + allowed.map { "\\fB\(code($0))\\fR" }.joined(separator: ", ") + ".")
    }
    if let value = option.defaultValue { body += "\nDefault: \\fB\(code(value))\\fR." }
    if let env = option.env { body += "\nEnvironment: \\fB\(code(env))\\fR." }
    return ".TP\n\(tag)\n\(body)\n"
  }

  // MARK: - Environment

  static func environment(_ root: CommandSpec, globals: [OptionSpec]) -> String {
    var out = ""
    var seen: Set<String> = []
    func add(_ name: String, _ body: String) {
      guard seen.insert(name).inserted else { return }
      out += ".TP\n.B \(code(name))\n\(fill(body))\n"
    }
    func visit(_ options: [OptionSpec], command: String?) {
      for option in options where !option.hidden {
        guard let env = option.env else { continue }
        var body = "Default for \\fB\\-\\-\(code(option.long))\\fR"
        if let command { body += " of \\fB\(code(command))\\fR" }
        body += ": " + text(lowercasedFirst(sentence(option.help)))
        if env == "NO_COLOR" {
          body = "When set to any non-empty value, as \\fB\\-\\-no\\-color\\fR."
        }
        add(env, fill(body))
      }
    }
    visit(globals, command: nil)
    func walk(_ spec: CommandSpec, _ names: [String]) {
      for child in spec.children where !child.hidden {
        visit(child.options, command: (names + [child.name]).joined(separator: " "))
        walk(child, names + [child.name])
      }
    }
    walk(root, [root.name])
    for variable in ConfigVariables.all + ManPageText.commandVariables {
      add(variable.name, inline(variable.meaning))
    }
    return out
  }

  /// The credit score's formula from `CreditScore.weights`, as an example line.
  static func scoreFormula() -> String {
    let terms = CreditScore.weights.map { "\($0.text)\\(md\($0.name)" }
    // Two lines, as a person would wrap it.
    let half = terms.count / 2
    return "value = 1 + 4 \\(mu (" + terms[..<half].joined(separator: " + ") + "\n             + "
      + terms[half...].joined(separator: " + ") + ")"
  }

  /// One tagged paragraph per factor of `CreditScore.weights`.
  static func scoreFactors() -> String {
    CreditScore.weights.map { ".TP\n.B \($0.name)\n\(text($0.definition))" }.joined(
      separator: "\n")
  }

  /// EXIT STATUS: one tagged paragraph per entry of `ExitStatus.all`.
  static func exitStatus() -> String {
    ExitStatus.all.map { ".TP\n.B \($0.codes)\n\(text($0.meaning))" }.joined(separator: "\n")
  }

  // MARK: - Escaping

  /// Table prose as roff text: backslashes escaped, hyphens of option names
  /// and minus signs as `\-`, no line starting with a control character.
  static func text(_ prose: String) -> String {
    prose.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      let words = line.split(separator: " ", omittingEmptySubsequences: false).map { raw in
        var word = String(raw).replacing("\\", with: "\\e")
        let trimmed = word.drop { "('\"[".contains($0) }
        if trimmed.hasPrefix("-") || word.contains("--") {
          word = word.replacing("-", with: "\\-")
        }
        return word
      }
      return fill(words.joined(separator: " "))
    }.joined(separator: "\n")
  }

  /// Breaks a text line into input lines of at most 80 bytes (mandoc's style
  /// limit), starting a new line after each sentence, as roff prefers; no line
  /// starts with a control character.
  static func fill(_ line: String) -> String {
    let words = line.split(separator: " ").map(String.init)
    var lines: [String] = []
    var current = ""
    for (index, word) in words.enumerated() {
      if !current.isEmpty && current.utf8.count + 1 + word.utf8.count > 80 {
        lines.append(current)
        current = ""
      }
      current += (current.isEmpty ? "" : " ") + word
      let next = index + 1 < words.count ? words[index + 1] : ""
      if endsSentence(word), let first = next.first, first.isUppercase {
        lines.append(current)
        current = ""
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines.map(guardLineStart).joined(separator: "\n")
  }

  static func endsSentence(_ word: String) -> Bool {
    guard word.hasSuffix(".") || word.hasSuffix("?") || word.hasSuffix("!") else { return false }
    return !["e.g.", "i.e.", "etc.", "vs."].contains(word.lowercased())
  }

  /// Literal text (commands, names, examples): every hyphen is a minus, quotes
  /// stay straight, and backslashes print.
  static func code(_ literal: String) -> String {
    var out = ""
    for character in literal {
      switch character {
      case "\\": out += "\\e"
      case "-": out += "\\-"
      case "'": out += "\\(aq"
      case "`": out += "\\(ga"
      case "~": out += "\\(ti"
      case "^": out += "\\(ha"
      default: out.append(character)
      }
    }
    return guardLineStart(out)
  }

  static func guardLineStart(_ line: String) -> String {
    line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : line
  }

  /// `Create a user` → `Create a user.`
  static func sentence(_ text: String) -> String {
    guard let last = text.last, !".!?".contains(last) else { return text }
    return text + "."
  }

  static func lowercasedFirst(_ text: String) -> String {
    guard let first = text.first else { return text }
    // Keep acronyms and proper names ("MongoDB", "ISO 4217") as they are.
    let firstWord = text.prefix { $0 != " " }
    if firstWord.dropFirst().contains(where: \.isUppercase) { return text }
    return first.lowercased() + text.dropFirst()
  }
}
