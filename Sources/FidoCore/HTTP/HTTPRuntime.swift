internal import CCurl

/// libcurl's process-wide state. `main` calls `initialize()` once before any
/// thread starts and `cleanup()` once at exit (libcurl requires both to run
/// while no other thread uses libcurl). No lazy setup anywhere else.
public enum HTTPRuntime {
  public static func initialize() throws(CurlError) {
    let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    guard code == CURLE_OK else {
      throw CurlError(code: code, detail: "curl_global_init failed", requestWritten: false)
    }
  }

  public static func cleanup() {
    curl_global_cleanup()
  }
}
