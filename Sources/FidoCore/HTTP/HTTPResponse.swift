/// A complete HTTP answer: the final status, its header fields and its body.
public struct HTTPResponse: Sendable, Equatable {
  public var status: Int
  public var headers: HTTPHeaders
  public var body: [UInt8]

  public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
    self.status = status
    self.headers = headers
    self.body = body
  }
}

/// Response header fields in arrival order, looked up without regard to case.
public struct HTTPHeaders: Sendable, Equatable {
  public private(set) var fields: [Field]

  public struct Field: Sendable, Equatable {
    public var name: String
    public var value: String
  }

  public init(_ fields: [(String, String)] = []) {
    self.fields = fields.map { Field(name: $0.0, value: $0.1) }
  }

  /// The first field named `name` (ASCII case-insensitive), if any.
  public subscript(name: String) -> String? {
    let wanted = name.lowercased()
    return fields.first { $0.name.lowercased() == wanted }?.value
  }

  /// Adds a raw header line such as `Retry-After: 2\r\n`; lines without a
  /// colon (the status line, the blank line) are ignored.
  mutating func append(line: String) {
    guard let colon = line.firstIndex(of: ":") else { return }
    let name = line[..<colon].trimmingHTTPWhitespace()
    guard !name.isEmpty else { return }
    let value = line[line.index(after: colon)...].trimmingHTTPWhitespace()
    fields.append(Field(name: String(name), value: String(value)))
  }

  mutating func removeAll() { fields.removeAll() }
}

extension Substring {
  fileprivate func trimmingHTTPWhitespace() -> Substring {
    let ws: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
    var s = self
    while let c = s.first, ws.contains(c) { s = s.dropFirst() }
    while let c = s.last, ws.contains(c) { s = s.dropLast() }
    return s
  }
}
