"""fido's benchmarks: seeds a SecantusDB started by run.sh, runs each figure's
contenders alternately (A B A B …) so machine noise falls on all of them
alike, and prints a markdown table of medians and ratios from this one run.

  bench.py --fido BIN --uri URI --work DIR --out FILE [--runs N] [--heavy-runs N]

Wall times come from posix_spawn + wait4 around each process (stdout and
stderr to files); peak RSS from /usr/bin/time -f %M. The curves (time and
peak RSS per input size) go to curves.json next to FILE, for charts.py.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# Prints how many legacy users have a password to hash, removes the
# passwords and drops fido's copy of the data.
NO_PASSWORDS = """
import pymongo, sys
c = pymongo.MongoClient(sys.argv[1])
print(c[sys.argv[2]].user.count_documents({'password': {'$exists': True, '$ne': ''}}))
c.drop_database(sys.argv[3])
c[sys.argv[2]].user.update_many({}, {'$unset': {'password': ''}})
"""


class Bench:
    def __init__(self, args):
        self.a = args
        self.fido = args.fido
        self.uri = args.uri
        self.work = args.work
        self.bin = args.bin
        self.env = dict(os.environ, MONGO_URI=args.uri, FIDO_TIMEOUT="600")
        for k in ("FIDO_OUTPUT", "MONGO_DB_NAME", "FIDO_ENV_FILE", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
            self.env.pop(k, None)
        self.rows = []  # (figure, contender, value text, ratio text, target, verdict)
        self.notes = []
        self.rt = []  # (command, round trips, command kinds)
        self.curves = {}  # name -> {"x": label, "series": {series: [[size, ms, rss KiB], ...]}}
        os.makedirs(self.work, exist_ok=True)

    # ---- running processes -------------------------------------------------

    def spawn(self, cmd, stdout="/dev/null", stderr=None, stdin=None):
        """Runs cmd; returns (wall ms, exit status)."""
        stderr = stderr or os.path.join(self.work, "last.err")
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, stdin or "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
            (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        ]
        exe = shutil.which(cmd[0]) if "/" not in cmd[0] else cmd[0]
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(exe, cmd, self.env, file_actions=actions)
        _, status, _ = os.wait4(pid, 0)
        ms = (time.perf_counter_ns() - t0) / 1e6
        return ms, os.waitstatus_to_exitcode(status)

    def run_ok(self, cmd, ok=(0,), **kw):
        ms, code = self.spawn(cmd, **kw)
        if code not in ok:
            err = open(kw.get("stderr") or os.path.join(self.work, "last.err")).read()[-2000:]
            raise SystemExit(f"bench: {' '.join(cmd)} exited {code}:\n{err}")
        return ms

    def timed_rss(self, cmd, stdout="/dev/null"):
        """(wall ms, peak RSS KiB) through /usr/bin/time -f %M."""
        rss_file = os.path.join(self.work, "rss.txt")
        ms = self.run_ok(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, stdout=stdout)
        return ms, int(open(rss_file).read().split()[-1])

    def fido_cmd(self, db, *args):
        return [self.fido, "--db", db] + list(args)

    def fido_out(self, db, *args, stdin=None):
        out = os.path.join(self.work, "out.txt")
        self.run_ok(self.fido_cmd(db, *args), stdout=out, stdin=stdin)
        return open(out).read()

    def alternate(self, contenders, runs, prepare=None, measure=None):
        """contenders: [(label, cmd)]. Runs A B C A B C … `runs` times.
        Returns {label: [values]}; values are wall ms, or what `measure` returns."""
        results = {label: [] for label, _ in contenders}
        for i in range(runs):
            for label, cmd in contenders:
                if prepare:
                    prepare(label)
                if measure:
                    results[label].append(measure(label, cmd))
                else:
                    results[label].append(self.run_ok(cmd))
        return results

    def round_trips(self, name, db, *args, ok=(0,), env=None):
        """Counts `mongo: →` lines (commands sent) of one fido -v run."""
        err = os.path.join(self.work, "rt.err")
        saved = self.env
        if env:
            self.env = dict(self.env, **env)
        try:
            self.run_ok(self.fido_cmd(db, "-v", *args), stderr=err, ok=ok)
        finally:
            self.env = saved
        sent = [l for l in open(err) if "mongo: →" in l]
        kinds = {}
        for l in sent:
            k = l.split("→", 1)[1].split()[0]
            kinds[k] = kinds.get(k, 0) + 1
        server_ms = sum(
            float(m.group(1)) for m in (re.search(r"mongo: ← \S+ (?:ok|failed) ([0-9.]+) ms", l) for l in open(err)) if m
        )
        self.rt.append((name, len(sent), ", ".join(f"{k} {v}" for k, v in kinds.items()), server_ms))
        return len(sent), server_ms

    def server_split(self, db, *args):
        """Per command kind: count and total duration from one fido -v run."""
        err = os.path.join(self.work, "split.err")
        ms = self.run_ok(self.fido_cmd(db, "-v", *args), stderr=err)
        split = {}
        for l in open(err):
            m = re.search(r"mongo: ← (\S+) (?:ok|failed) ([0-9.]+) ms", l)
            if m:
                n, t = split.get(m.group(1), (0, 0.0))
                split[m.group(1)] = (n + 1, t + float(m.group(2)))
        return ms, split

    # ---- results -----------------------------------------------------------

    def add(self, figure, contender, value, ratio="", target="", verdict=""):
        self.rows.append((figure, contender, value, ratio, target, verdict))

    @staticmethod
    def med(xs):
        return statistics.median(xs)

    @staticmethod
    def ok(cond):
        return "met" if cond else "**not met**"

    # ---- seeding -----------------------------------------------------------

    def seed(self):
        t0 = time.perf_counter()
        w = self.work
        # Main database: users made by fido itself, history imported by fido.
        self.fido_out("fb_main", "db", "init")
        ids = {}
        for name, phone in (("get", "+233201234567"), ("add", None), ("addc", None), ("a10", None), ("l1k", None)):
            args = ["user", "create", "--name", f"Bench {name}", "--email", f"{name}@bench.example", "-q"]
            if phone:
                args += ["--phone", phone]
            ids[name] = self.fido_out("fb_main", *args).strip()
        self.ids = ids
        self.gen("user-lines", f"{w}/a10.ndjson", "10", ids["a10"], "--days", "120")
        self.gen("user-lines", f"{w}/l1k.ndjson", "1000", ids["l1k"])
        self.fido_out("fb_main", "txn", "import", f"{w}/a10.ndjson")
        self.fido_out("fb_main", "txn", "import", f"{w}/l1k.ndjson")

        # 100,000 transactions for one user, bulk-inserted as the documents fido
        # stores (fido would take over a minute), the user's figures and day
        # counters set as fido's import would leave them (the same update,
        # from gen.py plan), then indexed by `fido db init`.
        n = self.a.list_lines
        self.seed_users("fb_list", 1, "list", f"{w}/list_ids.txt", f"{w}/list_users.json", init=False)
        self.ids["l100k"] = open(f"{w}/list_ids.txt").read().split()[0]
        self.gen("user-lines", f"{w}/l100k.ndjson", str(n), self.ids["l100k"])
        self.gen("docs", f"{w}/l100k.ndjson", f"{w}/list_users.json", f"{w}/l100k.docs.json")
        self.run_ok([f"{self.bin}/floor_bulk", self.uri, "fb_list", f"{w}/l100k.docs.json", "10000"])
        self.gen("plan", f"{w}/l100k.docs.json", str(n), f"{w}/l100k.plan.json")
        self.apply_user_updates("fb_list", f"{w}/l100k.plan.json")
        self.fido_out("fb_list", "db", "init")

        # Import databases: 1,000 users each; the floors get fido's indexes too.
        self.seed_users("fb_imp_fido", 1000, "imp", f"{w}/imp_ids.txt", f"{w}/imp_users.json")
        from pymongo import MongoClient

        client = MongoClient(self.uri)
        users = list(client.fb_imp_fido.users.find())
        for db in ("fb_imp_c", "fb_imp_bulk"):  # the same users (ids) in each
            self.fido_out(db, "db", "init")
            client[db].users.insert_many(users)
        client.close()
        self.gen("import", f"{w}/imp_max.ndjson", str(max(self.a.import_lines, max(self.a.curve_import))), f"{w}/imp_ids.txt")
        with open(f"{w}/imp_max.ndjson") as f:
            head = f.readlines()
        for size in set(self.a.curve_import) | {self.a.import_lines, 100}:
            with open(f"{w}/imp_{size}.ndjson", "w") as o:
                o.writelines(head[:size])
        big = f"{w}/imp_{self.a.import_lines}"
        self.gen("docs", f"{big}.ndjson", f"{w}/imp_users.json", f"{big}.docs.json")
        self.gen("plan", f"{big}.docs.json", str(self.a.batch), f"{big}.plan.json")
        # The parallel figure: the same lines, each with a key (`--workers`
        # needs them), and the floor's plans for them (the key in each
        # transaction document and history record, as fido writes them).
        self.gen("keyed", f"{big}.ndjson", f"{big}.keyed.ndjson")
        self.gen("docs", f"{big}.keyed.ndjson", f"{w}/imp_users.json", f"{big}.keyed.docs.json")
        self.gen("plan", f"{big}.keyed.docs.json", str(self.a.batch), f"{big}.keyed.plan.json")
        for n_ in (2, 4):
            self.gen("plan", f"{big}.keyed.docs.json", str(self.a.batch), f"{big}.keyed.plan{n_}.json", str(n_))

        # History chains of 10^2 and 10^4 entries (audit verify's curve).
        self.fido_out("fb_audit", "db", "init")
        out = os.path.join(w, "chain_ids.txt")
        self.run_ok([PY, f"{HERE}/chain.py", self.uri, "fb_audit"] + [str(x) for x in self.a.curve_audit], stdout=out)
        self.chains = dict(zip(self.a.curve_audit, open(out).read().split()))

        # Concurrency: 8 users for fido, 8 for pymongo, one hot user each.
        self.seed_users("fb_conc", 18, "conc", f"{w}/conc_ids.txt", f"{w}/conc_users.json")
        self.conc_ids = open(f"{w}/conc_ids.txt").read().split()
        log(f"seeding done in {time.perf_counter() - t0:.0f} s")

    def apply_user_updates(self, db, plan):
        """The user updates of a gen.py plan, applied with pymongo (seeding only)."""
        from bson import json_util
        from pymongo import MongoClient

        client = MongoClient(self.uri)
        with open(plan) as f:
            for line in f:
                if line.startswith('{"u"'):
                    op = json_util.loads(line)["u"]
                    client[db].users.update_one(op["q"], op["u"])
        client.close()

    def gen(self, *args):
        self.run_ok([PY, f"{HERE}/gen.py"] + list(args))

    def seed_users(self, db, n, prefix, ids_out, users_out, init=True):
        if init:
            self.fido_out(db, "db", "init")
        self.run_ok([PY, f"{HERE}/seed.py", self.uri, db, str(n), prefix, ids_out, users_out])

    def reset_transactions(self, db):
        """Empties `transactions` and `audit`, zeroes the users' figures and
        heads and recreates fido's indexes, outside the timing."""
        self.run_ok([PY, f"{HERE}/reset.py", self.uri, db])
        self.fido_out(db, "db", "init")

    # ---- figures -----------------------------------------------------------

    def one_shot(self):
        n = self.a.runs
        uid = self.ids["get"]
        r = self.alternate(
            [
                ("fido", self.fido_cmd("fb_main", "user", "get", uid, "-o", "json")),
                ("C", [f"{self.bin}/floor_get", self.uri, "fb_main", uid]),
                ("pymongo", [PY, f"{HERE}/py_get.py", self.uri, "fb_main", uid]),
            ],
            n,
        )
        f, c, p = (self.med(r[k]) for k in ("fido", "C", "pymongo"))
        fig = f"one-shot `user get ID -o json` ({n} runs each)"
        self.add(fig, "C libmongoc find (floor)", f"{c:.1f} ms")
        self.add(fig, "pymongo one-shot script", f"{p:.1f} ms")
        self.add(fig, "fido", f"{f:.1f} ms", f"{f / c:.2f}× C", "≤ 1.3× C", self.ok(f / c <= 1.3))
        self.add(fig, "fido vs pymongo", "", f"{f / p:.3f}× py", "≤ 0.1× py", self.ok(f / p <= 0.1))
        if hasattr(self, "start"):
            # Both load libmongoc and run mongoc_init (fido on demand), so the
            # C no-op linked to libmongoc is the start-up both pay.
            _, c0, _ = self.start
            self.add(fig, "C floor minus the C no-op linked to libmongoc", f"{c - c0:.1f} ms")
            self.add(fig, "fido minus the same no-op", f"{f - c0:.1f} ms", f"{(f - c0) / (c - c0):.2f}× C")
        self.oneshot = (f, c)

    def startup(self):
        n = self.a.runs * 2
        contenders = [
            ("true", ["/bin/true"]),
            ("C", [f"{self.bin}/noop_mongoc"]),
            ("Ccurl", [f"{self.bin}/noop_mongoc_curl"]),
            ("version", [self.fido, "--version"]),
            ("help", [self.fido, "help"]),
        ]
        if self.a.hello:
            contenders.insert(1, ("hello", [self.a.hello]))
        r = self.alternate(contenders, n, measure=lambda label, cmd: self.spawn(cmd)[0])
        t, c, cc, v, h = (self.med(r[k]) for k in ("true", "C", "Ccurl", "version", "help"))
        fig = f"start-up ({n} runs each)"
        self.add(fig, "`/bin/true` (spawn cost)", f"{t:.2f} ms")
        ref = "C"
        if self.a.hello:
            hw = self.med(r["hello"])
            self.add(fig, "Swift hello world (release, --static-swift-stdlib)", f"{hw:.2f} ms")
            ref = "hello"
        self.add(fig, "C no-op linked to libmongoc (its constructor runs mongoc_init)", f"{c:.2f} ms")
        self.add(fig, "C no-op linked to libmongoc and libcurl", f"{cc:.2f} ms", f"{cc / c:.2f}× C")
        base = self.med(r[ref])
        unit = "× hello" if ref == "hello" else "× C"
        self.add(fig, "`fido --version`", f"{v:.2f} ms", f"{v / base:.2f}{unit}", "≤ 5 ms", self.ok(v <= 5))
        self.add(fig, "`fido help`", f"{h:.2f} ms", f"{h / base:.2f}{unit}", "≤ 5 ms", self.ok(h <= 5))
        self.start = (t, c, v)

    def txn_add(self):
        n = self.a.runs
        uid, cid = self.ids["add"], self.ids["addc"]
        r = self.alternate(
            [
                ("fido", self.fido_cmd("fb_main", "txn", "add", "--user", uid, "--amount", "21.50", "--type", "credit", "--no-sms", "-o", "json")),
                ("same", [f"{self.bin}/floor_add", self.uri, "fb_main", cid]),
                ("C", [f"{self.bin}/floor_insert", self.uri, "fb_main", cid]),
            ],
            n,
        )
        f, same, c = self.med(r["fido"]), self.med(r["same"]), self.med(r["C"])
        rt, server = self.round_trips(
            "txn add", "fb_main", "txn", "add", "--user", uid, "--amount", "1", "--type", "debit", "--no-sms", "-o", "json"
        )
        fig = f"`txn add --no-sms` ({n} runs each)"
        self.add(fig, "C libmongoc insert_one (physical floor: 1 insert, no transaction)", f"{c:.1f} ms")
        self.add(fig, "C libmongoc, fido's commands (same-commands floor: find, findAndModify, 2 inserts, commit)", f"{same:.1f} ms", f"{same / c:.2f}× insert")
        self.add(
            fig,
            f"fido ({rt} round trips, {server:.1f} ms of them in commands)",
            f"{f:.1f} ms",
            f"{f / same:.2f}× same",
            "≤ 1.2× same",
            self.ok(f / same <= 1.2),
        )
        self.add_info = (f, same, rt, server)

    def bulk_import(self):
        n = self.a.heavy_runs
        w = self.work
        lines = self.a.import_lines
        big = f"{w}/imp_{lines}"
        dbs = {"fido": "fb_imp_fido", "same": "fb_imp_c", "C": "fb_imp_bulk"}
        r = self.alternate(
            [
                ("fido", self.fido_cmd("fb_imp_fido", "txn", "import", f"{big}.ndjson", "--batch-size", str(self.a.batch), "-o", "json")),
                ("same", [f"{self.bin}/floor_import", self.uri, "fb_imp_c", f"{big}.plan.json"]),
                ("C", [f"{self.bin}/floor_bulk", self.uri, "fb_imp_bulk", f"{big}.docs.json", "1000"]),
            ],
            n,
            prepare=lambda label: self.reset_transactions(dbs[label]),
            measure=lambda label, cmd: self.timed_rss(cmd),
        )
        f, same, c = (self.med([x[0] for x in r[k]]) for k in ("fido", "same", "C"))
        self.import_rates = (lines / f * 1000, lines / same * 1000)
        fig = f"`txn import` of {lines:,} lines for 1,000 users, batches of {self.a.batch:,} ({n} runs each)"
        rate = lambda ms: f"{lines / ms * 1000:,.0f} lines/s ({ms / 1000:.1f} s)"
        self.add(fig, "C insert_many of the documents only (physical floor)", rate(c))
        self.add(fig, "C, fido's writes (same-writes floor: inserts, 1 update per user, history entries, commit per batch)", rate(same), f"{c / same:.2f}× insert")
        self.add(fig, "`fido txn import`", rate(f), f"{same / f:.2f}× same", "≥ 0.9× same", self.ok(same / f >= 0.9))
        self.add(fig, "", "", f"{c / f:.2f}× insert", "(physical reference)")
        # Where fido's import time goes: the server's time per command kind.
        self.reset_transactions("fb_imp_fido")
        wall, split = self.server_split("fb_imp_fido", "txn", "import", f"{big}.ndjson", "--batch-size", str(self.a.batch), "-o", "json")
        parts = ", ".join(f"{k} ×{n_} {t / 1000:.2f} s" for k, (n_, t) in sorted(split.items(), key=lambda kv: -kv[1][1]))
        total = sum(t for _, t in split.values())
        self.notes.append(
            f"`fido txn import` of {lines:,} lines, one `-v` run: {wall / 1000:.1f} s wall, {total / 1000:.1f} s of it "
            f"waiting for commands ({parts}); the same-writes floor sends the insert, update and history commands and the commit only."
        )

    def migrate_legacy(self):
        """`db migrate-legacy` of the old service's data: 1,000 users and, per
        curve size, that many transactions, made by scripts/legacy_gen.py
        (about 80% of the users have a password to hash). One run per size
        (minutes at 10^5 on this server); at the smallest size also the dry
        run, the re-run that finds everything migrated, and the same data
        without passwords (the write path alone)."""
        w = self.work
        sizes = self.a.curve_migrate
        target = "fb_legacy_fido"
        args = ("db", "migrate-legacy", "--from-db", "fb_legacy", "-o", "json")
        drop = "import pymongo, sys; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])"
        fig = f"`db migrate-legacy`, 1,000 legacy users (1 run per size)"
        pts = []
        for n in sizes:
            t = time.perf_counter()
            self.run_ok([PY, "-c", drop, self.uri, "fb_legacy"])
            self.run_ok(
                [PY, f"{ROOT}/scripts/legacy_gen.py", self.uri, "fb_legacy", "--users", "1000", "--transactions", str(n), "--seed", "1"],
                stdout=f"{w}/legacy_manifest.json",
            )
            log(f"legacy data ({n:,} transactions) generated in {time.perf_counter() - t:.0f} s")
            self.run_ok([PY, "-c", drop, self.uri, target])
            smallest = n == sizes[0]
            if smallest:
                dry_ms, dry_rss = self.timed_rss(self.fido_cmd(target, *args, "--dry-run"))
            out = f"{w}/migrate.json"
            ms, rss = self.timed_rss(self.fido_cmd(target, *args), stdout=out)
            rec = json.load(open(out))
            if rec.get("transactions_inserted") != n or not rec.get("reconciled"):
                raise SystemExit(f"bench: the migration did not copy {n} transactions: {rec}")
            pts.append([n, ms, rss])
            rate = n / ms * 1000
            ratio = ""
            if hasattr(self, "import_rates"):
                imp, floor = self.import_rates
                ratio = f"{rate / imp:.2f}× import"
            self.add(fig, f"{n:,} transactions: validation, password hashing, writes, read-back",
                     f"{rate:,.0f} transactions/s ({ms / 1000:.1f} s, {rss / 1024:.1f} MiB)", ratio)
            if smallest:
                again_ms, _ = self.timed_rss(self.fido_cmd(target, *args))
                self.add(fig, f"{n:,}: `--dry-run` (reads and validates)", f"{dry_ms / 1000:.1f} s, {dry_rss / 1024:.1f} MiB")
                self.add(fig, f"{n:,}: run again (everything already migrated: skipped)", f"{again_ms / 1000:.1f} s")
                # The write path alone: the same data without passwords to hash.
                self.run_ok([PY, "-c", NO_PASSWORDS, self.uri, "fb_legacy", target], stdout=f"{w}/hashed.txt")
                hashed = int(open(f"{w}/hashed.txt").read())
                bare_ms, bare_rss = self.timed_rss(self.fido_cmd(target, *args))
                self.add(fig, f"{n:,}: the same data without passwords (the write path alone)",
                         f"{n / bare_ms * 1000:,.0f} transactions/s ({bare_ms / 1000:.1f} s, {bare_rss / 1024:.1f} MiB)")
                self.notes.append(
                    f"`db migrate-legacy` of {n:,} transactions: the {hashed} legacy passwords, hashed with scrypt as "
                    f"`user create` hashes (N = 2^15, 32 MiB, about 0.1 s of CPU each; on every CPU at once), account "
                    f"for about {(ms - bare_ms) / 1000:.0f} s of its {ms / 1000:.0f} s; the rest is mostly the server's."
                )
        self.curves["migrate_legacy"] = {"x": "legacy transactions migrated (1,000 users)", "runs": 1,
                                         "series": {"fido db migrate-legacy": pts}}
        if len(pts) > 1:
            (z0, t0, r0), (z1, t1, r1) = pts[0], pts[-1]
            self.add(fig, "time per transaction, largest / smallest", "", f"{(t1 / z1) / (t0 / z0):.2f}")
            self.add(fig, "peak RSS, largest / smallest", "", f"{r1 / r0:.2f}", "≤ 1.2 (flat)", self.ok(r1 / r0 <= 1.2))

    def sms_worker(self):
        """Alerts per second the worker sends through the Twilio double (the
        same work as `sms retry --limit 0`), and how soon a running worker
        sends a new alert (woken by the change stream)."""
        import urllib.request

        n = self.a.heavy_runs
        alerts = self.a.sms_alerts
        double = subprocess.Popen(
            [PY, os.path.join(HERE, "..", "scripts", "twilio_double.py"), "--port", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            port = int(double.stdout.readline().split()[1])
            base = f"http://127.0.0.1:{port}"

            def control(path, body=None):
                req = urllib.request.Request(
                    base + path, data=None if body is None else json.dumps(body).encode(),
                    headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST",
                )
                with urllib.request.urlopen(req) as r:
                    return json.loads(r.read())

            saved = self.env
            self.env = dict(
                saved, TWILIO_ACCOUNT_SID="AC" + "0123456789abcdef" * 2, TWILIO_AUTH_TOKEN="double-auth-token",
                TWILIO_FROM="+15005550006", TWILIO_API_BASE=base, FIDO_TIMEOUT="10",
            )
            db = "fb_sms"
            self.fido_out(db, "db", "init")
            uid = self.fido_out(
                db, "user", "create", "--name", "Bench SMS", "--email", "sms@bench.example", "--phone", "+233241234567", "-q"
            ).strip()
            lines = os.path.join(self.work, "sms.ndjson")
            with open(lines, "w") as f:
                for _ in range(alerts):
                    f.write(json.dumps({"user": uid, "amount": "1", "type": "credit"}) + "\n")

            def prepare(label):
                self.run_ok([PY, f"{HERE}/reset.py", self.uri, db])
                self.fido_out(db, "db", "init")
                control("/_double/reset", {})
                self.fido_out(db, "txn", "import", lines, "--sms", "-o", "json")

            def measure(label, cmd):
                ms = self.run_ok(cmd)
                sent = len(control("/_double/messages"))
                if sent != alerts:
                    raise SystemExit(f"bench: {label} sent {sent} of {alerts} alerts")
                return ms

            r = self.alternate(
                [
                    ("worker", self.fido_cmd(db, "sms", "worker", "--once")),
                    ("retry", self.fido_cmd(db, "sms", "retry", "--limit", "0", "-o", "json")),
                ],
                n, prepare=prepare, measure=measure,
            )
            w, rt = self.med(r["worker"]), self.med(r["retry"])
            fig = f"SMS sending, {alerts} pending alerts to the local Twilio double ({n} runs each)"
            self.add(fig, "`fido sms retry --limit 0`", f"{alerts / rt * 1000:,.0f} alerts/s ({rt / 1000:.1f} s)")
            self.add(fig, "`fido sms worker --once`", f"{alerts / w * 1000:,.0f} alerts/s ({w / 1000:.1f} s)", f"{rt / w:.2f}× retry")

            # Latency: a running worker, one `txn add` in queue mode at a time.
            control("/_double/reset", {})
            err = open(os.path.join(self.work, "worker.err"), "w")
            worker = subprocess.Popen(self.fido_cmd(db, "sms", "worker", "-o", "ndjson"), env=self.env, stderr=err,
                                      stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            lat = []
            try:
                time.sleep(1)
                env = dict(self.env, FIDO_SMS_MODE="queue")
                for i in range(self.a.runs):
                    before = len(control("/_double/messages"))
                    subprocess.run(self.fido_cmd(db, "txn", "add", "--user", uid, "--amount", "1", "--type", "credit", "-q"),
                                   env=env, check=True, stdout=subprocess.DEVNULL)
                    t0 = time.perf_counter()
                    while len(control("/_double/messages")) == before:
                        if time.perf_counter() - t0 > 30:
                            raise SystemExit("bench: the worker sent nothing within 30 s")
                        time.sleep(0.002)
                    lat.append((time.perf_counter() - t0) * 1000)
            finally:
                worker.terminate()
                code = worker.wait()
                err.close()
            fig2 = f"running `sms worker` (change stream), `txn add` in queue mode ({self.a.runs} alerts)"
            self.add(fig2, "from `txn add` exiting to the message at the double", f"{self.med(lat):.0f} ms",
                     "", "< 2 × --interval (10 s)", self.ok(self.med(lat) < 10_000))
            if code != 0:
                raise SystemExit(f"bench: the worker exited {code} on SIGTERM")
            self.env = saved
        finally:
            double.stdin.close()
            double.wait()

    def import_parallel(self):
        """Parallel import: `fido txn import --workers 1/2/4` against the
        prototype it was measured with (floor_import with 1, 2 and 4 threads
        over one mongoc_client_pool, each thread's batches for disjoint users),
        on the same keyed lines, alternated (fido 1, C 1, fido 2, C 2, …)."""
        n = self.a.par_runs
        big = f"{self.work}/imp_{self.a.import_lines}.keyed"
        counts = (1, 2, 4)
        plans = {1: [f"{big}.plan.json"], 2: [f"{big}.plan2.json.{i}" for i in range(2)], 4: [f"{big}.plan4.json.{i}" for i in range(4)]}
        out = os.path.join(self.work, "par.out")
        contenders, dbs = [], {}
        for k in counts:
            contenders.append((f"fido{k}", self.fido_cmd("fb_imp_fido", "txn", "import", f"{big}.ndjson", "--batch-size", str(self.a.batch), "--workers", str(k), "-o", "json")))
            contenders.append((f"C{k}", [f"{self.bin}/floor_import", self.uri, "fb_imp_c"] + plans[k]))
            dbs[f"fido{k}"], dbs[f"C{k}"] = "fb_imp_fido", "fb_imp_c"
        lines = self.a.import_lines

        def measure(label, cmd):
            ms = self.run_ok(cmd, stdout=out)
            rec = json.load(open(out))
            if label.startswith("fido"):
                if rec.get("inserted") != lines:
                    raise SystemExit(f"bench: {label} inserted {rec.get('inserted')} of {lines}")
                return ms, 0
            return ms, rec.get("retries", 0)

        r = self.alternate(contenders, n, prepare=lambda label: self.reset_transactions(dbs[label]), measure=measure)
        fig = f"parallel import: {lines:,} keyed lines, 1,000 users, batches of {self.a.batch:,}, fido `--workers` and the same-writes prototype ({n} run{'s' if n > 1 else ''} each)"
        med = {label: self.med([x[0] for x in r[label]]) for label, _ in contenders}
        rate = lambda ms: f"{lines / ms * 1000:,.0f} lines/s ({ms / 1000:.1f} s)"
        for k in counts:
            retries = self.med([x[1] for x in r[f"C{k}"]])
            self.add(
                fig, f"prototype, {k} thread{'s' if k > 1 else ''} (batches retried after a WriteConflict: {retries:g})",
                rate(med[f"C{k}"]), f"{med['C1'] / med[f'C{k}']:.2f}× 1 thread" if k > 1 else "",
            )
        for k in counts:
            f = med[f"fido{k}"]
            self.add(
                fig, f"`fido txn import --workers {k}`", rate(f),
                f"{med['fido1'] / f:.2f}× 1 worker, {med[f'C{k}'] / f:.2f}× same" if k > 1 else f"{med['C1'] / f:.2f}× same",
                "default 1 (keys required)" if k > 1 else "",
            )
        self.parallel = med

    def concurrency(self):
        """8 processes adding transactions at once: for 8 users, and all for
        one user; fido (one process per transaction, as a shell loop would
        run it) against pymongo (one process per worker, the same commands
        and retries, interpreter start-up excluded)."""
        k = self.a.conc_txns
        procs = 8
        ids = self.conc_ids
        fig = f"concurrency: {procs} processes × {k} `txn add` each, transactions per second (1 run each)"
        for case, fusers, pusers in (("8 users", ids[0:8], ids[8:16]), ("one hot user", [ids[16]] * 8, [ids[17]] * 8)):
            # fido: 8 threads, each running k fido processes one after another.
            retries = [0]
            rereads = [0]
            lock = threading.Lock()

            def worker(i, user):
                err = os.path.join(self.work, f"conc{i}.err")
                for _ in range(k):
                    self.run_ok(self.fido_cmd("fb_conc", "-v", "txn", "add", "--user", user, "--amount", "21.50", "--type", "credit", "--no-sms", "-q"), stderr=err)
                    text = open(err).read()
                    with lock:
                        retries[0] += text.count("retrying")
                        # finds after the first: the user read again after its head moved
                        rereads[0] += max(0, text.count("mongo: → find ") - 1)

            t0 = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(i, u)) for i, u in enumerate(fusers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            fwall = time.perf_counter() - t0
            ftps = procs * k / fwall
            # pymongo: 8 processes released together.
            start = time.time() + 3.0
            outs = [os.path.join(self.work, f"py{i}.out") for i in range(procs)]
            ps = [
                subprocess.Popen([PY, f"{HERE}/py_add.py", self.uri, "fb_conc", u, str(k), str(start)], stdout=open(o, "w"), env=self.env)
                for u, o in zip(pusers, outs)
            ]
            for p in ps:
                if p.wait() != 0:
                    raise SystemExit("bench: py_add.py failed")
            res = [json.load(open(o)) for o in outs]
            pwall = max(x["end"] for x in res) - min(x["start"] for x in res)
            ptps = procs * k / pwall
            pret = sum(x["retries"] for x in res)
            pre = sum(x["rereads"] for x in res)
            self.add(fig, f"{case}: pymongo (a client per process; {pret} transaction retries, {pre} user re-reads)", f"{ptps:.1f} txn/s")
            self.add(
                fig, f"{case}: fido (a process per transaction; {retries[0]} WriteConflict retries, {rereads[0]} user re-reads, from -v)",
                f"{ftps:.1f} txn/s", f"{ftps / ptps:.2f}× py",
            )

    # ---- curves: time and peak RSS per size --------------------------------

    def curve(self, name, xlabel, series, sizes, runs, prepare=None):
        """series: {name: lambda size -> cmd or None}. Alternates sizes and
        series within each run; stores medians of (ms, RSS KiB)."""
        pts = {s: {z: [] for z in sizes} for s in series}
        for i in range(runs):
            for z in sizes:
                for s, make in series.items():
                    cmd = make(z)
                    # Sizes of 10^5 and up run once (minutes each on this server).
                    if cmd is None or (i > 0 and z >= 50_000):
                        continue
                    if prepare:
                        prepare(s, z)
                    pts[s][z].append(self.timed_rss(cmd))
        out = {}
        for s in series:
            out[s] = [[z, self.med([p[0] for p in pts[s][z]]), self.med([p[1] for p in pts[s][z]])] for z in sizes if pts[s][z]]
        self.curves[name] = {"x": xlabel, "runs": runs, "series": out}
        return out

    def curves_all(self):
        w = self.work
        # import: 10^3, 10^4, 10^5 lines for 1,000 users (one run per size: the largest takes minutes).
        imp = self.curve(
            "import", "lines imported (1,000 users)",
            {"fido txn import": lambda z: self.fido_cmd("fb_imp_fido", "txn", "import", f"{w}/imp_{z}.ndjson", "--batch-size", str(self.a.batch), "-o", "json")},
            self.a.curve_import, 1, prepare=lambda s, z: self.reset_transactions("fb_imp_fido"),
        )["fido txn import"]
        # analytics: 10, 10^3, 10^5 transactions, without and with a window.
        users = [(10, "fb_main", self.ids["a10"]), (1000, "fb_main", self.ids["l1k"]), (self.a.list_lines, "fb_list", self.ids["l100k"])]
        by = {z: (db, u) for z, db, u in users}
        an = self.curve(
            "analytics", "transactions of the user",
            {
                "no window": lambda z: self.fido_cmd(by[z][0], "analytics", by[z][1], "-o", "json"),
                "--since 2023-01-01 (all of them)": lambda z: self.fido_cmd(by[z][0], "analytics", by[z][1], "--since", "2023-01-01", "-o", "json"),
            },
            [z for z, _, _ in users], self.a.heavy_runs,
        )
        # audit verify: one user's chain of 10^2 and 10^4 entries.
        av = self.curve(
            "audit_verify", "history entries of the user",
            {"fido audit verify --user": lambda z: self.fido_cmd("fb_audit", "audit", "verify", "--user", self.chains[z])},
            self.a.curve_audit, self.a.heavy_runs,
        )["fido audit verify --user"]
        # txn list streaming: 10^3 and 10^5.
        ls = self.curve(
            "txn_list", "transactions listed",
            {"fido txn list --limit 0 -o ndjson": lambda z: self.fido_cmd(*by[z][:1], "txn", "list", "--user", by[z][1], "--limit", "0", "-o", "ndjson")},
            [1000, self.a.list_lines], self.a.heavy_runs,
        )["fido txn list --limit 0 -o ndjson"]

        def rows(fig, pts, unit):
            for z, ms, rss in pts:
                rate = f", {z / ms * 1000:,.0f} {unit}/s" if unit else ""
                self.add(fig, f"{z:,}", f"{ms / 1000:.2f} s{rate}, {rss / 1024:.1f} MiB")

        rows("curve: `txn import` (1 run per size)", imp, "lines")
        self.add("curve: `txn import` (1 run per size)", "peak RSS, largest / smallest", "", f"{imp[-1][2] / imp[0][2]:.2f}", "≤ 1.2 (flat)", self.ok(imp[-1][2] / imp[0][2] <= 1.2))
        for s, pts in an.items():
            fig = f"curve: `analytics`, {s} ({self.a.heavy_runs} runs each)"
            for z, ms, rss in pts:
                self.add(fig, f"{z:,} transactions", f"{ms:.1f} ms, {rss / 1024:.1f} MiB")
        nw = an["no window"]
        self.add(f"curve: `analytics`, no window ({self.a.heavy_runs} runs each)", f"{nw[-1][0]:,} / {nw[0][0]:,}", "", f"{nw[-1][1] / nw[0][1]:.2f}", "≤ 1.3 (flat)", self.ok(nw[-1][1] / nw[0][1] <= 1.3))
        fig = f"curve: `audit verify --user` ({self.a.heavy_runs} runs each)"
        for z, ms, rss in av:
            self.add(fig, f"{z:,} entries", f"{ms:.1f} ms, {rss / 1024:.1f} MiB")
        fig = f"curve: `txn list --limit 0 -o ndjson` ({self.a.heavy_runs} runs each)"
        for z, ms, rss in ls:
            self.add(fig, f"{z:,} transactions", f"{ms / 1000:.2f} s, {rss / 1024:.1f} MiB")
        self.add(fig, "peak RSS, largest / smallest", "", f"{ls[-1][2] / ls[0][2]:.2f}", "≤ 1.2, ≤ 30 MiB", self.ok(ls[-1][2] / ls[0][2] <= 1.2 and ls[-1][2] / 1024 <= 30))

    def round_trip_table(self):
        """Round trips per command: the same commands RoundTripTests.swift pins."""
        m = self.ids
        self.round_trips("user get", "fb_main", "user", "get", m["get"], "-o", "json")
        self.round_trips("user create", "fb_main", "user", "create", "--name", "Round Trip", "--email", f"rt{os.getpid()}@bench.example", "-q")
        self.round_trips("txn list (100 of 1,000)", "fb_main", "txn", "list", "--user", m["l1k"], "-o", "ndjson")
        self.round_trips("txn list (1,000, --limit 0)", "fb_main", "txn", "list", "--user", m["l1k"], "--limit", "0", "-o", "ndjson")
        self.round_trips("analytics (no window)", "fb_main", "analytics", m["a10"], "-o", "json")
        self.round_trips("analytics --since", "fb_main", "analytics", m["l1k"], "--since", "2023-01-01", "-o", "json")
        self.round_trips("db check", "fb_main", "db", "check", ok=tuple(range(256)))  # floor_add leaves unhashed entries
        self.round_trips("audit verify --user", "fb_main", "audit", "verify", "--user", m["l1k"])
        self.round_trips("sms retry (nothing due)", "fb_main", "sms", "retry", env=self.twilio_env())
        self.reset_transactions("fb_imp_fido")
        self.round_trips("txn import (100 lines, 100 users, 1 batch)", "fb_imp_fido", "txn", "import", f"{self.work}/imp_100.ndjson", "-o", "json")

    def twilio_env(self):
        # Configured, so `sms retry` looks for due messages; none are due, so nothing is sent.
        return {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "bench", "TWILIO_FROM": "+15005550006"}


    # ---- report ------------------------------------------------------------

    def report(self):
        cpu = "unknown"
        try:
            for l in open("/proc/cpuinfo"):
                if l.startswith("model name"):
                    cpu = l.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        version = subprocess.run([self.fido, "--version"], capture_output=True, text=True).stdout.strip()
        try:
            from importlib.metadata import version as pv
            server = f"SecantusDB {pv('secantusdb')}"
            pym = f"pymongo {pv('pymongo')}"
        except Exception:
            server, pym = "SecantusDB", "pymongo"
        libmongoc = subprocess.run(["pkg-config", "--modversion", "libmongoc-1.0"], capture_output=True, text=True).stdout.strip()
        out = []
        out.append(f"# fido benchmarks — {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
        out.append("")
        machine = (
            f"{os.cpu_count()} CPUs (nproc), {cpu}, {platform.system()} {platform.release()}. "
            f"{version}, libmongoc {libmongoc}, {server} on 127.0.0.1, {pym}, Python {platform.python_version()}"
        )
        out.append(f"Machine: {machine}; load average at the end {os.getloadavg()[0]:.1f} (the machine is shared: timings are noisy).")
        out.append("Medians of alternated runs (A B A B …) within this one run; ratios are of those medians.")
        out.append("")
        out.append("| figure | contender | median | ratio | target | verdict |")
        out.append("|---|---|---|---|---|---|")
        last = None
        for fig, who, val, ratio, target, verdict in self.rows:
            out.append(f"| {fig if fig != last else ''} | {who} | {val} | {ratio} | {target} | {verdict} |")
            last = fig
        out.append("")
        out.append("Round trips (`mongo: →` lines of one `fido -v` run; the connection handshake is not a command):")
        out.append("")
        out.append("| command | round trips | commands | time in commands |")  # pinned by Tests/IntegrationTests/RoundTripTests.swift
        out.append("|---|---|---|---|")
        for name, n, kinds, server in self.rt:
            out.append(f"| {name} | {n} | {kinds} | {server:.1f} ms |")
        if self.notes:
            out.append("")
            for n in self.notes:
                out.append(f"- {n}")
        text = "\n".join(out) + "\n"
        os.makedirs(os.path.dirname(self.a.out), exist_ok=True)
        with open(os.path.join(os.path.dirname(self.a.out), "curves.json"), "w") as f:
            json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                       "machine": machine, "curves": self.curves}, f, indent=1)
        with open(self.a.out, "w") as f:
            f.write(text)
        print(text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fido", required=True)
    p.add_argument("--uri", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "20")))
    p.add_argument("--heavy-runs", type=int, default=int(os.environ.get("BENCH_HEAVY_RUNS", "3")))
    p.add_argument("--import-lines", type=int, default=int(os.environ.get("BENCH_IMPORT_LINES", "10000")))
    p.add_argument("--import-lines-max", type=int, default=100_000)
    p.add_argument("--par-runs", type=int, default=int(os.environ.get("BENCH_PAR_RUNS", "1")), help="runs of the parallel-import figure")
    p.add_argument("--sms-alerts", type=int, default=int(os.environ.get("BENCH_SMS_ALERTS", "200")))
    ints = lambda v: [int(x) for x in v.split(",") if x]
    p.add_argument("--batch", type=int, default=int(os.environ.get("BENCH_BATCH", "1000")), help="import --batch-size")
    p.add_argument("--list-lines", type=int, default=int(os.environ.get("BENCH_LIST_LINES", "100000")))
    p.add_argument("--curve-migrate", type=ints, default=ints(os.environ.get("BENCH_CURVE_MIGRATE", "1000,10000")))
    p.add_argument("--curve-import", type=ints, default=ints(os.environ.get("BENCH_CURVE_IMPORT", "1000,10000")))
    p.add_argument("--curve-audit", type=ints, default=ints(os.environ.get("BENCH_CURVE_AUDIT", "100,10000")))
    p.add_argument("--conc-txns", type=int, default=int(os.environ.get("BENCH_CONC_TXNS", "10")), help="txn adds per process")
    p.add_argument("--hello", default=os.environ.get("BENCH_HELLO", ""), help="Swift hello world binary")
    p.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="comma-separated figures")
    a = p.parse_args()
    b = Bench(a)
    t0 = time.perf_counter()
    figures = [
        "startup", "one_shot", "txn_add", "bulk_import", "import_parallel", "concurrency", "curves_all",
        "migrate_legacy", "sms_worker", "round_trip_table",
    ]
    only = [f for f in a.only.split(",") if f]
    # The SMS figure seeds its own database; the others need the shared seed.
    if not only or set(only) - {"startup", "sms_worker"}:
        b.seed()
    for name in figures:
        if only and name not in only:
            continue
        t = time.perf_counter()
        getattr(b, name)()
        log(f"{name} done in {time.perf_counter() - t:.0f} s")
    b.notes.append(f"Whole run including seeding: {time.perf_counter() - t0:.0f} s.")
    b.report()


if __name__ == "__main__":
    main()
