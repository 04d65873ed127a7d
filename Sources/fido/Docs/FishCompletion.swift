import FidoCore

/// `fido completion fish`: `complete` lines rendered from the table, guarded
/// by the command path typed so far.
enum FishCompletion {
  static func render(_ root: CommandSpec, globals: [OptionSpec]) -> String {
    let model = CompletionModel(root, globals: globals)
    let program = model.program
    let fn = "__" + program
    var out = """
      # fish completion for \(program)
      # Generated from \(program)'s command table by '\(program) completion fish'; do not edit.

      # The command path is written like "\(program)/user/create".
      function \(fn)_child -a path word
          switch "$path/$word"
              case \(model.nodes.dropFirst().map { quote(([program] + $0.path).joined(separator: "/")) }.joined(separator: " "))
                  echo "$path/$word"
          end
      end

      function \(fn)_takes_value -a path option
          switch "$path:$option"
              case \(valuePatterns(model).joined(separator: " "))
                  return 0
          end
          return 1
      end

      function \(fn)_value_letters -a path
          switch $path

      """
    for node in model.nodes {
      let letters = CompletionModel.valueLetters(node.options + model.globals)
      if !letters.isEmpty {
        out += "        case \(quote(([program] + node.path).joined(separator: "/")))\n"
        out += "            echo \(letters)\n"
      }
    }
    out += """
          end
      end

      # Prints the command path, the number of arguments before the cursor
      # ("-" when the cursor is on an option's value) and those arguments.
      function \(fn)_state
          set -l words (commandline -opc)
          set -e words[1]
          set -l path \(program)
          set -l npos 0
          set -l skip 0
          set -l ended 0
          set -l args
          for w in $words
              if test $skip -eq 1
                  set skip 0
                  continue
              end
              if test $ended -eq 0
                  switch $w
                      case --
                          set ended 1
                          continue
                      case '--*=*'
                          continue
                      case '--*'
                          if \(fn)_takes_value $path $w
                              set skip 1
                          end
                          continue
                      case '-?*'
                          set -l letters (\(fn)_value_letters $path)
                          set -l n (string length -- $w)
                          for i in (seq 2 $n)
                              set -l c (string sub -s $i -l 1 -- $w)
                              if test -n "$letters"; and string match -q -- "*$c*" $letters
                                  if test $i -eq $n
                                      set skip 1
                                  end
                                  break
                              end
                          end
                          continue
                  end
              end
              set -l child (\(fn)_child $path $w)
              if test -n "$child"
                  set path $child
              else
                  set npos (math $npos + 1)
                  set -a args $w
              end
          end
          if test $skip -eq 1
              set npos -
          end
          echo $path $npos $args
      end

      # True when the command path typed so far is $argv[1].
      function \(fn)_at
          set -l state (string split ' ' -- (\(fn)_state))
          test "$state[1]" = "$argv[1]"
      end

      # True at argument number $argv[2] (from 0) of the command at $argv[1].
      function \(fn)_arg
          set -l state (string split ' ' -- (\(fn)_state))
          test "$state[1]" = "$argv[1]"; and test "$state[2]" = "$argv[2]"
      end

      # Field names after what the current comma-separated word already holds.
      function \(fn)_fields
          set -l head (string replace -r -- '[^,]*$' '' (commandline -ct))
          for f in $argv
              echo $head$f
          end
      end

      # The subcommands of the command path $argv[1], each with its abstract.
      function \(fn)_subcommands -a path
          switch $path

      """
    for node in model.nodes where node.isGroup {
      out += "        case \(quote(([program] + node.path).joined(separator: "/")))\n"
      for child in node.children {
        out += "            printf '%s\\t%s\\n' \(quote(child.name)) \(quote(child.abstract))\n"
      }
    }
    out += """
          end
      end

      # The subcommands of the command path the arguments before the cursor
      # name (`\(program) help txn `: txn's).
      function \(fn)_commands
          set -l state (string split ' ' -- (\(fn)_state))
          set -e state[1..2]
          set -l path \(program)
          for w in $state
              set path (\(fn)_child $path $w)
              test -n "$path"; or return
          end
          \(fn)_subcommands $path
      end

      function \(fn)_emails
          \(model.emailsCommand(prefix: "(commandline -ct)"))
      end

      complete -c \(program) -f


      """
    out += "# Global options\n"
    for option in model.globals {
      out += completeLine(option, condition: nil, program: program, fn: fn) + "\n"
    }
    for node in model.nodes {
      let path = ([program] + node.path).joined(separator: "/")
      let condition = "\(fn)_at \(path)"
      out += "\n# \(([program] + node.path).joined(separator: " "))\n"
      for child in node.children {
        out +=
          "complete -c \(program) -n \(quote(condition)) -a \(quote(child.name)) -d \(quote(child.abstract))\n"
      }
      for option in node.options {
        out += completeLine(option, condition: condition, program: program, fn: fn) + "\n"
      }
      if let schema = node.spec.schema {
        for option in model.globals where option.completion == .fields {
          let names = schema.selectors.joined(separator: " ")
          out +=
            "complete -c \(program) -n \(quote(condition)) -l \(quote(option.long)) -x -a \(quote("(\(fn)_fields \(names))")) -d \(quote(option.help))\n"
        }
      }
      guard !node.isGroup else { continue }
      for (index, positional) in node.spec.positionals.enumerated() {
        let guardText = positional.variadic ? condition : "\(fn)_arg \(path) \(index)"
        var line = "complete -c \(program) -n \(quote(guardText))"
        switch positional.completion {
        case .none: continue
        case .file: line += " -F"
        case .values(let values): line += " -a \(quote(values.joined(separator: " ")))"
        case .emails: line += " -a \(quote("(\(fn)_emails)"))"
        case .fields: continue
        case .commands:
          // Each candidate carries its own description (the command's abstract).
          out += line + " -a \(quote("(\(fn)_commands)"))\n"
          continue
        }
        out += line + " -d \(quote(positional.help))\n"
      }
    }
    return out
  }

  static func completeLine(_ option: OptionSpec, condition: String?, program: String, fn: String)
    -> String
  {
    var line = "complete -c \(program)"
    if let condition { line += " -n \(quote(condition))" }
    if let short = option.short { line += " -s \(quote(String(short)))" }
    line += " -l \(quote(option.long))"
    if option.kind == .value {
      switch option.completion {
      case .none: line += " -x"
      case .file: line += " -r -F"
      case .values(let values): line += " -x -a \(quote(values.joined(separator: " ")))"
      case .emails: line += " -x -a \(quote("(\(fn)_emails)"))"
      case .fields: line += " -x"
      case .commands: line += " -x -a \(quote("(\(fn)_commands)"))"
      }
    }
    return line + " -d \(quote(option.help))"
  }

  static func valuePatterns(_ model: CompletionModel) -> [String] {
    var patterns: [String] = []
    for option in model.globals where option.kind == .value {
      patterns += BashCompletion.optionWords([option]).map { quote("*:" + $0) }
    }
    for node in model.nodes {
      let path = ([model.program] + node.path).joined(separator: "/")
      for option in node.options where option.kind == .value {
        patterns += BashCompletion.optionWords([option]).map { quote(path + ":" + $0) }
      }
    }
    return patterns
  }

  /// A fish single-quoted string: only `\` and `'` are special inside.
  static func quote(_ text: String) -> String {
    "'" + text.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
  }
}
