import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

// libmongoc, libcrypto and libcurl are loaded only by the commands that use
// them (see MongoRuntime, PasswordHasher and HTTPRuntime).
let status = Fido.main(
  Array(CommandLine.arguments.dropFirst()), io: .system(), environment: currentEnvironment())
MongoRuntime.cleanup()  // only if a client loaded libmongoc
exit(status)
