#!/usr/bin/env bash
# The standard benchmark suite (docs/benchmarks.md): builds Release ecsd and
# ecs-bench, then, --runs times, runs every scenario at the issue's sizes,
# each against a fresh ecsd on a temporary data directory with its default
# durability (full: every write on disk before it is acknowledged), and prints
# the median of each headline figure over the runs.
#
#   scripts/bench.sh [--runs K] [--out DIR] [--quick] [--micro] [--no-build]
#
#   --runs K   how many times to run the suite (default 3)
#   --out DIR  where the JSON results go (default BUILD/bench-results/TIMESTAMP)
#   --quick    small sizes (200 instances, 2,000 tasks, 2 s): to try the script
#   --micro    also build and run ecsd-microbench (adds about 2 minutes per run)
#   --no-build use the binaries already in BUILD (ECSD_BUILD_DIR, default build)
#
# One suite run, four ecsds:
#   1. read: register 10,000 instances, place 100,000 tasks (RunTask count=10),
#      then the reads at READ_RATE calls/s; then restart: kill -TERM, start ecsd
#      again on that data (10,000 instances, 100,000 tasks) and time its first
#      answer (ecs-bench --scenario first-answer).
#   2. place-rate: 10,000 instances, RunTask(count=1) at 1,000 calls/s.
#   3. mixed: 10,000 instances, the CI mix at MIXED_RATE calls/s.
#   4. lifecycle: 10,000 instances, 200 run/stop cycles.
# Sizes and rates can be changed through the environment: INSTANCES, TASKS,
# CONNECTIONS, DURATION (seconds of each rate scenario), READ_RATE, PLACE_RATE,
# MIXED_RATE, CYCLES; ECSD_ARGS adds arguments to every ecsd (e.g. --threads 8).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3 out="" quick=0 micro=0 build_first=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --micro) micro=1; shift ;;
    --no-build) build_first=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ((quick)); then
  : "${INSTANCES:=200}" "${TASKS:=2000}" "${DURATION:=2}" "${CYCLES:=20}"
fi
instances=${INSTANCES:-10000} tasks=${TASKS:-100000} connections=${CONNECTIONS:-16}
seconds=${DURATION:-10} cycles=${CYCLES:-200}
read_rate=${READ_RATE:-200} place_rate=${PLACE_RATE:-1000} mixed_rate=${MIXED_RATE:-500}

build="${ECSD_BUILD_DIR:-build}"
out=${out:-$build/bench-results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

# Every agent session is a socket in ecs-bench and another in ecsd.
ulimit -n "$(ulimit -Hn)"
if (($(ulimit -n) < instances + 1000)); then
  echo "bench.sh: $instances agent sessions need more than $(ulimit -n) open files" >&2
  exit 1
fi

targets=(ecsd ecs-bench)
((micro)) && targets+=(ecsd-microbench)
if ((build_first)); then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target "${targets[@]}"
fi

data="" ecsd_pid=""
cleanup() {
  if [[ -n $ecsd_pid ]]; then
    kill -TERM "$ecsd_pid" 2>/dev/null
    wait "$ecsd_pid" || true
  fi
  if [[ -n $data ]]; then rm -rf "$data"; fi
}
trap cleanup EXIT

# start_ecsd LISTEN: ecsd on $data, its pid in $ecsd_pid (log: $data/ecsd.log).
start_ecsd() {
  rm -f "$data/endpoint"
  # shellcheck disable=SC2086 # ECSD_ARGS is a list of arguments
  "$build/ecsd" --data-dir "$data" --listen "$1" --log-level warn --throttle off ${ECSD_ARGS:-} >>"$data/ecsd.log" 2>&1 &
  ecsd_pid=$!
}
wait_endpoint() {
  until [[ -s $data/endpoint ]]; do
    kill -0 "$ecsd_pid" 2>/dev/null || { cat "$data/ecsd.log" >&2; exit 1; }
    sleep 0.05
  done
}
stop_ecsd() {
  kill -TERM "$ecsd_pid"
  wait "$ecsd_pid" || true
  ecsd_pid=""
}
fresh_ecsd() {
  [[ -n $data ]] && rm -rf "$data"
  data=$(mktemp -d /tmp/ecsd-bench-XXXXXX)
  start_ecsd 127.0.0.1:0
  wait_endpoint
}
# bench RESULT ARGS...: ecs-bench against $data's ecsd, results in RESULT.json.
bench() {
  local result=$1
  shift
  "$build/ecs-bench" --data-dir "$data" --ecsd-pid "$ecsd_pid" --instances "$instances" \
    --connections "$connections" --json "$result.json" "$@" | tee "$result.txt"
}

for ((run = 1; run <= runs; run++)); do
  dir="$out/run-$run"
  mkdir -p "$dir"
  echo "== run $run of $runs: $instances instances, results in $dir"

  fresh_ecsd
  bench "$dir/read" --scenario read --tasks "$tasks" --rate "$read_rate" --seconds "$seconds"
  url=$(cat "$data/endpoint")
  stop_ecsd
  since=$(date +%s%N)
  start_ecsd "${url#https://}"
  "$build/ecs-bench" --data-dir "$data" --endpoint "$url" --scenario first-answer \
    --since-ns "$since" --json "$dir/restart.json" | tee "$dir/restart.txt"
  stop_ecsd

  fresh_ecsd
  bench "$dir/place-rate" --scenario place-rate --rate "$place_rate" --seconds "$seconds"
  stop_ecsd

  fresh_ecsd
  bench "$dir/mixed" --scenario mixed --rate "$mixed_rate" --seconds "$seconds"
  stop_ecsd

  fresh_ecsd
  bench "$dir/lifecycle" --scenario lifecycle --cycles "$cycles"
  stop_ecsd

  if ((micro)); then
    "$build/src/bench/micro/ecsd-microbench" --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true --benchmark_out="$dir/micro.json" \
      --benchmark_out_format=json
  fi
done

# The median of each headline figure over the runs (and the lowest and highest).
python3 - "$out" "$runs" <<'EOF'
import json, statistics, sys
from pathlib import Path

out, runs = Path(sys.argv[1]), int(sys.argv[2])
HEADLINES = [
    ("register + connect, s", "read", "register", "connected_seconds"),
    ("registrations/s", "read", "register", "registrations_per_second"),
    ("place: placements/s (RunTask count=10)", "read", "place", "placements_per_second"),
    ("place: RunTask p99, ms", "read", "place", "run_task_latency.p99_ms"),
    ("ecsd RSS after place, MiB", "read", "place", "ecsd_rss_mib"),
    ("ecsd peak RSS, MiB", "read", "read", "ecsd_peak_rss_mib"),
    ("read: achieved calls/s", "read", "read", "achieved_calls_per_second"),
    ("read: DescribeContainerInstances p50, ms", "read", "read", "DescribeContainerInstances.p50_ms"),
    ("read: DescribeContainerInstances p99, ms", "read", "read", "DescribeContainerInstances.p99_ms"),
    ("read: ListTasks p50, ms", "read", "read", "ListTasks.p50_ms"),
    ("read: DescribeTasks p50, ms", "read", "read", "DescribeTasks.p50_ms"),
    ("read: DescribeClusters p50, ms", "read", "read", "DescribeClusters.p50_ms"),
    ("restart: first answer, s", "restart", "first-answer", "seconds"),
    ("place-rate: achieved calls/s", "place-rate", "place-rate", "achieved_calls_per_second"),
    ("place-rate: late calls", "place-rate", "place-rate", "late_calls"),
    ("place-rate: ecs-bench loop lag max, ms", "place-rate", "place-rate", "loop_lag_max_ms"),
    ("place-rate: RunTask p50, ms", "place-rate", "place-rate", "RunTask.p50_ms"),
    ("place-rate: RunTask p99, ms", "place-rate", "place-rate", "RunTask.p99_ms"),
    ("place-rate: RunTask p99.9, ms", "place-rate", "place-rate", "RunTask.p999_ms"),
    ("place-rate: RunTask max, ms", "place-rate", "place-rate", "RunTask.max_ms"),
    ("mixed: achieved calls/s", "mixed", "mixed", "achieved_calls_per_second"),
    ("mixed: RegisterTaskDefinition p99, ms", "mixed", "mixed", "RegisterTaskDefinition.p99_ms"),
    ("mixed: RunTask p99, ms", "mixed", "mixed", "RunTask.p99_ms"),
    ("mixed: DescribeTasks p99, ms", "mixed", "mixed", "DescribeTasks.p99_ms"),
    ("mixed: ListTasks p99, ms", "mixed", "mixed", "ListTasks.p99_ms"),
    ("mixed: StopTask p99, ms", "mixed", "mixed", "StopTask.p99_ms"),
    ("lifecycle: RunTask -> RUNNING p50, ms", "lifecycle", "lifecycle", "run_to_running.p50_ms"),
    ("lifecycle: RunTask -> RUNNING p99, ms", "lifecycle", "lifecycle", "run_to_running.p99_ms"),
    ("lifecycle: StopTask -> STOPPED p99, ms", "lifecycle", "lifecycle", "stop_to_stopped.p99_ms"),
]

def figure(run, file, scenario, key):
    path = out / f"run-{run}" / f"{file}.json"
    if not path.exists():
        return None
    for result in json.loads(path.read_text()):
        if result.get("scenario") == scenario:
            value = result
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return value
    return None

summary = {}
print(f"\n== median of {runs} run(s), durability full (ecsd's default) ==")
for label, *where in HEADLINES:
    values = [v for v in (figure(r, *where) for r in range(1, runs + 1)) if v is not None]
    if not values:
        continue
    median = statistics.median(values)
    summary[label] = {"median": median, "min": min(values), "max": max(values), "runs": values}
    print(f"  {label:<44} {median:>10.2f}   ({min(values):.2f} .. {max(values):.2f})")
(out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
print(f"\nresults: {out}")
EOF
