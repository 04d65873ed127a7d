"""Seeds users whose history chains have N entries each, much faster than
N fido commands: for each N given, one user (a `user.create` entry) and N-1
`txn.create` entries, each with its transaction, hashed with the canonical
encoding README specifies (the same encoder as Tests/IntegrationTests/
AuditTests.swift's oracle), and the user's figures and head to match, so
`fido audit verify` finds nothing wrong. Prints one user id per N.

  chain.py URI DB N [N...]
"""
import calendar
import datetime
import hashlib
import struct
import sys

from bson import Int64, ObjectId
from pymongo import MongoClient


def enc(v):
    if v is None: return b'\x00'
    if isinstance(v, bool): return b'\x01' + (b'\x01' if v else b'\x00')
    if isinstance(v, Int64): return b'\x03' + struct.pack('>q', v)
    if isinstance(v, int): return b'\x02' + struct.pack('>i', v)
    if isinstance(v, datetime.datetime):
        return b'\x04' + struct.pack('>q', calendar.timegm(v.utctimetuple()) * 1000 + v.microsecond // 1000)
    if isinstance(v, str):
        b = v.encode('utf-8'); return b'\x05' + struct.pack('>I', len(b)) + b
    if isinstance(v, ObjectId): return b'\x06' + v.binary
    if isinstance(v, list): return b'\x07' + struct.pack('>I', len(v)) + b''.join(enc(x) for x in v)
    if isinstance(v, dict):
        items = sorted((k.encode('utf-8'), x) for k, x in v.items())
        return b'\x08' + struct.pack('>I', len(items)) + b''.join(
            struct.pack('>I', len(k)) + k + enc(x) for k, x in items)
    raise TypeError(type(v))


def entry_hash(e):
    return hashlib.sha256(b'fido-audit-v1\x00' + enc({k: v for k, v in e.items() if k != 'hash'})).hexdigest()


def seed(db, n, tag):
    uid = ObjectId()
    t0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    actor = {"os_user": "bench", "host": "bench", "fido_version": "0.1.0", "profile": None}
    name, email = f"Chain {tag}", f"chain{tag}@bench.example"
    figs = {k: Int64(0) for k in ("balance", "count", "credit_count", "debit_count", "credit_total", "debit_total")}
    entries, txns = [], []
    prev, seq = None, 0
    days = {}

    def link(e):
        nonlocal prev, seq
        seq += 1
        e.update({"_id": ObjectId(), "v": 1, "user_id": uid, "seq": Int64(seq), "actor": actor,
                  "currency": "GHS", "prev": prev})
        e["hash"] = entry_hash(e)
        prev = e["hash"]
        entries.append(e)

    link({"at": t0, "action": "user.create", "target": {"collection": "users", "id": uid}, "before": None,
          "after": {"user": dict(name=name, email=email, phone=None, currency="GHS", opening_balance=Int64(0),
                                 password="none", **figs)}})
    for i in range(n - 1):
        at = t0 + datetime.timedelta(minutes=i + 1)
        amount = Int64(100 + i % 997)
        tid = ObjectId()
        before = dict(figs)
        figs["balance"] = Int64(figs["balance"] + amount)
        figs["count"] = Int64(figs["count"] + 1)
        figs["credit_count"] = Int64(figs["credit_count"] + 1)
        figs["credit_total"] = Int64(figs["credit_total"] + amount)
        rec = {"id": tid, "amount": amount, "type": "credit", "date": at, "key": None, "currency": "GHS"}
        link({"at": at, "action": "txn.create", "target": {"collection": "transactions", "id": tid},
              "before": {"user": before}, "after": {"transactions": [rec], "user": dict(figs)}})
        day = at.strftime("%Y-%m-%d")
        c, a = days.get(day, (0, 0))
        days[day] = (c + 1, a + amount)
        txns.append({"_id": tid, "user_id": uid, "full_name": name, "amount": amount, "currency": "GHS",
                     "type": "credit", "date": at,
                     "sms": {"status": "skipped", "attempts": Int64(0), "sid": None, "last_error": "--no-sms",
                             "to": None, "body": None, "next_attempt_at": None, "updated_at": at},
                     "created_at": at, "updated_at": at})
    stats = {k: figs[k] for k in figs if k != "balance"}
    stats["days"] = {d: {"count": Int64(c), "amount": Int64(a)} for d, (c, a) in days.items()}
    if txns:
        stats["first_at"], stats["last_at"] = txns[0]["date"], txns[-1]["date"]
    db.users.insert_one({"_id": uid, "name": name, "email": email, "currency": "GHS",
                         "opening_balance": Int64(0), "balance": figs["balance"], "stats": stats,
                         "created_at": t0, "updated_at": t0, "audit_head": prev, "audit_seq": Int64(seq)})
    for i in range(0, len(txns), 10000):
        db.transactions.insert_many(txns[i:i + 10000])
    for i in range(0, len(entries), 10000):
        db.audit.insert_many(entries[i:i + 10000])
    return uid


if __name__ == "__main__":
    client = MongoClient(sys.argv[1])
    db = client[sys.argv[2]]
    for n in sys.argv[3:]:
        print(seed(db, int(n), n))
