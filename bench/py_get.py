"""The pymongo contender for `fido user get ID -o json`: a fresh interpreter,
client and connection each run, one find_one by _id (password_hash projected
out), printed as relaxed Extended JSON.  Usage: py_get.py URI DB HEXID"""
import sys

from bson import ObjectId, json_util
from pymongo import MongoClient

uri, db, hexid = sys.argv[1:4]
client = MongoClient(uri, appname="bench-py", serverSelectionTimeoutMS=10000)
doc = client[db].users.find_one({"_id": ObjectId(hexid)}, projection={"password_hash": 0})
print(json_util.dumps(doc, json_options=json_util.RELAXED_JSON_OPTIONS))
client.close()
sys.exit(0 if doc else 3)
