import FidoCore
import XCTest

/// Captures what a renderer writes.
final class CoreTestSink: TextSink {
  var text = ""
  func write(_ t: String) { text += t }
}

/// A deterministic pseudo-random generator (SplitMix64) so failures reproduce.
struct CoreTestRNG: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The FidoError a throwing call produced, or nil.
func coreError<T>(_ body: () throws -> T) -> FidoError? {
  do {
    _ = try body()
    return nil
  } catch let error as FidoError {
    return error
  } catch {
    return .failure("unexpected error type: \(error)")
  }
}
