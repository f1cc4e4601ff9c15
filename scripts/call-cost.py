#!/usr/bin/env python3
"""What one call costs ecsd in CPU when a lone client calls it: ecsd's own
utime+stime (/proc/<pid>/stat) before and after N sequential boto3 calls of each
type, divided by N, at a cluster of I instances that all hold an agent session
(so RunTask dispatches its tasks to agents, which acknowledge them).

    scripts/call-cost.py [--ecsd build/ecsd] [--calls 300] [--instances 200]
                         [--runs 1] [--profile PREFIX] [-- ecsd-args...]

Prints one line per call type and run: CPU ms, wall ms and ecsd's context
switches (all threads) per call.
The idle line is ecsd's CPU per second with nothing calling (heartbeats and
periodic work); the figures are not corrected for it.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from agent_client import AgentClient  # noqa: E402
from harness import Ecsd  # noqa: E402

CLUSTER = "call-cost"
CONTAINERS = [{"name": "app", "image": "busybox", "cpu": 16, "memory": 32}]
RESOURCES = [{"name": "CPU", "type": "INTEGER", "integerValue": 1024 * 1024},
             {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024 * 1024}]


def cpu_seconds(pid):
    """CPU time of the process (all its threads), in seconds: the scheduler's
    nanosecond run time per thread (/proc/PID/task/*/schedstat), not the 10 ms
    ticks of utime+stime, which over 300 calls are good to 0.03 ms only."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def switches(pid):
    """Context switches of the process's threads (voluntary + involuntary)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.endswith("ctxt_switches:") or "ctxt_switches:" in line:
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def measure(pid, calls, call, profile=None):
    """CPU and wall ms per call; with `profile` (a file name), under perf record."""
    call(0)  # a first call warms connections and caches out of the figure
    perf = None
    if profile:
        perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "--call-graph", os.environ.get("CALL_COST_CALL_GRAPH", "fp"), "-p",
                                 str(pid), "-o", profile], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
    cpu, wall, switched = cpu_seconds(pid), time.monotonic(), switches(pid)
    for i in range(calls):
        call(i)
    cpu, wall = cpu_seconds(pid) - cpu, time.monotonic() - wall
    switched = switches(pid) - switched
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    return cpu * 1000 / calls, wall * 1000 / calls, switched / calls


def run(args):
    # Unthrottled: a lone client's 300 calls in a row exceed ECS's buckets.
    ecsd = Ecsd(extra_args=["--throttle", "off", *args.ecsd_args]).start()
    agents = []
    try:
        pid = ecsd.process.pid
        client = ecsd.client()
        cluster_arn = client.create_cluster(clusterName=CLUSTER)["cluster"]["clusterArn"]
        instances = []
        for _ in range(args.instances):
            arn = client.register_container_instance(
                cluster=CLUSTER, totalResources=RESOURCES)["containerInstance"][
                    "containerInstanceArn"]
            instances.append(arn)
            agents.append(AgentClient(ecsd.url, ecsd.ca, ecsd.access_key, ecsd.secret_key,
                                      "us-east-1", cluster_arn, arn, auto_ack=True))
        client.register_task_definition(family="app", containerDefinitions=CONTAINERS)
        time.sleep(1)  # sessions settle

        idle, idle_switches = cpu_seconds(pid), switches(pid)
        time.sleep(args.idle)
        idle = (cpu_seconds(pid) - idle) * 1000 / args.idle, \
            (switches(pid) - idle_switches) / args.idle

        def profile(name):
            return f"{args.profile}.{name}.data" if args.profile else None

        described = instances[:100]
        figures = [
            ("RunTask(count=10)",
             measure(pid, args.calls,
                     lambda i: client.run_task(cluster=CLUSTER, taskDefinition="app", count=10),
                     profile("RunTask"))),
            ("DescribeContainerInstances(100)",
             measure(pid, args.calls,
                     lambda i: client.describe_container_instances(
                         cluster=CLUSTER, containerInstances=described))),
            ("ListTasks",
             measure(pid, args.calls, lambda i: client.list_tasks(cluster=CLUSTER))),
            ("RegisterContainerInstance",
             measure(pid, args.calls,
                     lambda i: client.register_container_instance(cluster=CLUSTER,
                                                                  totalResources=RESOURCES),
                     profile("RegisterContainerInstance"))),
        ]
        return idle, figures
    finally:
        for agent in agents:
            agent.drop()
        ecsd.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ecsd", default=str(ROOT / "build" / "ecsd"))
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of idle measurement")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="perf record the two writes into PREFIX.<call>.data")
    parser.add_argument("ecsd_args", nargs="*", help="after --: extra ecsd arguments")
    args = parser.parse_args()
    os.environ["ECSD_BINARY"] = os.path.abspath(args.ecsd)
    print(f"ecsd={args.ecsd} calls={args.calls} instances={args.instances}", flush=True)
    for number in range(1, args.runs + 1):
        idle, figures = run(args)
        print(f"run={number} idle_cpu_ms_per_s={idle[0]:.2f} idle_switches_per_s={idle[1]:.0f}")
        for name, (cpu, wall, switched) in figures:
            print(f"run={number} call={name:<32} cpu_ms={cpu:6.3f} wall_ms={wall:6.2f} "
                  f"switches={switched:5.1f}", flush=True)


if __name__ == "__main__":
    main()
