"""The crash loop (issue 15): API writers and simulated agents load one ecsd
while it is killed with SIGKILL at random moments and started again on the
same data directory; after every restart the checker holds what ecsd serves
against the ledger of what it acknowledged.

One cycle:
  load for a random while, pause, check the live state (accounting kept up
  step by step), load again, kill -9 ecsd in the middle of it, wait for every
  call under way to end, start ecsd on the same directory (timed), check
  (what survived, accounting rebuilt from disk; writes in doubt settled).

    python3 tests/fault/crash_loop.py --cycles 100 [--seed S] [--ecsd build/ecsd] [--json]

The seed (printed first) fixes every random choice: what each writer and
agent does next and when each kill comes. Threads interleave as the machine
runs them, so a replay repeats the run's decisions, not its exact timing.
--sabotage deletes acknowledged rows from the database between kill and
restart (a task, the newest revision of a task definition): a run that shows
the checker catching lost writes and reused revisions. Exit status 0 when no
acknowledged write was lost, nothing unexplained was found, no revision was
reused and the accounting was exact."""

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from agents import SimulatedAgent  # noqa: E402
from checker import Checker  # noqa: E402
from harness import REGION, Ecsd  # noqa: E402
from ledger import ACKED, Ledger  # noqa: E402
from workload import CLUSTER, Gate, Writer, client  # noqa: E402


def sabotage(ecsd, ledger, out):
    """Deletes an acknowledged task and the newest acknowledged revision from
    the stopped ecsd's database."""
    with ledger.lock:
        tasks = sorted(ledger.tasks)
        revisions = sorted((r.revision, r.family) for r in ledger.registrations.values()
                           if r.state == ACKED)
    db = sqlite3.connect(ecsd.data_dir / "ecsd.db")
    with db:
        if tasks:
            db.execute("DELETE FROM tasks WHERE id = ?", (tasks[-1].rsplit("/", 1)[1],))
            out(f"sabotage: deleted task {tasks[-1]}")
        if revisions:
            revision, family = revisions[-1]
            db.execute("DELETE FROM task_definitions WHERE family = ? AND revision = ?",
                       (family, revision))
            out(f"sabotage: deleted task definition {family}:{revision}")
    db.close()


def run(cycles, seed, *, writers=3, agents=3, load=(0.2, 1.2), damage=False, out=print):
    """Runs the loop; returns the figures (a dict, totals and per cycle)."""
    rng = random.Random(f"{seed}/loop")
    started = time.monotonic()
    # Unthrottled: the writers load ecsd as fast as they go, and a throttled
    # call would only be a write not made.
    ecsd = Ecsd(extra_args=("--log-level", "warn", "--throttle", "off")).start(keep_port=True)
    ledger, gate = Ledger(), Gate()
    checker = Checker(ledger, seed)
    threads, figures, problems = [], [], []
    log_read = 0  # how much of ecsd's log the cycles before have read
    try:
        ecs = client(ecsd, attempts=5)  # the checker's reads may be retried
        ecs.create_cluster(clusterName=CLUSTER)
        ledger.cluster(CLUSTER, ACKED)
        cluster_arn = f"arn:aws:ecs:{REGION}:000000000000:cluster/{CLUSTER}"
        threads = [Writer(i, ecsd, ledger, gate, seed) for i in range(writers)]
        threads += [SimulatedAgent(i, ecsd, ledger, gate, seed, cluster_arn)
                    for i in range(agents)]
        for thread in threads:
            thread.start()
        for cycle in range(1, cycles + 1):
            if rng.random() < 0.2 and len(threads) < writers + agents + 3:
                threads.append(SimulatedAgent(len(threads) - writers, ecsd, ledger, gate, seed,
                                              cluster_arn))
                threads[-1].start()
            acknowledged, in_doubt = ledger.acknowledged, ledger.in_doubt
            gate.open()
            time.sleep(rng.uniform(*load))
            gate.close()
            live = checker.check(ecs, resolve=False)
            gate.open()
            time.sleep(rng.uniform(*load))
            ecsd.kill9()
            gate.close()
            if damage:
                sabotage(ecsd, ledger, out)
            restart_began = time.monotonic()
            ecsd.start()
            restart = time.monotonic() - restart_began
            after = checker.check(ecs, resolve=True)
            log = ecsd.logs()
            ecsd_said = [line for line in log[log_read:].splitlines()
                         if "accounting differs" in line]
            log_read = len(log)
            cycle_problems = live.problems() + after.problems() + [
                f"accounting: ecsd's own recount: {line}" for line in ecsd_said]
            figure = {
                "cycle": cycle,
                "acknowledged_writes": ledger.acknowledged - acknowledged,
                "in_doubt_writes": ledger.in_doubt - in_doubt,
                "in_doubt_found": after.resolved_present,
                "in_doubt_absent": after.resolved_absent,
                "checked": live.checked + after.checked,
                "lost": len(live.lost) + len(after.lost),
                "unexplained": len(live.unexplained) + len(after.unexplained),
                "revision_reuses": len(live.reuses) + len(after.reuses),
                "accounting_differences": len(live.accounting) + len(after.accounting) +
                len(ecsd_said),
                "restart_seconds": round(restart, 3),
            }
            figures.append(figure)
            out(" ".join(f"{k}={v}" for k, v in figure.items()))
            for problem in cycle_problems:
                out(f"  cycle {cycle}: {problem}")
            problems += [f"cycle {cycle}: {p}" for p in cycle_problems]
    finally:
        gate.stop()
        for thread in threads:
            thread.join(10)
        if problems:
            ecsd.stop()
            out(f"data directory kept for inspection: {ecsd.data_dir}")
        else:
            ecsd.cleanup()
    refusals = {}
    for thread in threads:
        for code, n in thread.refusals.items():
            refusals[code] = refusals.get(code, 0) + n
    restarts = [f["restart_seconds"] for f in figures]
    return {
        "seed": seed,
        "cycles": len(figures),
        "acknowledged_writes": ledger.acknowledged,
        "checked": sum(f["checked"] for f in figures),
        "in_doubt_writes": ledger.in_doubt,
        "in_doubt_found": sum(f["in_doubt_found"] for f in figures),
        "in_doubt_absent": sum(f["in_doubt_absent"] for f in figures),
        "lost": sum(f["lost"] for f in figures),
        "unexplained": sum(f["unexplained"] for f in figures),
        "revision_reuses": sum(f["revision_reuses"] for f in figures),
        "accounting_differences": sum(f["accounting_differences"] for f in figures),
        "restart_seconds_median": round(statistics.median(restarts), 3) if restarts else None,
        "restart_seconds_max": max(restarts, default=None),
        "tasks": len(ledger.tasks),
        "tasks_by_last_status": {s: sum(1 for t in ledger.tasks.values() if t.last_floor == s)
                                 for s in ("PENDING", "RUNNING", "STOPPED")},
        "tasks_stop_requested": sum(1 for t in ledger.tasks.values()
                                    if t.desired_floor == "STOPPED"),
        "task_definitions": len(ledger.registrations),
        "container_instances": len(ledger.instances),
        "refused_calls": refusals,
        "wall_seconds": round(time.monotonic() - started, 1),
        "problems": problems,
        "per_cycle": figures,
    }


def passed(totals):
    return not (totals["lost"] or totals["unexplained"] or totals["revision_reuses"] or
                totals["accounting_differences"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--ecsd", help="the ecsd binary (default: $ECSD_BINARY or build/ecsd)")
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--sabotage", action="store_true",
                        help="delete acknowledged rows between kill and restart (must fail)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    if args.ecsd:
        os.environ["ECSD_BINARY"] = os.path.abspath(args.ecsd)
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else \
        (lambda line: print(line, flush=True))
    log(f"crash loop: seed {seed}, {args.cycles} cycles "
        f"(replay: --seed {seed} --cycles {args.cycles})")
    totals = run(args.cycles, seed, writers=args.writers, agents=args.agents,
                 damage=args.sabotage, out=log)
    if args.json:
        print(json.dumps(totals, indent=2))
    else:
        print("total: " + " ".join(f"{k}={v}" for k, v in totals.items()
                                   if k not in ("per_cycle", "problems")))
    return 0 if passed(totals) else 1


if __name__ == "__main__":
    sys.exit(main())
