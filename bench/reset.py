"""Resets a benchmark database between import runs (run.sh's server only):
drops `transactions` and `audit` and puts every user's balance, statistics
and history head back to what `seed.py` left (zero, no head), so each run
makes the same writes.  Usage: reset.py URI DB"""
import sys

from bson import Int64
from pymongo import MongoClient

client = MongoClient(sys.argv[1])
db = client[sys.argv[2]]
db.drop_collection("transactions")
db.drop_collection("audit")
zero = Int64(0)
db.users.update_many({}, {
    "$set": {
        "balance": zero,
        "stats": {"count": zero, "credit_count": zero, "debit_count": zero,
                  "credit_total": zero, "debit_total": zero},
    },
    "$unset": {"audit_head": "", "audit_seq": ""},
})
client.close()
