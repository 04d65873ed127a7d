import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

// No core dumps: a core file would hold the URI's password, the Twilio
// token and passwords read with --password-stdin. Soft and hard limit both,
// so nothing later in the process can raise it again.
var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
_ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)

// libmongoc, libcrypto and libcurl are loaded only by the commands that use
// them (see MongoRuntime, PasswordHasher and HTTPRuntime).
let ending = Fido.main(
  Array(CommandLine.arguments.dropFirst()), io: .system(), environment: currentEnvironment())
MongoRuntime.cleanup()  // only if a client loaded libmongoc
// An exit status, or (an interrupted import) the signal again, now with its
// default action: the shell sees 130 or 143.
Interrupts.end(ending)
