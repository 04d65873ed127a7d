"""Drops `transactions` and `user_days` of a benchmark database between
import runs (run.sh's server only).  Usage: reset.py URI DB"""
import sys

from pymongo import MongoClient

client = MongoClient(sys.argv[1])
db = client[sys.argv[2]]
db.drop_collection("transactions")
db.drop_collection("user_days")
client.close()
