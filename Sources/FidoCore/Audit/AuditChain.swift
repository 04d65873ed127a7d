/// The history chain's pure parts: the canonical encoding that is hashed, the
/// hash, and the linking of new entries after a user's head. README's
/// "History (audit)" section is the specification; an independent Python
/// implementation in the integration tests recomputes every hash from it.
package enum AuditChain {
  /// Prefixed to every hashed encoding: names the scheme, so a later one can differ.
  package static let domain = Array("fido-audit-v1".utf8) + [0]

  package struct EncodingError: Error, Equatable, Sendable {
    package var path: String
    package var reason: String
  }

  /// The canonical encoding of a value:
  /// - null `00`; bool `01` then `00`/`01`; int32 `02` + 4 bytes; int64 `03`
  ///   + 8 bytes; date `04` + 8 bytes (ms since the epoch); all integers
  ///   big-endian two's complement;
  /// - string `05` + length (4 bytes, big-endian, of the UTF-8 bytes) + the
  ///   bytes; ObjectId `06` + its 12 bytes;
  /// - array `07` + element count (4 bytes) + each element;
  /// - document `08` + field count (4 bytes) + each field in the order of
  ///   its key's UTF-8 bytes (bytewise), as key length (4 bytes) + key
  ///   bytes + value; a key present twice is an error.
  /// Any other BSON type (double, binary, decimal, regex, …) is an error:
  /// fido never writes one into history.
  package static func encode(_ value: BSONValue, path: String = "", into out: inout [UInt8])
    throws(EncodingError)
  {
    switch value {
    case .null: out.append(0x00)
    case .bool(let b): out += [0x01, b ? 1 : 0]
    case .int32(let v):
      out.append(0x02)
      be(UInt64(UInt32(bitPattern: v)), bytes: 4, into: &out)
    case .int64(let v):
      out.append(0x03)
      be(UInt64(bitPattern: v), bytes: 8, into: &out)
    case .date(let v):
      out.append(0x04)
      be(UInt64(bitPattern: v), bytes: 8, into: &out)
    case .string(let s):
      out.append(0x05)
      try bytes(Array(s.utf8), path: path, into: &out)
    case .objectID(let o):
      out.append(0x06)
      out += o.bytes
    case .array(let items):
      out.append(0x07)
      try count(items.count, path: path, into: &out)
      for (i, item) in items.enumerated() { try encode(item, path: "\(path).\(i)", into: &out) }
    case .document(let doc):
      out.append(0x08)
      try count(doc.count, path: path, into: &out)
      let sorted = doc.fields.map { (key: Array($0.key.utf8), value: $0.value) }
        .sorted { $0.key.lexicographicallyPrecedes($1.key) }
      for i in sorted.indices {
        if i > 0 && sorted[i - 1].key == sorted[i].key {
          throw EncodingError(path: path, reason: "key '\(sorted[i].key)' appears twice")
        }
        let name = String(decoding: sorted[i].key, as: UTF8.self)
        try bytes(sorted[i].key, path: path, into: &out)
        try encode(sorted[i].value, path: path.isEmpty ? name : "\(path).\(name)", into: &out)
      }
    default:
      throw EncodingError(path: path, reason: "a value of a type history never holds")
    }
  }

  private static func be(_ v: UInt64, bytes: Int, into out: inout [UInt8]) {
    for i in (0..<bytes).reversed() { out.append(UInt8(truncatingIfNeeded: v >> (UInt64(i) * 8))) }
  }
  private static func count(_ n: Int, path: String, into out: inout [UInt8]) throws(EncodingError) {
    guard n <= Int(UInt32.max) else { throw EncodingError(path: path, reason: "too long") }
    be(UInt64(n), bytes: 4, into: &out)
  }
  private static func bytes(_ b: [UInt8], path: String, into out: inout [UInt8])
    throws(EncodingError)
  {
    try count(b.count, path: path, into: &out)
    out += b
  }

  /// The entry's hash: lower-case hex SHA-256 of `domain` + the encoding of
  /// the entry as a document without its `hash` field.
  package static func hash(_ entry: Document) throws(EncodingError) -> String {
    var body = Document()
    for (k, v) in entry where k != "hash" { body.append(k, v) }
    var out = domain
    try encode(.document(body), into: &out)
    return SHA256.hex(SHA256.hash(out))
  }

  /// Links drafts after a head: each entry gets the next `seq`, `prev` = the
  /// hash before it, and its own `hash`. Returns the documents to insert and
  /// the new head.
  package static func link(
    _ drafts: [AuditDraft], user: ObjectID, currency: String?, after head: AuditHead, at: Int64,
    actor: AuditActor, ids: () -> ObjectID
  ) -> (entries: [Document], head: AuditHead) {
    var head = head
    var entries: [Document] = []
    entries.reserveCapacity(drafts.count)
    for d in drafts {
      var e: Document = [
        "_id": .objectID(ids()), "v": 1, "user_id": .objectID(user), "seq": .int64(head.seq + 1),
        "at": .date(at), "actor": .document(actor.document), "action": .string(d.action.rawValue),
        "target": [
          "collection": .string(d.collection),
          "id": d.ids.count == 1 && !d.many
            ? .objectID(d.ids[0]) : .array(d.ids.map { .objectID($0) }),
        ],
        "currency": currency.map { .string($0) } ?? .null,
        "before": d.before.map { .document($0) } ?? .null,
        "after": d.after.map { .document($0) } ?? .null,
        "prev": head.hash.map { .string($0) } ?? .null,
      ]
      // Only fido's own values go in (int64, dates, strings, ids, documents): never fails.
      let h = (try? hash(e)) ?? ""
      e.append("hash", .string(h))
      head = AuditHead(hash: h, seq: head.seq + 1)
      entries.append(e)
    }
    return (entries, head)
  }
}

/// The end of a user's chain as the user document holds it (`audit_head`, `audit_seq`).
package struct AuditHead: Sendable, Equatable {
  package var hash: String?
  package var seq: Int64
  package init(hash: String?, seq: Int64) {
    self.hash = hash
    self.seq = seq
  }
  package static let empty = AuditHead(hash: nil, seq: 0)

  init(_ userDoc: Document) {
    hash = userDoc["audit_head"]?.stringValue
    seq = userDoc["audit_seq"]?.int64Value ?? 0
  }

  /// The filter term that makes a user write conditional on this head (a
  /// missing head matches null: users from before history was kept).
  var filter: Document { ["audit_head": hash.map { .string($0) } ?? .null] }
  /// The `$set` terms that advance the user document to this head.
  var set: Document { ["audit_head": hash.map { .string($0) } ?? .null, "audit_seq": .int64(seq)] }
}

/// Who made a change: the OS user and host running fido, fido's version and
/// the config profile (null until profiles exist).
package struct AuditActor: Sendable, Equatable {
  package var osUser: String
  package var host: String
  package var fidoVersion: String
  package var profile: String?
  package init(osUser: String, host: String, fidoVersion: String, profile: String?) {
    self.osUser = osUser
    self.host = host
    self.fidoVersion = fidoVersion
    self.profile = profile
  }
  var document: Document {
    [
      "os_user": .string(osUser), "host": .string(host), "fido_version": .string(fidoVersion),
      "profile": profile.map { .string($0) } ?? .null,
    ]
  }
}

package enum AuditAction: String, Sendable, CaseIterable {
  case userCreate = "user.create"
  case userUpdate = "user.update"
  case userDelete = "user.delete"
  case txnCreate = "txn.create"
  case txnUpdate = "txn.update"
  case txnDelete = "txn.delete"
  case txnImport = "txn.import"
  case userMigrate = "user.migrate"
  case txnMigrate = "txn.migrate"
  case repair = "repair"
}

/// One change before it is linked into the chain. `before` and `after` hold
/// the changed fields: `user` (the user's fields and figures) and
/// `transactions` (one record per transaction, with its `id`).
package struct AuditDraft: Sendable {
  package var action: AuditAction
  package var collection: String
  package var ids: [ObjectID]
  /// Target ids stored as an array even when there is one (batches).
  package var many: Bool
  package var before: Document?
  package var after: Document?
  package init(
    action: AuditAction, collection: String, ids: [ObjectID], many: Bool = false,
    before: Document?, after: Document?
  ) {
    self.action = action
    self.collection = collection
    self.ids = ids
    self.many = many
    self.before = before
    self.after = after
  }
}
