"""ECS's request throttling through boto3 and the AWS CLI: a token bucket per
access key and call class (api/ecs-throttling.json), ThrottlingException
("Rate exceeded", HTTP 400) past it, which the SDKs retry with backoff; one
key's flood leaves another key, and the agents signing with the same key,
their whole rate; --throttle-rate and --throttle set the rates."""

import subprocess
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.config
import botocore.exceptions

from harness import Ecsd, EcsdTestCase, REGION, ecsd_binary

OTHER_KEY = ("AKIDTHROTTLEOTHER000", "other-secret-for-the-throttling-test")


def burst(call, n, threads=8):
    """Makes n calls from a few threads at once; returns (admitted, refusals,
    seconds taken). A refusal is (HTTP status, error type, message)."""
    def one(_):
        try:
            call()
            return None
        except botocore.exceptions.ClientError as e:
            return (e.response["ResponseMetadata"]["HTTPStatusCode"],
                    e.response["Error"]["Code"], e.response["Error"]["Message"])
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, range(n)))
    refusals = [r for r in results if r is not None]
    return n - len(refusals), refusals, time.monotonic() - started


class DefaultRatesTest(EcsdTestCase):
    """The defaults, as ECS documents DescribeClusters': a 50-token bucket."""

    def test_a_burst_past_the_bucket_is_throttling_exception(self):
        ecs = self.ecsd.client()
        admitted, refusals, seconds = burst(lambda: ecs.describe_clusters(), 200)
        # 50 at once, and 20 a second refilled while the burst lasted.
        self.assertGreaterEqual(admitted, 50)
        self.assertLessEqual(admitted, 50 + 20 * seconds + 1, f"{admitted} in {seconds:.2f}s")
        self.assertTrue(refusals)
        self.assertEqual(set(refusals), {(400, "ThrottlingException", "Rate exceeded")})


class LowRatesTest(unittest.TestCase):
    """A fresh ecsd for each test, so each starts with full buckets."""

    def setUp(self):
        self.ecsd = Ecsd(extra_args=(
            "--throttle-rate", "cluster-read=5/1,task-read=5/1",
            "--access-key-id", OTHER_KEY[0], "--secret-access-key", OTHER_KEY[1])).start()
        self.addCleanup(self.ecsd.cleanup)

    def drained(self, ecs):
        """Empties alice's cluster-read bucket; returns (admitted, seconds)."""
        admitted, refusals, seconds = burst(lambda: ecs.list_clusters(), 40)
        self.assertTrue(refusals, "the bucket did not run dry")
        return admitted, seconds

    def test_the_flag_sets_the_bucket(self):
        ecs = self.ecsd.client()
        admitted, seconds = self.drained(ecs)
        # 5 at once and 1 a second while the burst lasted.
        self.assertGreaterEqual(admitted, 5)
        self.assertLessEqual(admitted, 5 + seconds + 1, f"{admitted} in {seconds:.2f}s")
        time.sleep(2.2)
        admitted, _, seconds = burst(lambda: ecs.list_clusters(), 10)
        self.assertGreaterEqual(admitted, 2)
        self.assertLessEqual(admitted, 2.2 + seconds + 1, f"{admitted} in {seconds:.2f}s")

    def test_the_cli_and_sdks_back_off_and_get_through(self):
        ecs = self.ecsd.client()
        self.drained(ecs)
        # The CLI retries a throttled call with backoff (botocore's retry modes
        # treat ThrottlingException as retryable) and so gets through.
        code, _, stderr = self.ecsd.aws("list-clusters")
        self.assertEqual(code, 0, stderr)
        # Made first: making a client takes long enough to refill a token.
        retrying = boto3.session.Session(
            aws_access_key_id=self.ecsd.access_key, aws_secret_access_key=self.ecsd.secret_key,
            region_name=REGION).client(
                "ecs", endpoint_url=self.ecsd.url, verify=self.ecsd.ca,
                config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 10}))
        self.drained(ecs)
        # Five in a row at 1 a second: some must wait, and all get through.
        retries = [retrying.list_clusters()["ResponseMetadata"]["RetryAttempts"]
                   for _ in range(5)]
        self.assertGreaterEqual(sum(retries), 1, retries)

    def test_another_key_keeps_its_whole_rate(self):
        self.drained(self.ecsd.client())
        other = self.ecsd.client(access_key=OTHER_KEY[0], secret_key=OTHER_KEY[1])
        admitted, refusals, _ = burst(lambda: other.list_clusters(), 5)
        self.assertEqual((admitted, refusals), (5, []))

    def test_another_class_of_the_same_key_is_apart(self):
        ecs = self.ecsd.client()
        self.drained(ecs)
        # Task definitions' reads are another class: not throttled by cluster reads.
        admitted, refusals, _ = burst(lambda: ecs.list_task_definitions(), 10)
        self.assertEqual((admitted, refusals), (10, []))

    def test_a_busy_user_never_cuts_off_its_agents(self):
        ecs = self.ecsd.client()
        ecs.create_cluster(clusterName="agents")
        self.drained(ecs)
        burst(lambda: ecs.list_tasks(cluster="agents"), 40)
        # The agents sign with the same key; their calls are a class of their own.
        admitted, refusals, _ = burst(lambda: ecs.discover_poll_endpoint(cluster="agents"), 50)
        self.assertEqual((admitted, refusals), (50, []))
        instance = ecs.register_container_instance(cluster="agents", totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024}])
        self.assertTrue(instance["containerInstance"]["containerInstanceArn"])


class ThrottleOffTest(EcsdTestCase):
    extra_args = ("--throttle", "off")

    def test_nothing_is_throttled(self):
        ecs = self.ecsd.client()
        admitted, refusals, _ = burst(lambda: ecs.describe_clusters(), 300)
        self.assertEqual((admitted, refusals), (300, []))


class FlagErrorsTest(unittest.TestCase):
    def refused(self, *args):
        result = subprocess.run([ecsd_binary(), "--data-dir", "/nonexistent", *args],
                                capture_output=True, text=True, timeout=20)
        self.assertEqual(result.returncode, 2, result.stderr)
        return result.stderr

    def test_bad_rates_are_refused_with_what_is_expected(self):
        self.assertIn("no call class bogus", self.refused("--throttle-rate", "bogus=1/1"))
        self.assertIn("the classes: agent, cluster-read",
                      self.refused("--throttle-rate", "bogus=1/1"))
        for value in ("task-write=0/1", "task-write=5", "task-write=5/0", "task-write=a/b",
                      "task-write=5/1x"):
            self.assertIn("expected CLASS=BURST/REFILL", self.refused("--throttle-rate", value))
        self.assertIn("--throttle must be on or off", self.refused("--throttle", "maybe"))


if __name__ == "__main__":
    unittest.main()
