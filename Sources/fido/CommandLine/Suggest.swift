/// "Did you mean" for unknown commands and options.
enum Suggest {
  /// The candidate closest to `input`: a case-insensitive equal, else the
  /// smallest Damerau-Levenshtein distance (at most 1 for inputs of up to 3
  /// characters, at most 2 otherwise), else a candidate that `input` is a
  /// prefix of. Ties go to the earlier candidate. Nil when nothing is close.
  static func closest(to input: String, among candidates: [String]) -> String? {
    guard !input.isEmpty else { return nil }
    let typed = Array(input.lowercased().unicodeScalars)
    let maxDistance = typed.count <= 3 ? 1 : 2
    var best: (name: String, distance: Int)?
    for candidate in candidates {
      let name = Array(candidate.lowercased().unicodeScalars)
      // Lengths further apart than the limit cannot be close; this also keeps
      // a huge argument from costing a huge table.
      guard abs(name.count - typed.count) <= maxDistance else { continue }
      let d = distance(typed, name)
      if d <= maxDistance, best == nil || d < best!.distance {
        best = (candidate, d)
      }
    }
    if let best { return best.name }
    return candidates.first { $0.lowercased().hasPrefix(input.lowercased()) }
  }

  /// Optimal string alignment distance: insertions, deletions, substitutions
  /// and transpositions of adjacent elements each cost 1.
  static func distance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, previous2[j - 2] + 1)
        }
        current[j] = value
      }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }
}
