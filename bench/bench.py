"""fido's benchmarks: seeds a SecantusDB started by run.sh, runs each figure's
contenders alternately (A B A B …) so machine noise falls on all of them
alike, and prints a markdown table of medians and ratios from this one run.

  bench.py --fido BIN --uri URI --work DIR --out FILE [--runs N] [--heavy-runs N]

Wall times come from posix_spawn + wait4 around each process (stdout and
stderr to files); peak RSS from /usr/bin/time -f %M.
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

    def round_trips(self, name, db, *args):
        """Counts `mongo: →` lines (commands sent) of one fido -v run."""
        err = os.path.join(self.work, "rt.err")
        self.run_ok(self.fido_cmd(db, "-v", *args), stderr=err)
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
        for name, phone in (("get", "+233201234567"), ("add", None), ("a10", None), ("a20k", None), ("l1k", None)):
            args = ["user", "create", "--name", f"Bench {name}", "--email", f"{name}@bench.example", "-q"]
            if phone:
                args += ["--phone", phone]
            ids[name] = self.fido_out("fb_main", *args).strip()
        self.ids = ids
        # Analytics users: 10 and 20,000 transactions through `fido txn import`.
        self.gen("user-lines", f"{w}/a10.ndjson", "10", ids["a10"], "--days", "120")
        self.gen("user-lines", f"{w}/a20k.ndjson", "20000", ids["a20k"], "--days", "120")
        self.gen("user-lines", f"{w}/l1k.ndjson", "1000", ids["l1k"])
        self.fido_out("fb_main", "txn", "import", f"{w}/a10.ndjson")
        t = time.perf_counter()
        self.fido_out("fb_main", "txn", "import", f"{w}/l1k.ndjson")
        self.fido_out("fb_main", "txn", "import", f"{w}/a20k.ndjson")
        log(f"seeded 21,010 transactions through fido txn import in {time.perf_counter() - t:.0f} s")

        # List database: 100,000 transactions for one user, bulk-inserted as
        # the documents fido stores (fido would take minutes on this server),
        # then indexed by `fido db init`, then statistics rebuilt by `db check --repair`.
        self.seed_users("fb_list", 1, "list", f"{w}/list_ids.txt", f"{w}/list_users.json", init=False)
        self.ids["l100k"] = open(f"{w}/list_ids.txt").read().split()[0]
        self.gen("user-lines", f"{w}/l100k.ndjson", "100000", self.ids["l100k"])
        self.gen("docs", f"{w}/l100k.ndjson", f"{w}/list_users.json", f"{w}/l100k.docs.json")
        self.run_ok([f"{self.bin}/floor_bulk", self.uri, "fb_list", f"{w}/l100k.docs.json", "10000"])
        self.fido_out("fb_list", "db", "init")

        # Import databases: 1,000 users each; the floors get fido's indexes too.
        self.seed_users("fb_imp_fido", 1000, "imp", f"{w}/imp_ids.txt", f"{w}/imp_users.json")
        self.gen("import", f"{w}/imp100k.ndjson", str(self.a.import_lines_max), f"{w}/imp_ids.txt")
        with open(f"{w}/imp100k.ndjson") as f, open(f"{w}/imp_big.ndjson", "w") as big, open(
            f"{w}/imp_tiny.ndjson", "w"
        ) as tiny:
            for i, line in enumerate(f):
                if i < self.a.import_lines:
                    big.write(line)
                if i < 100:
                    tiny.write(line)
        self.gen("docs", f"{w}/imp_big.ndjson", f"{w}/imp_users.json", f"{w}/imp_big.docs.json")
        log(f"seeding done in {time.perf_counter() - t0:.0f} s")

    def gen(self, *args):
        self.run_ok([PY, f"{HERE}/gen.py"] + list(args))

    def seed_users(self, db, n, prefix, ids_out, users_out, init=True):
        if init:
            self.fido_out(db, "db", "init")
        self.run_ok([PY, f"{HERE}/seed.py", self.uri, db, str(n), prefix, ids_out, users_out])

    def reset_transactions(self, db):
        """Empties `transactions`, zeroes the users' figures and recreates fido's indexes, outside the timing."""
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
        r = self.alternate(
            [
                ("true", ["/bin/true"]),
                ("C", [f"{self.bin}/noop_mongoc"]),
                ("Ccurl", [f"{self.bin}/noop_mongoc_curl"]),
                ("version", [self.fido, "--version"]),
                ("help", [self.fido, "help"]),
            ],
            n,
            measure=lambda label, cmd: self.spawn(cmd)[0],
        )
        t, c, cc, v, h = (self.med(r[k]) for k in ("true", "C", "Ccurl", "version", "help"))
        fig = f"start-up ({n} runs each)"
        self.add(fig, "`/bin/true` (spawn cost)", f"{t:.2f} ms")
        self.add(fig, "C no-op linked to libmongoc (its constructor runs mongoc_init)", f"{c:.2f} ms")
        self.add(fig, "C no-op linked to libmongoc and libcurl", f"{cc:.2f} ms", f"{cc / c:.2f}× C")
        self.add(fig, "`fido --version`", f"{v:.2f} ms", f"{v / c:.2f}× C", "≤ 5 ms", self.ok(v <= 5))
        self.add(fig, "`fido help`", f"{h:.2f} ms", f"{h / c:.2f}× C", "≤ 5 ms", self.ok(h <= 5))
        self.start = (t, c, v)

    def analytics(self):
        n = self.a.runs
        r = self.alternate(
            [
                ("10", self.fido_cmd("fb_main", "analytics", self.ids["a10"], "-o", "json")),
                ("20k", self.fido_cmd("fb_main", "analytics", self.ids["a20k"], "-o", "json")),
            ],
            n,
        )
        a, b = self.med(r["10"]), self.med(r["20k"])
        fig = f"analytics, no window ({n} runs each)"
        self.add(fig, "user with 10 transactions", f"{a:.1f} ms")
        self.add(fig, "user with 20,000 transactions", f"{b:.1f} ms", f"{b / a:.2f}", "≤ 1.3", self.ok(b / a <= 1.3))
        w = self.alternate(
            [
                ("10", self.fido_cmd("fb_main", "analytics", self.ids["a10"], "--since", "2023-01-01", "-o", "json")),
                ("20k", self.fido_cmd("fb_main", "analytics", self.ids["a20k"], "--since", "2023-01-01", "-o", "json")),
            ],
            3,
        )
        wa, wb = self.med(w["10"]), self.med(w["20k"])
        fig = "analytics `--since` (server aggregation; 3 runs each)"
        self.add(fig, "user with 10 transactions", f"{wa:.1f} ms")
        self.add(fig, "user with 20,000 transactions", f"{wb:.1f} ms", f"{wb / wa:.1f}", "(grows with the window)")

    def txn_add(self):
        n = self.a.runs
        uid = self.ids["add"]
        r = self.alternate(
            [
                ("fido", self.fido_cmd("fb_main", "txn", "add", "--user", uid, "--amount", "21.50", "--type", "credit", "--no-sms", "-o", "json")),
                ("C", [f"{self.bin}/floor_insert", self.uri, "fb_main", uid]),
            ],
            n,
        )
        f, c = self.med(r["fido"]), self.med(r["C"])
        rt, server = self.round_trips(
            "txn add", "fb_main", "txn", "add", "--user", uid, "--amount", "1", "--type", "debit", "--no-sms", "-o", "json"
        )
        fig = f"`txn add` with statistics ({n} runs each)"
        self.add(fig, "C libmongoc insert_one (floor, 1 round trip)", f"{c:.1f} ms")
        self.add(
            fig,
            f"fido ({rt} round trips, {server:.1f} ms of them in commands)",
            f"{f:.1f} ms",
            f"{f / c:.2f}× C",
            "≤ 2.5× C",
            self.ok(f / c <= 2.5),
        )
        self.add_info = (f, c, rt, server)

    def list_streaming(self):
        n = self.a.heavy_runs
        r = self.alternate(
            [
                ("1k", self.fido_cmd("fb_main", "txn", "list", "--user", self.ids["l1k"], "--limit", "0", "-o", "ndjson")),
                ("100k", self.fido_cmd("fb_list", "txn", "list", "--user", self.ids["l100k"], "--limit", "0", "-o", "ndjson")),
            ],
            n,
            measure=lambda label, cmd: self.timed_rss(cmd),
        )
        a = self.med([x[1] for x in r["1k"]]) / 1024
        b = self.med([x[1] for x in r["100k"]]) / 1024
        ta = self.med([x[0] for x in r["1k"]])
        tb = self.med([x[0] for x in r["100k"]])
        fig = f"`txn list --limit 0 -o ndjson` peak RSS ({n} runs each)"
        self.add(fig, f"1,000 transactions ({ta / 1000:.2f} s)", f"{a:.1f} MiB")
        self.add(
            fig,
            f"100,000 transactions ({tb / 1000:.1f} s)",
            f"{b:.1f} MiB",
            f"{b / a:.2f}",
            "≤ 1.2, ≤ 30 MiB",
            self.ok(b / a <= 1.2 and b <= 30),
        )

    def bulk_import(self):
        n = self.a.heavy_runs
        w = self.work
        lines = self.a.import_lines
        dbs = {"fido": "fb_imp_fido", "C": "fb_imp_c", "pymongo": "fb_imp_py"}
        for db in ("fb_imp_c", "fb_imp_py"):
            self.fido_out(db, "db", "init")
        r = self.alternate(
            [
                ("fido", self.fido_cmd("fb_imp_fido", "txn", "import", f"{w}/imp_big.ndjson", "-o", "json")),
                ("C", [f"{self.bin}/floor_bulk", self.uri, "fb_imp_c", f"{w}/imp_big.docs.json"]),
                ("pymongo", [PY, f"{HERE}/py_bulk.py", self.uri, "fb_imp_py", f"{w}/imp_big.docs.json"]),
            ],
            n,
            prepare=lambda label: self.reset_transactions(dbs[label]),
            measure=lambda label, cmd: self.timed_rss(cmd),
        )
        f, c, p = (self.med([x[0] for x in r[k]]) for k in ("fido", "C", "pymongo"))
        self.import_rates = (lines / f * 1000, lines / c * 1000)
        fig = f"bulk import of {lines:,} lines for 1,000 users ({n} runs each)"
        self.add(fig, "C libmongoc insert_many, batches of 1000 (floor)", f"{lines / c * 1000:,.0f} lines/s ({c / 1000:.1f} s)")
        self.add(fig, "pymongo insert_many, batches of 1000", f"{lines / p * 1000:,.0f} lines/s ({p / 1000:.1f} s)", f"{c / p:.2f}× C")
        self.add(
            fig,
            "`fido txn import` (validation, statistics)",
            f"{lines / f * 1000:,.0f} lines/s ({f / 1000:.1f} s)",
            f"{c / f:.2f}× C",
            "≥ 0.8× C",
            self.ok(c / f >= 0.8),
        )
        big_rss = self.med([x[1] for x in r["fido"]]) / 1024
        # Memory: the whole write path over ten times the lines (one run: it
        # takes a minute or two on this server).
        mx = self.a.import_lines_max
        self.reset_transactions("fb_imp_fido")
        max_ms, max_rss = self.timed_rss(self.fido_cmd("fb_imp_fido", "txn", "import", f"{w}/imp100k.ndjson", "-o", "json"))
        max_rss /= 1024
        fig2 = "`fido txn import` peak RSS"
        self.add(fig2, f"{lines:,} lines", f"{big_rss:.1f} MiB")
        self.add(
            fig2, f"{mx:,} lines (1 run, {mx / max_ms * 1000:,.0f} lines/s)", f"{max_rss:.1f} MiB",
            f"{max_rss / big_rss:.2f}", "≤ 1.2 (flat)", self.ok(max_rss / big_rss <= 1.2),
        )
        dry = {}
        for label, path in (("big", f"{w}/imp_big.ndjson"), ("max", f"{w}/imp100k.ndjson")):
            dry[label] = self.med(
                [self.timed_rss(self.fido_cmd("fb_imp_fido", "txn", "import", path, "--dry-run", "-o", "json"))[1] for _ in range(n)]
            ) / 1024
        self.add(fig2, f"`--dry-run` {lines:,} lines (read + validate passes)", f"{dry['big']:.1f} MiB")
        self.add(
            fig2, f"`--dry-run` {mx:,} lines", f"{dry['max']:.1f} MiB", f"{dry['max'] / dry['big']:.2f}", "≤ 1.2 (flat)",
            self.ok(dry["max"] / dry["big"] <= 1.2),
        )
        # Where fido's import time goes: the server's time per command kind.
        self.reset_transactions("fb_imp_fido")
        wall, split = self.server_split("fb_imp_fido", "txn", "import", f"{w}/imp_big.ndjson", "-o", "json")
        parts = ", ".join(f"{k} ×{n_} {t / 1000:.1f} s" for k, (n_, t) in sorted(split.items(), key=lambda kv: -kv[1][1]))
        total = sum(t for _, t in split.values())
        self.notes.append(
            f"`fido txn import` of {lines:,} lines, one `-v` run: {wall / 1000:.1f} s wall, {total / 1000:.1f} s of it "
            f"waiting for commands ({parts}); the C floor sends only the inserts."
        )

    def migrate_legacy(self):
        """`db migrate-legacy` of the old service's data: 1,000 users and
        `--legacy-transactions` transactions made by scripts/legacy_gen.py
        (about 80% of the users have a password to hash). One run each: the
        migration takes minutes on this server."""
        n = self.a.legacy_transactions
        w = self.work
        t = time.perf_counter()
        self.run_ok(
            [PY, f"{ROOT}/scripts/legacy_gen.py", self.uri, "fb_legacy", "--users", "1000", "--transactions", str(n), "--seed", "1"],
            stdout=f"{w}/legacy_manifest.json",
        )
        log(f"legacy data generated in {time.perf_counter() - t:.0f} s")
        target = "fb_legacy_fido"
        self.run_ok([PY, "-c", "import pymongo, sys; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])", self.uri, target])
        args = ("db", "migrate-legacy", "--from-db", "fb_legacy", "-o", "json")
        dry_ms, dry_rss = self.timed_rss(self.fido_cmd(target, *args, "--dry-run"))
        out = f"{w}/migrate.json"
        ms, rss = self.timed_rss(self.fido_cmd(target, *args), stdout=out)
        rec = json.load(open(out))
        if rec.get("transactions_inserted") != n or not rec.get("reconciled"):
            raise SystemExit(f"bench: the migration did not copy {n} transactions: {rec}")
        again_ms, _ = self.timed_rss(self.fido_cmd(target, *args))
        # The write path alone: the same data without passwords to hash.
        self.run_ok([PY, "-c", NO_PASSWORDS, self.uri, "fb_legacy", target], stdout=f"{w}/hashed.txt")
        hashed = int(open(f"{w}/hashed.txt").read())
        bare_ms, bare_rss = self.timed_rss(self.fido_cmd(target, *args))
        rate = n / ms * 1000
        fig = f"`db migrate-legacy` of {n:,} legacy transactions for 1,000 users (1 run)"
        ratio = ""
        if hasattr(self, "import_rates"):
            imp, floor = self.import_rates
            self.add(fig, "`fido txn import` (from the import figure)", f"{imp:,.0f} lines/s")
            ratio = f"{rate / imp:.2f}× import, {rate / floor:.2f}× C"
        self.add(
            fig,
            f"fido: validation, password hashing, writes, read-back ({rss / 1024:.1f} MiB peak)",
            f"{rate:,.0f} transactions/s ({ms / 1000:.1f} s)",
            ratio,
        )
        bare = n / bare_ms * 1000
        self.add(
            fig,
            f"fido, the same data without passwords: the write path alone ({bare_rss / 1024:.1f} MiB peak)",
            f"{bare:,.0f} transactions/s ({bare_ms / 1000:.1f} s)",
            f"{bare / self.import_rates[0]:.2f}× import" if hasattr(self, "import_rates") else "",
        )
        self.add(fig, f"`--dry-run` (reads and validates; {dry_rss / 1024:.1f} MiB peak)", f"{dry_ms / 1000:.1f} s")
        self.notes.append(
            f"`db migrate-legacy`: the {hashed} legacy passwords, hashed with scrypt as `user create` hashes "
            f"(N = 2^15, 32 MiB, about 0.1 s of CPU each; on every CPU at once), account for about "
            f"{(ms - bare_ms) / 1000:.0f} s of its {ms / 1000:.0f} s; the rest is mostly the server's."
        )
        self.add(fig, "run again (everything already migrated: skipped)", f"{again_ms / 1000:.1f} s")

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

    def round_trip_table(self):
        m = self.ids
        self.round_trips("user get", "fb_main", "user", "get", m["get"], "-o", "json")
        self.round_trips("analytics (no window), 10 transactions", "fb_main", "analytics", m["a10"], "-o", "json")
        self.round_trips("analytics (no window), 20,000 transactions", "fb_main", "analytics", m["a20k"], "-o", "json")
        self.round_trips("analytics --since, 20,000 transactions", "fb_main", "analytics", m["a20k"], "--since", "2023-01-01", "-o", "json")
        self.round_trips("txn list (1,000, --limit 0)", "fb_main", "txn", "list", "--user", m["l1k"], "--limit", "0", "-o", "ndjson")
        self.round_trips("txn list (100 of 1,000)", "fb_main", "txn", "list", "--user", m["l1k"], "-o", "ndjson")
        self.reset_transactions("fb_imp_fido")
        self.round_trips("txn import (100 lines)", "fb_imp_fido", "txn", "import", f"{self.work}/imp_tiny.ndjson", "-o", "json")

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
        out.append(
            f"Machine: {os.cpu_count()} CPUs (nproc), {cpu}, {platform.system()} {platform.release()}. "
            f"{version}, libmongoc {libmongoc}, {server} on 127.0.0.1, {pym}, Python {platform.python_version()}."
        )
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
        out.append("| command | round trips | commands | time in commands |")
        out.append("|---|---|---|---|")
        for name, n, kinds, server in self.rt:
            out.append(f"| {name} | {n} | {kinds} | {server:.1f} ms |")
        if self.notes:
            out.append("")
            for n in self.notes:
                out.append(f"- {n}")
        text = "\n".join(out) + "\n"
        os.makedirs(os.path.dirname(self.a.out), exist_ok=True)
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
    p.add_argument("--legacy-transactions", type=int, default=int(os.environ.get("BENCH_LEGACY_TRANSACTIONS", "100000")))
    p.add_argument("--sms-alerts", type=int, default=int(os.environ.get("BENCH_SMS_ALERTS", "200")))
    p.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="comma-separated figures")
    a = p.parse_args()
    b = Bench(a)
    t0 = time.perf_counter()
    b.seed()
    figures = [
        "startup", "one_shot", "analytics", "txn_add", "list_streaming", "bulk_import", "migrate_legacy",
        "sms_worker", "round_trip_table",
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
