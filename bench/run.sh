#!/usr/bin/env bash
# `make bench`: benchmarks (not timed tests). Builds the C floors into
# bench/bin, starts its own SecantusDB under .fido-data/bench, seeds it, runs
# every figure with its contenders alternated, and writes the table to
# bench/out/results.md, the curves to bench/out/curves.json and their charts
# to bench/out/*.svg (bench/charts.py). Stops only the server it started.
# Sizes and repeats (defaults in bench.py):
#   BENCH_RUNS=20 BENCH_HEAVY_RUNS=3 BENCH_IMPORT_LINES=10000 BENCH_BATCH=1000
#   BENCH_LIST_LINES=100000 BENCH_CURVE_IMPORT=1000,10000 BENCH_CURVE_AUDIT=100,10000
#   BENCH_CONC_TXNS=10 BENCH_ONLY=startup,one_shot,txn_add,bulk_import,import_parallel,concurrency,curves_all,migrate_legacy,sms_worker,round_trip_table
#   BENCH_CURVE_MIGRATE=1000,10000 BENCH_SMS_ALERTS=200 BENCH_PAR_RUNS=1
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${FIDO_VENV:-$root/.venv}
export FIDO_VENV=$venv
fido=${FIDO_BIN:-$(swift build -c release --show-bin-path)/fido}
[ -x "$fido" ] || { echo "bench: no release build at $fido; run 'make release'" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (Debian package 'time'); run 'make deps'" >&2; exit 1; }

mkdir -p bench/bin bench/out
flags=$(pkg-config --cflags --libs libmongoc-1.0)
for p in floor_get floor_insert floor_bulk floor_add floor_import; do
  if [ ! -x bench/bin/$p ] || [ bench/c/$p.c -nt bench/bin/$p ] || [ bench/c/common.h -nt bench/bin/$p ]; then
    gcc -O2 -Wall -o bench/bin/$p bench/c/$p.c $flags -lpthread
  fi
done
# --no-as-needed: keep the libraries although noop calls nothing in them.
gcc -O2 -Wall -o bench/bin/noop_mongoc bench/c/noop.c -Wl,--no-as-needed $flags
gcc -O2 -Wall -o bench/bin/noop_mongoc_curl bench/c/noop.c -Wl,--no-as-needed $flags $(pkg-config --libs libcurl)

# The start-up reference: a Swift hello world built as fido is (the Makefile's flags).
# shellcheck disable=SC2086 # the flags are words
swift build ${RELEASE_FLAGS:--c release --static-swift-stdlib} --package-path bench/hello >/dev/null
export BENCH_HELLO=$root/bench/hello/.build/release/hello

dir=.fido-data/bench/run-$$
rm -rf "$dir"
scripts/server.sh start "$dir"
trap 'scripts/server.sh stop "'"$dir"'"; rm -rf "'"$dir"'"' EXIT
"$venv/bin/python" bench/bench.py --fido "$fido" --uri "$(scripts/server.sh uri "$dir")" \
  --work "$dir/work" --bin bench/bin --out bench/out/results.md "$@"
"$venv/bin/python" bench/charts.py bench/out/curves.json bench/out
