import FidoCore
import Foundation
import XCTest

/// History (DESIGN.md, "History (audit)"), checked in MongoDB with pymongo:
/// the entries, their chain, and `audit verify` against changes made
/// outside fido. The hashes are recomputed by an independent Python
/// implementation of the canonical encoding README specifies.
final class AuditTests: XCTestCase {
  var fido: FidoRunner!

  override func setUpWithError() throws { fido = try FidoRunner() }

  override func tearDown() {
    if fido != nil {
      _ = fido.mongoPython(
        "client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'})")
    }
  }

  /// README's encoding, written again from its text, and a chain check:
  /// prints "ok" or what is wrong for each user's chain.
  static let oracle = """
    import hashlib, struct, calendar, datetime
    from bson.int64 import Int64
    from bson.objectid import ObjectId
    def enc(v):
        if v is None: return b'\\x00'
        if isinstance(v, bool): return b'\\x01' + (b'\\x01' if v else b'\\x00')
        if isinstance(v, Int64): return b'\\x03' + struct.pack('>q', v)
        if isinstance(v, int): return b'\\x02' + struct.pack('>i', v)
        if isinstance(v, datetime.datetime):
            return b'\\x04' + struct.pack('>q', calendar.timegm(v.utctimetuple()) * 1000 + v.microsecond // 1000)
        if isinstance(v, str):
            b = v.encode('utf-8'); return b'\\x05' + struct.pack('>I', len(b)) + b
        if isinstance(v, ObjectId): return b'\\x06' + v.binary
        if isinstance(v, list): return b'\\x07' + struct.pack('>I', len(v)) + b''.join(enc(x) for x in v)
        if isinstance(v, dict):
            items = sorted((k.encode('utf-8'), x) for k, x in v.items())
            return b'\\x08' + struct.pack('>I', len(items)) + b''.join(
                struct.pack('>I', len(k)) + k + enc(x) for k, x in items)
        raise TypeError(type(v))
    def entry_hash(e):
        return hashlib.sha256(b'fido-audit-v1\\x00' + enc({k: v for k, v in e.items() if k != 'hash'})).hexdigest()
    def chain(uid):
        prev, seq, problems = None, 0, []
        for e in db.audit.find({'user_id': uid}).sort('seq', 1):
            seq += 1
            if e['seq'] != seq: problems.append('seq %d' % e['seq'])
            if e['prev'] != prev: problems.append('prev of %d' % seq)
            if entry_hash(e) != e['hash']: problems.append('hash of %d' % seq)
            prev = e['hash']
        return prev, seq, problems

    """

  private func createUser(_ email: String, balance: String = "100") -> String {
    fido.object(["user", "create", "--name", "Ama", "--email", email, "--balance", balance])["id"]
      as? String ?? ""
  }

  private func add(_ user: String, _ amount: String, _ type: String = "credit") -> String {
    fido.object(["txn", "add", "--user", user, "--amount", amount, "--type", type, "--no-sms"])[
      "id"] as? String ?? ""
  }

  func testOneEntryPerChangeWithBeforeAfterAndChain() {
    let u = createUser("ama@example.com")
    XCTAssertEqual(
      fido.run(["user", "update", u, "--phone", "+233201234567"]).status, 0)
    XCTAssertEqual(
      fido.run(["user", "update", u, "--password-stdin"], stdin: "correct horse battery\n").status,
      0)
    let t = add(u, "21")
    XCTAssertEqual(fido.run(["txn", "update", t, "--amount", "5"]).status, 0)
    let t2 = add(u, "3", "debit")
    XCTAssertEqual(fido.run(["txn", "delete", t2, "--yes"]).status, 0)
    let out = fido.mongoPython(
      Self.oracle + """
        from bson.objectid import ObjectId
        uid = ObjectId('\(u)')
        es = list(db.audit.find({'user_id': uid}).sort('seq', 1))
        print(' '.join(e['action'] for e in es))
        up = es[4]
        print(up['target']['id'], up['before']['transactions'][0]['amount'], up['after']['transactions'][0]['amount'],
              up['before']['user']['balance'], up['after']['user']['balance'])
        print(es[2]['before']['user']['password'], es[2]['after']['user']['password'])
        text = repr(es)
        user = db.users.find_one({'_id': uid})
        print(user['password_hash'] in text, 'scrypt' in text)
        head, seq, problems = chain(uid)
        print(head == user['audit_head'], seq == user['audit_seq'], problems)
        """)
    XCTAssertEqual(
      out.split(separator: "\n").map(String.init),
      [
        "user.create user.update user.update txn.create txn.update txn.create txn.delete",
        "\(t) 2100 500 12100 10500",
        "none set",
        "False False",
        "True True []",
      ])
    let verify = fido.run(["audit", "verify"])
    XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    // audit list: newest first, filtered by transaction.
    let entries = fido.list(["audit", "list", "--txn", t])
    XCTAssertEqual(entries.map { $0["action"] as? String ?? "" }, ["txn.update", "txn.create"])
    let page = fido.list(["audit", "list", "--user", u, "--limit", "2"])
    XCTAssertEqual(page.map { $0["seq"] as? Int ?? 0 }, [7, 6])
    let next = fido.list([
      "audit", "list", "--user", u, "--limit", "2", "--after", page[1]["id"] as? String ?? "",
    ])
    XCTAssertEqual(next.map { $0["seq"] as? Int ?? 0 }, [5, 4])
  }

  func testCascadeDeleteKeepsHistoryAndTheChainVerifies() {
    let u = createUser("kofi@example.com")
    let ids = [add(u, "1"), add(u, "2"), add(u, "3", "debit")].sorted()
    let r = fido.run(["user", "delete", u, "--cascade", "--yes"])
    XCTAssertEqual(r.status, 0, r.stderr)
    let out = fido.mongoPython(
      Self.oracle + """
        from bson.objectid import ObjectId
        uid = ObjectId('\(u)')
        es = list(db.audit.find({'user_id': uid}).sort('seq', 1))
        print(' '.join(e['action'] for e in es))
        print(' '.join(sorted(str(i) for i in es[4]['target']['id'])))
        print(db.users.count_documents({'_id': uid}), db.transactions.count_documents({'user_id': uid}))
        print(es[-1]['before']['user']['balance'], chain(uid)[2])
        """)
    XCTAssertEqual(
      out.split(separator: "\n").map(String.init),
      [
        "user.create txn.create txn.create txn.create txn.delete user.delete",
        ids.joined(separator: " "),
        "0 0", "10000 []",
      ])
    XCTAssertEqual(fido.run(["audit", "verify", "--user", u]).status, 0)
    XCTAssertEqual(fido.list(["audit", "list", "--user", u, "--limit", "0"]).count, 6)
  }

  func testVerifyNamesTheUserAfterChangesOutsideFido() {
    let a = createUser("a@example.com")
    let b = createUser("b@example.com")
    let c = createUser("c@example.com")
    for u in [a, b, c] { _ = add(u, "10") }
    XCTAssertEqual(fido.run(["audit", "verify"]).status, 0)

    // A balance changed with a driver.
    _ = fido.mongoPython(
      "from bson.objectid import ObjectId\ndb.users.update_one({'_id': ObjectId('\(a)')}, {'$inc': {'balance': 500}})"
    )
    var r = fido.run(["audit", "verify"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains(a), r.stderr)
    XCTAssertFalse(r.stderr.contains(b) || r.stderr.contains(c), r.stderr)
    XCTAssertTrue(r.stdout.contains("balance"), r.stdout)
    XCTAssertEqual(fido.run(["db", "check"]).status, 1)

    // An entry edited (its recorded amount), and one deleted.
    _ = fido.mongoPython(
      "from bson.objectid import ObjectId\nfrom bson.int64 import Int64\ndb.audit.update_one({'user_id': ObjectId('\(b)'), 'seq': 2}, {'$set': {'after.user.balance': Int64(1)}})"
    )
    _ = fido.mongoPython(
      "from bson.objectid import ObjectId\ndb.audit.delete_one({'user_id': ObjectId('\(c)'), 'seq': 1})"
    )
    r = fido.run(["audit", "verify", "--user", b])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stdout.contains("do not match its hash"), r.stdout)
    r = fido.run(["audit", "verify", "--user", c])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stdout.contains("missing"), r.stdout)

    // --repair records the balance change (and fixes the figure) but cannot
    // mend damaged chains: it still exits 1 naming them, not the repaired user.
    r = fido.run(["db", "check", "--repair"])
    XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
    XCTAssertTrue(r.stderr.contains(b) && r.stderr.contains(c), r.stderr)
    XCTAssertFalse(r.stderr.contains(a), r.stderr)
    XCTAssertEqual(fido.run(["audit", "verify", "--user", a]).status, 0)
    XCTAssertEqual(
      fido.mongoPython(
        "from bson.objectid import ObjectId\nu = db.users.find_one({'_id': ObjectId('\(a)')}); e = db.audit.find_one({'user_id': u['_id']}, sort=[('seq', -1)]); print(u['balance'], e['action'], e['before']['user']['balance'], e['after']['user']['balance'])"
      ), "11000 repair 11500 11000")
  }

  func testConcurrentAddsLeaveOneUnbrokenChain() {
    let u = createUser("c8@example.com", balance: "0")
    let r = fido.shell(
      """
      pids=""
      for i in 1 2 3 4 5 6 7 8; do
        "$FIDO" txn add --user \(u) --amount $i --type credit --no-sms -q > /dev/null 2>/tmp/c8-$$-$i & pids="$pids $!"
      done
      fail=0; for p in $pids; do wait $p || fail=$((fail+1)); done
      cat /tmp/c8-$$-*; rm -f /tmp/c8-$$-*; echo "failed=$fail"
      """)
    XCTAssertTrue(r.stdout.hasSuffix("failed=0\n"), r.stdout)
    let out = fido.mongoPython(
      Self.oracle + """
        from bson.objectid import ObjectId
        uid = ObjectId('\(u)')
        head, seq, problems = chain(uid)
        user = db.users.find_one({'_id': uid})
        print(seq, problems, head == user['audit_head'], user['balance'], db.transactions.count_documents({'user_id': uid}))
        """)
    XCTAssertEqual(out, "9 [] True 3600 8")
    XCTAssertEqual(fido.run(["audit", "verify"]).status, 0)
  }

  /// A failed commit or insert leaves no entry without its change and no
  /// change without its entry.
  func testFaultsLeaveChangeAndEntryTogether() {
    let u = createUser("f@example.com", balance: "0")
    let faults = [
      "'failCommands': ['commitTransaction'], 'errorCode': 2",
      "'failCommands': ['commitTransaction'], 'closeConnection': True",
      "'failCommands': ['insert'], 'errorCode': 2",
      "'failCommands': ['findAndModify'], 'errorCode': 2",
    ]
    for (i, fault) in faults.enumerated() {
      _ = fido.mongoPython(
        "client.admin.command({'configureFailPoint': 'failCommand', 'mode': {'times': 1}, 'data': {\(fault), 'appName': '\(ClientOptions.defaultAppName)'}})"
      )
      let r = fido.run([
        "txn", "add", "--user", u, "--amount", "\(i + 1)", "--type", "credit", "--no-sms",
      ])
      _ = fido.mongoPython(
        "client.admin.command({'configureFailPoint': 'failCommand', 'mode': 'off'})")
      XCTAssertFalse(r.stderr.contains("Fatal error"), fault)
      let out = fido.mongoPython(
        Self.oracle + """
          from bson.objectid import ObjectId
          uid = ObjectId('\(u)')
          txns = db.transactions.count_documents({'user_id': uid})
          made = db.audit.count_documents({'user_id': uid, 'action': 'txn.create'})
          head, seq, problems = chain(uid)
          print(txns == made, head == db.users.find_one({'_id': uid})['audit_head'], problems)
          """)
      XCTAssertEqual(out, "True True []", "\(fault): exit \(r.status) \(r.stderr)")
      let v = fido.run(["audit", "verify"])
      XCTAssertEqual(v.status, 0, "\(fault): \(v.stdout)")
    }
  }
}
