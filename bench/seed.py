"""Seeds N users shaped exactly as `fido user create` stores them (no
password), much faster than N fido processes. Writes their ids (one a line)
and a JSON map id -> {name, currency, phone} for gen.py.

  seed.py URI DB N PREFIX IDS_OUT USERS_JSON_OUT
"""
import json
import sys
import time

from bson import Int64, ObjectId
from pymongo import MongoClient

uri, db, n, prefix, ids_out, users_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
client = MongoClient(uri)
now = int(time.time() * 1000)
from datetime import datetime, timezone
nowdt = datetime.fromtimestamp(now / 1000, timezone.utc)
docs = []
for i in range(n):
    docs.append({
        "_id": ObjectId(),
        "name": f"Bench {prefix} {i}",
        "email": f"{prefix}{i}@bench.example",
        "currency": "GHS",
        "opening_balance": Int64(0),
        "balance": Int64(0),
        "stats": {"count": Int64(0), "credit_count": Int64(0), "debit_count": Int64(0),
                  "credit_total": Int64(0), "debit_total": Int64(0)},
        "created_at": nowdt,
        "updated_at": nowdt,
    })
client[db].users.insert_many(docs)
with open(ids_out, "w") as f:
    for d in docs:
        f.write(str(d["_id"]) + "\n")
with open(users_out, "w") as f:
    json.dump({str(d["_id"]): {"name": d["name"], "currency": "GHS", "phone": None} for d in docs}, f)
