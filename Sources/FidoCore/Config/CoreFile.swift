#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads through POSIX calls, and the text of an errno.
package enum CoreFile {
  struct ReadError: Error {
    let reason: String
  }

  /// A regular file's bytes (at most 16 MiB). Anything else (a FIFO, a
  /// device, a directory) is refused at once: opening does not wait for a
  /// FIFO's writer, so a FIFO can never hang a run past its timeout.
  static func read(path: String) throws(ReadError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if fd < 0 { throw ReadError(reason: describe(errno)) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) != 0 { throw ReadError(reason: describe(errno)) }
    if st.st_mode & S_IFMT != S_IFREG {
      throw ReadError(reason: "not a regular file (\(kind(st.st_mode))); give a regular file")
    }
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let r = chunk.withUnsafeMutableBytes { sysRead(fd, $0.baseAddress, $0.count) }
      if r < 0 {
        if errno == EINTR { continue }
        throw ReadError(reason: describe(errno))
      }
      if r == 0 { break }
      out.append(contentsOf: chunk[0..<r])
      if out.count > 16 * 1024 * 1024 { throw ReadError(reason: "file is larger than 16 MiB") }
    }
    return out
  }

  /// What a file that is not regular is, for messages.
  static func kind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFSOCK: "a socket"
    default: "not a regular file"
    }
  }

  private static func sysRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ n: Int) -> Int {
    #if canImport(Glibc)
      Glibc.read(fd, buf, n)
    #else
      Darwin.read(fd, buf, n)
    #endif
  }

  /// `strerror`'s text, first letter lower-cased to sit inside a message.
  package static func describe(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "error \(code)" }
    return String(cString: s).lowercasedFirst()
  }
}

extension String {
  fileprivate func lowercasedFirst() -> String {
    guard let f = first, f.isUppercase, dropFirst().first?.isLowercase ?? false else { return self }
    return f.lowercased() + dropFirst()
  }
}
