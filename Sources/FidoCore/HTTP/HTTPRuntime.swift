internal import CCurl

#if canImport(Glibc)
  import Glibc
#endif

/// libcurl, loaded and initialised by whoever needs HTTP (a Twilio client,
/// `doctor`'s probe), and cleaned up when the last holder lets go. Commands
/// that never talk HTTP never load it: libcurl and the ~24 libraries it
/// links cost about 5 ms at every start. `curl_global_init` is reference
/// counted by libcurl and fido runs on one thread, as it requires.
public final class HTTPRuntime {
  let api: UnsafeMutablePointer<fido_curl_api>

  /// The shared-object name of libcurl 4 (Debian's libcurl4 package).
  static let library = "libcurl.so.4"

  public init() throws(CurlError) {
    guard let handle = dlopen(Self.library, RTLD_NOW | RTLD_LOCAL) else {
      throw CurlError.setup(code: -1, message: "cannot load \(Self.library): \(Self.dlerrorText())")
    }
    func symbol(_ name: String) throws(CurlError) -> UnsafeMutableRawPointer {
      guard let pointer = dlsym(handle, name) else {
        throw CurlError.setup(
          code: -1, message: "\(Self.library) lacks \(name): \(Self.dlerrorText())")
      }
      return pointer
    }
    let table = fido_curl_api(
      global_init: try symbol("curl_global_init"),
      global_cleanup: try symbol("curl_global_cleanup"),
      easy_init: try symbol("curl_easy_init"), easy_cleanup: try symbol("curl_easy_cleanup"),
      easy_reset: try symbol("curl_easy_reset"), easy_perform: try symbol("curl_easy_perform"),
      easy_strerror: try symbol("curl_easy_strerror"), easy_setopt: try symbol("curl_easy_setopt"),
      easy_getinfo: try symbol("curl_easy_getinfo"), slist_append: try symbol("curl_slist_append"),
      slist_free_all: try symbol("curl_slist_free_all"))
    api = .allocate(capacity: 1)
    api.initialize(to: table)
    let code = fido_curl_global_init(api, Int(CURL_GLOBAL_DEFAULT))
    guard code == CURLE_OK else {
      api.deallocate()
      throw CurlError.setup(code: Int(code.rawValue), message: "curl_global_init failed")
    }
  }

  deinit {
    // The library stays mapped: unloading it buys nothing in a short-lived process.
    fido_curl_global_cleanup(api)
    api.deallocate()
  }

  /// libcurl's generic text for a code.
  func text(of code: CURLcode) -> String {
    String(cString: fido_curl_easy_strerror(api, code))
  }

  private static func dlerrorText() -> String {
    guard let message = dlerror() else { return "unknown error" }
    return String(cString: message)
  }
}
