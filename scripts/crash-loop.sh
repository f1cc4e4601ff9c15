#!/usr/bin/env bash
# The crash loop (tests/fault/crash_loop.py, docs/operations.md "Crash loop"):
# API writers and simulated agents load a Release ecsd, which is killed with
# SIGKILL at random moments and started again on the same data directory;
# after each restart every acknowledged write is checked, with task-definition
# revisions and every instance's accounting. Builds ecsd if it is missing.
#   scripts/crash-loop.sh             100 cycles, a random seed (printed)
#   scripts/crash-loop.sh 20          20 cycles
#   scripts/crash-loop.sh 100 --seed 42 --json    any other arguments pass through
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-100}"
shift || true
build="${ECSD_BUILD_DIR:-build}"
if [[ ! -x $build/ecsd ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target ecsd
fi
python="$(scripts/python-for-tests.sh)"
exec "$python" tests/fault/crash_loop.py --cycles "$cycles" --ecsd "$build/ecsd" "$@"
