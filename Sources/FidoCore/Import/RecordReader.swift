#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file a physical line at a time with constant memory (a
/// `getline` buffer), tracking line numbers and bytes read.
final class LineReader {
  private let file: UnsafeMutablePointer<FILE>
  private var buffer: UnsafeMutablePointer<CChar>? = nil
  private var capacity = 0
  private(set) var lineNumber = 0
  private(set) var bytesRead: Int64 = 0

  init(path: String) throws(FidoError) {
    guard let f = fopen(path, "rb") else {
      throw .invalidData(
        "cannot read \(CoreText.quoted(path)): \(CoreFile.describe(errno)); check the path")
    }
    file = f
  }

  deinit {
    free(buffer)
    fclose(file)
  }

  /// The next line's bytes without its LF (and a CR before it); nil at the end.
  func next() -> [UInt8]? {
    let n = getline(&buffer, &capacity, file)
    guard n >= 0, let buffer else { return nil }
    lineNumber += 1
    bytesRead += Int64(n)
    var count = n
    if count > 0 && buffer[count - 1] == 0x0A { count -= 1 }
    if count > 0 && buffer[count - 1] == 0x0D { count -= 1 }
    var bytes = UnsafeRawBufferPointer(start: buffer, count: count).map { $0 }
    if lineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    return bytes
  }

  static func fileSize(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
  }
}

/// One import record: its first physical line and its fields by name.
struct ImportRecord {
  var line: Int
  var fields: [String: ImportField]
}

enum ImportField: Equatable {
  case text(String)
  /// A JSON number, by its literal text.
  case number(String)
  case null
}

/// Yields records from NDJSON or CSV; a malformed record is a `line N: reason`.
final class RecordReader {
  static let fieldNames: Set<String> = ["user", "amount", "type", "date", "key"]

  let format: ImportFormat
  private let lines: LineReader
  private var header: [String]?

  init(path: String, format: ImportFormat) throws(FidoError) {
    self.format = format
    lines = try LineReader(path: path)
  }

  var bytesRead: Int64 { lines.bytesRead }

  /// The next record, or a bad line; nil at the end. Blank lines are skipped.
  func next() -> Result<ImportRecord, ImportLineError>? {
    switch format {
    case .ndjson: return nextJSON()
    case .csv: return nextCSV()
    }
  }

  private func nextJSON() -> Result<ImportRecord, ImportLineError>? {
    while let bytes = lines.next() {
      if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
      let n = lines.lineNumber
      let value: JSONValue
      do { value = try JSONValue.parse(bytes) } catch {
        return .failure(ImportLineError(line: n, reason: "not valid JSON (\(error))"))
      }
      guard let members = value.objectValue else {
        return .failure(ImportLineError(line: n, reason: "expected a JSON object"))
      }
      var fields: [String: ImportField] = [:]
      for m in members {
        guard Self.fieldNames.contains(m.key) else {
          return .failure(
            ImportLineError(
              line: n,
              reason:
                "unknown field \(CoreText.quoted(m.key)) (fields: user, amount, type, date, key)"))
        }
        switch m.value {
        case .string(let s): fields[m.key] = .text(s)
        case .number(let s): fields[m.key] = .number(s)
        case .null: fields[m.key] = .null
        default:
          return .failure(
            ImportLineError(line: n, reason: "field \(CoreText.quoted(m.key)) must be a string"))
        }
      }
      return .success(ImportRecord(line: n, fields: fields))
    }
    return nil
  }

  private func nextCSV() -> Result<ImportRecord, ImportLineError>? {
    while true {
      guard let parsed = readCSVRecord() else { return nil }
      let (line, result) = parsed
      let values: [String]
      switch result {
      case .failure(let e): return .failure(e)
      case .success(let v): values = v
      }
      if values.count == 1 && values[0].allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
      guard let header else {
        let names = values.map { CoreText.trim($0).lowercased() }
        if let unknown = names.first(where: { !Self.fieldNames.contains($0) }) {
          return .failure(
            ImportLineError(
              line: line,
              reason:
                "unknown column \(CoreText.quoted(unknown)) in the header (columns: user, amount, type, date, key)"
            ))
        }
        if Set(names).count != names.count {
          return .failure(
            ImportLineError(line: line, reason: "a column appears twice in the header"))
        }
        for required in ["user", "amount", "type"] where !names.contains(required) {
          return .failure(
            ImportLineError(line: line, reason: "the header lacks the '\(required)' column"))
        }
        self.header = names
        continue
      }
      guard values.count == header.count else {
        return .failure(
          ImportLineError(
            line: line, reason: "expected \(header.count) fields, found \(values.count)"))
      }
      var fields: [String: ImportField] = [:]
      for (name, value) in zip(header, values) where !value.isEmpty { fields[name] = .text(value) }
      return .success(ImportRecord(line: line, fields: fields))
    }
  }

  /// One RFC 4180 record, which may span physical lines inside quotes.
  private func readCSVRecord() -> (Int, Result<[String], ImportLineError>)? {
    guard var bytes = lines.next() else { return nil }
    let first = lines.lineNumber
    var fields: [String] = []
    var field: [UInt8] = []
    var i = 0
    var quoted = false
    var fieldStart = true
    while true {
      if i == bytes.count {
        if quoted {
          // A newline inside quotes: the record continues on the next line.
          guard let more = lines.next() else {
            return (
              first, .failure(ImportLineError(line: first, reason: "a quoted field is not closed"))
            )
          }
          field.append(0x0A)
          bytes = more
          i = 0
          continue
        }
        break
      }
      let c = bytes[i]
      if quoted {
        if c == 0x22 {
          if i + 1 < bytes.count && bytes[i + 1] == 0x22 {
            field.append(0x22)
            i += 2
            continue
          }
          quoted = false
          i += 1
          if i < bytes.count && bytes[i] != 0x2C {
            return (
              first,
              .failure(
                ImportLineError(line: first, reason: "unexpected text after a closing quote"))
            )
          }
          continue
        }
        field.append(c)
        i += 1
        continue
      }
      if c == 0x22 && fieldStart {
        quoted = true
        fieldStart = false
        i += 1
        continue
      }
      if c == 0x2C {
        guard let s = String(validating: field, as: UTF8.self) else {
          return (
            first, .failure(ImportLineError(line: first, reason: "a field is not valid UTF-8"))
          )
        }
        fields.append(s)
        field.removeAll(keepingCapacity: true)
        fieldStart = true
        i += 1
        continue
      }
      if c == 0x22 {
        return (
          first, .failure(ImportLineError(line: first, reason: "a quote inside an unquoted field"))
        )
      }
      field.append(c)
      fieldStart = false
      i += 1
    }
    guard let s = String(validating: field, as: UTF8.self) else {
      return (first, .failure(ImportLineError(line: first, reason: "a field is not valid UTF-8")))
    }
    fields.append(s)
    return (first, .success(fields))
  }
}

public struct ImportLineError: Error, Sendable, Equatable {
  public var line: Int
  public var reason: String
  public var description: String { "line \(line): \(reason)" }
}
