/// Makes ObjectIds on the client, as drivers do, laid out so that ids made by
/// separate fido processes also sort in the order they were made (to the
/// millisecond), which makes `_id` order creation order for `user list`:
/// 4 bytes of seconds, 2 bytes of the millisecond within the second, 3 random
/// bytes fixed for the process, and a 3-byte counter that starts low enough
/// not to wrap within one run. Two ids can only collide if two processes draw
/// the same 3 random bytes and counter start in the same millisecond.
package final class ObjectIDGenerator {
  private let processBytes: [UInt8]
  private var counter: UInt32

  package init() {
    var random = SystemRandomNumberGenerator()
    processBytes = (0..<3).map { _ in UInt8.random(in: 0...255, using: &random) }
    counter = UInt32.random(in: 0...0x7F_FFFF, using: &random)
  }

  package func next(nowMs: Int64) -> ObjectID {
    let seconds = UInt32(truncatingIfNeeded: nowMs / 1000)
    let millis = UInt16(truncatingIfNeeded: ((nowMs % 1000) + 1000) % 1000)
    counter = (counter &+ 1) & 0xFF_FFFF
    var bytes = [UInt8]()
    bytes.reserveCapacity(12)
    bytes += [
      UInt8(seconds >> 24), UInt8(seconds >> 16 & 0xff), UInt8(seconds >> 8 & 0xff),
      UInt8(seconds & 0xff),
    ]
    bytes += [UInt8(millis >> 8), UInt8(millis & 0xff)]
    bytes += processBytes
    bytes += [UInt8(counter >> 16 & 0xff), UInt8(counter >> 8 & 0xff), UInt8(counter & 0xff)]
    return ObjectID(bytes: bytes)!
  }
}
