"""ecs-bench against a real ecsd, small: every scenario it has runs to the end
and reports sane numbers (CI never asserts timings, only that the bench works)."""

import json
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from harness import EcsdTestCase, built_binary

READS = ("DescribeContainerInstances", "ListTasks", "DescribeTasks", "DescribeClusters")
CI_CALLS = ("RegisterTaskDefinition", "RunTask", "DescribeTasks", "ListTasks", "StopTask")


class BenchSmokeTest(EcsdTestCase):
    # ecs-bench measures ecsd at full speed, as scripts/bench.sh runs it.
    extra_args = ("--throttle", "off")

    def bench(self, *args, timeout=120):
        """Runs ecs-bench against this ecsd; returns (its results by scenario, stdout)."""
        out = Path(tempfile.mkdtemp(prefix="ecs-bench-")) / "results.json"
        result = subprocess.run(
            [built_binary("ecs-bench", "ECS_BENCH_BINARY"), "--data-dir", str(self.ecsd.data_dir),
             "--ecsd-pid", str(self.ecsd.process.pid), "--json", str(out), *args],
            capture_output=True, text=True, timeout=timeout)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return {r["scenario"]: r for r in json.loads(out.read_text())}, result.stdout

    def test_1_every_scenario_runs_at_an_offered_rate(self):
        results, stdout = self.bench("--instances", "20", "--connections", "4", "--tasks", "200",
                                     "--cycles", "10", "--rate", "100", "--seconds", "1")
        self.assertEqual(set(results),
                         {"register", "place", "read", "lifecycle", "place-rate", "mixed"})
        register, place = results["register"], results["place"]
        self.assertEqual(register["instances"], 20)
        self.assertEqual(register["latency"]["calls"], 20)
        self.assertGreater(register["registrations_per_second"], 0)
        self.assertEqual(place["tasks_placed"], 200)
        self.assertEqual(place["tasks_unplaced"], 0)
        self.assertEqual(place["run_task_latency"]["calls"], 20)
        self.assertGreater(place["ecsd_cpu_seconds"] + place["ecsd_rss_mib"], 0)
        self.assertEqual(results["lifecycle"]["cycles"], 10)
        self.assertEqual(results["lifecycle"]["run_to_running"]["calls"], 10)
        self.assertEqual(results["lifecycle"]["stop_to_stopped"]["calls"], 10)
        for name, operations in (("read", READS), ("place-rate", ("RunTask",)),
                                 ("mixed", CI_CALLS)):
            result = results[name]
            self.assertEqual(result["mode"], "open loop", name)
            self.assertGreater(result["offered_calls_per_second"], 0, name)
            self.assertGreater(result["achieved_calls_per_second"], 0, name)
            self.assertIn("late_calls", result)
            self.assertIn("loop_lag_max_ms", result)
            for operation in operations:
                self.assertGreater(result[operation]["calls"], 0, (name, operation))
                self.assertIn("p999_ms", result[operation])
        place_rate = results["place-rate"]
        self.assertEqual(place_rate["tasks_placed"], place_rate["RunTask"]["calls"])
        self.assertEqual(place_rate["tasks_unplaced"], 0)
        for scenario in results:
            self.assertIn(f"== {scenario} ==", stdout)
        # The instances are really there, with their agents connected.
        instances = self.aws_ok("list-container-instances", "--cluster",
                                self.aws_ok("list-clusters")["clusterArns"][0])
        self.assertEqual(len(instances["containerInstanceArns"]), 20)

    def test_2_closed_loop(self):
        # With clientTokens, as the AWS CLI and SDKs send RunTask.
        results, _ = self.bench("--scenario", "mixed", "--instances", "5", "--connections", "2",
                                "--seconds", "0.5", "--client-token", "on")
        self.assertEqual(set(results), {"register", "mixed"})
        self.assertEqual(results["mixed"]["mode"], "closed loop")
        self.assertNotIn("offered_calls_per_second", results["mixed"])
        for operation in CI_CALLS:
            self.assertGreater(results["mixed"][operation]["calls"], 0, operation)

    def test_2b_place_with_a_strategy_spreads_over_the_zones(self):
        strategy = [{"type": "spread", "field": "attribute:ecs.availability-zone"},
                    {"type": "binpack", "field": "memory"}]
        results, _ = self.bench("--scenario", "place", "--instances", "6", "--connections", "2",
                                "--tasks", "30", "--strategy", json.dumps(strategy))
        self.assertEqual(results["place"]["tasks_placed"], 30)
        # This run's cluster: the one with its six instances (the other tests' have 20 and 5).
        clusters = self.aws_ok("describe-clusters", "--clusters",
                               *self.aws_ok("list-clusters")["clusterArns"])["clusters"]
        cluster = next(c["clusterArn"] for c in clusters
                       if c["registeredContainerInstancesCount"] == 6)
        arns = self.aws_ok("list-tasks", "--cluster", cluster)["taskArns"]
        self.assertEqual(len(arns), 30)
        tasks = self.aws_ok("describe-tasks", "--cluster", cluster, "--tasks", *arns)["tasks"]
        instances = self.aws_ok("describe-container-instances", "--cluster", cluster,
                                "--container-instances",
                                *{t["containerInstanceArn"] for t in tasks})["containerInstances"]
        zone_of = {i["containerInstanceArn"]: next(a["value"] for a in i["attributes"]
                                                   if a["name"] == "ecs.availability-zone")
                   for i in instances}
        per_zone = {}
        for task in tasks:
            zone = zone_of[task["containerInstanceArn"]]
            per_zone[zone] = per_zone.get(zone, 0) + 1
        # 30 tasks of one group over three zones of two instances each: ten a zone.
        self.assertEqual(per_zone, {"us-east-1a": 10, "us-east-1b": 10, "us-east-1c": 10})

    def test_2d_services_are_steady_after_create_and_after_deploy(self):
        results, stdout = self.bench("--scenario", "services", "--instances", "30",
                                     "--connections", "4", "--services", "5",
                                     "--desired-per-service", "3", "--idle-seconds", "0.5")
        self.assertEqual(set(results), {"register", "services"})
        services = results["services"]
        for phase, operation in (("create", "CreateService"), ("deploy", "UpdateService")):
            self.assertEqual(services[phase]["services_steady"], 5, phase)
            self.assertEqual(services[phase]["tasks"], 15, phase)
            self.assertEqual(services[phase][operation]["calls"], 5, phase)
            self.assertGreater(services[phase]["seconds"], 0, phase)
            self.assertGreater(services[phase]["DescribeServices"]["calls"], 0, phase)
        for idle in ("idle_before", "idle_after"):
            self.assertGreater(services[idle]["seconds"], 0.4, idle)
            self.assertGreaterEqual(services[idle]["ecsd_cpu_ms_per_second"], 0, idle)
        # 15 tasks RUNNING; then 15 new ones RUNNING and the 15 old ones STOPPED.
        self.assertGreaterEqual(services["SubmitTaskStateChange"]["calls"], 45)
        self.assertIn("== services ==", stdout)
        # As ecsd tells any client: every service on the new revision (this run registered the
        # newest "bench"), its three tasks RUNNING and no other left running.
        ecs = self.ecsd.client()
        cluster = next(c["clusterArn"] for c in ecs.describe_clusters(
            clusters=ecs.list_clusters()["clusterArns"])["clusters"]
            if c["activeServicesCount"] == 5)
        revision = ecs.describe_task_definition(
            taskDefinition="bench")["taskDefinition"]["taskDefinitionArn"]
        described = ecs.describe_services(cluster=cluster,
                                          services=[f"svc-{i}" for i in range(5)])["services"]
        self.assertEqual(len(described), 5)
        for service in described:
            self.assertEqual([d["taskDefinition"] for d in service["deployments"]], [revision])
            self.assertEqual((service["runningCount"], service["desiredCount"]), (3, 3))
        tasks = ecs.describe_tasks(cluster=cluster,
                                   tasks=ecs.list_tasks(cluster=cluster)["taskArns"])["tasks"]
        self.assertEqual(sorted(t["group"] for t in tasks),
                         sorted(f"service:svc-{i}" for i in range(5) for _ in range(3)))
        self.assertEqual({(t["taskDefinitionArn"], t["lastStatus"]) for t in tasks},
                         {(revision, "RUNNING")})

    def bench_rejects(self, *args):
        result = subprocess.run(
            [built_binary("ecs-bench", "ECS_BENCH_BINARY"), "--data-dir", str(self.ecsd.data_dir),
             *args], capture_output=True, text=True, timeout=30)
        return result

    def test_2c_a_strategy_that_is_not_an_array_is_refused(self):
        result = self.bench_rejects("--strategy", '{"type":"spread"}')
        self.assertEqual(result.returncode, 2)
        self.assertIn("--strategy is a JSON array", result.stderr)

    def test_3_first_answer_after_a_restart(self):
        # Restart on the same address, with ecs-bench already retrying.
        self.ecsd.stop()
        self.ecsd.listen = self.ecsd.url.split("://", 1)[1]
        out = Path(tempfile.mkdtemp(prefix="ecs-bench-")) / "results.json"
        since = time.time_ns()
        bench = subprocess.Popen(
            [built_binary("ecs-bench", "ECS_BENCH_BINARY"), "--data-dir", str(self.ecsd.data_dir),
             "--endpoint", self.ecsd.url, "--scenario", "first-answer",
             "--since-ns", str(since), "--json", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.ecsd.start()
        stdout, _ = bench.communicate(timeout=120)
        self.assertEqual(bench.returncode, 0, stdout)
        (result,) = json.loads(out.read_text())
        self.assertEqual(result["scenario"], "first-answer")
        self.assertGreater(result["seconds"], 0)
        self.assertGreaterEqual(result["attempts"], 1)
        self.assertIn("== first-answer ==", stdout)


if __name__ == "__main__":
    unittest.main()
