/// A complete HTTP answer: the final status, its header fields and its body.
package struct HTTPResponse: Sendable, Equatable {
  package var status: Int
  package var headers: HTTPHeaders
  package var body: [UInt8]

  package init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
    self.status = status
    self.headers = headers
    self.body = body
  }
}

/// Response header fields in arrival order, looked up without regard to case.
package struct HTTPHeaders: Sendable, Equatable {
  package private(set) var fields: [Field]

  package struct Field: Sendable, Equatable {
    package var name: String
    package var value: String
  }

  package init(_ fields: [(String, String)] = []) {
    self.fields = fields.map { Field(name: $0.0, value: $0.1) }
  }

  /// The first field named `name` (ASCII case-insensitive), if any.
  package subscript(name: String) -> String? {
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
