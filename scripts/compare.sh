#!/usr/bin/env bash
# Runs the same SigV4-signed request mix against moto's server and against this emulator,
# side by side on loopback in one run, and prints the emulator's throughput as a multiple
# of moto's. moto is installed in a throw-away virtual environment (PyPI must be
# reachable); nothing is left behind. See BENCHMARKS.md.
#
#   scripts/compare.sh                  # GetParameter (String, SecureString), by path,
#                                       # PutParameter, Encrypt, Decrypt at 1 and 32 connections
#   OPS=get-string,decrypt DURATION=5 scripts/compare.sh
#   WORKERS=1 scripts/compare.sh        # the emulator with EMULATOR_WORKERS=1
set -euo pipefail
cd "$(dirname "$0")/.."

OPS=${OPS:-get-string,get-secure,by-path,put,encrypt,decrypt}
CONCURRENCY=${CONCURRENCY:-1,32}
DURATION=${DURATION:-2}
WARMUP=${WARMUP:-0.5}
WORKERS=${WORKERS:-}

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits (at most 60 s) until something listens on 127.0.0.1:$1; $2 is the server's pid.
wait_for_port() {
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "compare: the server on port $1 exited" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "compare: nothing listens on port $1 after 60 s" >&2
  return 1
}

echo "== building the emulator and the bench (release)"
cargo build --release -p emulator -p bench

echo "== installing moto[server] in a throw-away virtual environment"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]"
moto_version=$("$work/venv/bin/python" -c 'import moto; print(moto.__version__)')

moto_port=$(free_port)
"$work/venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
pids+=("$moto_pid")

target/release/bench --write-fixtures "$work/fixtures" >/dev/null
emulator_port=$(free_port)
emulator_env=(-u EMULATOR_WORKERS RUST_LOG=info)
if [ -n "$WORKERS" ]; then
  emulator_env=(RUST_LOG=info "EMULATOR_WORKERS=$WORKERS")
fi
env "${emulator_env[@]}" target/release/emulator --listen "127.0.0.1:$emulator_port" \
  --fixtures "$work/fixtures" >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
pids+=("$emulator_pid")

wait_for_port "$moto_port" "$moto_pid"
wait_for_port "$emulator_port" "$emulator_pid"

common=(--ops "$OPS" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP")
echo "== emulator (pid $emulator_pid, port $emulator_port${WORKERS:+, EMULATOR_WORKERS=$WORKERS})"
target/release/bench --endpoint "http://127.0.0.1:$emulator_port" --pid "$emulator_pid" \
  "${common[@]}" --json "$work/emulator.json"
echo
echo "== moto $moto_version (moto_server, pid $moto_pid, port $moto_port)"
target/release/bench --endpoint "http://127.0.0.1:$moto_port" --target moto --pid "$moto_pid" \
  "${common[@]}" --json "$work/moto.json"
echo

echo "== emulator / moto"
python3 - "$work/emulator.json" "$work/moto.json" <<'PY'
import json
import sys

emulator = json.load(open(sys.argv[1]))
moto = json.load(open(sys.argv[2]))
key = lambda p: (p["op"], p["concurrency"])
theirs = {key(p): p for p in moto["phases"]}
print(f"{'operation':<40} {'conn':>4} {'emulator req/s':>15} {'moto req/s':>11} {'ratio':>8}"
      f" {'emulator p99':>13} {'moto p99':>10}")
misses = 0
for ours in emulator["phases"]:
    other = theirs.get(key(ours))
    if other is None:
        continue
    ratio = ours["rps"] / other["rps"] if other["rps"] else float("inf")
    verdict = ""
    if ours["concurrency"] == 32 and ours["op"] in ("get-string", "decrypt"):
        ok = ratio >= 100
        misses += not ok
        verdict = "  PASS (target >= 100x)" if ok else "  MISS (target >= 100x)"
    print(f"{ours['label']:<40} {ours['concurrency']:>4} {ours['rps']:>15.0f} {other['rps']:>11.0f}"
          f" {ratio:>7.1f}x {ours['p99_us'] / 1000:>11.2f}ms {other['p99_us'] / 1000:>8.2f}ms{verdict}")
if misses:
    print(f"{misses} throughput target(s) missed")
PY
