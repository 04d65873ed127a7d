internal import COpenSSL

#if canImport(Glibc)
  import Glibc
#endif

/// Password hashes: scrypt through OpenSSL's libcrypto, loaded with dlopen at
/// the first hash or check (see `crypto`), stored as a PHC string
/// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (standard base64, no padding):
/// a fresh 16-byte salt from RAND_bytes, N = 2^15, r = 8, p = 1 (32 MiB of
/// memory per hash), a 32-byte key. Parameters travel with the hash, so
/// they can be raised later without breaking old hashes.
package enum PasswordHasher {
  package static let logN = 15
  package static let blockSize = 8
  package static let parallelism = 1
  package static let saltLength = 16
  package static let keyLength = 32

  static let library = DynamicLibrary.libcrypto

  /// libcrypto's entry points, loaded at the first use (Swift initialises a
  /// static once, thread-safely); a failure stays the answer for the process.
  private static let loaded = Result { () throws(FidoError) in try load() }

  /// libcrypto, or `.unavailable` (exit 69) if it cannot be loaded.
  static func crypto() throws(FidoError) -> fido_crypto_api {
    try loaded.get()
  }

  private static func load() throws(FidoError) -> fido_crypto_api {
    do {
      return try DynamicLibrary.load(library, names: fido_crypto_symbols)
    } catch {
      throw .unavailable(
        "\(error.message); fido needs OpenSSL 3's libcrypto for passwords (Debian package libssl3)")
    }
  }

  package static func hash(_ password: [UInt8]) throws(FidoError) -> String {
    let crypto = try crypto()
    var salt = [UInt8](repeating: 0, count: saltLength)
    let ok = salt.withUnsafeMutableBufferPointer {
      crypto.RAND_bytes($0.baseAddress, Int32($0.count))
    }
    guard ok == 1 else {
      throw .failure("could not get random bytes for the password salt from OpenSSL")
    }
    guard
      var key = derive(
        crypto, password, salt: salt, logN: logN, r: blockSize, p: parallelism, length: keyLength)
    else {
      throw .failure("scrypt failed in OpenSSL while hashing the password")
    }
    defer { wipe(&key) }
    return
      "$scrypt$ln=\(logN),r=\(blockSize),p=\(parallelism)$\(PHCBase64.encode(salt))$\(PHCBase64.encode(key))"
  }

  /// True when `password` matches the PHC string (compared in constant
  /// time). A malformed string, or parameters beyond sane limits (memory
  /// over 256 MiB), verify as false. Throws only if libcrypto cannot be loaded.
  package static func verify(_ password: [UInt8], phc: String) throws(FidoError) -> Bool {
    let crypto = try crypto()
    let parts = phc.split(separator: "$", omittingEmptySubsequences: false)
    guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return false }
    var params: [Substring: Int] = [:]
    for item in parts[2].split(separator: ",") {
      let kv = item.split(separator: "=", maxSplits: 1)
      guard kv.count == 2, params[kv[0]] == nil, let v = Int(kv[1]), v > 0, v <= 1 << 20 else {
        return false
      }
      params[kv[0]] = v
    }
    guard params.count == 3, let ln = params["ln"], let r = params["r"], let p = params["p"],
      (1...24).contains(ln), (1...64).contains(r), (1...16).contains(p),
      128 * r * (1 << ln) <= 256 << 20,
      let salt = PHCBase64.decode(parts[3]), (1...64).contains(salt.count),
      let expected = PHCBase64.decode(parts[4]), (16...64).contains(expected.count),
      var actual = derive(
        crypto, password, salt: salt, logN: ln, r: r, p: p, length: expected.count)
    else { return false }
    defer { wipe(&actual) }
    let same = actual.withUnsafeBytes { a in
      expected.withUnsafeBytes { e in crypto.CRYPTO_memcmp(a.baseAddress, e.baseAddress, a.count) }
    }
    return same == 0
  }

  /// Overwrites a buffer holding a password or key (glibc's explicit_bzero,
  /// which the optimiser may not remove, as OPENSSL_cleanse: wiping needs no
  /// libcrypto).
  package static func wipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes {
      if let base = $0.baseAddress { explicit_bzero(base, $0.count) }
    }
  }

  static func derive(
    _ crypto: fido_crypto_api, _ password: [UInt8], salt: [UInt8], logN: Int, r: Int, p: Int,
    length: Int
  ) -> [UInt8]? {
    var key = [UInt8](repeating: 0, count: length)
    let n = UInt64(1) << UInt64(logN)
    // scrypt needs 128·r·N bytes for V plus 128·r·p for B; allow headroom.
    let maxmem = 128 * UInt64(r) * (n + UInt64(p) + 2) + (1 << 20)
    let empty: [CChar] = [0]
    let rc = password.withUnsafeBytes { pw in
      salt.withUnsafeBufferPointer { s in
        key.withUnsafeMutableBufferPointer { k in
          empty.withUnsafeBufferPointer { e in
            crypto.EVP_PBE_scrypt(
              pw.count == 0 ? e.baseAddress : pw.baseAddress?.assumingMemoryBound(to: CChar.self),
              pw.count,
              s.baseAddress, s.count, n, UInt64(r), UInt64(p), maxmem, k.baseAddress, k.count)
          }
        }
      }
    }
    guard rc == 1 else {
      wipe(&key)
      return nil
    }
    return key
  }
}
