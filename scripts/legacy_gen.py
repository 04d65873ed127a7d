"""A database as the old FastAPI service left it, for `fido db migrate-legacy`.

Writes the service's two collections into DB (dropping them first), from its
own pydantic models (../shared/legacy: `User`, `Transaction`) as pymongo
stored them: floats as BSON doubles, `user_id` as the user's hex string,
plain-text passwords, emails neither normalised nor unique, the
`transactions` map and the stored statistics (computed as the service did,
bugs included). Seeded: the same arguments give the same documents, ids
included.

  legacy_gen.py URI DB [--users N] [--transactions N] [--seed S] [--cases LIST]

Every data set mixes in the awkward cases fido must take as they are:
amounts such as 1000.1 and 0.01, whole floats, names and emails with stray
spaces and capitals, empty phones, short, empty and missing passwords,
negative and zero balances. `--cases` adds the ones it must refuse or
needs `--round` for (comma-separated, or `all`):

  rounding     amounts and a balance with more decimals than GHS has (0.1 + 0.2, 2.675, 1.005)
  negative     a negative amount          zero         a zero amount
  nan          a NaN amount               text_amount  an amount stored as a string
  bad_type     transaction_type 'refund'  orphan       a user_id naming no user
  bad_user_id  a user_id that is not hex  dup_email    two emails equal once normalised
  local_phone  a phone in local format    bad_email    an email without '@'
  empty_name   a blank name

Prints a JSON manifest on stdout: counts, and the ids of each case.
"""
import argparse
import datetime
import json
import math
import os
import random
import sys

import bson
import pymongo

CASES = [
    "rounding", "negative", "zero", "nan", "text_amount", "bad_type", "orphan", "bad_user_id",
    "dup_email", "local_phone", "bad_email", "empty_name",
]
FIRST = ["Ama", "Kofi", "Akosua", "Yaw", "Efua", "Kwame", "Abena", "Kojo", "Adwoa", "Kwesi", "Émilie", "Nnamdi"]
LAST = ["Mensah", "Owusu", "Boateng", "Asante", "Osei", "Agyeman", "Appiah", "Darko", "Ofori", "Nkrumah"]
START = datetime.datetime(2023, 6, 1)


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.clock = 1_600_000_000  # ObjectId seconds: ids in creation order

    def oid(self):
        """A deterministic ObjectId, later than the previous one."""
        self.clock += 1
        return bson.ObjectId(self.clock.to_bytes(4, "big") + self.rng.getrandbits(64).to_bytes(8, "big"))

    def amount(self):
        """A valid amount: whole cents as the closest float (its repr has at most 2 decimals)."""
        r = self.rng.random()
        if r < 0.05:
            return self.rng.choice([1000.1, 0.01, 21.5, 50.0, 999999.99, 0.1, 0.7, 1234567.89])
        if r < 0.15:
            return float(self.rng.randint(1, 5000))
        return self.rng.randint(1, 500_000) / 100

    def date(self):
        return START + datetime.timedelta(seconds=self.rng.randrange(120 * 86400), milliseconds=self.rng.randrange(1000))


def service_stats(user, txns):
    """The statistics the service stored on the user (its update_user_stats)."""
    days = {}
    total = 0.0
    for t in txns:
        day = t["transaction_date"].strftime("%Y-%m-%d")
        days.setdefault(day, []).append(t["transaction_amount"] if isinstance(t["transaction_amount"], float) else 0.0)
        total += abs(t["transaction_amount"]) if isinstance(t["transaction_amount"], float) and not math.isnan(t["transaction_amount"]) else 0.0
    n = float(len(txns))
    user["transactions"] = days
    user["total_number_of_transactions"] = n
    user["total_amount_transacted"] = total
    user["average_transaction_value"] = total / n if n else 0.0
    # The service's day with the highest *amount*, not the most transactions.
    user["date_with_highest_transaction"] = max(days, key=lambda d: sum(days[d])) if days else ""
    user["credit_score"] = min(5.0, 1.0 + user["average_transaction_value"] / 1000.0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("uri")
    p.add_argument("db")
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--transactions", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cases", default="", help="comma-separated awkward cases, or 'all'")
    a = p.parse_args()
    if a.users < 1:
        sys.exit("legacy_gen: --users must be at least 1")
    cases = CASES if a.cases == "all" else [c for c in a.cases.split(",") if c]
    for c in cases:
        if c not in CASES:
            sys.exit(f"legacy_gen: unknown case {c!r}; known: {', '.join(CASES)}")
    g = Gen(a.seed)
    manifest = {"users": 0, "transactions": 0, "cases": {}}

    def mark(case, oid):
        manifest["cases"].setdefault(case, []).append(str(oid))

    users = []
    for i in range(a.users):
        first, last = g.rng.choice(FIRST), g.rng.choice(LAST)
        name = f"{first} {last}"
        email = f"{first.lower()}.{last.lower()}.{i}@example.com"
        # Stray spaces and capitals, unique once normalised.
        if i % 3 == 1:
            email = f"  {email.upper()} "
        if i % 5 == 2:
            name = f" {name}  "
        phone = g.rng.choice(["", f"+23324{g.rng.randrange(10**7):07d}", f"+2348{g.rng.randrange(10**9):09d}"])
        password = g.rng.choice([f"pass-{g.rng.getrandbits(40):x}", "abc", "", None, "correct horse battery"])
        balance = g.rng.choice([0.0, 100.0, 1000.1, -50.25, g.rng.randint(0, 10**7) / 100])
        u = {"_id": g.oid(), "name": name, "email": email, "phone_number": phone, "balance": balance}
        if password is not None:
            u["password"] = password
        users.append(u)

    # Awkward users fido must refuse (or, for dup_email, take as a conflict).
    def odd_user(case, **fields):
        u = {"_id": g.oid(), "name": "Odd Case", "email": f"{case}@example.com", "phone_number": "",
             "password": "legacy-pass", "balance": 10.0}
        u.update(fields)
        users.append(u)
        mark(case, u["_id"])
        return u

    if "dup_email" in cases:
        odd_user("dup_email", email="Twin@Example.com")
        odd_user("dup_email", email="  twin@example.COM ")
    if "local_phone" in cases:
        odd_user("local_phone", phone_number="024 123 4567")
    if "bad_email" in cases:
        odd_user("bad_email", email="no-at-sign.example.com")
    if "empty_name" in cases:
        odd_user("empty_name", name="   ")
    if "rounding" in cases:
        odd_user("rounding_balance", balance=10.005)

    valid_users = users[: a.users]  # the odd users get only the transactions below
    txns = []
    by_user = {}
    for _ in range(a.transactions):
        u = g.rng.choice(valid_users)
        t = {
            "_id": g.oid(), "user_id": str(u["_id"]), "full_name": u["name"].strip(),
            "transaction_date": g.date(), "transaction_amount": g.amount(),
            "transaction_type": g.rng.choice(["credit", "debit"]),
        }
        txns.append(t)
        by_user.setdefault(t["user_id"], []).append(t)

    def odd_txn(case, **fields):
        u = valid_users[0]
        t = {"_id": g.oid(), "user_id": str(u["_id"]), "full_name": u["name"].strip(),
             "transaction_date": g.date(), "transaction_amount": 12.5, "transaction_type": "debit"}
        t.update(fields)
        txns.append(t)
        by_user.setdefault(t["user_id"], []).append(t)
        mark(case, t["_id"])

    if "rounding" in cases:
        odd_txn("rounding", transaction_amount=0.1 + 0.2)  # 0.30000000000000004 -> 0.30
        odd_txn("rounding", transaction_amount=2.675)  # half-even on the decimal -> 2.68
        odd_txn("rounding", transaction_amount=1.005)  # -> 1.00
    if "negative" in cases:
        odd_txn("negative", transaction_amount=-25.0)
    if "zero" in cases:
        odd_txn("zero", transaction_amount=0.0)
    if "nan" in cases:
        odd_txn("nan", transaction_amount=float("nan"))
    if "text_amount" in cases:
        odd_txn("text_amount", transaction_amount="12.50")
    if "bad_type" in cases:
        odd_txn("bad_type", transaction_type="refund")
    if "orphan" in cases:
        odd_txn("orphan", user_id=str(g.oid()))
    if "bad_user_id" in cases:
        odd_txn("bad_user_id", user_id="not-a-user-id")
    # Transactions of the refused users (they are left with them).
    for u in users:
        if u["name"] == "Odd Case" or u["name"].strip() == "":
            t = {"_id": g.oid(), "user_id": str(u["_id"]), "full_name": "Odd Case",
                 "transaction_date": g.date(), "transaction_amount": 5.0, "transaction_type": "credit"}
            txns.append(t)
            by_user.setdefault(t["user_id"], []).append(t)

    for u in users:
        service_stats(u, by_user.get(str(u["_id"]), []))

    client = pymongo.MongoClient(a.uri)
    db = client[a.db]
    db.drop_collection("user")
    db.drop_collection("transaction")
    # The service's own index: email, not unique.
    db.user.create_index("email")
    for i in range(0, len(users), 1000):
        db.user.insert_many(users[i : i + 1000], ordered=False)
    for i in range(0, len(txns), 5000):
        db.transaction.insert_many(txns[i : i + 5000], ordered=False)
    manifest["users"] = len(users)
    manifest["transactions"] = len(txns)
    print(json.dumps(manifest))


if __name__ == "__main__":
    main()
    # Everything is written (acknowledged inserts) and printed: leave now. A
    # normal exit waits up to 0.5 s for pymongo's monitor threads to wake.
    sys.stdout.flush()
    os._exit(0)
