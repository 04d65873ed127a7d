import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

// libcurl is loaded only by the commands that send HTTP (see HTTPRuntime).
MongoRuntime.initialize()
let status = Fido.main(
  Array(CommandLine.arguments.dropFirst()), io: .system(), environment: currentEnvironment())
MongoRuntime.cleanup()
exit(status)
