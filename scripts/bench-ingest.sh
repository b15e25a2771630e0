#!/usr/bin/env bash
# End-to-end ingest benchmark: starts a release `flightdeck serve` on a fresh data directory for
# each pipeline configuration, sends `flightdeck loadgen` traffic (gzip, 20 spans per request,
# pre-generated), and prints the throughput loadgen measured, whether every span was stored, the
# CPU of loadgen and of the server, and the server's peak resident memory.
#
#   scripts/bench-ingest.sh                 # 400,000 spans per configuration, OTLP/gRPC
#   SPANS=1000000 CONNECTIONS=128 scripts/bench-ingest.sh
#   CONFIGS="plain default" scripts/bench-ingest.sh   # some configurations only
#   PROTOCOL=http scripts/bench-ingest.sh   # OTLP/HTTP protobuf: bodies encoded and gzipped
#                                           # before the run, so loadgen costs little CPU
#
# With gRPC, loadgen encodes and compresses every request while it sends (the gRPC client does),
# which takes a large share of the two cores the server runs on.
#
# Configurations: `plain` (no processors), `normalize`, `normalize+enrich`, `default`
# (normalize, enrich, redact), `sampling` (default + tail sampling: errors + 10%), each on the
# loadgen's `mixed` dialect traffic (several instrumentations' attribute names).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flightdeck/target}"
cargo build --release --workspace --quiet
bin="$CARGO_TARGET_DIR/release/flightdeck"
spans="${SPANS:-400000}"
connections="${CONNECTIONS:-64}"
dialect="${DIALECT:-mixed}"
protocol="${PROTOCOL:-grpc}"
case "$protocol" in
  grpc) endpoint=127.0.0.1:34317 ;;
  http) endpoint=http://127.0.0.1:34318 ;;
  *) echo "PROTOCOL must be grpc or http" >&2; exit 2 ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/plain.toml" <<'EOF'
[pipeline]
processors = []
EOF
cat > "$work/normalize.toml" <<'EOF'
[pipeline]
processors = ["normalize"]
EOF
cat > "$work/normalize+enrich.toml" <<'EOF'
[pipeline]
processors = ["normalize", "enrich"]
EOF
cat > "$work/default.toml" <<'EOF'
[pipeline]
EOF
cat > "$work/sampling.toml" <<'EOF'
[pipeline.sample]
decision_wait = "5s"
[[pipeline.sample.policies]]
type = "error"
[[pipeline.sample.policies]]
type = "probabilistic"
rate = 0.1
EOF

printf '%-18s %s\n' configuration "loadgen report; server peak RSS"
for name in ${CONFIGS:-plain normalize normalize+enrich default sampling}; do
  data="$work/data-$name"
  "$bin" serve --config "$work/$name.toml" --data-dir "$data" \
    --otlp-grpc-addr 127.0.0.1:34317 --otlp-http-addr 127.0.0.1:34318 --http-addr 127.0.0.1:34320 \
    2> "$work/$name.log" &
  pid=$!
  for _ in $(seq 1 100); do
    curl -sf http://127.0.0.1:34320/healthz > /dev/null && break
    sleep 0.2
  done
  verify=()
  # With sampling most traces are dropped by design, so the stored count is not compared.
  [ "$name" = sampling ] && verify=(--no-verify)
  result="$("$bin" loadgen --endpoint "$endpoint" --protocol "$protocol" --api http://127.0.0.1:34320 \
    --spans "$spans" --connections "$connections" --dialect "$dialect" --pregenerate \
    "${verify[@]}" 2>&1 | grep -E 'throughput|server stored|server CPU|loadgen CPU|failed' | sed 's/  */ /g' | tr '\n' ';')"
  rss="$(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status")"
  kill -TERM "$pid"
  wait "$pid" || true
  printf '%-18s %s peak RSS %s\n' "$name" "$result" "$rss"
done
