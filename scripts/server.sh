#!/usr/bin/env bash
# Start or stop one local SecantusDB (MongoDB wire protocol) for fido.
#   scripts/server.sh start DIR [--test]   start on a free loopback port; DIR/port holds the port
#   scripts/server.sh stop DIR             stop the server started in DIR (only that process)
#   scripts/server.sh uri DIR              print its mongodb:// URI
set -euo pipefail
cmd=${1:?usage: server.sh start|stop|uri DIR [--test]}
dir=${2:?usage: server.sh start|stop|uri DIR [--test]}
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${FIDO_VENV:-$here/.venv}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "server already running in $dir on port $(cat "$dir/port")" >&2
    exit 0
  fi
  extra=()
  [ "${3:-}" = "--test" ] && extra+=(--enable-test-commands)
  port=$(free_port)
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path "$dir/data" \
    --log-level WARNING "${extra[@]}" >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  echo "$port" >"$dir/port"
  for _ in $(seq 1 300); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null; then
      echo "SecantusDB listening on 127.0.0.1:$port (pid $(cat "$dir/pid"), data in $dir/data)" >&2
      exit 0
    fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "SecantusDB failed to start; its log:" >&2
      cat "$dir/server.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "SecantusDB did not listen on port $port within 30 s; see $dir/server.log" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pid"
  fi
  ;;
uri)
  echo "mongodb://127.0.0.1:$(cat "$dir/port")"
  ;;
*)
  echo "usage: server.sh start|stop|uri DIR [--test]" >&2
  exit 2
  ;;
esac
