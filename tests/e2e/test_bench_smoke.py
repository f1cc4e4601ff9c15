"""ecs-bench against a real ecsd, small: every scenario it has runs to the end
and reports sane numbers (CI never asserts timings, only that the bench works)."""

import json
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import EcsdTestCase, built_binary


class BenchSmokeTest(EcsdTestCase):
    def test_every_scenario_runs(self):
        out = Path(tempfile.mkdtemp(prefix="ecs-bench-")) / "results.json"
        result = subprocess.run(
            [built_binary("ecs-bench", "ECS_BENCH_BINARY"), "--data-dir", str(self.ecsd.data_dir),
             "--instances", "20", "--connections", "4", "--tasks", "200", "--cycles", "10",
             "--read-seconds", "1",
             "--ecsd-pid", str(self.ecsd.process.pid), "--json", str(out)],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        results = {r["scenario"]: r for r in json.loads(out.read_text())}
        self.assertEqual(set(results), {"register", "place", "read", "lifecycle"})
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
        for read in ("DescribeContainerInstances", "ListTasks", "DescribeTasks", "DescribeClusters"):
            self.assertGreater(results["read"][read]["calls"], 0, read)
        self.assertIn("== place ==", result.stdout)
        # The instances are really there, with their agents connected.
        instances = self.aws_ok("list-container-instances", "--cluster",
                                self.aws_ok("list-clusters")["clusterArns"][0])
        self.assertEqual(len(instances["containerInstanceArns"]), 20)


if __name__ == "__main__":
    unittest.main()
