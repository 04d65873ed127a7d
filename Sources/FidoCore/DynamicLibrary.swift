#if canImport(Glibc)
  import Glibc
#endif

/// Opens the C libraries fido does not link (libmongoc, libcrypto, libcurl)
/// when a command first needs one: linked, each would be loaded and
/// initialised at every start, `--version` included. Each library's shim
/// header declares a table (a struct of typed function pointers) and the
/// symbol names of its fields, in order; `load` fills the one from the other.
enum DynamicLibrary {
  /// The shared-object name of OpenSSL 3's libcrypto (Debian's libssl3
  /// package): password hashing and the TLS certificate checks load it.
  static let libcrypto = "libcrypto.so.3"

  /// Why a library could not be used: what failed, with `dlerror`'s text.
  struct LoadFailure: Error {
    let message: String
  }

  /// Opens `file` (a shared-object name, found the way the dynamic linker
  /// finds it) and returns its table: field *i* of `Table` gets the address
  /// of the symbol `names.i`. `names` is the shim's C array of names
  /// (imported as a tuple of C strings), one per pointer-sized field of
  /// `Table`. The library stays loaded for the rest of the process.
  ///
  /// `RTLD_NOW` resolves every symbol now, so a broken install fails here
  /// rather than in the middle of a command; `RTLD_LOCAL` keeps the library's
  /// symbols out of the global namespace, where nothing needs them.
  static func load<Table, Names>(_ file: String, names: Names) throws(LoadFailure) -> Table {
    let pointerSize = MemoryLayout<UnsafeRawPointer>.size
    let count = MemoryLayout<Names>.size / pointerSize
    guard MemoryLayout<Table>.size == count * pointerSize else {
      throw LoadFailure(message: "\(file): the table does not match its \(count) symbol names")
    }
    guard let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL) else {
      throw LoadFailure(message: "cannot load \(file): \(lastError())")
    }
    let table = UnsafeMutableRawPointer.allocate(
      byteCount: MemoryLayout<Table>.size, alignment: MemoryLayout<Table>.alignment)
    defer { table.deallocate() }
    try withUnsafeBytes(of: names) { (list) throws(LoadFailure) in
      for i in 0..<count {
        let name = list.load(fromByteOffset: i * pointerSize, as: UnsafePointer<CChar>.self)
        guard let symbol = dlsym(handle, name) else {
          let failure = LoadFailure(
            message: "\(file) lacks \(String(cString: name)): \(lastError())")
          dlclose(handle)
          throw failure
        }
        table.storeBytes(
          of: symbol, toByteOffset: i * pointerSize, as: UnsafeMutableRawPointer.self)
      }
    }
    return table.load(as: Table.self)
  }

  private static func lastError() -> String {
    guard let message = dlerror() else { return "unknown error" }
    return String(cString: message)
  }
}
