#!/usr/bin/env bash
# Re-verification throughput of the archive on both back ends: fills an archive with COUNT signed
# documents (examples/archive_fill.rs), then times `qoltanba audit reverify` over all of them
# (as of signing and as of now, JSON report written) and records its peak memory. A run when the
# archive holds a tenth of them shows that memory does not grow with the archive (keyset paging).
#
#   benches/archive.sh [COUNT]        (default 100000; needs PostgreSQL installed: see scripts/pg-test-server)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
cargo build --release --quiet --bin qoltanba --example archive_fill
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fixtures="$PWD/fixtures"
cat > "$work/qoltanba.toml" <<TOML
[trust]
anchors = ["$fixtures/pki/trust.pem"]
intermediates = ["$fixtures/pki/intermediates.pem"]
[crl]
paths = ["$fixtures/crl/all-current.pem"]
TOML

server="$(scripts/pg-test-server)"
db="qoltanba_bench_$$"
psql -q "$server" -c "CREATE DATABASE $db" >/dev/null
trap 'psql -q "$server" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

reverify() { # name url label
  /usr/bin/time -f "%e %M" -o "$work/reverify.time" \
    target/release/qoltanba audit reverify --config "$work/qoltanba.toml" --archive "$2" \
    --report "$work/report.json" > "$work/out.txt"
  local secs rss_kb docs
  read -r secs rss_kb < "$work/reverify.time"
  docs="$(grep -Eo '^[0-9]+ documents in' "$work/out.txt" | grep -Eo '^[0-9]+')"
  printf '%-10s reverify %7d docs in %6.2f s = %6.0f docs/s, peak RSS %4d MB\n' \
    "$1" "$docs" "$secs" "$(echo "$docs / $secs" | bc -l)" "$((rss_kb / 1024))"
}

run() { # name url
  local tenth=$((count / 10)) started
  started=$(date +%s.%N)
  target/release/examples/archive_fill "$2" "$tenth" 2>/dev/null
  reverify "$1" "$2"
  target/release/examples/archive_fill "$2" "$((count - tenth))" 2>/dev/null
  printf '%-10s filled %d documents in %.1f s\n' "$1" "$count" "$(echo "$(date +%s.%N) - $started" | bc -l)"
  reverify "$1" "$2"
}

echo "archive re-verification, $count documents, $(nproc) cores"
run sqlite "sqlite://$work/archive.sqlite"
run postgresql "${server%/*}/$db"
