#!/usr/bin/env bash
# The sanitizers' part of the test command, all built with clang:
#  - ecsd, the fuzzers and the unit tests with AddressSanitizer and
#    UndefinedBehaviorSanitizer (scripts/fuzz.sh's build): each fuzzer run
#    briefly from its seeds, every unit test, and end-to-end tests that drive
#    every kind of input through the sanitized ecsd with the real CLI and boto3;
#  - the state, dispatch and server tests (the code with threads) with
#    ThreadSanitizer.
# Any sanitizer report aborts its process, which fails its test.
#   scripts/sanitize.sh          fuzzers for 10 s each, then the tests
#   scripts/sanitize.sh 60       fuzzers for 60 s each
set -euo pipefail
cd "$(dirname "$0")/.."
# Unoptimized: the sanitizers' builds are most of the test command's time, and
# -O0 compiles Beast's templates in half the time -O1 takes.
build="${ECSD_SANITIZE_BUILD_DIR:-build-sanitize}"
tsan="${ECSD_TSAN_BUILD_DIR:-build-tsan}"
python="$(scripts/python-for-tests.sh)"
export UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
ECSD_FUZZ_BUILD_DIR="$build" ECSD_FUZZ_OPT=-O0 ECSD_FUZZ_TESTS=ON \
  ECSD_FUZZ_ALSO_BUILD="ecsd unit_tests" scripts/fuzz.sh "${1:-10}"

echo "sanitize: unit tests under ASan and UBSan ($build)"
# Set aside here (both run in the Release build, the second under TSan too):
# - CommitReplacesByKey on SQLite: LeakSanitizer reports only indirect leaks
#   (JSON values the test replaced), with clang only and no direct owner; open
#   in docs/operations.md ("Fuzzing and sanitizers") until it is understood;
# - AcceptOutOfDescriptors...: it uses up every descriptor, and UBSan's vptr
#   check then cannot open the pipe it reads memory through, and reports it.
(cd "$build" && ctest -L unit -j2 --timeout 600 --output-on-failure \
  -E 'StoreTest.CommitReplacesByKey<.*SqliteBackend>|HttpServerTest.AcceptOutOfDescriptorsBacksOffAndKeepsServing')

echo "sanitize: end-to-end tests against $build/ecsd"
# Of the services' tests, the replica ones (the daemon, draining and task-set
# paths run sanitized in the unit tests, and unsanitized end to end).
(cd tests/e2e && ECSD_SANITIZED=1 ECSD_BINARY="$PWD/../../$build/ecsd" \
  "$python" -m unittest test_input_shapes test_quotas test_protocol test_auth test_walkthrough \
  test_durability test_storage_faults test_concurrent_placement test_throttling \
  test_connections test_services.ServicesTest)

echo "sanitize: state, dispatch and server tests under TSan ($tsan)"
CC=clang CXX=clang++ cmake -S . -B "$tsan" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -DCMAKE_CXX_FLAGS="-fsanitize=thread -O0" -DECSD_E2E_PYTHON="$python" >/dev/null
cmake --build "$tsan" -j2 --target state_test dispatch_test server_test
for test in state_test dispatch_test server_test; do
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" "$tsan/tests/$test" --gtest_brief=1
done
