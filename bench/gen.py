"""Writes the benchmark's input files.

  gen.py import OUT.ndjson N USERS_FILE      fido import lines {"user","amount","type","date"}
  gen.py docs IN.ndjson USERS.json OUT.json  the same lines as the transaction documents
                                             fido stores (canonical Extended JSON, one a line)
  gen.py user-lines OUT.ndjson N USERID [--days D]
                                             N import lines for one user over D days (700)

Deterministic (seeded), so every run measures the same input.
"""
import json
import random
import sys

DAY_MS = 86_400_000
START_MS = 1_672_531_200_000  # 2023-01-01T00:00:00Z


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def lines(n, users, seed, days=700):
    rnd = random.Random(seed)
    for i in range(n):
        user = users[i % len(users)]
        cents = rnd.randint(100, 500_000)
        date = START_MS + rnd.randint(0, days * DAY_MS - 1)
        yield {
            "user": user,
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "type": "credit" if rnd.random() < 0.6 else "debit",
            "date": iso(date),
        }


def write_lines(path, n, users, seed=7, days=700):
    with open(path, "w") as f:
        for obj in lines(n, users, seed, days):
            f.write(json.dumps(obj, separators=(",", ":")) + "\n")


def docs(src, users_json, out):
    """fido's transaction document for each import line (what `txn import` stores
    for a user without --sms), so the floors insert the same bytes."""
    import bson  # pymongo's
    from bson import json_util

    users = json.load(open(users_json))  # id -> {"name":…, "currency":…}
    now = 1_764_000_000_000
    with open(src) as f, open(out, "w") as o:
        for line in f:
            obj = json.loads(line)
            u = users[obj["user"]]
            whole, frac = obj["amount"].split(".")
            import datetime
            date = datetime.datetime.strptime(obj["date"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
            date_ms = int(date.timestamp() * 1000)
            nowdt = {"$date": {"$numberLong": str(now)}}
            doc = {
                "_id": {"$oid": str(bson.ObjectId())},
                "user_id": {"$oid": obj["user"]},
                "full_name": u["name"],
                "amount": {"$numberLong": str(int(whole) * 100 + int(frac))},
                "currency": u["currency"],
                "type": obj["type"],
                "date": {"$date": {"$numberLong": str(date_ms)}},
                "sms": {
                    "status": "skipped", "attempts": {"$numberLong": "0"}, "sid": None,
                    "last_error": "imported (use --sms to queue)", "to": u.get("phone"), "body": None,
                    "next_attempt_at": None, "updated_at": nowdt,
                },
                "created_at": nowdt,
                "updated_at": nowdt,
            }
            o.write(json.dumps(doc, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "import":
        users = [l.strip() for l in open(sys.argv[4]) if l.strip()]
        write_lines(sys.argv[2], int(sys.argv[3]), users)
    elif cmd == "user-lines":
        days = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--days" else 700
        write_lines(sys.argv[2], int(sys.argv[3]), [sys.argv[4]], seed=int(sys.argv[3]), days=days)
    elif cmd == "docs":
        docs(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
