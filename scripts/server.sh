#!/usr/bin/env bash
# Start or stop one local SecantusDB (MongoDB wire protocol, one-node replica set) for fido.
#   scripts/server.sh start DIR [--test]   start on a free loopback port; DIR/port holds the port
#   scripts/server.sh serve DIR PORT       `make server`: a detached server that stays up, on PORT
#                                          when it is free, else the port DIR used last, else any;
#                                          data in DIR/data kept across restarts; says if already up
#   scripts/server.sh stop DIR [--report]  stop the server started in DIR (only that process)
#   scripts/server.sh uri DIR              print its mongodb:// URI
# A server counts as DIR's only while DIR/pid names a live SecantusDB whose storage path is
# DIR/data, so a stale pid file (the process gone, its pid reused) never gets anything killed.
set -euo pipefail
usage="usage: server.sh start DIR [--test] | serve DIR PORT | stop DIR [--report] | uri DIR"
cmd=${1:?$usage}
dir=${2:?$usage}
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${FIDO_VENV:-$here/.venv}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Whether 127.0.0.1:PORT can be listened on. SO_REUSEADDR as the server sets it, so a
# port left in TIME_WAIT by a server just stopped counts as free; a listener does not.
port_free() {
  python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}

# The pid of DIR's running server, or nothing.
ours() {
  [ -f "$dir/pid" ] || return 1
  local pid arg prev="" path=""
  pid=$(cat "$dir/pid")
  [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  while IFS= read -r -d '' arg; do
    [ "$prev" = --storage-path ] && path=$arg
    prev=$arg
  done <"/proc/$pid/cmdline"
  [ -n "$path" ] || return 1
  case $path in /*) ;; *) path=$(readlink -f "/proc/$pid/cwd")/$path ;; esac
  [ "$(readlink -f "$path")" = "$(readlink -f "$dir/data")" ] || return 1
  echo "$pid"
}

uri() { echo "mongodb://127.0.0.1:$(cat "$dir/port")"; }

# Whether process PID listens on 127.0.0.1:PORT: not merely something else that took the
# port between our check and the server's bind.
listens() {
  if command -v ss >/dev/null; then
    ss -ltnpH "sport = :$2" 2>/dev/null | grep -q "pid=$1,"
  else
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $2), 0.2).close()" 2>/dev/null
  fi
}

# launch PORT DETACH [extra args...]: start the server and wait until it listens.
launch() {
  local port=$1 detach=$2 pid
  shift 2
  rm -f "$dir/pid"
  echo "$port" >"$dir/port"
  local run=("$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path "$dir/data"
    --log-level WARNING "$@")
  if [ "$detach" = 1 ]; then
    # Its own session, stdin closed: it outlives make and never sees the terminal's
    # Ctrl-C or hang-up. The child writes its own pid, then becomes the server.
    setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$dir/pid" "${run[@]}" \
      </dev/null >>"$dir/server.log" 2>&1 8>&- &
  else
    "${run[@]}" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/pid"
  fi
  for _ in $(seq 1 300); do
    pid=$(cat "$dir/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && listens "$pid" "$port"; then
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "SecantusDB failed to start; the end of its log ($dir/server.log):" >&2
      tail -n 20 "$dir/server.log" >&2
      rm -f "$dir/pid"
      exit 1
    fi
    sleep 0.1
  done
  echo "SecantusDB did not listen on port $port within 30 s; see $dir/server.log" >&2
  exit 1
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if pid=$(ours); then
    echo "server already running in $dir on port $(cat "$dir/port") (pid $pid)" >&2
    exit 0
  fi
  extra=()
  [ "${3:-}" = "--test" ] && extra+=(--enable-test-commands)
  launch "$(free_port)" 0 "${extra[@]}"
  echo "SecantusDB listening on 127.0.0.1:$(cat "$dir/port") (pid $(cat "$dir/pid"), data in $dir/data)" >&2
  ;;
serve)
  preferred=${3:?$usage}
  mkdir -p "$dir"
  exec 8>"$dir/lock"
  flock 8 # two `make server` at once: the second waits, then finds the first's server
  if pid=$(ours); then
    echo "SecantusDB is already running (pid $pid), at $(uri); data in $dir/data"
    [ "$(cat "$dir/port")" = "$preferred" ] || echo "  export MONGO_URI=$(uri)"
    exit 0
  fi
  last=$(cat "$dir/port" 2>/dev/null || true)
  if port_free "$preferred"; then
    port=$preferred
  elif [[ $last =~ ^[0-9]+$ ]] && port_free "$last"; then
    port=$last # the port the user's MONGO_URI already names
  else
    port=$(free_port)
  fi
  launch "$port" 1
  echo "SecantusDB is running on 127.0.0.1:$port (pid $(cat "$dir/pid")); data in $dir/data, log in $dir/server.log"
  if [ "$port" = "$preferred" ]; then
    echo "fido uses it with no settings: try 'fido user list'. Stop it with 'make server-stop'."
  else
    echo "Port $preferred is taken, so it listens on $port. Point fido at it, then try 'fido user list':"
    echo "  export MONGO_URI=$(uri)"
    echo "Stop it with 'make server-stop'."
  fi
  ;;
stop)
  report=${3:-}
  if pid=$(ours); then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
    [ -z "$report" ] || echo "SecantusDB stopped (pid $pid, $(uri)); its data stays in $dir/data"
  else
    rm -f "$dir/pid"
    [ -z "$report" ] || echo "no SecantusDB from $dir is running; nothing to stop"
  fi
  ;;
uri)
  uri
  ;;
*)
  echo "$usage" >&2
  exit 2
  ;;
esac
