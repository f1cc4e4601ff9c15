#!/usr/bin/env bash
# The run command: installs what is missing, builds Release and starts ecsd on
# its defaults (HTTPS on 127.0.0.1:8443, data in ./data). Extra arguments go
# to ecsd (see `ecsd --help`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build="${ECSD_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target ecsd
exec "$build/ecsd" "$@"
