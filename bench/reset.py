"""Resets a benchmark database between import runs (run.sh's server only):
drops `transactions` and puts every user's balance and statistics back to
zero, as `seed.py` left them.  Usage: reset.py URI DB"""
import sys

from bson import Int64
from pymongo import MongoClient

client = MongoClient(sys.argv[1])
db = client[sys.argv[2]]
db.drop_collection("transactions")
zero = Int64(0)
db.users.update_many({}, {"$set": {
    "balance": zero,
    "stats": {"count": zero, "credit_count": zero, "debit_count": zero,
              "credit_total": zero, "debit_total": zero},
}})
client.close()
