#!/usr/bin/env bash
# Load test of `qoltanba serve` on its demo configuration: POST /v1/verify with a fixture signature
# (JSON, base64) over keep-alive connections. First the in-process rate of the same verification
# (the criterion bench `full/rsa2048`, one core), then the server flat out with `wrk` (the lighter
# generator: it leaves more of the shared cores to the server), then `oha` at half that rate for
# the latency. Prints requests/s, latency, errors, the CPU each side spends per request, the ratio
# to the in-process rate scaled to all cores, and the server's RSS over the run.
#
#   bash benches/load.sh                     # 30 s per run
#   DURATION=5m bash benches/load.sh         # the memory-flatness run
#
# Settings (environment): DURATION (30s), CONNECTIONS (16), PORT (18080), SAMPLE
# (fixtures/samples/individual-attached.cms, an RSA-2048 signature like the bench's), BENCH
# (full/rsa2048; empty to skip the in-process run), AT (2026-06-01T12:00:00Z), OUT (target/load),
# SERVER_CPUS and GENERATOR_CPUS (`taskset` CPU lists: with both set, the server, the in-process
# bench and the generators are pinned, e.g. SERVER_CPUS=0 GENERATOR_CPUS=1 for one core each), BIN
# (a `qoltanba` binary to run instead of building target/release/qoltanba).
#
# GOST (the NCA's keys since 2024), server on core 0, generator on core 1:
#   SAMPLE=fixtures/gost/samples/individual-attached.cms BENCH=gost/full/gost2015_512 \
#     SERVER_CPUS=0 GENERATOR_CPUS=1 bash benches/load.sh
# Installs wrk (Debian package) and oha (`cargo install oha --locked`) when missing; needs curl and
# python3. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}
SAMPLE=${SAMPLE:-fixtures/samples/individual-attached.cms}
AT=${AT:-2026-06-01T12:00:00Z}
OUT=${OUT:-target/load}
BENCH=${BENCH-full/rsa2048}
URL="http://127.0.0.1:${PORT}/v1/verify"
SERVER_CPUS=${SERVER_CPUS:-}
GENERATOR_CPUS=${GENERATOR_CPUS:-}
# `on_server_cpus CMD…` / `on_generator_cpus CMD…`: run pinned when pinning is asked for.
on_server_cpus() { if [ -n "$SERVER_CPUS" ]; then taskset -c "$SERVER_CPUS" "$@"; else "$@"; fi; }
on_generator_cpus() { if [ -n "$GENERATOR_CPUS" ]; then taskset -c "$GENERATOR_CPUS" "$@"; else "$@"; fi; }

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v oha >/dev/null; then
    echo "== installing oha"
    cargo install oha --locked
fi
if ! command -v wrk >/dev/null; then
    echo "== installing wrk"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get install -y wrk >/dev/null
fi
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done

if [ -n "${BIN:-}" ]; then
    echo "== using $BIN"
else
    BIN="${CARGO_TARGET_DIR:-target}/release/qoltanba"
    echo "== building $BIN"
    cargo build --release --bin qoltanba
fi

mkdir -p "$OUT"
BODY="$OUT/body.json"
printf '{"signature":"%s","at":"%s"}' "$(base64 -w0 "$SAMPLE")" "$AT" >"$BODY"
# wrk sends the same body on every request.
cat >"$OUT/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("$BODY", "rb"))
wrk.body = f:read("*all")
f:close()
LUA

# The in-process rate of the same verification, on the server's CPUs. It is measured before and
# after the HTTP runs and the two are averaged: on a shared machine a core's speed drifts by several
# per cent within minutes, which a single measurement would put into the ratio.
in_process_rate() { # file
    echo "== in-process rate: cargo bench --bench verify -- $BENCH (one core)"
    on_server_cpus cargo bench --bench verify -- "$BENCH" --output-format bencher 2>/dev/null | tee "$1" | grep '^test'
    python3 -c '
import re, sys
m = re.search(r"bench:\s+([\d,]+) ns/iter", open(sys.argv[1]).read())
print(round(1e9 / int(m.group(1).replace(",", ""))) if m else "")' "$1" >"$1.rate"
}
IN_PROCESS=""
if [ -n "$BENCH" ]; then
    in_process_rate "$OUT/bench.txt"
fi

echo "== starting qoltanba serve (demo configuration) on 127.0.0.1:${PORT}"
QOLTANBA_LISTEN="127.0.0.1:${PORT}" QOLTANBA_LOG__LEVEL=warn \
    ${SERVER_CPUS:+taskset -c "$SERVER_CPUS"} "$BIN" serve 2>"$OUT/server.log" &
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
on_generator_cpus oha --no-tui -z 3s -w -c "$CONNECTIONS" -m POST -T application/json -D "$BODY" "$URL" >/dev/null
RSS_START=$(rss)
(while kill -0 "$SERVER" 2>/dev/null; do rss; sleep 10; done) >"$OUT/rss.log" 2>/dev/null &
SAMPLER=$!
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
TICKS_START=$(cpu_ticks)

# Flat out with wrk; its own CPU time is read from the child's rusage.
run_wrk() { # name
    on_generator_cpus python3 - "$OUT/$1.txt" wrk --latency -t1 -c "$CONNECTIONS" -d "$DURATION" -s "$OUT/post.lua" "$URL" <<'PY'
import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    code = subprocess.call(sys.argv[2:], stdout=out)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "a") as out:
    out.write(f"generator cpu seconds: {r.ru_utime + r.ru_stime:.3f}\n")
sys.exit(code)
PY
}
# At a fixed rate with oha (wrk has no rate limit), latency-corrected.
run_oha() { # name, extra oha options...
    local name=$1
    shift
    on_generator_cpus oha --no-tui --output-format json -z "$DURATION" -w -c "$CONNECTIONS" -m POST \
        -T application/json -D "$BODY" "$@" "$URL" >"$OUT/$name.json"
}

echo "== flat out (wrk): ${DURATION}, ${CONNECTIONS} keep-alive connections"
run_wrk max
TICKS_MAX=$(cpu_ticks)
MAX=$(python3 -c 'import re,sys; print(int(float(re.search(r"Requests/sec:\s+([\d.]+)", open(sys.argv[1]).read()).group(1))))' "$OUT/max.txt")
HALF=$((MAX / 2))
echo "== at half that rate (oha -q ${HALF}) for the latency"
run_oha half -q "$HALF" --latency-correction
RSS_END=$(rss)
kill "$SAMPLER" 2>/dev/null || true
if [ -n "$BENCH" ]; then
    in_process_rate "$OUT/bench-after.txt"
    IN_PROCESS=$(python3 -c 'import sys; r = [int(open(f).read()) for f in sys.argv[1:]]; print(round(sum(r) / len(r)))' \
        "$OUT/bench.txt.rate" "$OUT/bench-after.txt.rate")
    echo "in-process before $(cat "$OUT/bench.txt.rate") /s, after $(cat "$OUT/bench-after.txt.rate") /s"
fi

echo
if [ -n "$SERVER_CPUS" ] && [ -n "$GENERATOR_CPUS" ]; then
    echo "== results (${SAMPLE}, server on CPU ${SERVER_CPUS}, load generator on CPU ${GENERATOR_CPUS})"
else
    echo "== results (${SAMPLE}, $(nproc) cores shared by server and load generator)"
fi
python3 - "$OUT/max.txt" "$OUT/half.json" "$((TICKS_MAX - TICKS_START))" "$(getconf CLK_TCK)" \
    "${IN_PROCESS:-0}" "$(on_server_cpus nproc)" <<'PY'
import json, re, sys
wrk = open(sys.argv[1]).read()
half = json.load(open(sys.argv[2]))
server_seconds = int(sys.argv[3]) / int(sys.argv[4])
in_process, cores = int(sys.argv[5]), int(sys.argv[6])

def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

rps = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
n = int(re.search(r"(\d+) requests in", wrk).group(1))
pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", wrk, re.M))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
socket = re.search(r"Socket errors: (.*)", wrk)
maximum = re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", wrk).group(1)
generator = float(re.search(r"generator cpu seconds: ([\d.]+)", wrk).group(1))
print(f"  flat out: {rps:9.1f} req/s   p50 {ms(pct['50']):7.2f} ms   p99 {ms(pct['99']):7.2f} ms   "
      f"max {ms(maximum):7.2f} ms   non-2xx {non2xx.group(1) if non2xx else 0}   "
      f"socket errors {socket.group(1) if socket else 'none'}   ({n} requests, wrk)")
s, p = half["summary"], half["latencyPercentiles"]
codes = half.get("statusCodeDistribution", {})
errors = sum(half.get("errorDistribution", {}).values())
non200 = sum(k for c, k in codes.items() if c != "200")
print(f"      half: {s['requestsPerSec']:9.1f} req/s   p50 {p['p50']*1000:7.2f} ms   "
      f"p99 {p['p99']*1000:7.2f} ms   max {s['slowest']*1000:7.2f} ms   "
      f"non-200 {non200}   errors {errors}   ({sum(codes.values())} requests, oha)")
if half.get("errorDistribution"):
    print("            errors:", half["errorDistribution"])
print(f"CPU per request in the flat-out run: server {server_seconds / n * 1e6:.1f} us, "
      f"wrk {generator / n * 1e6:.1f} us")
if in_process:
    print(f"in-process: {in_process} verifications/s on one core = {1e6 / in_process:.1f} us; "
          f"flat out = {rps / in_process:.0%} of one core's rate, "
          f"{rps / (in_process * cores):.0%} of the in-process rate scaled to {cores} cores")
PY
echo "server RSS: start ${RSS_START}, end ${RSS_END}; every 10 s (kB): $(awk '{printf "%s ", $1}' "$OUT/rss.log")"
