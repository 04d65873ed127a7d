"""The pymongo contender for concurrent `fido txn add --no-sms`: one
process, one client, K transactions for one user, the same commands fido
sends and the same retries — the user read first; in a transaction a
findAndModify conditional on the history head and figures read (a miss: the
user is read again inside the transaction, up to 5 times, as fido's
applyAudited), the history entry, the transaction document, the commit; a
TransientTransactionError runs the transaction again at once, an
UnknownTransactionCommitResult the commit, as fido's withTransaction. Waits
until START (epoch seconds) so the processes start together; prints
{"start":…, "end":…, "retries":…, "rereads":…}.
Usage: py_add.py URI DB HEXUSERID K START"""
import datetime
import hashlib
import json
import sys
import time

from bson import Int64, ObjectId
from pymongo import MongoClient, ReturnDocument, WriteConcern
from pymongo.errors import PyMongoError

uri, dbname, hexid, k, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
client = MongoClient(uri, appname="bench-py", serverSelectionTimeoutMS=10000, w="majority")
db = client[dbname]
uid = ObjectId(hexid)
FIGS = ("count", "credit_count", "debit_count", "credit_total", "debit_total")
proj = {"password_hash": 0, "stats.days": 0}
client.admin.command("ping")
while time.time() < start:
    time.sleep(0.001)
t0 = time.time()
retries = rereads = 0


def filt(u):
    f = {"_id": uid, "audit_head": u.get("audit_head"), "balance": u.get("balance", Int64(0))}
    for x in FIGS:
        f["stats." + x] = u.get("stats", {}).get(x, Int64(0))
    return f


for i in range(k):
    user = db.users.find_one({"_id": uid}, projection=proj)
    now = datetime.datetime.now(datetime.timezone.utc)
    amount = Int64(2150)
    day = now.strftime("%Y-%m-%d")
    with client.start_session() as s:
        while True:  # the transaction
            s.start_transaction()
            try:
                u = user
                for _ in range(5):
                    seq = Int64(u.get("audit_seq", 0) + 1)
                    head = hashlib.sha256(f"{u.get('audit_head')}{seq}".encode()).hexdigest()
                    done = db.users.find_one_and_update(
                        filt(u),
                        {"$inc": {"balance": amount, "stats.count": Int64(1), "stats.credit_count": Int64(1),
                                  "stats.debit_count": Int64(0), "stats.credit_total": amount,
                                  "stats.debit_total": Int64(0), f"stats.days.{day}.count": Int64(1),
                                  f"stats.days.{day}.amount": amount},
                         "$set": {"updated_at": now, "audit_head": head, "audit_seq": seq},
                         "$min": {"stats.first_at": now}, "$max": {"stats.last_at": now}},
                        projection={"balance": 1}, return_document=ReturnDocument.AFTER, session=s)
                    if done is not None:
                        break
                    rereads += 1
                    u = db.users.find_one({"_id": uid}, projection=proj, session=s)
                else:
                    raise SystemExit("the user kept changing")
                tid = ObjectId()
                before = {"balance": u.get("balance", 0), **{x: u.get("stats", {}).get(x, 0) for x in FIGS}}
                db.audit.insert_one({
                    "_id": ObjectId(), "v": 1, "user_id": uid, "seq": seq, "at": now, "action": "txn.create",
                    "target": {"collection": "transactions", "id": tid},
                    "actor": {"os_user": "root", "host": "vm", "fido_version": "0.1.0", "profile": None},
                    "before": {"user": before}, "after": {"transactions": [{"id": tid, "amount": amount}]},
                    "currency": "GHS", "prev": u.get("audit_head"), "hash": head}, session=s)
                db.transactions.insert_one({
                    "_id": tid, "user_id": uid, "full_name": u.get("name"), "amount": amount, "currency": "GHS",
                    "type": "credit", "date": now,
                    "sms": {"status": "skipped", "attempts": Int64(0), "sid": None, "last_error": "--no-sms",
                            "to": None, "body": f"Balance {done['balance']}", "next_attempt_at": None,
                            "updated_at": now},
                    "created_at": now, "updated_at": now}, session=s)
            except PyMongoError as e:
                s.abort_transaction()
                if e.has_error_label("TransientTransactionError"):
                    retries += 1
                    continue
                raise
            again = False
            while True:  # the commit
                try:
                    s.commit_transaction()
                    break
                except PyMongoError as e:
                    if e.has_error_label("UnknownTransactionCommitResult"):
                        retries += 1
                        continue
                    if e.has_error_label("TransientTransactionError"):
                        retries += 1
                        again = True
                        break
                    raise
            if not again:
                break
print(json.dumps({"start": t0, "end": time.time(), "retries": retries, "rereads": rereads}))
client.close()
