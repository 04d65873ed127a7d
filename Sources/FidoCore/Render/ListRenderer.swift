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
///   an empty list prints nothing;
/// - quiet: only each record's `id` (or `transaction_id`), one per line.
///
/// With `options.fields`, each record is cut down to those fields (quiet
/// still prints ids). A `schema` gives the columns before any record (the
/// header of an empty CSV list) and, in a table on a terminal `options.width`
/// wide, which columns are free text to cut and which to leave out first
/// when even cut they would not fit (only without `--fields`, which shows
/// exactly the fields asked for). `tableOmits` are columns a table leaves
/// out unless `--fields` names them (a single user's list repeats `user_id`).
///
/// Later records are matched to the columns by key: a missing key is an
/// empty field, a key not in the columns is left out. An absent nested object
/// is `.nullObject` (its keys known), so the first record's columns are every
/// record's.
package final class ListRenderer {
  private let options: RenderOptions
  private let sink: TextSink
  private var columns: [String]?
  private let columnsGiven: Bool
  private let schema: OutSchema?
  private let tableOmits: Set<String>
  private var count = 0
  private var finished = false
  private var tableRows: [[OutValue]] = []
  /// One record's JSON bytes, reused from record to record.
  private var bytes: [UInt8] = []

  /// `columns`, when given, are the flattened keys to show, in order (e.g. `sms_status`).
  package init(
    options: RenderOptions, sink: TextSink, columns: [String]? = nil, schema: OutSchema? = nil,
    tableOmits: [String] = []
  ) {
    self.options = options
    self.sink = sink
    self.schema = schema
    self.tableOmits = Set(tableOmits)
    var columns = columns
    if let fields = options.fields {
      columns = schema?.columns(of: fields) ?? (columns == nil ? nil : fields)
    } else if columns == nil {
      columns = schema?.columns
    }
    self.columns = columns
    self.columnsGiven = columns != nil
  }

  /// Records written so far.
  package var written: Int { count }

  package func write(_ record: OutObject) {
    precondition(!finished, "ListRenderer.write after finish")
    defer { count += 1 }
    if options.quiet {
      if let id = Render.quietID(record) { sink.write(id + "\n") }
      return
    }
    let object = options.fields.map { Render.project(record, fields: $0) } ?? record
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

  package func finish() {
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
      // An empty table prints nothing (on a terminal the command notes it on stderr).
      guard let columns, !tableRows.isEmpty else { return }
      writeTable(columns: columns)
      tableRows = []
    }
  }

  private func writeTable(columns all: [String]) {
    var keep = all.indices.filter { options.fields != nil || !tableOmits.contains(all[$0]) }
    let header = all.map { $0.uppercased() }
    let cells = tableRows.map { $0.map(Render.tableText) }
    let text = schema?.text
    let cuttable = all.indices.map { c in
      text.map { $0.contains(all[c]) } ?? !Render.rightAligned(tableRows, columns: all.count)[c]
    }
    if let width = options.width, options.fields == nil, let schema {
      let rank = { (c: Int) in schema.priority.firstIndex(of: all[c]) ?? schema.priority.count + c }
      let byPriority = keep.sorted { rank($0) < rank($1) }
      keep = Render.fittingColumns(
        header: header, rows: cells, cuttable: cuttable, priority: byPriority, maxWidth: width
      ).filter(keep.contains)
    }
    let right = Render.rightAligned(tableRows, columns: all.count)
    sink.write(
      Render.layoutTable(
        header: keep.map { header[$0] }, rows: cells.map { row in keep.map { row[$0] } },
        rightAlign: keep.map { right[$0] }, cuttable: keep.map { cuttable[$0] },
        maxWidth: options.width, color: options.color))
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
  package static func list(
    _ objects: [OutObject], options: RenderOptions, sink: TextSink, columns: [String]? = nil,
    schema: OutSchema? = nil
  ) {
    let r = ListRenderer(options: options, sink: sink, columns: columns, schema: schema)
    for o in objects { r.write(o) }
    r.finish()
  }
}
