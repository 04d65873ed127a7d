#if canImport(Glibc)
  import Glibc
#endif

/// Reads a file a physical line at a time with bounded memory (a 64 KiB
/// buffer and one line of at most `maxLineBytes`), tracking line numbers
/// and bytes read. A read error is thrown (exit 66, naming the file and the
/// line), never taken for the end of the file.
package final class LineReader {
  /// The longest line an import accepts, its line end not counted (1 MiB).
  package static let maxLineBytes = 1 << 20

  enum Line: Equatable {
    case bytes([UInt8])
    /// Longer than `maxLineBytes`; the reader stops there (the rest of the
    /// line may never end, as with /dev/zero).
    case tooLong
  }

  /// The file as messages name it (`stdin` for a spooled stdin).
  let name: String
  private let fd: Int32
  private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
  private var start = 0
  private var end = 0
  private var finished = false
  private(set) var lineNumber = 0
  private(set) var bytesRead: Int64 = 0

  init(path: String, name: String? = nil) throws(FidoError) {
    self.name = name ?? CoreText.quoted(path)
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw .noInput("cannot read \(self.name): \(CoreFile.describe(errno)); check the path")
    }
    self.fd = fd
  }

  /// Reads an open descriptor, which the reader then owns (tests).
  init(fd: Int32, name: String) {
    self.name = name
    self.fd = fd
  }

  deinit { close(fd) }

  /// The next line's bytes without its LF (and a CR before it); nil at the end.
  func next() throws(FidoError) -> Line? {
    if finished { return nil }
    var line: [UInt8] = []
    while true {
      if start == end {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
          if errno == EINTR { continue }
          let code = errno
          finished = true
          throw .noInput(
            "cannot read \(name) at line \(lineNumber + 1): \(CoreFile.describe(code)); nothing more was read"
          )
        }
        if n == 0 {
          finished = true
          if line.isEmpty { return nil }
          break  // a last line without a line end
        }
        start = 0
        end = n
      }
      let lf = chunk.withUnsafeBytes { raw -> Int? in
        guard let p = memchr(raw.baseAddress! + start, 0x0A, end - start) else { return nil }
        return raw.baseAddress!.distance(to: UnsafeRawPointer(p))
      }
      let stop = lf ?? end
      line.append(contentsOf: chunk[start..<stop])
      bytesRead += Int64(stop - start)
      start = stop
      if let lf {
        start = lf + 1
        bytesRead += 1
        break
      }
      // One byte over the limit may be the CR of a CRLF.
      if line.count > Self.maxLineBytes + 1 { break }
    }
    lineNumber += 1
    if line.last == 0x0D { line.removeLast() }
    if line.count > Self.maxLineBytes {
      finished = true
      return .tooLong
    }
    if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
    return .bytes(line)
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

  /// What an NDJSON field holds, for the message refusing anything else.
  static func expected(_ field: String) -> String {
    switch field {
    case "amount": "a string or a number, e.g. \"21.50\" or 21.50"
    case "user": "a string (the user's id or email)"
    case "type": "a string (credit or debit)"
    case "date": "a string such as 2023-08-18T15:30:00Z"
    default: "a string"
    }
  }

  let format: ImportFormat
  private let lines: LineReader
  private var header: [String]?
  /// After a line too long or a bad CSV header nothing more is read: what
  /// follows cannot be read as records.
  private var stopped = false

  init(path: String, name: String? = nil, format: ImportFormat) throws(FidoError) {
    self.format = format
    lines = try LineReader(path: path, name: name)
  }

  init(lines: LineReader, format: ImportFormat) {
    self.format = format
    self.lines = lines
  }

  var bytesRead: Int64 { lines.bytesRead }

  /// The next record, or a bad line; nil at the end. Blank lines are
  /// skipped. A read error is thrown (exit 66).
  func next() throws(FidoError) -> Result<ImportRecord, ImportLineError>? {
    if stopped { return nil }
    switch format {
    case .ndjson: return try nextJSON()
    case .csv: return try nextCSV()
    }
  }

  /// The bad line for a line (or CSV record) past the limit; the reader stops.
  private func tooLong(_ line: Int) -> ImportLineError {
    stopped = true
    return ImportLineError(
      line: line,
      reason:
        "longer than 1 MiB (\(LineReader.maxLineBytes) bytes); the rest of the input was not read"
    )
  }

  private func nextJSON() throws(FidoError) -> Result<ImportRecord, ImportLineError>? {
    while let line = try lines.next() {
      guard case .bytes(let bytes) = line else { return .failure(tooLong(lines.lineNumber)) }
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
        // Only an amount may be a JSON number (read from its literal text).
        case .number(let s) where m.key == "amount": fields[m.key] = .number(s)
        case .null: fields[m.key] = .null
        default:
          return .failure(
            ImportLineError(
              line: n,
              reason: "field \(CoreText.quoted(m.key)) must be \(Self.expected(m.key))"))
        }
      }
      return .success(ImportRecord(line: n, fields: fields))
    }
    return nil
  }

  private func nextCSV() throws(FidoError) -> Result<ImportRecord, ImportLineError>? {
    while true {
      guard let parsed = try readCSVRecord() else { return nil }
      let (line, result) = parsed
      let values: [String]
      switch result {
      case .failure(let e):
        // Without a header, the rows after it cannot be read: report it alone.
        if header == nil { stopped = true }
        return .failure(e)
      case .success(let v): values = v
      }
      if values.count == 1 && values[0].allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
      guard let header else {
        let names = values.map { CoreText.trim($0).lowercased() }
        func badHeader(_ reason: String) -> Result<ImportRecord, ImportLineError> {
          stopped = true
          return .failure(ImportLineError(line: line, reason: reason))
        }
        if let unknown = names.first(where: { !Self.fieldNames.contains($0) }) {
          return badHeader(
            "unknown column \(CoreText.quoted(unknown)) in the header (columns: user, amount, type, date, key)"
          )
        }
        if Set(names).count != names.count {
          return badHeader("a column appears twice in the header")
        }
        for required in ["user", "amount", "type"] where !names.contains(required) {
          return badHeader("the header lacks the '\(required)' column")
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
  private func readCSVRecord() throws(FidoError) -> (Int, Result<[String], ImportLineError>)? {
    guard let line = try lines.next() else { return nil }
    let first = lines.lineNumber
    guard case .bytes(var bytes) = line else { return (first, .failure(tooLong(first))) }
    var total = bytes.count
    var fields: [String] = []
    var field: [UInt8] = []
    var i = 0
    var quoted = false
    var fieldStart = true
    while true {
      if i == bytes.count {
        if quoted {
          // A newline inside quotes: the record continues on the next line.
          guard let more = try lines.next() else {
            return (
              first, .failure(ImportLineError(line: first, reason: "a quoted field is not closed"))
            )
          }
          // A record spanning lines is bounded as one line is.
          guard case .bytes(let next) = more, total + 1 + next.count <= LineReader.maxLineBytes
          else { return (first, .failure(tooLong(first))) }
          total += 1 + next.count
          field.append(0x0A)
          bytes = next
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

package struct ImportLineError: Error, Sendable, Equatable {
  package var line: Int
  package var reason: String
  package var description: String { "line \(line): \(reason)" }
}
