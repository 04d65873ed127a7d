/// How long to wait before sending a notification again.
package enum Backoff {
  package static let initialSeconds: Int64 = 5
  package static let capSeconds: Int64 = 3600

  /// Milliseconds to wait after `attempt` failed sends (1 after the first
  /// failure): a base of 5 s doubling each time (5, 10, 20, … s) up to one
  /// hour, with equal jitter: half the base is fixed and the other half is
  /// `random(0...base/2)`, so the wait lies in [base/2, base] and never drops
  /// below half of what the schedule says. A Retry-After of `retryAfter`
  /// seconds is a lower bound, itself capped at one hour.
  package static func delay(attempt: Int, retryAfter: Int?, random: (ClosedRange<Double>) -> Double)
    -> Int64
  {
    let capMS = capSeconds * 1000
    let doublings = max(attempt, 1) - 1
    // 5 s << 10 is past the cap already; stop shifting before it overflows.
    let baseMS = doublings >= 10 ? capMS : min(initialSeconds * 1000 << Int64(doublings), capMS)
    let half = Double(baseMS) / 2
    let jitter = min(max(random(0...half), 0), half)
    var delayMS = Int64((half + jitter).rounded())
    if let retryAfter, retryAfter > 0 {
      delayMS = max(delayMS, min(Int64(retryAfter), capSeconds) * 1000)
    }
    return min(delayMS, capMS)
  }

  /// Reads a Retry-After header given as delta-seconds (`"120"`). The
  /// HTTP-date form and anything malformed count as absent; a number too big
  /// for `Int` counts as `Int.max` (the cap applies later anyway).
  package static func retryAfterSeconds(_ header: String?) -> Int? {
    guard let text = header?.trimmingSpaces(), !text.isEmpty,
      text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
    else { return nil }
    return Int(text) ?? Int.max
  }
}

extension String {
  fileprivate func trimmingSpaces() -> Substring {
    var s = self[...]
    while s.first == " " || s.first == "\t" { s = s.dropFirst() }
    while s.last == " " || s.last == "\t" { s = s.dropLast() }
    return s
  }
}
