/// Splits argv into GNU-style tokens, one at a time, so that the parser can
/// take the next raw argument as an option's value (`--amount -5`,
/// `--name --`) before it is classified.
struct Tokenizer {
  enum Token: Equatable {
    /// `--name` or `--name=value` (`value` is "" for `--name=`).
    case long(name: String, value: String?)
    /// `-abc`: the unicode scalars after the dash, for bundled flags and `-ojson`.
    case shorts([Unicode.Scalar])
    /// The first `--`: everything after it is an argument.
    case endOfOptions
    /// A positional argument, including a lone `-` and anything after `--`.
    case argument(String)
  }

  private let args: [String]
  private var index = 0
  private(set) var optionsEnded = false

  init(_ args: [String]) { self.args = args }

  /// The next argument, classified.
  mutating func next() -> Token? {
    guard index < args.count else { return nil }
    let arg = args[index]
    index += 1
    if optionsEnded { return .argument(arg) }
    let scalars = arg.unicodeScalars
    if scalars.elementsEqual("--".unicodeScalars) {
      optionsEnded = true
      return .endOfOptions
    }
    if scalars.starts(with: "--".unicodeScalars) {
      let body = scalars.dropFirst(2)
      if let eq = body.firstIndex(of: "=") {
        return .long(
          name: String(String.UnicodeScalarView(body[..<eq])),
          value: String(String.UnicodeScalarView(body[body.index(after: eq)...])))
      }
      return .long(name: String(String.UnicodeScalarView(body)), value: nil)
    }
    if scalars.first == "-" && scalars.count > 1 {
      return .shorts(Array(scalars.dropFirst()))
    }
    return .argument(arg)
  }

  /// The next argument as is, unclassified: an option's value.
  mutating func nextRaw() -> String? {
    guard index < args.count else { return nil }
    defer { index += 1 }
    return args[index]
  }
}
