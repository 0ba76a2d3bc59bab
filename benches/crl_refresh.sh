#!/usr/bin/env bash
# Latency of verifications while a national-size CRL is replaced under them. `qoltanba serve` runs
# on a configuration whose nca-rsa CRL is a 1,000,000-entry file, read again every second; oha
# drives POST /v1/verify at a fixed rate twice: once with the file left alone, once with the file
# replaced by a newer CRL (higher CRL number) every few seconds, so that the service parses,
# checks, indexes and swaps in a 38 MB CRL while requests run. Prints p50/p99/p99.9 of both runs
# how many CRLs the service accepted during the second, and the verdicts of all requests by outcome.
#
#   bash benches/crl_refresh.sh
#
# Settings (environment): RATE (4000 requests/s), DURATION (40s), EVERY (6, seconds between
# replacements), ENTRIES (1000000), CONNECTIONS (16), PORT (18082), OUT (target/crl-refresh).
# Needs oha (installed with `cargo install oha --locked` when missing), curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-4000}
DURATION=${DURATION:-40s}
EVERY=${EVERY:-6}
ENTRIES=${ENTRIES:-1000000}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18082}
OUT=${OUT:-target/crl-refresh}
URL="http://127.0.0.1:${PORT}/v1/verify"
REPLACEMENTS=6

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v oha >/dev/null; then
    echo "== installing oha"
    cargo install oha --locked
fi

echo "== building"
cargo build --release --bin qoltanba -p qoltanba -p test-pki
BIN="${CARGO_TARGET_DIR:-target}/release/qoltanba"
PKI="${CARGO_TARGET_DIR:-target}/release/test-pki"

mkdir -p "$OUT/crls" "$OUT/live"
# CRL numbers 1000 (the one loaded at start) and 1001.. (the replacements), generated once.
for i in $(seq 0 "$REPLACEMENTS"); do
    file="$OUT/crls/nca-rsa-$((1000 + i)).crl"
    [ -s "$file" ] || "$PKI" big-crl "$file" "$ENTRIES" fixtures "$((1000 + i))"
done
cp fixtures/crl/root.crl "$OUT/live/root.crl"
cp "$OUT/crls/nca-rsa-1000.crl" "$OUT/live/nca-rsa.crl"

cat >"$OUT/qoltanba.toml" <<TOML
listen = "127.0.0.1:${PORT}"
[trust]
anchors = ["fixtures/pki/root.pem"]
intermediates = ["fixtures/pki/nca-rsa.pem"]
[crl]
paths = ["$OUT/live/"]
refresh_seconds = 1
[log]
level = "info"
format = "json"
TOML
BODY="$OUT/body.json"
printf '{"signature":"%s","at":"2026-06-01T12:00:00Z"}' \
    "$(base64 -w0 fixtures/samples/individual-attached.cms)" >"$BODY"

echo "== starting qoltanba serve with a ${ENTRIES}-entry nca-rsa CRL"
"$BIN" serve --config "$OUT/qoltanba.toml" 2>"$OUT/server.log" &
SERVER=$!
REPLACER=""
cleanup() {
    [ -z "$REPLACER" ] || kill "$REPLACER" 2>/dev/null || true
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:${PORT}/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log"; exit 1; }
    sleep 0.1
done
curl -fsS "http://127.0.0.1:${PORT}/readyz" >/dev/null || { echo "the service is not ready" >&2; exit 1; }
curl -fsS -H 'content-type: application/json' --data-binary @"$BODY" "$URL" |
    python3 -c 'import json,sys; v=json.load(sys.stdin); print("one call:", v["status"], v["reason"])'

run() { # name
    oha --no-tui --output-format json -z "$DURATION" -c "$CONNECTIONS" -q "$RATE" \
        --latency-correction -m POST -T application/json -D "$BODY" "$URL" >"$OUT/$1.json"
}
accepted() { grep -c '"CRL accepted"' "$OUT/server.log" || true; }

oha --no-tui -z 3s -c "$CONNECTIONS" -q "$RATE" -m POST -T application/json -D "$BODY" "$URL" >/dev/null
echo "== ${DURATION} at ${RATE} requests/s, the CRL left alone"
run still
echo "== ${DURATION} at ${RATE} requests/s, the CRL replaced every ${EVERY} s"
BEFORE=$(accepted)
(
    for i in $(seq 1 "$REPLACEMENTS"); do
        sleep "$EVERY"
        # A rename, so that a refresh never reads a half-written file.
        cp "$OUT/crls/nca-rsa-$((1000 + i)).crl" "$OUT/live/.nca-rsa.crl.tmp"
        mv "$OUT/live/.nca-rsa.crl.tmp" "$OUT/live/nca-rsa.crl"
    done
) &
REPLACER=$!
run swapped
wait "$REPLACER" 2>/dev/null || true
REPLACER=""
SWAPS=$(($(accepted) - BEFORE))

echo
python3 - "$OUT/still.json" "$OUT/swapped.json" "$SWAPS" <<'PY'
import json, sys
for name, path in (("CRL left alone", sys.argv[1]), ("CRLs swapped in", sys.argv[2])):
    r = json.load(open(path))
    p = r["latencyPercentiles"]
    codes = r.get("statusCodeDistribution", {})
    errors = sum(r.get("errorDistribution", {}).values())
    print(f"{name:>16}: p50 {p['p50']*1000:6.2f} ms   p99 {p['p99']*1000:6.2f} ms   "
          f"p99.9 {p['p99.9']*1000:6.2f} ms   {r['summary']['requestsPerSec']:7.1f} req/s   "
          f"status codes {codes}   errors {errors}")
print(f"CRLs accepted by the service during the second run: {sys.argv[3]}")
PY
# Every verdict of both runs, by outcome: a swap must never leave a verification without its CRL.
curl -fsS "http://127.0.0.1:${PORT}/metrics" |
    grep '^qoltanba_http_requests_total{route="/v1/verify"' | sed 's/^/verdicts: /'
