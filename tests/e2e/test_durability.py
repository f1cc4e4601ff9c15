"""An acknowledged write is never lost: across a clean restart and across
kill -9 of the server."""

import signal
import threading
import unittest

from harness import Ecsd

WORDPRESS = [{"name": "wp", "image": "wordpress:latest", "memory": 128, "essential": True}]


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.ecsd = Ecsd().start()

    def tearDown(self):
        self.ecsd.cleanup()

    def test_state_survives_a_clean_restart(self):
        client = self.ecsd.client()
        client.create_cluster(clusterName="kept", tags=[{"key": "k", "value": "v"}])
        registered = client.register_task_definition(family="web", containerDefinitions=WORDPRESS)
        self.assertEqual(self.ecsd.stop(), 0, "SIGTERM should exit cleanly")
        self.assertIn("msg=stopped", self.ecsd.logs())

        self.ecsd.start()
        client = self.ecsd.client()
        cluster = client.describe_clusters(clusters=["kept"], include=["TAGS"])["clusters"][0]
        self.assertEqual(cluster["tags"], [{"key": "k", "value": "v"}])
        described = client.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
        self.assertEqual(described["registeredAt"],
                         registered["taskDefinition"]["registeredAt"])
        # The TLS material and keys are reused, so the old CA and keys still work.
        again = client.register_task_definition(family="web", containerDefinitions=WORDPRESS)
        self.assertEqual(again["taskDefinition"]["revision"], 2)

    def test_acknowledged_writes_survive_kill_9(self):
        client = self.ecsd.client()
        acknowledged = []
        for i in range(20):
            client.create_cluster(clusterName=f"k9-{i}")
            acknowledged.append(f"k9-{i}")
        # Writes racing the kill: every one that was acknowledged must be there.
        racing = []
        under_way = threading.Event()

        def writer():
            c = self.ecsd.client()
            for i in range(200):
                try:
                    c.register_task_definition(family="race", containerDefinitions=WORDPRESS)
                    racing.append(i)
                    if len(racing) >= 5:
                        under_way.set()
                except Exception:
                    return
        thread = threading.Thread(target=writer)
        thread.start()
        self.assertTrue(under_way.wait(timeout=60), "the writer never got going")
        self.ecsd.stop(signal.SIGKILL)
        thread.join()
        acknowledged_revisions = len(racing)

        self.ecsd.start()
        client = self.ecsd.client()
        described = client.describe_clusters(clusters=acknowledged)
        self.assertEqual(described["failures"], [])
        self.assertEqual(len(described["clusters"]), 20)
        revisions = client.list_task_definitions(familyPrefix="race")["taskDefinitionArns"]
        # At least every acknowledged revision (one more may have committed
        # just before the kill without its answer getting out).
        self.assertGreaterEqual(len(revisions), acknowledged_revisions)
        self.assertLessEqual(len(revisions), acknowledged_revisions + 1)


if __name__ == "__main__":
    unittest.main()
