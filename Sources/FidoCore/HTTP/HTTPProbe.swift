/// Whether an HTTP(S) endpoint answers at all, for `fido doctor`.
public enum HTTPProbe {
  /// "reachable (HTTP 404 in 35 ms)" or "unreachable: <reason>". Any HTTP
  /// status counts as reachable: the point is DNS, TCP, TLS and a reply.
  public static func reachability(of base: String, timeoutMS: Int64, clock: () -> Int64) -> String {
    let started = clock()
    do {
      let easy = try CurlEasy()
      let response = try easy.perform(
        HTTPRequest(method: .get, url: base, connectTimeoutMS: timeoutMS, timeoutMS: timeoutMS))
      return "reachable (HTTP \(response.status) in \(clock() - started) ms)"
    } catch {
      return "unreachable: \(error.message)"
    }
  }
}
