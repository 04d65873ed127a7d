/// fido's version, shown by `fido version`, `--version` and the man page,
/// and sent to MongoDB in the handshake as the application name `fido/VERSION`.
package enum FidoVersion {
  package static let string = "0.1.0"
}
