#if canImport(Glibc)
  import Glibc
#endif

/// Makes ObjectIds on the client, as drivers do: 4 bytes of seconds, 5 random
/// bytes fixed for the process, and a 3-byte counter, so ids made by one
/// process ascend in the order they were made.
public final class ObjectIDGenerator {
  private let processBytes: [UInt8]
  private var counter: UInt32

  public init() {
    var random = SystemRandomNumberGenerator()
    processBytes = (0..<5).map { _ in UInt8.random(in: 0...255, using: &random) }
    counter = UInt32.random(in: 0...0xFF_FFFF, using: &random)
  }

  public func next(nowMs: Int64) -> ObjectID {
    let seconds = UInt32(truncatingIfNeeded: nowMs / 1000)
    counter = (counter &+ 1) & 0xFF_FFFF
    var bytes = [UInt8]()
    bytes.reserveCapacity(12)
    bytes += [UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xff), UInt8(seconds >> 8 & 0xff), UInt8(seconds & 0xff)]
    bytes += processBytes
    bytes += [UInt8(counter >> 16 & 0xff), UInt8(counter >> 8 & 0xff), UInt8(counter & 0xff)]
    return ObjectID(bytes: bytes)!
  }
}
