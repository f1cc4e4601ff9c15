"""A disk that refuses writes: ecsd's real SQLite store on a real file, made
to fail by lowering the running server's file-size limit (prlimit, as a full
disk or quota would), so every write of the database's log fails with EFBIG.
A commit that fails is an error to its caller (ServerException, HTTP 500),
nothing of it is applied or kept, reads go on, and ecsd recovers as soon as
the disk does: the next writes commit, and a restart loads exactly what was
acknowledged."""

import resource
import unittest

from harness import EcsdTestCase

CONTAINERS = [{"name": "c", "image": "busybox", "memory": 64}]


class StorageFaultsTest(EcsdTestCase):
    def set_file_size_limit(self, limit):
        pid = self.ecsd.process.pid
        _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))

    def snapshot(self, ecs):
        clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"],
                                         include=["TAGS"])["clusters"]
        families = ecs.list_task_definition_families()["families"]
        definitions = ecs.list_task_definitions()["taskDefinitionArns"]
        return clusters, families, definitions

    def test_failed_commits_are_errors_nothing_applied_and_the_server_recovers(self):
        ecs = self.ecsd.client()
        ecs.create_cluster(clusterName="before", tags=[{"key": "k", "value": "v"}])
        ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS)
        before = self.snapshot(ecs)

        self.set_file_size_limit(1)  # any write past the first byte fails: a full disk
        try:
            for operation, body in [
                    ("CreateCluster", {"clusterName": "during"}),
                    ("RegisterTaskDefinition", {"family": "web",
                                                "containerDefinitions": CONTAINERS}),
                    ("TagResource", {"resourceArn": before[0][0]["clusterArn"],
                                     "tags": [{"key": "new", "value": "1"}]}),
                    ("DeleteCluster", {"cluster": "before"})]:
                response = self.ecsd.raw(operation, body)
                self.assert_aws_error(response, 500, "ServerException")
            # Reads never wait for the disk, and see nothing of the failed writes.
            self.assertEqual(self.snapshot(ecs), before)
        finally:
            self.set_file_size_limit(resource.RLIM_INFINITY)

        # The disk is back: writes commit again, and no revision was used up.
        registered = ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS)
        self.assertEqual(registered["taskDefinition"]["revision"], 2)
        ecs.create_cluster(clusterName="after")
        after = self.snapshot(ecs)

        self.ecsd.restart()
        self.assertEqual(self.snapshot(self.ecsd.client()), after)
        names = sorted(c["clusterName"] for c in after[0])
        self.assertEqual(names, ["after", "before"])


if __name__ == "__main__":
    unittest.main()
