import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

MongoRuntime.initialize()
do {
  try HTTPRuntime.initialize()
} catch {
  let line = Array("fido: error: cannot start libcurl: \(error.message)\n".utf8)
  line.withUnsafeBytes { _ = writeStderr($0.baseAddress!, $0.count) }
  exit(1)
}
let status = Fido.main(
  Array(CommandLine.arguments.dropFirst()), io: .system(), environment: currentEnvironment())
MongoRuntime.cleanup()
HTTPRuntime.cleanup()
exit(status)
