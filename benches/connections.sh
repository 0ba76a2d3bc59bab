#!/usr/bin/env bash
# Memory under connection load (issue 18, finding 7): `qoltanba serve` (demo configuration,
# release build) with CONNECTIONS (400) clients at once, each POSTing a BODY_BYTES (1 MB) JSON body
# to /v1/verify slowly (in CHUNK-byte pieces, PAUSE seconds apart). The server's RSS is sampled
# from /proc/PID/status every 0.1 s during the run; the peak (sampled, and the kernel's VmHWM) is
# printed. A client answered 503 busy (or whose connection was reset after such an answer) retries
# after Retry-After, as a well-behaved client would; the counts of first answers, retries and final
# answers are printed. Then SIMULTANEOUS (1000) clients connect at once, each asking GET /healthz
# and then keeping its connection HOLD (2) seconds: how many were accepted and answered, and how
# soon (past limits.max_connections they wait in the listen backlog for a served one to close).
#
#   bash benches/connections.sh
#   MAX_CONNECTIONS=100000 MAX_BODIES=100000 bash benches/connections.sh   # (almost) no admission
#   BIN=/path/to/old/qoltanba bash benches/connections.sh                   # another build
#
# Settings (environment): CONNECTIONS (400), BODY_BYTES (1048576), CHUNK (65536), PAUSE (0.05),
# SIMULTANEOUS (1000), HOLD (2), PORT (18090), OUT (target/connections), BIN (a `qoltanba` binary
# instead of building target/release/qoltanba), MAX_CONNECTIONS, MAX_BODIES, BODY_WAIT_MS (the
# limits.max_connections, limits.max_concurrent_bodies and limits.body_wait_ms of the server; the
# defaults when unset). The body: individual-detached.cms with about 0.75 MB of data, base64, so
# that the server reads, parses and decodes a whole megabyte and hashes the data (the verdict is
# invalid: the data is not what was signed). Needs python3 and curl; traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-400}
BODY_BYTES=${BODY_BYTES:-1048576}
CHUNK=${CHUNK:-65536}
PAUSE=${PAUSE:-0.05}
SIMULTANEOUS=${SIMULTANEOUS:-1000}
HOLD=${HOLD:-2}
PORT=${PORT:-18090}
OUT=${OUT:-target/connections}
SAMPLE=fixtures/samples/individual-detached.cms

for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
# Each client is a socket on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((SIMULTANEOUS + 100)) ]; then
    echo "ulimit -n is $(ulimit -n): too few descriptors for $SIMULTANEOUS connections" >&2
    exit 1
fi

if [ -n "${BIN:-}" ]; then
    echo "== using $BIN"
else
    BIN="${CARGO_TARGET_DIR:-target}/release/qoltanba"
    echo "== building $BIN"
    cargo build --release --bin qoltanba
fi

mkdir -p "$OUT"
export QOLTANBA_LISTEN="127.0.0.1:${PORT}" QOLTANBA_LOG__LEVEL=warn
[ -z "${MAX_CONNECTIONS:-}" ] || export QOLTANBA_LIMITS__MAX_CONNECTIONS="$MAX_CONNECTIONS"
[ -z "${MAX_BODIES:-}" ] || export QOLTANBA_LIMITS__MAX_CONCURRENT_BODIES="$MAX_BODIES"
[ -z "${BODY_WAIT_MS:-}" ] || export QOLTANBA_LIMITS__BODY_WAIT_MS="$BODY_WAIT_MS"
echo "== starting qoltanba serve (demo configuration) on 127.0.0.1:${PORT}" \
    "(max_connections=${MAX_CONNECTIONS:-default} max_concurrent_bodies=${MAX_BODIES:-default})"
"$BIN" serve 2>"$OUT/server.log" &
SERVER=$!
SAMPLER=""
cleanup() {
    [ -z "$SAMPLER" ] || kill "$SAMPLER" 2>/dev/null || true
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
    sleep 0.1
done

status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$SERVER/status"; }
# Resets VmHWM to the current RSS (clear_refs 5), so that each phase has its own peak.
reset_peak() { echo 5 >"/proc/$SERVER/clear_refs" 2>/dev/null || true; }
start_sampler() { # file
    (while kill -0 "$SERVER" 2>/dev/null; do status_kb VmRSS; sleep 0.1; done) >"$1" 2>/dev/null &
    SAMPLER=$!
}
stop_sampler() {
    kill "$SAMPLER" 2>/dev/null || true
    wait "$SAMPLER" 2>/dev/null || true
    SAMPLER=""
}
peak_of() { sort -n "$1" | tail -1; }
mb() { echo "$(( $1 / 1024 )) MB"; }

python3 - "$SAMPLE" "$BODY_BYTES" "$OUT/body.json" <<'PY'
import base64, json, os, sys
sample, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
signature = base64.b64encode(open(sample, "rb").read()).decode()
head = json.dumps({"signature": signature, "at": "2026-06-01T12:00:00Z", "data": ""})[:-2]
room = size - len(head) - 2
data = base64.b64encode(os.urandom(room * 3 // 4 + 3)).decode()[:room - room % 4]
body = (head + data + '"}').encode()
body += b" " * (size - len(body))  # JSON allows trailing whitespace: exactly `size` bytes
open(out, "wb").write(body)
PY

# One call, to show what is measured.
curl -sS -H 'content-type: application/json' --data-binary @"$OUT/body.json" \
    "http://127.0.0.1:${PORT}/v1/verify" |
    python3 -c 'import json,sys; v=json.load(sys.stdin); print("one call:", v["status"], v.get("reason"))'

BASE=$(status_kb VmRSS)
echo "server RSS at rest: $(mb "$BASE")"

echo "== ${CONNECTIONS} connections at once, each POSTing $((BODY_BYTES / 1024)) KiB in ${CHUNK}-byte pieces ${PAUSE}s apart"
reset_peak
start_sampler "$OUT/rss-bodies.log"
python3 - "$PORT" "$OUT/body.json" "$CONNECTIONS" "$CHUNK" "$PAUSE" <<'PY'
import asyncio, sys, time
port, body_file, n, chunk, pause = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
body = open(body_file, "rb").read()
head = (f"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
MAX_ATTEMPTS = 60

async def read_answer(reader):
    """The status code and Retry-After of the answer; None when the connection ended first."""
    line = await reader.readline()
    if not line:
        return None, None
    code = int(line.split()[1])
    retry = None
    while True:
        h = await reader.readline()
        if h in (b"\r\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        if name.strip().lower() == "retry-after":
            retry = float(value.strip())
    return code, retry

async def attempt():
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answer = asyncio.ensure_future(read_answer(reader))
    try:
        writer.write(head)
        for off in range(0, len(body), chunk):
            if answer.done():
                break  # answered before the body was sent (503 busy): stop sending
            writer.write(body[off:off + chunk])
            await writer.drain()
            await asyncio.sleep(pause)
    except (ConnectionError, OSError):
        pass  # the server closed: its answer, if any, is read below
    try:
        code, retry = await asyncio.wait_for(answer, 60)
    except (ConnectionError, OSError):
        code, retry = None, None
    writer.close()
    return code, retry

async def client(stats):
    started = time.monotonic()
    for _ in range(MAX_ATTEMPTS):
        try:
            code, retry = await attempt()
        except (ConnectionError, OSError, asyncio.TimeoutError):
            code, retry = None, None
        key = code if code is not None else "reset"
        stats["answers"][key] = stats["answers"].get(key, 0) + 1
        if code is not None and code != 503:
            stats["final"][code] = stats["final"].get(code, 0) + 1
            stats["latency"].append(time.monotonic() - started)
            return
        await asyncio.sleep(retry or 1.0)
    stats["final"]["gave up"] = stats["final"].get("gave up", 0) + 1

async def main():
    stats = {"answers": {}, "final": {}, "latency": []}
    t0 = time.monotonic()
    await asyncio.gather(*(client(stats) for _ in range(n)))
    took = time.monotonic() - t0
    lat = sorted(stats["latency"])
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    print(f"all answered in {took:.1f} s; every attempt's answer: {stats['answers']}; "
          f"final answers: {stats['final']}; time to the final answer p50 {p(0.5):.1f} s, max {p(1.0):.1f} s")

asyncio.run(main())
PY
stop_sampler
PEAK=$(peak_of "$OUT/rss-bodies.log")
HWM=$(status_kb VmHWM)
echo "server RSS peak: sampled $(mb "$PEAK"), VmHWM $(mb "$HWM") (at rest before: $(mb "$BASE"))"

echo "== ${SIMULTANEOUS} connections at once, each GET /healthz then holding its connection ${HOLD} s"
reset_peak
start_sampler "$OUT/rss-connects.log"
python3 - "$PORT" "$SIMULTANEOUS" "$HOLD" <<'PY'
import asyncio, sys, time
port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])

async def one(go, t0):
    await go.wait()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    except (ConnectionError, OSError, asyncio.TimeoutError):
        return "not connected within 10 s", None
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 30)
        took = time.monotonic() - t0
        if not line.startswith(b"HTTP/1.1 200"):
            return "other: " + line.decode(errors="replace").strip(), None
        await asyncio.sleep(hold)  # a keep-alive client that stays connected a while
        return "answered", took
    except (ConnectionError, OSError, asyncio.TimeoutError):
        return "connected, not answered within 30 s", None
    finally:
        writer.close()

async def main():
    go = asyncio.Event()
    t0 = time.monotonic() + 0.2
    tasks = [asyncio.ensure_future(one(go, t0)) for _ in range(n)]
    await asyncio.sleep(0.2)
    go.set()
    results = await asyncio.gather(*tasks)
    counts = {}
    for r, _ in results:
        counts[r] = counts.get(r, 0) + 1
    took = sorted(t for _, t in results if t is not None)
    p = lambda q: took[min(len(took) - 1, int(q * len(took)))] if took else float("nan")
    print(f"{n} at once: {counts}; time to the answer p50 {p(0.5):.2f} s, p90 {p(0.9):.2f} s, max {p(1.0):.2f} s")

asyncio.run(main())
PY
stop_sampler
echo "server RSS peak: sampled $(mb "$(peak_of "$OUT/rss-connects.log")"), VmHWM $(mb "$(status_kb VmHWM)")"
curl -sS "http://127.0.0.1:${PORT}/metrics" |
    grep -E '^qoltanba_(connections_open|connection_limit_reached_total|bodies_in_flight|bodies_refused_total) ' || true
