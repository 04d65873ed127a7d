internal import CCurl

/// libcurl, loaded and initialised by whoever needs HTTP (a Twilio client,
/// `doctor`'s probe), and cleaned up when the last holder lets go. Commands
/// that never talk HTTP never load it: libcurl and the ~24 libraries it
/// links cost about 5 ms at every start. `curl_global_init` is reference
/// counted by libcurl and fido runs on one thread, as it requires.
package final class HTTPRuntime {
  let api: UnsafeMutablePointer<fido_curl_api>

  /// The shared-object name of libcurl 4 (Debian's libcurl4 package).
  static let library = "libcurl.so.4"

  package init() throws(CurlError) {
    let table: fido_curl_api
    do {
      table = try DynamicLibrary.load(Self.library, names: fido_curl_symbols)
    } catch {
      throw CurlError.setup(code: -1, message: error.message)
    }
    api = .allocate(capacity: 1)
    api.initialize(to: table)
    let code = api.pointee.global_init(Int(CURL_GLOBAL_DEFAULT))
    guard code == CURLE_OK else {
      api.deallocate()
      throw CurlError.setup(code: Int(code.rawValue), message: "curl_global_init failed")
    }
  }

  deinit {
    // The library stays mapped: unloading it buys nothing in a short-lived process.
    api.pointee.global_cleanup()
    api.deallocate()
  }

  /// libcurl's generic text for a code.
  func text(of code: CURLcode) -> String {
    api.pointee.easy_strerror(code).map { String(cString: $0) } ?? "libcurl error \(code.rawValue)"
  }
}
