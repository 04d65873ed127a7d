extension Render {
  /// The narrowest a free-text column is cut to: its header, at least this.
  static let minimumCut = 6
  /// The width a free-text column keeps when deciding which columns fit.
  static let readableCut = 16

  /// Aligned columns separated by two spaces; numeric columns right-aligned;
  /// no trailing spaces. With `maxWidth`, the widest `cuttable` columns
  /// (all when nil) are shortened with `…` until the table fits, each down to
  /// its header's width (at least `minimumCut`); other columns are never cut.
  static func layoutTable(
    header: [String]?, rows: [[String]], rightAlign: [Bool], cuttable: [Bool]? = nil,
    maxWidth: Int?, color: Bool
  ) -> String {
    let cols = max(header?.count ?? 0, rows.map(\.count).max() ?? 0)
    guard cols > 0 else { return "" }
    var widths = naturalWidths(header: header, rows: rows, columns: cols)
    if let maxWidth {
      let floors = (0..<cols).map { c in
        cuttable.map { c < $0.count && $0[c] } ?? true
          ? min(
            widths[c], max(minimumCut, header.map { c < $0.count ? displayWidth($0[c]) : 0 } ?? 0))
          : widths[c]
      }
      var total = widths.reduce(0, +) + 2 * (cols - 1)
      while total > maxWidth {
        guard
          let widest = widths.indices.filter({ widths[$0] > floors[$0] }).max(by: {
            widths[$0] < widths[$1]
          })
        else { break }
        widths[widest] -= 1
        total -= 1
      }
    }
    func line(_ cells: [String], bolden: Bool) -> String {
      var parts: [String] = []
      for c in 0..<cols {
        let cell = truncate(c < cells.count ? cells[c] : "", to: widths[c])
        let right = c < rightAlign.count && rightAlign[c]
        let last = c == cols - 1
        let padded = last && !right ? cell : pad(cell, to: widths[c], right: right)
        parts.append(bolden ? bold(padded, true) : padded)
      }
      var text = parts.joined(separator: "  ")
      while text.hasSuffix(" ") { text.removeLast() }
      return text + "\n"
    }
    var out = ""
    if let header { out += line(header, bolden: color) }
    for row in rows { out += line(row, bolden: false) }
    return out
  }

  static func naturalWidths(header: [String]?, rows: [[String]], columns cols: Int) -> [Int] {
    var widths = [Int](repeating: 0, count: cols)
    if let header {
      for (c, h) in header.enumerated() where c < cols {
        widths[c] = max(widths[c], displayWidth(h))
      }
    }
    for row in rows {
      for (c, cell) in row.enumerated() where c < cols {
        widths[c] = max(widths[c], displayWidth(cell))
      }
    }
    return widths
  }

  /// The columns (indices, in table order) a table keeps on a terminal
  /// `maxWidth` wide: the least important (`priority`, most important
  /// first) are left out while even the cut-down table would not fit. At
  /// least one column stays.
  static func fittingColumns(
    header: [String], rows: [[String]], cuttable: [Bool], priority: [Int], maxWidth: Int
  ) -> [Int] {
    let widths = naturalWidths(header: header, rows: rows, columns: header.count)
    // A column is worth keeping only if its free text stays readable.
    let floors = header.indices.map { c in
      cuttable[c] ? min(widths[c], max(readableCut, displayWidth(header[c]))) : widths[c]
    }
    var kept = priority
    while kept.count > 1, kept.map({ floors[$0] }).reduce(0, +) + 2 * (kept.count - 1) > maxWidth {
      kept.removeLast()
    }
    return kept.sorted()
  }

  /// The narrowest a wrapped last column may be: below this it is cut instead.
  static let minimumWrap = 20

  /// Rows whose last column, when the table would be wider than `width`, is
  /// wrapped at spaces onto continuation rows (other cells blank) so that
  /// it fits; a word longer than the column is broken. Unchanged when the
  /// table fits, the last column is right-aligned (a figure), or fewer than
  /// `minimumWrap` columns would be left for it.
  static func wrapLastColumn(_ rows: [[String]], rightAlign: [Bool], width: Int) -> [[String]] {
    let cols = rows.map(\.count).max() ?? 0
    guard cols > 0, !(cols - 1 < rightAlign.count && rightAlign[cols - 1]) else { return rows }
    let widths = naturalWidths(header: nil, rows: rows, columns: cols)
    let others = widths.dropLast().reduce(0, +) + 2 * (cols - 1)
    let room = width - others
    guard widths[cols - 1] > room, room >= minimumWrap else { return rows }
    var out: [[String]] = []
    for row in rows {
      guard row.count == cols else {
        out.append(row)
        continue
      }
      let pieces = wrap(row[cols - 1], width: room)
      for (i, piece) in pieces.enumerated() {
        out.append(
          (i == 0 ? Array(row.dropLast()) : Array(repeating: "", count: cols - 1)) + [piece])
      }
    }
    return out
  }

  /// `text` in lines of at most `width` columns, broken at spaces (a longer word is split).
  static func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    var lineWidth = 0
    for word in text.split(separator: " ") {
      var word = String(word)
      var w = displayWidth(word)
      if lineWidth > 0 && lineWidth + 1 + w <= width {
        line += " " + word
        lineWidth += 1 + w
        continue
      }
      if lineWidth > 0 { lines.append(line) }
      while w > width {
        var head = ""
        var hw = 0
        for ch in word {
          let cw = Render.width(of: ch)
          if hw + cw > width { break }
          head.append(ch)
          hw += cw
        }
        if head.isEmpty { break }  // a character wider than the column: keep it whole
        lines.append(head)
        word.removeFirst(head.count)
        w -= hw
      }
      line = word
      lineWidth = w
    }
    if lineWidth > 0 || lines.isEmpty { lines.append(line) }
    return lines
  }

  /// A single object as `key  value` lines. Nested objects are flattened
  /// with `_`; an array of objects (the credit score factors) becomes an
  /// aligned block of rows under its key.
  /// With `options.width`, values of the `text` keys (and free text inside
  /// an array of objects) are cut to fit; other long values wrap at spaces
  /// under the value column, never cut.
  static func keyValueTable(_ o: OutObject, options: RenderOptions, text: Set<String>) -> String {
    let flat = flatten(o)
    let keyWidth = flat.map { displayWidth($0.key) }.max() ?? 0
    let valueWidth = options.width.map { max(10, $0 - keyWidth - 2) }
    var out = ""
    for (key, value) in flat {
      var lines: [String]
      if case .array(let items) = value, !items.isEmpty,
        items.allSatisfy({ if case .object = $0 { true } else { false } })
      {
        let rows: [[OutValue]] = items.map {
          if case .object(let inner) = $0 { flatten(inner).map(\.value) } else { [] }
        }
        let right = rightAligned(rows, columns: rows.map(\.count).max() ?? 0)
        var cells = rows.map { $0.map(tableText) }
        // The last column (the factors' explanations) wraps rather than being cut.
        if let valueWidth { cells = wrapLastColumn(cells, rightAlign: right, width: valueWidth) }
        let block = layoutTable(
          header: nil, rows: cells, rightAlign: right,
          cuttable: right.map { !$0 }, maxWidth: valueWidth, color: false)
        lines = block.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
          String.init)
      } else if case .array(let items) = value {
        lines = [items.isEmpty ? "-" : items.map(tableText).joined(separator: ", ")]
      } else {
        lines = [tableText(value)]
        // A long value that is not free text (doctor's connection error)
        // wraps under the value column instead of running past the edge.
        if let valueWidth, !text.contains(key), valueWidth >= minimumWrap,
          displayWidth(lines[0]) > valueWidth
        {
          lines = wrap(lines[0], width: valueWidth)
        }
      }
      if let valueWidth, text.contains(key) { lines = lines.map { truncate($0, to: valueWidth) } }
      for (i, text) in lines.enumerated() {
        let k =
          i == 0 ? pad(key, to: keyWidth, right: false) : String(repeating: " ", count: keyWidth)
        var row = (i == 0 ? bold(k, options.color) : k) + "  " + text
        while row.hasSuffix(" ") { row.removeLast() }
        out += row + "\n"
      }
    }
    return out
  }
}
