import XCTest

@testable import FidoCore

#if canImport(Glibc)
  import Glibc
#endif

/// The loader behind libmongoc, libcrypto and libcurl, on libc itself.
final class DynamicLibraryTests: XCTestCase {
  func testFillsTheTableInOrder() throws {
    let names = (strdup("strlen")!, strdup("abs")!)
    defer {
      free(names.0)
      free(names.1)
    }
    let table: (UnsafeRawPointer, UnsafeRawPointer) = try DynamicLibrary.load(
      "libc.so.6", names: (UnsafePointer(names.0), UnsafePointer(names.1)))
    // libc's own symbols (not the global namespace's: under a sanitizer
    // that is the sanitizer's interceptor).
    let libc = try XCTUnwrap(dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD))
    defer { dlclose(libc) }
    XCTAssertEqual(table.0, UnsafeRawPointer(dlsym(libc, "strlen")))
    XCTAssertEqual(table.1, UnsafeRawPointer(dlsym(libc, "abs")))
  }

  func testAMissingLibraryIsNamed() {
    let name = strdup("strlen")!
    defer { free(name) }
    XCTAssertThrowsError(
      try DynamicLibrary.load("libfido-missing.so.0", names: UnsafePointer(name))
        as UnsafeRawPointer
    ) { error in
      let message = (error as? DynamicLibrary.LoadFailure)?.message ?? ""
      XCTAssertTrue(message.hasPrefix("cannot load libfido-missing.so.0: "), message)
    }
  }

  func testAMissingSymbolIsNamed() {
    let name = strdup("fido_no_such_symbol")!
    defer { free(name) }
    XCTAssertThrowsError(
      try DynamicLibrary.load("libc.so.6", names: UnsafePointer(name)) as UnsafeRawPointer
    ) { error in
      let message = (error as? DynamicLibrary.LoadFailure)?.message ?? ""
      XCTAssertTrue(message.hasPrefix("libc.so.6 lacks fido_no_such_symbol: "), message)
    }
  }
}
