#!/usr/bin/env bash
# The sanitizers' part of the test command: ecsd and the fuzzers built with
# clang, AddressSanitizer and UndefinedBehaviorSanitizer (scripts/fuzz.sh's
# build), each fuzzer run briefly from its seeds, and end-to-end tests that
# drive every kind of input through the sanitized ecsd with the real CLI and
# boto3. Any sanitizer report aborts ecsd, which fails its test.
#   scripts/sanitize.sh          fuzzers for 10 s each, then the e2e tests
#   scripts/sanitize.sh 60       fuzzers for 60 s each
set -euo pipefail
cd "$(dirname "$0")/.."
build="${ECSD_FUZZ_BUILD_DIR:-build-fuzz}"
ECSD_FUZZ_ALSO_BUILD=ecsd scripts/fuzz.sh "${1:-10}"
python="$(scripts/python-for-tests.sh)"
echo "sanitize: end-to-end tests against $build/ecsd"
cd tests/e2e
ECSD_SANITIZED=1 ECSD_BINARY="$PWD/../../$build/ecsd" \
  UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  "$python" -m unittest test_input_shapes test_quotas test_protocol test_auth test_walkthrough \
  test_durability test_storage_faults test_concurrent_placement
