#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (GoogleTest units and the end-to-end tests against a real ecsd, with real
# ecs-agents running real Docker containers).
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only the unit tests (any ctest arguments pass through)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# The agent's tests run real containers: Docker running, and a local test image.
scripts/docker-test-env.sh
export ECSD_REQUIRE_DOCKER=1
python="$(scripts/python-for-tests.sh)"
build="${ECSD_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DECSD_E2E_PYTHON="$python" >/dev/null
cmake --build "$build" -j2
(cd "$build" && ctest --output-on-failure -j2 --timeout 600 "$@")
# The whole run (no ctest arguments) also runs the sanitizers' part: the
# fuzzers briefly and e2e tests against ecsd built with ASan and UBSan.
if (($# == 0)); then
  scripts/sanitize.sh
fi
