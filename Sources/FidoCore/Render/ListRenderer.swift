/// Renders a list as it streams: `write` each record, then `finish`.
///
/// - json: one array written incrementally (`[` … `]`, or `[]` when empty);
/// - ndjson: one compact object per line as it arrives (constant memory);
/// - csv: an RFC 4180 header row (the `columns`, else the first record's
///   flattened keys), then one row per record;
/// - tsv: the same rows without a header, `\t \n \r \\` and other control
///   characters (`\u{1b}`) escaped;
/// - table: rows are buffered (the only format that must see every row to
///   size its columns) and printed aligned with a header by `finish`;
/// - quiet: only each record's `id` (or `transaction_id`), one per line.
///
/// Later records are matched to the columns by key: a missing key is an
/// empty field, a key not in the columns is left out. An absent nested object
/// is `.nullObject` (its keys known), so the first record's columns are every
/// record's.
public final class ListRenderer {
  private let options: RenderOptions
  private let sink: TextSink
  private var columns: [String]?
  private let columnsGiven: Bool
  private var count = 0
  private var finished = false
  private var tableRows: [[OutValue]] = []
  /// One record's JSON bytes, reused from record to record.
  private var bytes: [UInt8] = []

  /// `columns`, when given, are the flattened keys to show, in order (e.g. `sms_status`).
  public init(options: RenderOptions, sink: TextSink, columns: [String]? = nil) {
    self.options = options
    self.sink = sink
    self.columns = columns
    self.columnsGiven = columns != nil
  }

  public func write(_ object: OutObject) {
    precondition(!finished, "ListRenderer.write after finish")
    defer { count += 1 }
    if options.quiet {
      if let id = Render.quietID(object) { sink.write(id + "\n") }
      return
    }
    switch options.format {
    case .json:
      bytes.removeAll(keepingCapacity: true)
      Render.JSONWriter.append(count == 0 ? "[\n  " : ",\n  ", into: &bytes)
      Render.JSONWriter.pretty(.object(object), indent: 2, into: &bytes)
      sink.write(utf8: bytes)
    case .ndjson:
      bytes.removeAll(keepingCapacity: true)
      Render.JSONWriter.compact(.object(object), into: &bytes)
      bytes.append(UInt8(ascii: "\n"))
      sink.write(utf8: bytes)
    case .csv:
      let values = row(object)
      if count == 0 { sink.write(Render.csvRow(columns ?? [])) }
      sink.write(Render.csvRow(values.map(Render.fieldText)))
    case .tsv:
      sink.write(Render.tsvRow(row(object).map(Render.fieldText)))
    case .table:
      tableRows.append(row(object))
    }
  }

  public func finish() {
    guard !finished else { return }
    finished = true
    if options.quiet { return }
    switch options.format {
    case .json:
      sink.write(count == 0 ? "[]\n" : "\n]\n")
    case .ndjson, .tsv:
      break
    case .csv:
      if count == 0, let columns { sink.write(Render.csvRow(columns)) }
    case .table:
      guard let columns, !tableRows.isEmpty || columnsGiven else { return }
      let right = Render.rightAligned(tableRows, columns: columns.count)
      sink.write(
        Render.layoutTable(
          header: columns.map { $0.uppercased() }, rows: tableRows.map { $0.map(Render.tableText) },
          rightAlign: right, maxWidth: options.width, color: options.color))
      tableRows = []
    }
  }

  /// The record's values in column order; the first record fixes the columns when none were given.
  private func row(_ object: OutObject) -> [OutValue] {
    let flat = Render.flatten(object)
    guard let columns else {
      columns = flat.map(\.key)
      return flat.map(\.value)
    }
    if flat.count == columns.count && zip(flat, columns).allSatisfy({ $0.key == $1 }) {
      return flat.map(\.value)
    }
    var byKey: [String: OutValue] = [:]
    for f in flat where byKey[f.key] == nil { byKey[f.key] = f.value }
    return columns.map { byKey[$0] ?? .null }
  }
}

extension Render {
  /// Renders a whole list at once (a convenience over `ListRenderer`).
  public static func list(
    _ objects: [OutObject], options: RenderOptions, sink: TextSink, columns: [String]? = nil
  ) {
    let r = ListRenderer(options: options, sink: sink, columns: columns)
    for o in objects { r.write(o) }
    r.finish()
  }
}
