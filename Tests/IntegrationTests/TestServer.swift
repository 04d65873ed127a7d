import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// A SecantusDB the test starts itself (not the shared `make test` server):
/// on a free loopback port, with its data in `storage`, with the flags the
/// test needs (`--auth`, the TLS files). `stop()` ends only this process.
final class TestServer {
  let port: Int
  private let process: Process
  private let log: URL

  /// Starts `$FIDO_TEST_PYTHON -m secantus` and waits until it listens.
  init(storage: URL, arguments: [String] = []) throws {
    guard let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] else {
      throw XCTSkip("FIDO_TEST_PYTHON is not set: run the integration tests with 'make test'")
    }
    port = try Self.freePort()
    try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
    log = storage.appendingPathComponent("server-\(port).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments =
      [
        "-m", "secantus", "--host", "127.0.0.1", "--port", "\(port)",
        "--storage-path", storage.appendingPathComponent("data").path, "--log-level", "WARNING",
      ] + arguments
    let output = try FileHandle(forWritingTo: log)
    process.standardOutput = output
    process.standardError = output
    try process.run()
    try? output.close()
    let deadline = Date().addingTimeInterval(30)
    while !Self.listens(port) {
      guard process.isRunning else {
        throw ServerError("SecantusDB \(arguments) exited at start: \(logText)")
      }
      guard Date() < deadline else {
        stop()
        throw ServerError("SecantusDB did not listen on \(port) within 30 s: \(logText)")
      }
      usleep(100_000)
    }
  }

  var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

  /// SIGTERM, then SIGKILL after 10 s; waits for the exit, so the storage
  /// can be opened again by the next server.
  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  deinit { stop() }

  struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
  }

  private static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ServerError("socket: \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
      }
    }
    guard ok else { throw ServerError("cannot bind a free port: \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
  }

  private static func listens(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}

/// A CA, server and client certificates made with the `openssl` command in
/// a temporary folder, plus the wrong ones the tests need: another CA, an
/// expired server certificate, an expired client certificate and a client
/// certificate for a name the server has no user for.
struct TestCertificates {
  let dir: URL
  func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

  var ca: String { path("ca.pem") }
  var otherCA: String { path("other-ca.pem") }
  var serverCert: String { path("server.pem") }
  var serverKey: String { path("server.key") }
  var expiredServerCert: String { path("expired-server.pem") }
  /// Certificate and key in one file, as `tlsCertificateKeyFile` wants.
  var client: String { path("client.pem") }
  var expiredClient: String { path("expired-client.pem") }
  var strangerClient: String { path("stranger.pem") }
  /// The client certificate's subject, the MONGODB-X509 user name.
  static let clientSubject = "CN=fido-client,O=FIDO Credit"

  init(in dir: URL) throws {
    self.dir = dir
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    // `openssl ca` is the CLI's way to set a certificate's dates (here in
    // 2020, so it has expired); its database lives in the folder too.
    let script = """
      set -euo pipefail
      cd "$1"
      req() { openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null; }
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3 -subj "/CN=fido test CA" 2>/dev/null
      openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 3 -subj "/CN=another CA" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
      printf 'extendedKeyUsage=clientAuth\\n' > client.ext
      req server "/CN=localhost"
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3 -extfile server.ext 2>/dev/null
      req client "/O=FIDO Credit/CN=fido-client"
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.crt -days 3 -extfile client.ext 2>/dev/null
      cat client.crt client.key > client.pem
      req stranger "/O=Elsewhere/CN=stranger"
      openssl x509 -req -in stranger.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out stranger.crt -days 3 -extfile client.ext 2>/dev/null
      cat stranger.crt stranger.key > stranger.pem
      mkdir -p cadb; : > cadb/index.txt; echo 01 > cadb/serial
      printf '[ca]\\ndefault_ca = t\\n[t]\\ndatabase = cadb/index.txt\\nserial = cadb/serial\\nnew_certs_dir = cadb\\ndefault_md = sha256\\npolicy = p\\ncopy_extensions = copy\\nunique_subject = no\\n[p]\\ncommonName = supplied\\norganizationName = optional\\n' > ca.cnf
      old() { openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1" -out "$2" -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$3" -notext 2>/dev/null; }
      old server.csr expired-server.pem server.ext
      old client.csr expired-client.crt client.ext
      cat expired-client.crt client.key > expired-client.pem
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script, "certs", dir.path]
    let err = Pipe()
    process.standardError = err
    try process.run()
    let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw TestServer.ServerError("making test certificates with openssl failed: \(errText)")
    }
  }
}

/// Ends a pymongo snippet that ran to its end: output flushed, then
/// `os._exit(0)`. A plain exit waits for pymongo's monitor threads, which
/// wake only every 0.5 s: half a second of nothing per snippet, hundreds of
/// snippets per suite. A snippet that raises still exits the usual way
/// (traceback, status 1).
let pythonQuickExit = "\nimport os\nsys.stdout.flush()\nsys.stderr.flush()\nos._exit(0)\n"

/// Runs a Python snippet with pymongo from the test venv; `argv[1]` is
/// `uri`. Returns what it printed; a failing snippet fails the test.
@discardableResult
func runPython(
  _ code: String, uri: String, file: StaticString = #filePath, line: UInt = #line
) -> String {
  let python = ProcessInfo.processInfo.environment["FIDO_TEST_PYTHON"] ?? "python3"
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [
    python, "-c",
    "import pymongo, sys\nclient = pymongo.MongoClient(sys.argv[1])\n" + code + pythonQuickExit,
    uri,
  ]
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  do { try process.run() } catch {
    XCTFail("cannot run \(python): \(error)", file: file, line: line)
    return ""
  }
  let data = out.fileHandleForReading.readDataToEndOfFile()
  let errData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  XCTAssertEqual(
    process.terminationStatus, 0, String(decoding: errData, as: UTF8.self), file: file, line: line)
  return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
