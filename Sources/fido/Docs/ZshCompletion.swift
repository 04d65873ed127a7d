import FidoCore

/// `fido completion zsh`: a `#compdef` function rendered from the table, one
/// `_arguments` function per command. Works from `$fpath` (as `_fido`) and
/// when sourced.
enum ZshCompletion {
  static func render(_ root: CommandSpec, globals: [OptionSpec]) -> String {
    let model = CompletionModel(root, globals: globals)
    let program = model.program
    var out = """
      #compdef \(program)
      # zsh completion for \(program)
      # Generated from \(program)'s command table by '\(program) completion zsh'; do not edit.


      """
    for node in model.nodes {
      out += function(node, model: model)
      out += "\n"
    }
    out += commandsFunction(model)
    out += """
      \(model.functionName([]))_emails() {
          local expl
          local -a emails
          emails=(${(f)"$(\(model.emailsCommand(prefix: "\"$PREFIX\"")))"})
          _wanted emails expl email compadd -a emails
      }

      if [[ $funcstack[1] == \(model.functionName([])) ]]; then
          \(model.functionName([])) "$@"
      else
          compdef \(model.functionName([])) \(program)
      fi

      """
    return out
  }

  static func function(_ node: CompletionModel.Node, model: CompletionModel) -> String {
    let name = model.functionName(node.path)
    var specs = (model.globals + node.options).flatMap {
      optionSpecs($0, in: node.spec, model: model)
    }
    var out = "\(name)() {\n"
    if node.isGroup {
      specs += ["'(-): :->command'", "'(-)*:: :->argument'"]
      let title = ([model.program] + node.path + ["command"]).joined(separator: " ")
      let context = ([model.program] + node.path).joined(separator: "-")
      var lines = [
        "    local curcontext=$curcontext state state_descr line",
        "    local -A opt_args",
        "    _arguments -C -s : \\",
        "        " + specs.joined(separator: " \\\n        ") + " && return",
        "    case $state in",
        "        command)",
        "            local -a commands",
        "            commands=(",
      ]
      for child in node.children {
        lines.append("                " + (child.name + ":" + child.abstract).shellQuoted)
      }
      lines += [
        "            )",
        "            _describe -t commands \(title.shellQuoted) commands",
        "            ;;",
        "        argument)",
        "            curcontext=${curcontext%:*:*}:\(context)-$words[1]:",
        "            case $words[1] in",
      ]
      for child in node.children {
        lines.append(
          "                \(child.name)) \(model.functionName(node.path + [child.name])) ;;")
      }
      lines += [
        "            esac",
        "            ;;",
        "    esac",
        "}",
      ]
      return out + lines.joined(separator: "\n") + "\n"
    }
    for positional in node.spec.positionals {
      let action = action(positional.completion, in: node.spec, model: model)
      let colons = positional.optional ? "::" : ":"
      // `*::` hands the action only the arguments (a command path needs them).
      let star = positional.completion == .commands ? "*::" : "*:"
      let spec = (positional.variadic ? star : colons) + positional.name + ":" + action
      specs.append(spec.shellQuoted)
    }
    out += "    _arguments -s : \\\n        " + specs.joined(separator: " \\\n        ") + "\n}\n"
    return out
  }

  /// One or two `_arguments` specs for an option (two words when it has a short name).
  static func optionSpecs(_ option: OptionSpec, in command: CommandSpec, model: CompletionModel)
    -> [String]
  {
    var excluded: [String] = []
    if let short = option.short { excluded += ["-\(short)", "--" + option.long] }
    for group in command.mutuallyExclusive where group.contains(option.long) {
      excluded += group.filter { $0 != option.long }.map { "--" + $0 }
    }
    let exclusion = excluded.isEmpty ? "" : "(" + excluded.joined(separator: " ") + ")"
    let description = "[" + escapeDescription(option.help) + "]"
    var argument = ""
    if option.kind == .value {
      argument =
        ":" + (option.valueName ?? "VALUE") + ":"
        + action(option.completion, in: command, model: model)
    }
    let longName = "--" + option.long + (option.kind == .value ? "=" : "")
    guard let short = option.short else {
      return [(exclusion + longName + description + argument).shellQuoted]
    }
    let shortName = "-\(short)" + (option.kind == .value ? "+" : "")
    return [
      exclusion.shellQuoted + "{" + shortName + "," + longName + "}"
        + (description + argument).shellQuoted
    ]
  }

  static func action(_ completion: CompletionKind, in command: CommandSpec, model: CompletionModel)
    -> String
  {
    switch completion {
    case .none: " "
    case .file: "_files"
    case .values(let values): "(" + values.joined(separator: " ") + ")"
    case .emails: model.functionName([]) + "_emails"
    case .fields:
      command.schema.map { "_values -s , field " + $0.selectors.joined(separator: " ") } ?? " "
    case .commands: model.functionName([]) + "_commands"
    }
  }

  /// `_fido_commands`: the subcommands (with their abstracts) of the command
  /// path the arguments before the cursor name; `$words` holds only those
  /// arguments (`*::`).
  static func commandsFunction(_ model: CompletionModel) -> String {
    var lines = [
      "\(model.functionName([]))_commands() {",
      "    local -a commands",
      "    case ${(j: :)words[1,CURRENT-1]} in",
    ]
    for node in model.nodes where node.isGroup {
      lines.append("        \(node.path.joined(separator: " ").shellQuoted))")
      lines.append("            commands=(")
      for child in node.children {
        lines.append("                " + (child.name + ":" + child.abstract).shellQuoted)
      }
      lines += ["            )", "            ;;"]
    }
    lines += [
      "    esac",
      "    _describe -t commands command commands",
      "}",
      "",
      "",
    ]
    return lines.joined(separator: "\n")
  }

  /// `[` and `]` end an `_arguments` description; escape them.
  static func escapeDescription(_ text: String) -> String {
    text.replacing("\\", with: "\\\\").replacing("[", with: "\\[").replacing("]", with: "\\]")
  }
}
