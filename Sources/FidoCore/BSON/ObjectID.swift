/// A 12-byte MongoDB ObjectId, written as 24 lower-case hex digits.
public struct ObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
  public let bytes: [UInt8]

  public init?(bytes: [UInt8]) {
    guard bytes.count == 12 else { return nil }
    self.bytes = bytes
  }

  /// Parses 24 hex digits (either case); nil for anything else.
  public init?(hex: String) {
    let utf8 = Array(hex.utf8)
    guard utf8.count == 24 else { return nil }
    var out = [UInt8]()
    out.reserveCapacity(12)
    var i = 0
    while i < 24 {
      guard let hi = ObjectID.nibble(utf8[i]), let lo = ObjectID.nibble(utf8[i + 1]) else { return nil }
      out.append(hi << 4 | lo)
      i += 2
    }
    self.bytes = out
  }

  public var hex: String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(24)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  public var description: String { hex }

  /// Seconds since the epoch stored in the first four bytes.
  public var timestamp: UInt32 {
    UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
  }

  public static func < (a: ObjectID, b: ObjectID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

  private static func nibble(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
