extension Render {
  /// Terminal columns a string takes: East Asian wide and emoji characters
  /// count 2, combining marks and zero-width format characters 0, the rest 1.
  /// ANSI escapes are not expected (colour is added after measuring).
  package static func displayWidth(_ s: String) -> Int {
    var w = 0
    for ch in s { w += width(of: ch) }
    return w
  }

  static func width(of ch: Character) -> Int {
    guard let first = ch.unicodeScalars.first else { return 0 }
    if ch.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation || $0.value == 0xFE0F }
    )
      && first.value >= 0x2000
    {
      return 2
    }
    switch first.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    return isWide(first.value) ? 2 : 1
  }

  private static func isWide(_ v: UInt32) -> Bool {
    switch v {
    case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
      0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
      0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
      0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
      return true
    default:
      return false
    }
  }

  /// Cuts `s` to at most `width` columns, ending in `…` when shortened.
  static func truncate(_ s: String, to width: Int) -> String {
    if displayWidth(s) <= width { return s }
    if width <= 0 { return "" }
    var out = ""
    var w = 0
    for ch in s {
      let cw = Render.width(of: ch)
      if w + cw > width - 1 { break }
      out.append(ch)
      w += cw
    }
    return out + "…"
  }

  static func pad(_ s: String, to width: Int, right: Bool) -> String {
    let gap = max(0, width - displayWidth(s))
    if gap == 0 { return s }
    let spaces = String(repeating: " ", count: gap)
    return right ? spaces + s : s + spaces
  }
}
