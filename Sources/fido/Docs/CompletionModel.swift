/// What the three shell renderers share: the visible commands of the table,
/// flattened in table order, each with its path from the root.
struct CompletionModel {
  /// The short letters of the options that take a value (`-o json`), e.g. `ol`.
  static func valueLetters(_ options: [OptionSpec]) -> String {
    options.filter { $0.kind == .value }.compactMap(\.short).map(String.init).joined()
  }

  struct Node {
    /// Names below the root: [] for the root, ["user", "create"].
    var path: [String]
    var spec: CommandSpec
    var children: [CommandSpec] { spec.children.filter { !$0.hidden } }
    var options: [OptionSpec] { spec.options.filter { !$0.hidden } }
    var isGroup: Bool { !spec.children.isEmpty }
  }

  let program: String
  let nodes: [Node]
  let globals: [OptionSpec]

  init(_ root: CommandSpec, globals: [OptionSpec]) {
    program = root.name
    self.globals = globals.filter { !$0.hidden }
    var nodes: [Node] = []
    func walk(_ spec: CommandSpec, _ path: [String]) {
      nodes.append(Node(path: path, spec: spec))
      for child in spec.children where !child.hidden { walk(child, path + [child.name]) }
    }
    walk(root, [])
    self.nodes = nodes
  }

  /// The shell command that prints emails starting with the word being
  /// completed, one per line, quickly, and nothing on error.
  func emailsCommand(prefix: String) -> String {
    "\(program) --timeout 2 __complete emails -- \(prefix) 2>/dev/null"
  }

  /// A shell function name for a path: `_fido_user_create`.
  func functionName(_ path: [String]) -> String {
    ([("_" + program)] + path).joined(separator: "_").map { $0.isLetter || $0.isNumber ? $0 : "_" }
      .reduce(into: "") { $0.append($1) }
  }
}

extension String {
  /// In single quotes for POSIX shells (bash, zsh): `it's` → `'it'\''s'`.
  var shellQuoted: String {
    "'" + replacing("'", with: "'\\''") + "'"
  }
}
