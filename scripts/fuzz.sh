#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each one for a while from its seed
# corpus (tests/fuzz/corpus/<name>/). A finding stops that fuzzer and leaves
# its input in build-fuzz/findings/; the script then fails.
#   scripts/fuzz.sh              every target for 600 s
#   scripts/fuzz.sh 20           every target for 20 s (what the test command runs)
#   scripts/fuzz.sh 60 sigv4     one target
# ECSD_FUZZ_BUILD_DIR and ECSD_FUZZ_OPT (default -O1) choose the build and its
# optimization: scripts/sanitize.sh builds its own at -O0, which compiles in
# half the time.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
build="${ECSD_FUZZ_BUILD_DIR:-build-fuzz}"
# Asserts on; the fuzzed layers add coverage (tests/fuzz/CMakeLists.txt). Line
# tables are all a sanitizer's report needs, and cost far less than -g.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined ${ECSD_FUZZ_OPT:--O1}"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -DECSD_FUZZ=ON -DECSD_BUILD_TESTS="${ECSD_FUZZ_TESTS:-OFF}" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$build" -j2 --target fuzzers ${ECSD_FUZZ_ALSO_BUILD:-}
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(http_request json_call sigv4 query task_definition agent_frame)
fi
mkdir -p "$build/findings"
failed=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  # Grows a copy: the repository's seeds stay small.
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/findings/$target-" \
      "$corpus" 2>"$build/findings/$target.log"; then
    echo "fuzz: $target FOUND a crash: see $build/findings/$target.log"
    failed=1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)" \
    "$build/findings/$target.log" | sed "s/^/fuzz: $target /" || true
done
exit "$failed"
