"""The pymongo contender for `fido txn import`: the same transaction documents
(Extended JSON, one a line, from gen.py) inserted with insert_many in batches
of 1000, ordered, majority write concern; no statistics.
Usage: py_bulk.py URI DB FILE"""
import sys

from bson import json_util
from pymongo import MongoClient, WriteConcern

uri, db, path = sys.argv[1:4]
client = MongoClient(uri, appname="bench-py", serverSelectionTimeoutMS=10000)
coll = client[db].get_collection("transactions", write_concern=WriteConcern(w="majority"))
batch, total = [], 0
with open(path) as f:
    for line in f:
        batch.append(json_util.loads(line))
        if len(batch) == 1000:
            coll.insert_many(batch, ordered=True)
            total += len(batch)
            batch = []
if batch:
    coll.insert_many(batch, ordered=True)
    total += len(batch)
print('{"inserted": %d}' % total)
client.close()
