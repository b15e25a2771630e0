#!/usr/bin/env bash
# The test command: prepares what the end-to-end tests need (a Python venv with the OpenTelemetry
# SDK from PyPI; playwright-core from npm for the browser tests, which drive the system Chromium),
# then runs every test of the workspace. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/flightdeck/target}"
venv="${FLIGHTDECK_VENV:-$HOME/.cache/flightdeck/venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.flightdeck-requirements"
if ! cmp -s tests/python/requirements.txt "$stamp" 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
  cp tests/python/requirements.txt "$stamp"
fi
export FLIGHTDECK_TEST_PYTHON="$venv/bin/python"

# Browser tests: the npm packages pinned in tests/ui/package-lock.json (reinstalled when it changes).
lock_stamp=tests/ui/node_modules/.flightdeck-package-lock.json
if ! cmp -s tests/ui/package-lock.json "$lock_stamp" 2>/dev/null; then
  (cd tests/ui && npm ci --no-audit --no-fund --loglevel=error)
  cp tests/ui/package-lock.json "$lock_stamp"
fi

cargo test --workspace --all-targets --no-fail-fast "$@"
cargo test --workspace --doc "$@"
