#!/usr/bin/env bash
# `make test` after the build: the whole XCTest suite (unit and integration tests) in
# shards that run at once, each against its OWN fresh SecantusDB started with test
# commands (fail points are server-wide, so shards never share a server).
#   scripts/test.sh TEST_DIR PYTHON
# TEST_DIR holds each shard's server and log while it runs; PYTHON is the venv's python
# (FIDO_TEST_PYTHON). Each shard's output goes to its log and is printed whole as soon as
# the shard ends; the exit status is 1 if any shard failed. On exit, Ctrl-C included,
# every shard still running is ended with its whole process group (the fido, helper and
# server processes its tests started) and every shard's server is stopped.
#
# Most of the suite's time is waiting (timeouts, fail points that hold commands, the
# SMS workers' intervals), not CPU: on 2 shared cores, one run took about 450 s and three
# shards about 160-175 s (four: about 165 s, with more load-driven timeouts). The shards
# are lists of test classes, balanced by the per-class times XCTest prints ("Test Suite
# 'X' passed ... in N seconds"); the last shard runs every class not listed (the unit
# tests, and any new or renamed class), so none is left out.
#
# The bundle runs directly, not through `swift test`, which holds the .build lock while
# its tests run: a second `swift test` would wait for the first.
set -euo pipefail
dir=${1:?usage: test.sh TEST_DIR PYTHON}
python=${2:?usage: test.sh TEST_DIR PYTHON}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

shards=(
  "ImportTests OutcomeTests SecureConnectionTests FaultTests"
  "MigrateLegacyTests MoneyLimitTests SMSCommandTests FuzzTests AuditTests TextSafetyTests ForeignDocumentTests"
)

bin=$(swift build --show-bin-path)
bundle=$bin/fidoPackageTests.xctest
# Every test class, as Module.Class (the bundle lists Module.Class/testName).
mapfile -t classes < <("$bundle" --list-tests | sed -n 's|^\([A-Za-z0-9_]*\.[A-Za-z0-9_]*\)/.*|\1|p' | sort -u)
[ ${#classes[@]} -gt 0 ] || { echo "test.sh: $bundle lists no tests" >&2; exit 1; }

# Each shard as a comma-separated list of Module.Class, the bundle's argument.
specs=()
labels=()
listed=" "
for shard in "${shards[@]}"; do
  spec=""
  for name in $shard; do
    if printf '%s\n' "${classes[@]}" | grep -qx "IntegrationTests\.$name"; then
      spec+="${spec:+,}IntegrationTests.$name"
      listed+="IntegrationTests.$name "
    else
      echo "test.sh: no class IntegrationTests.$name (renamed?); it runs with the rest" >&2
    fi
  done
  if [ -n "$spec" ]; then
    specs+=("$spec")
    labels+=("$(echo "${spec//IntegrationTests./}" | sed 's/,/, /g')")
  fi
done
rest=""
others=0
for class in "${classes[@]}"; do
  [[ $listed == *" $class "* ]] || { rest+="${rest:+,}$class"; others=$((others + 1)); }
done
if [ -n "$rest" ]; then
  specs+=("$rest")
  labels+=("the $others other classes, unit tests included")
fi
n=${#specs[@]}

runs=()
pids=()
declare -A shard_of=()
cleanup() {
  trap - EXIT INT TERM HUP
  local i pgid groups=()
  for i in "${!pids[@]}"; do
    pgid=$(cat "${runs[$i]}/pgid" 2>/dev/null || true)
    if [[ $pgid =~ ^[0-9]+$ ]] && kill -0 "${pids[$i]}" 2>/dev/null; then
      groups+=("$pgid")
      kill -TERM -- "-$pgid" 2>/dev/null || true
    fi
  done
  # Up to 10 s for them to end, then SIGKILL whatever is left.
  for _ in $(seq 1 100); do
    local alive=0
    for pgid in "${groups[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
    [ "$alive" = 1 ] || break
    sleep 0.1
  done
  for pgid in "${groups[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for i in "${!runs[@]}"; do
    scripts/server.sh stop "${runs[$i]}"
    rm -rf "${runs[$i]}"
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for i in "${!specs[@]}"; do
  run=$dir/run-$$-$((i + 1))
  rm -rf "$run"
  runs+=("$run")
  scripts/server.sh start "$run" --test
done
echo "running the tests in $n shards at once, each against its own server; each shard's output follows when it ends"
start=$SECONDS
for i in "${!specs[@]}"; do
  run=${runs[$i]}
  # Its own session and process group (pgid in $run/pgid), so the cleanup can end
  # all it started. NO_COLOR=1 as `swift test` sets it for the bundle.
  setsid -w bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$run/pgid" \
    env FIDO_TEST_URI="$(scripts/server.sh uri "$run")" FIDO_BIN="$bin/fido" \
    FIDO_TEST_PYTHON="$python" NO_COLOR=1 "$bundle" "${specs[$i]}" \
    </dev/null >"$run/log" 2>&1 &
  pids[$i]=$!
  shard_of[$!]=$i
done

failed=()
summary=()
for _ in "${!pids[@]}"; do
  status=0
  wait -n -p done "${pids[@]}" || status=$?
  i=${shard_of[$done]}
  took=$((SECONDS - start))
  if [ "$status" = 0 ]; then verdict=passed; else verdict="FAILED (exit $status)"; failed+=($((i + 1))); fi
  echo
  echo "=== shard $((i + 1)) of $n: $verdict at ${took} s: ${labels[$i]}"
  cat "${runs[$i]}/log"
  summary+=("shard $((i + 1)) $verdict at ${took} s")
  unset "pids[$i]"
done
pids=()
echo
echo "=== $n shards in $((SECONDS - start)) s: $(IFS=';'; echo "${summary[*]}" | sed 's/;/; /g')"
if [ ${#failed[@]} -gt 0 ]; then
  echo "make test: shard(s) ${failed[*]} failed; search the output above for 'error:'" >&2
  exit 1
fi
