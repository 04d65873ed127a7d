import FidoCore

/// `fido completion bash`: a bash completion script rendered from the table.
/// It needs no bash-completion helpers; `complete -F _fido fido` registers it.
enum BashCompletion {
  static func render(_ root: CommandSpec, globals: [OptionSpec]) -> String {
    let model = CompletionModel(root, globals: globals)
    let fn = model.functionName([])
    var out = """
      # bash completion for \(model.program)
      # Generated from \(model.program)'s command table by '\(model.program) completion bash'; do not edit.

      # Words the walk below needs to know about, by command path ("" is the root).
      \(fn)_children() {
          case $1 in

      """
    for node in model.nodes where node.isGroup {
      out += "        \(caseLabel(node.path))) echo \(words(node.children.map(\.name))) ;;\n"
    }
    out += """
          esac
      }

      # Options of the command at path $1, global ones included.
      \(fn)_options() {
          local globals=\(words(optionWords(model.globals)))
          case $1 in

      """
    for node in model.nodes where !node.options.isEmpty {
      let own = optionWords(node.options).joined(separator: " ")
      out += "        \(caseLabel(node.path))) echo \"\(own) $globals\" ;;\n"
    }
    out += """
              *) echo "$globals" ;;
          esac
      }

      # Succeeds when option $2 of the command at path $1 takes a value.
      \(fn)_takes_value() {
          case "$1|$2" in

      """
    var valuePatterns: [String] = []
    for option in model.globals where option.kind == .value {
      valuePatterns += optionWords([option]).map { "*\"|\($0)\"" }
    }
    for node in model.nodes {
      for option in node.options where option.kind == .value {
        valuePatterns += optionWords([option]).map {
          "\"\(node.path.joined(separator: " "))|\($0)\""
        }
      }
    }
    if !valuePatterns.isEmpty {
      out += "        " + valuePatterns.joined(separator: "|") + ") return 0 ;;\n"
    }
    out += """
          esac
          return 1
      }

      # Short option letters that take a value at path $1 (for bundles like -qo).
      \(fn)_value_letters() {
          case $1 in

      """
    let globalLetters = CompletionModel.valueLetters(model.globals)
    for node in model.nodes where !CompletionModel.valueLetters(node.options).isEmpty {
      out +=
        "        \(caseLabel(node.path))) echo \(CompletionModel.valueLetters(node.options))\(globalLetters) ;;\n"
    }
    if !globalLetters.isEmpty { out += "        *) echo \(globalLetters) ;;\n" }
    out += """
          esac
      }

      \(fn)_words() {
          COMPREPLY=($(compgen -W "$1" -- "$2"))
      }

      \(fn)_files() {
          compopt -o filenames 2>/dev/null
          local IFS=$'\\n'
          COMPREPLY=($(compgen -f -- "$1"))
      }

      # Completes the last of comma-separated field names $2 from the words $1.
      \(fn)_fields() {
          local head=${2%"${2##*,}"} f
          COMPREPLY=()
          for f in $1; do
              [[ $head$f == "$2"* ]] && COMPREPLY+=("$head$f")
          done
          compopt -o nospace 2>/dev/null
      }

      \(fn)_emails() {
          local line
          COMPREPLY=()
          while IFS= read -r line; do
              [[ -n $line ]] && COMPREPLY+=("$line")
          done < <(\(model.emailsCommand(prefix: "\"$1\"")))
      }

      # Completes the value of option $2 of the command at path $1.
      \(fn)_value() {
          case "$1|$2" in

      """
    var valueCases: [(patterns: [String], action: String)] = []
    func addValueCase(_ patterns: [String], _ completion: CompletionKind) {
      guard let action = action(completion, word: "\"$3\"", fn: fn) else { return }
      valueCases.append((patterns, action))
    }
    // --fields completes the names of the command's fields (before the catch-all globals).
    for option in model.globals where option.completion == .fields {
      for node in model.nodes {
        guard let schema = node.spec.schema else { continue }
        let patterns = optionWords([option]).map {
          "\"\(node.path.joined(separator: " "))|\($0)\""
        }
        valueCases.append((patterns, "\(fn)_fields \(words(schema.selectors)) \"$3\""))
      }
    }
    for option in model.globals where option.kind == .value {
      addValueCase(optionWords([option]).map { "*\"|\($0)\"" }, option.completion)
    }
    for node in model.nodes {
      for option in node.options where option.kind == .value {
        addValueCase(
          optionWords([option]).map { "\"\(node.path.joined(separator: " "))|\($0)\"" },
          option.completion)
      }
    }
    for entry in valueCases {
      out += "        \(entry.patterns.joined(separator: "|"))) \(entry.action) ;;\n"
    }
    out += """
          esac
      }

      # Completes positional argument number $2 (from 0) of the command at path $1;
      # $4 holds the positional arguments before it.
      \(fn)_argument() {
          case "$1|$2" in

      """
    for node in model.nodes where !node.isGroup {
      let name = node.path.joined(separator: " ")
      for (index, positional) in node.spec.positionals.enumerated() {
        guard let action = action(positional.completion, word: "\"$3\"", fn: fn) else { continue }
        let label = positional.variadic ? "\"\(name)|\"*" : "\"\(name)|\(index)\""
        out += "        \(label)) \(action) ;;\n"
      }
    }
    out += """
          esac
      }

      \(fn)() {
          local cur=${COMP_WORDS[COMP_CWORD]}
          local path="" npos=0 skip=0 ended=0 w i j letters children
          local -a args=()
          COMPREPLY=()
          # Walk the words before the cursor: command names, options, their values.
          for ((i = 1; i < COMP_CWORD; i++)); do
              w=${COMP_WORDS[i]}
              if ((skip > 0)); then
                  ((skip--))
                  continue
              fi
              if ((!ended)); then
                  case $w in
                      --)
                          ended=1
                          continue
                          ;;
                      --*)
                          # bash splits --opt=value into --opt, =, value.
                          if [[ ${COMP_WORDS[i + 1]} == "=" ]]; then
                              skip=2
                          elif \(fn)_takes_value "$path" "$w"; then
                              skip=1
                          fi
                          continue
                          ;;
                      -?*)
                          letters=$(\(fn)_value_letters "$path")
                          for ((j = 1; j < ${#w}; j++)); do
                              if [[ -n $letters && $letters == *"${w:j:1}"* ]]; then
                                  ((j == ${#w} - 1)) && skip=1
                                  break
                              fi
                          done
                          continue
                          ;;
                  esac
              fi
              children=" $(\(fn)_children "$path") "
              if [[ $children == *" $w "* ]]; then
                  path=${path:+$path }$w
              else
                  npos=$((npos + 1))
                  args+=("$w")
              fi
          done
          if ((skip > 0)); then
              # The cursor is on an option's value: find the option.
              w=${COMP_WORDS[COMP_CWORD - 1]}
              [[ $w == "=" ]] && w=${COMP_WORDS[COMP_CWORD - 2]}
              [[ $w == -[!-]* ]] && w=-${w: -1}
              [[ $cur == "=" ]] && cur=""
              \(fn)_value "$path" "$w" "$cur"
              return 0
          fi
          if ((!ended)) && [[ $cur == -* ]]; then
              \(fn)_words "$(\(fn)_options "$path")" "$cur"
              return 0
          fi
          children=$(\(fn)_children "$path")
          if [[ -n $children ]]; then
              \(fn)_words "$children" "$cur"
              return 0
          fi
          \(fn)_argument "$path" "$npos" "$cur" "${args[*]}"
          return 0
      }

      complete -F \(fn) \(model.program)

      """
    return out
  }

  /// The bash code completing `word` as `completion`, or nil for none.
  static func action(_ completion: CompletionKind, word: String, fn: String) -> String? {
    switch completion {
    case .none: nil
    case .file: "\(fn)_files \(word)"
    case .values(let values): "\(fn)_words \(words(values)) \(word)"
    case .emails: "\(fn)_emails \(word)"
    case .fields: nil  // per command, in the value cases
    // The children of the command path the arguments so far name ($4).
    case .commands: "\(fn)_words \"$(\(fn)_children \"$4\")\" \(word)"
    }
  }

  /// Short letters of the options that take a value: `o`.
  /// Each option's spellings: `-o --output`.
  static func optionWords(_ options: [OptionSpec]) -> [String] {
    options.flatMap { option in
      (option.short.map { ["-\($0)"] } ?? []) + ["--" + option.long]
    }
  }

  /// `"user create"` as a case label (the root is `""`).
  static func caseLabel(_ path: [String]) -> String {
    "\"" + path.joined(separator: " ") + "\""
  }

  /// Words for `echo` or `compgen -W`, safely quoted.
  static func words(_ list: [String]) -> String {
    list.joined(separator: " ").shellQuoted
  }
}
