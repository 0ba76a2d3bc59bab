#!/usr/bin/env bash
# Load test of `qoltanba serve` on its demo configuration: POST /v1/verify with a fixture signature
# (JSON, base64) over keep-alive connections, first flat out, then at half that rate for the
# latency. Prints requests/s, p50/p99 latency, errors, and the server's RSS at start and end.
#
#   bash benches/load.sh                     # 30 s per run
#   DURATION=5m bash benches/load.sh         # the memory-flatness run
#
# Settings (environment): DURATION (30s), CONNECTIONS (16), PORT (18080), SAMPLE
# (fixtures/samples/individual-attached.cms), AT (2026-06-01T12:00:00Z), OUT (target/load).
# Needs oha (installed with `cargo install oha --locked` when missing), curl and python3.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}
SAMPLE=${SAMPLE:-fixtures/samples/individual-attached.cms}
AT=${AT:-2026-06-01T12:00:00Z}
OUT=${OUT:-target/load}
URL="http://127.0.0.1:${PORT}/v1/verify"

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v oha >/dev/null; then
    echo "== installing oha"
    cargo install oha --locked
fi
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

BIN="${CARGO_TARGET_DIR:-target}/release/qoltanba"
echo "== building $BIN"
cargo build --release --bin qoltanba

mkdir -p "$OUT"
BODY="$OUT/body.json"
printf '{"signature":"%s","at":"%s"}' "$(base64 -w0 "$SAMPLE")" "$AT" >"$BODY"

echo "== starting qoltanba serve (demo configuration) on 127.0.0.1:${PORT}"
QOLTANBA_LISTEN="127.0.0.1:${PORT}" QOLTANBA_LOG__LEVEL=warn \
    "$BIN" serve 2>"$OUT/server.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
    sleep 0.1
done
rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$SERVER/status"; }

# One call, to show what is measured.
curl -fsS -H 'content-type: application/json' --data-binary @"$BODY" "$URL" |
    python3 -c 'import json,sys; v=json.load(sys.stdin); print("one call:", v["status"], v["reason"])'

# Warm-up, then the measured runs. CPU time of the server per request tells what one verification
# costs over HTTP, whatever else the machine is doing.
oha --no-tui -z 3s -w -c "$CONNECTIONS" -m POST -T application/json -D "$BODY" "$URL" >/dev/null
RSS_START=$(rss)
(while kill -0 "$SERVER" 2>/dev/null; do rss; sleep 10; done) >"$OUT/rss.log" 2>/dev/null &
SAMPLER=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
TICKS_START=$(cpu_ticks)

run() { # name, extra oha options...
    local name=$1
    shift
    oha --no-tui --output-format json -z "$DURATION" -w -c "$CONNECTIONS" -m POST \
        -T application/json -D "$BODY" "$@" "$URL" >"$OUT/$name.json"
}
summary() { # name
    python3 - "$OUT/$1.json" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
errors = sum(r.get("errorDistribution", {}).values())
non200 = sum(n for c, n in codes.items() if c != "200")
print(f"{sys.argv[2]:>10}: {s['requestsPerSec']:9.1f} req/s   p50 {p['p50']*1000:7.2f} ms   "
      f"p99 {p['p99']*1000:7.2f} ms   max {s['slowest']*1000:7.2f} ms   "
      f"non-200 {non200}   errors {errors}   status codes {codes}")
if r.get("errorDistribution"):
    print("            errors:", r["errorDistribution"])
PY
}
rps() {
    python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["summary"]["requestsPerSec"]))' "$OUT/$1.json"
}

echo "== flat out: ${DURATION}, ${CONNECTIONS} keep-alive connections"
run max
TICKS_MAX=$(cpu_ticks)
MAX=$(rps max)
HALF=$((MAX / 2))
echo "== at half that rate (${HALF} req/s) for the latency"
run half -q "$HALF" --latency-correction
RSS_END=$(rss)
kill "$SAMPLER" 2>/dev/null || true

echo
echo "== results (${SAMPLE}, $(nproc) cores shared by server and load generator)"
summary max
summary half
python3 - "$OUT/max.json" "$((TICKS_MAX - TICKS_START))" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = sum(r["statusCodeDistribution"].values())
seconds = int(sys.argv[2]) / int(sys.argv[3])
print(f"server CPU in the flat-out run: {seconds:.1f} s for {n} requests = {seconds / n * 1e6:.1f} us per request")
PY
echo "server RSS: start ${RSS_START}, end ${RSS_END}; every 10 s (kB): $(awk '{printf "%s ", $1}' "$OUT/rss.log")"
