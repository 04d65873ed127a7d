/// fido's version, shown by `fido version`, `--version` and the man page.
enum FidoVersion {
  static let string = "0.1.0"
}
