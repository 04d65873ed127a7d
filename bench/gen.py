"""Writes the benchmark's input files.

  gen.py import OUT.ndjson N USERS_FILE      fido import lines {"user","amount","type","date"}
  gen.py keyed IN.ndjson OUT.ndjson          the same lines, each with a "key" (line-N), as
                                             `txn import --workers` needs them
  gen.py docs IN.ndjson USERS.json OUT.json  the same lines as the transaction documents
                                             fido stores (canonical Extended JSON, one a line)
  gen.py user-lines OUT.ndjson N USERID [--days D]
                                             N import lines for one user over D days (700)
  gen.py plan DOCS.json BATCH OUT.json [P]   the writes `fido txn import --batch-size BATCH`
                                             makes for those documents, for floor_import.c;
                                             with P > 1, OUT.json.0 … OUT.json.P-1, each with
                                             the lines of disjoint users (for parallel workers)

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
            }
            if "key" in obj:
                doc["key"] = obj["key"]
            doc |= {
                "sms": {
                    "status": "skipped", "attempts": {"$numberLong": "0"}, "sid": None,
                    "last_error": "imported (use --sms to queue)", "to": u.get("phone"), "body": None,
                    "next_attempt_at": None, "updated_at": nowdt,
                },
                "created_at": nowdt,
                "updated_at": nowdt,
            }
            o.write(json.dumps(doc, separators=(",", ":")) + "\n")


def day_key(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


def plan(docs_path, batch, out, part=0, parts=1):
    """The writes fido's import makes for these transaction documents, batch
    by batch, as floor_import.c replays them: per batch the transaction
    documents, then per user (in order of first appearance) one update with
    fido's update document (`$inc` of balance, counters and day counters,
    `$set` of updated_at and the new history head, `$min`/`$max` of
    first/last), conditional on the head it follows, then one `txn.import`
    history entry per user shaped as fido's (FidoStore+Audit.swift). Heads
    start empty (seed.py's users, as reset.py leaves them); the hashes are
    stand-ins of the same length (hashing is fido's CPU, not the server's)."""
    import hashlib
    from bson import ObjectId
    from bson import json_util

    def num(v):
        return int(v["$numberLong"]) if isinstance(v, dict) else int(v)

    heads = {}  # user -> (hash, seq, figures)
    zero = lambda: {"balance": 0, "count": 0, "credit_count": 0, "debit_count": 0, "credit_total": 0, "debit_total": 0}
    long_ = lambda n: {"$numberLong": str(n)}
    with open(docs_path) as f, open(out, "w") as o:
        def emit(kind, value):
            o.write(json.dumps({kind: value}, separators=(",", ":")) + "\n")

        def flush(lines):
            if not lines:
                return
            emit("b", 1)
            order, eff, recs = [], {}, {}
            now = lines[0]["created_at"]
            for d in lines:
                emit("t", d)
                u = d["user_id"]["$oid"]
                amt = num(d["amount"])
                date = num(d["date"]["$date"])
                e = eff.get(u)
                if e is None:
                    order.append(u)
                    e = eff[u] = {"figs": zero(), "days": {}, "first": date, "last": date}
                credit = d["type"] == "credit"
                f = e["figs"]
                f["balance"] += amt if credit else -amt
                f["count"] += 1
                f["credit_count" if credit else "debit_count"] += 1
                f["credit_total" if credit else "debit_total"] += amt
                k = day_key(date)
                c, a = e["days"].get(k, (0, 0))
                e["days"][k] = (c + 1, a + amt)
                e["first"], e["last"] = min(e["first"], date), max(e["last"], date)
                recs.setdefault(u, []).append({
                    "id": d["_id"], "amount": d["amount"], "type": d["type"], "date": d["date"],
                    "key": d.get("key"), "currency": d["currency"]})
            for u in order:
                e = eff[u]
                h, seq, before = heads.get(u, (None, 0, zero()))
                after = {k: before[k] + e["figs"][k] for k in before}
                new = hashlib.sha256(f"{h}{u}{seq}".encode()).hexdigest()
                inc = {"balance": long_(e["figs"]["balance"])}
                for k in ("count", "credit_count", "debit_count", "credit_total", "debit_total"):
                    inc[f"stats.{k}"] = long_(e["figs"][k])
                for k in sorted(e["days"]):
                    c, a = e["days"][k]
                    inc[f"stats.days.{k}.count"] = long_(c)
                    if a:
                        inc[f"stats.days.{k}.amount"] = long_(a)
                update = {
                    "$inc": inc,
                    "$set": {"updated_at": now, "audit_head": new, "audit_seq": long_(seq + 1)},
                    "$min": {"stats.first_at": {"$date": long_(e["first"])}},
                    "$max": {"stats.last_at": {"$date": long_(e["last"])}},
                }
                # fido's filter: the head it follows, the figures it knows
                # (every user is known from the import's look-up), and a
                # bound on each day counter it changes (the pinned figures
                # need none: FidoStore.guardedFilter).
                q = {"_id": {"$oid": u}}
                for k in sorted(e["days"]):
                    c, a = e["days"][k]
                    q[f"stats.days.{k}.count"] = {"$not": {"$gt": long_(2**63 - 1 - c)}}
                    if a:
                        q[f"stats.days.{k}.amount"] = {"$not": {"$gt": long_(2**63 - 1 - a)}}
                q["audit_head"] = h
                q["balance"] = long_(before["balance"])
                for k in ("count", "credit_count", "debit_count", "credit_total", "debit_total"):
                    q[f"stats.{k}"] = long_(before[k])
                emit("u", {"q": q, "u": update})
                fig = lambda x: {k: long_(v) for k, v in x.items()}
                emit("a", {
                    "_id": {"$oid": str(ObjectId())}, "v": 1, "user_id": {"$oid": u}, "seq": long_(seq + 1),
                    "at": now, "action": "txn.import",
                    "target": {"collection": "transactions", "id": [r["id"] for r in recs[u]]},
                    "actor": {"os_user": "root", "host": "vm", "fido_version": "0.1.0", "profile": None},
                    "before": {"user": fig(before)},
                    "after": {"transactions": recs[u], "user": fig(after)},
                    "currency": "GHS", "prev": h, "hash": new,
                })
                heads[u] = (new, seq + 1, after)
            emit("c", 1)

        lines = []
        for line in f:
            d = json.loads(line)
            if parts > 1 and int(d["user_id"]["$oid"], 16) % parts != part:
                continue
            lines.append(d)
            if len(lines) == batch:
                flush(lines)
                lines = []
        flush(lines)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "import":
        users = [l.strip() for l in open(sys.argv[4]) if l.strip()]
        write_lines(sys.argv[2], int(sys.argv[3]), users)
    elif cmd == "user-lines":
        days = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "--days" else 700
        write_lines(sys.argv[2], int(sys.argv[3]), [sys.argv[4]], seed=int(sys.argv[3]), days=days)
    elif cmd == "keyed":
        with open(sys.argv[2]) as f, open(sys.argv[3], "w") as o:
            for i, line in enumerate(f, 1):
                obj = json.loads(line)
                obj["key"] = f"line-{i}"
                o.write(json.dumps(obj, separators=(",", ":")) + "\n")
    elif cmd == "plan":
        parts = int(sys.argv[5]) if len(sys.argv) > 5 else 1
        if parts == 1:
            plan(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        for p in range(parts if parts > 1 else 0):
            plan(sys.argv[2], int(sys.argv[3]), f"{sys.argv[4]}.{p}", p, parts)
    elif cmd == "docs":
        docs(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
