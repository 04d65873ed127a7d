/// One finding of `audit verify`: a broken link, an edited or missing entry,
/// or a record whose live value differs from what its history says.
package struct AuditProblem: Sendable, Equatable {
  package var userID: ObjectID
  /// What is wrong, e.g. `entry 3: hash does not match its contents` or `balance`.
  package var what: String
  /// What the history says ("" when not a value).
  package var recorded: String
  /// What the records hold ("" when not a value).
  package var live: String
  /// A difference between live records and history that `db check --repair`
  /// can adopt with a `repair` entry (false: the chain itself is damaged).
  package var adoptable: Bool
}

/// Replays one user's entries in `seq` order, checking each link and hash,
/// and compares the state they describe with the live records.
struct AuditReplay {
  let userID: ObjectID
  private(set) var problems: [AuditProblem] = []
  private(set) var head = AuditHead.empty
  private(set) var entries = 0
  /// The user's recorded fields; nil before any entry recorded them.
  private(set) var user: Document?
  private(set) var deleted = false
  /// Recorded transactions by id.
  private(set) var txns: [ObjectID: Document] = [:]
  private(set) var currency: String?

  init(userID: ObjectID) { self.userID = userID }

  private mutating func problem(
    _ what: String, recorded: String = "", live: String = "", adoptable: Bool = false
  ) {
    problems.append(
      AuditProblem(userID: userID, what: what, recorded: recorded, live: live, adoptable: adoptable)
    )
  }

  mutating func feed(_ e: Document) {
    entries += 1
    let seq = e["seq"]?.int64Value ?? -1
    let name = "entry \(seq)"
    if seq != head.seq + 1 {
      problem(
        seq > head.seq + 1
          ? "entries \(head.seq + 1)-\(seq - 1) are missing (deleted outside fido)"
          : "\(name) is out of order", recorded: "seq \(head.seq + 1)", live: "seq \(seq)")
    }
    let prev = e["prev"]?.stringValue
    if prev != head.hash {
      problem(
        "\(name): prev does not link to the entry before it", recorded: head.hash ?? "null",
        live: prev ?? "null")
    }
    let stored = e["hash"]?.stringValue ?? ""
    do throws(AuditChain.EncodingError) {
      let h = try AuditChain.hash(e)
      if h != stored {
        problem(
          "\(name): contents do not match its hash (edited outside fido)", recorded: stored, live: h
        )
      }
    } catch {
      problem("\(name): unreadable (\(error.path): \(error.reason))")
    }
    if deleted { problem("\(name) follows the user's deletion") }
    head = AuditHead(hash: stored, seq: seq)
    if let c = e["currency"]?.stringValue { currency = c }

    let action = AuditAction(rawValue: e["action"]?.stringValue ?? "")
    let before = e["before"]?.documentValue ?? [:]
    let after = e["after"]?.documentValue ?? [:]
    // A repair entry records what it found where history said otherwise:
    // its `before` is history's, not a claim about the live record.
    if action != .repair && action != .userCreate && action != .userMigrate {
      checkBefore(before, entry: name)
    }
    if let u = after["user"]?.documentValue {
      var state = user ?? Document()
      for (k, v) in u { state[k] = v }
      user = state
    }
    let records = (after["transactions"]?.arrayValue ?? []).compactMap(\.documentValue)
    switch action {
    case .txnDelete:
      for id in Self.targetIDs(e) { txns[id] = nil }
    case .userDelete:
      deleted = true
      txns.removeAll()
    case .none:
      problem("\(name): unknown action '\(e["action"]?.stringValue ?? "")'")
    default:
      // A repair that adopted the records names the transactions gone.
      for id in (after["removed"]?.arrayValue ?? []).compactMap(\.objectIDValue) { txns[id] = nil }
      for r in records {
        guard let id = r["id"]?.objectIDValue else { continue }
        var state = txns[id] ?? Document()
        for (k, v) in r { state[k] = v }
        txns[id] = state
      }
    }
  }

  static func targetIDs(_ e: Document) -> [ObjectID] {
    let id = e["target"]?.documentValue?["id"]
    if let one = id?.objectIDValue { return [one] }
    return (id?.arrayValue ?? []).compactMap(\.objectIDValue)
  }

  /// An entry's `before` must be what the entries before it left: anything
  /// else was changed outside fido in between.
  private mutating func checkBefore(_ before: Document, entry: String) {
    if let u = before["user"]?.documentValue, let state = user {
      for (k, v) in u where !Self.same(state[k] ?? .null, v) {
        problem(
          "\(entry): user \(k) before it differs from history (changed outside fido)",
          recorded: Self.text(state[k] ?? .null, k, currency), live: Self.text(v, k, currency))
      }
    }
    for r in (before["transactions"]?.arrayValue ?? []).compactMap(\.documentValue) {
      guard let id = r["id"]?.objectIDValue else { continue }
      guard let state = txns[id] else {
        problem("\(entry): transaction \(id.hex) is not in history (written outside fido)")
        continue
      }
      for (k, v) in r where k != "id" && !Self.same(state[k] ?? .null, v) {
        problem(
          "\(entry): transaction \(id.hex) \(k) before it differs from history (changed outside fido)",
          recorded: Self.text(state[k] ?? .null, k, currency), live: Self.text(v, k, currency))
      }
    }
  }

  /// Compares the replayed state with the live user document (nil: absent,
  /// read with `AuditState.userProjection`) and the user's live
  /// transactions (unordered).
  mutating func finish(liveUser: Document?, liveTxns: [Document]) {
    if let doc = liveUser {
      let liveHead = AuditHead(doc)
      if entries == 0 && liveHead == .empty {
        problem(
          "no history (created outside fido, or before fido kept history)", adoptable: true)
      } else if deleted {
        problem("the user exists but its history ends with its deletion")
      } else if liveHead != head {
        problem(
          "audit_head on the user does not match the last entry",
          recorded: "\(head.seq) \(head.hash ?? "null")",
          live: "\(liveHead.seq) \(liveHead.hash ?? "null")")
      }
      let live = AuditState.user(doc)
      let liveCurrency = doc["currency"]?.stringValue ?? currency
      for (k, v) in live {
        let recorded = user?[k] ?? .null
        if entries > 0 && !Self.same(recorded, v) {
          problem(
            k, recorded: Self.text(recorded, k, liveCurrency), live: Self.text(v, k, liveCurrency),
            adoptable: true)
        }
      }
    } else if entries > 0 && !deleted {
      problem("the user is missing but its history has no deletion (deleted outside fido)")
    }
    var seen = Set<ObjectID>()
    for t in liveTxns {
      guard let id = t["_id"]?.objectIDValue else { continue }
      seen.insert(id)
      guard let recorded = txns[id] else {
        problem(
          "transaction \(id.hex) is not in history (written outside fido)", adoptable: true)
        continue
      }
      let live = AuditState.txn(t)
      for (k, v) in live where k != "id" && !Self.same(recorded[k] ?? .null, v) {
        problem(
          "transaction \(id.hex) \(k)", recorded: Self.text(recorded[k] ?? .null, k, currency),
          live: Self.text(v, k, currency), adoptable: true)
      }
    }
    for id in txns.keys.sorted() where !seen.contains(id) {
      problem("transaction \(id.hex) is missing (deleted outside fido)", adoptable: true)
    }
  }

  /// Equal values; integers of either width compare by value.
  static func same(_ a: BSONValue, _ b: BSONValue) -> Bool {
    switch (a, b) {
    case (.int32, .int64), (.int64, .int32): return a.int64Value == b.int64Value
    default: return a == b
    }
  }

  static let moneyFields: Set<String> = [
    "balance", "opening_balance", "credit_total", "debit_total", "amount",
  ]

  /// A value as a person reads it: money as money, dates as dates.
  static func text(_ v: BSONValue, _ field: String, _ currency: String?) -> String {
    switch v {
    case .null: return "null"
    case .string(let s): return s
    case .date(let ms): return FidoDate.format(ms)
    case .objectID(let o): return o.hex
    case .bool(let b): return b ? "true" : "false"
    case .int32, .int64:
      let n = v.int64Value ?? 0
      if moneyFields.contains(field), let c = currency.flatMap(Currency.lookup) {
        return "\(Money(minor: n, currency: c).plain) \(c.code)"
      }
      return String(n)
    case .document(let d) where d.count == 1 && d["unreadable"]?.stringValue != nil:
      // A value fido cannot read, as history records it (AuditState.recordable).
      return d["unreadable"]!.stringValue!
    default: return UnreadableDocument.describe(v)
    }
  }
}
