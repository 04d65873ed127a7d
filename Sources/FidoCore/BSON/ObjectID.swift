/// A 12-byte MongoDB ObjectId, written as 24 lower-case hex digits.
///
/// Stored inline as two big-endian integers (bytes 0–7 and 8–11), so an id
/// is a plain value: making, copying, hashing and comparing one allocates
/// nothing (each used to carry a heap `[UInt8]`, one allocation per id read
/// from the server and byte-by-byte hashing in the importer's dictionaries).
/// Comparing `(high, low)` compares the bytes lexicographically.
package struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
  private let high: UInt64
  private let low: UInt32

  /// The 12 bytes, in order.
  package var bytes: [UInt8] {
    var out = [UInt8](repeating: 0, count: 12)
    out.withUnsafeMutableBytes { store(into: $0.baseAddress!) }
    return out
  }

  package init?(bytes: [UInt8]) {
    guard bytes.count == 12 else { return nil }
    self.init(rawBytes: bytes)
  }

  /// Reads 12 bytes from `raw` (no alignment needed).
  init(rawBytes raw: UnsafeRawPointer) {
    high = UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self))
    low = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
  }

  private init(rawBytes bytes: [UInt8]) {
    self = bytes.withUnsafeBytes { ObjectID(rawBytes: $0.baseAddress!) }
  }

  /// Writes the 12 bytes to `raw` (no alignment needed).
  func store(into raw: UnsafeMutableRawPointer) {
    raw.storeBytes(of: high.bigEndian, as: UInt64.self)
    raw.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt32.self)
  }

  /// Parses 24 hex digits (either case); nil for anything else.
  package init?(hex: String) {
    var high: UInt64 = 0
    var low: UInt32 = 0
    var count = 0
    for c in hex.utf8 {
      guard count < 24, let v = ObjectID.nibble(c) else { return nil }
      if count < 16 {
        high = high << 4 | UInt64(v)
      } else {
        low = low << 4 | UInt32(v)
      }
      count += 1
    }
    guard count == 24 else { return nil }
    self.high = high
    self.low = low
  }

  package var hex: String {
    String(unsafeUninitializedCapacity: 24) { buffer in
      let digits: StaticString = "0123456789abcdef"
      digits.withUTF8Buffer { d in
        for i in 0..<16 { buffer[i] = d[Int(high >> UInt64(60 - 4 * i) & 0xF)] }
        for i in 0..<8 { buffer[16 + i] = d[Int(low >> UInt32(28 - 4 * i) & 0xF)] }
      }
      return 24
    }
  }

  package var description: String { hex }

  /// Seconds since the epoch stored in the first four bytes.
  package var timestamp: UInt32 { UInt32(truncatingIfNeeded: high >> 32) }

  package static func < (a: ObjectID, b: ObjectID) -> Bool {
    a.high != b.high ? a.high < b.high : a.low < b.low
  }

  private static func nibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
