"""ECS's quotas and member limits, with ECS's errors, through the real CLI and
boto3: what one call can make ecsd keep is bounded, so oversized task
definitions, overrides, attributes and reasons are refused (and nothing of
them is kept, also across a restart), and members the model does not declare
are dropped rather than stored."""

import json
import os
import unittest
from pathlib import Path

from harness import EcsdTestCase

CLUSTER = "quotas"
CONTAINER = {"name": "c", "image": "busybox", "memory": 64}


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class QuotasTest(EcsdTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ecs = cls.ecsd.client()
        ecs.create_cluster(clusterName=CLUSTER)
        ecs.register_task_definition(family="small", containerDefinitions=[CONTAINER])
        cls.instance = ecs.register_container_instance(cluster=CLUSTER, totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024}])[
            "containerInstance"]["containerInstanceArn"]

    def raw_error(self, operation, body, status, error_type):
        response = self.ecsd.raw(operation, body)
        self.assert_aws_error(response, status, error_type)
        return response[1]["message"]

    def test_a_task_definition_is_at_most_64_kib(self):
        def definition(size):
            return {"family": "big", "containerDefinitions": [dict(CONTAINER, environment=[
                {"name": "PAD", "value": "x" * size}])]}
        sent = len(json.dumps(definition(0), separators=(",", ":")))
        message = self.raw_error("RegisterTaskDefinition", definition(65536 - sent + 200), 400,
                                 "ClientException")
        self.assertRegex(message, r"^Actual length: '\d+'\. Max allowed length is '65536' bytes\.$")
        # Just under the limit passes.
        status, body, _ = self.ecsd.raw("RegisterTaskDefinition", definition(65536 - sent - 200))
        self.assertEqual(status, 200, body)
        stderr = self.aws_error("ClientException", "register-task-definition", "--cli-input-json",
                                json.dumps(definition(70000)))
        self.assertIn("Max allowed length is '65536' bytes", stderr)

    def test_at_most_ten_containers(self):
        containers = [dict(CONTAINER, name=f"c{i}") for i in range(11)]
        message = self.raw_error("RegisterTaskDefinition",
                                 {"family": "many", "containerDefinitions": containers}, 400,
                                 "ClientException")
        self.assertEqual(message, "Too many containers.")

    def test_overrides_are_at_most_8192_characters(self):
        overrides = {"containerOverrides": [{"name": "c", "environment": [
            {"name": "PAD", "value": "x" * 8200}]}]}
        message = self.raw_error("RunTask", {"cluster": CLUSTER, "taskDefinition": "small",
                                             "overrides": overrides}, 400,
                                 "InvalidParameterException")
        self.assertEqual(message, "Container Overrides length must be at most 8192")
        self.assertEqual(self.ecsd.client().list_tasks(cluster=CLUSTER)["taskArns"], [])

    def test_reasons_started_by_and_group_have_their_lengths(self):
        self.raw_error("RunTask", {"cluster": CLUSTER, "taskDefinition": "small",
                                   "startedBy": "s" * 129}, 400, "InvalidParameterException")
        self.raw_error("RunTask", {"cluster": CLUSTER, "taskDefinition": "small",
                                   "group": "g" * 256}, 400, "InvalidParameterException")
        self.raw_error("StopTask", {"cluster": CLUSTER, "task": "any", "reason": "r" * 256}, 400,
                       "InvalidParameterException")

    def test_at_most_50_tags(self):
        tags = [{"key": f"k{i}", "value": "v"} for i in range(51)]
        self.raw_error("TagResource", {
            "resourceArn": f"arn:aws:ecs:us-east-1:000000000000:cluster/{CLUSTER}",
            "tags": tags}, 400, "InvalidParameterException")

    def test_tags_take_only_the_characters_ecs_allows(self):
        arn = f"arn:aws:ecs:us-east-1:000000000000:cluster/{CLUSTER}"
        for value in ("nul\u0000inside", "new\nline", "semi;colon"):
            self.raw_error("TagResource", {"resourceArn": arn, "tags": [
                {"key": "k", "value": value}]}, 400, "InvalidParameterException")
        listed = self.ecsd.client().list_tags_for_resource(resourceArn=arn)["tags"]
        self.assertNotIn("k", [tag["key"] for tag in listed])
        self.ecsd.client().tag_resource(resourceArn=arn, tags=[
            {"key": "team/app", "value": "\u00e9t\u00e9 a+b=c@d"}])

    def test_at_most_ten_custom_attributes_on_a_resource(self):
        ecs = self.ecsd.client()
        for batch in range(2):
            names = [f"a{batch}-{i}" for i in range(5)]
            ecs.put_attributes(cluster=CLUSTER, attributes=[
                {"name": name, "value": "1", "targetId": self.instance} for name in names])
        message = self.raw_error("PutAttributes", {"cluster": CLUSTER, "attributes": [
            {"name": "one-too-many", "targetId": self.instance}]}, 400,
            "AttributeLimitExceededException")
        self.assertIn("10 custom attributes", message)
        # Changing one it has is no new attribute.
        ecs.put_attributes(cluster=CLUSTER, attributes=[
            {"name": "a0-0", "value": "2", "targetId": self.instance}])
        listed = ecs.list_attributes(cluster=CLUSTER, targetType="container-instance")
        custom = [a["name"] for a in listed["attributes"] if not a["name"].startswith("ecs.")]
        self.assertEqual(len(custom), 10)
        self.assertNotIn("one-too-many", custom)
        self.raw_error("PutAttributes", {"cluster": CLUSTER, "attributes": [
            {"name": "a0-1", "value": "v" * 129, "targetId": self.instance}]}, 400,
            "InvalidParameterException")
        self.raw_error("RegisterContainerInstance", {"cluster": CLUSTER, "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 1},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1}],
            "attributes": [{"name": f"custom-{i}"} for i in range(11)]}, 400,
            "AttributeLimitExceededException")

    def test_undeclared_members_are_not_kept(self):
        ecs = self.ecsd.client()
        status, body, _ = self.ecsd.raw("RegisterTaskDefinition", {
            "family": "extra", "junk": "x" * 1000,
            "containerDefinitions": [dict(CONTAINER, junk=[1, 2, 3], mountPoints=[
                {"sourceVolume": "v", "containerPath": "/v", "junk": True}])],
            "volumes": [{"name": "v", "junk": 1, "host": {"sourcePath": "/tmp", "junk": 2}}]})
        self.assertEqual(status, 200, body)
        described = ecs.describe_task_definition(taskDefinition="extra")["taskDefinition"]
        self.assertEqual(described["volumes"], [{"name": "v", "host": {"sourcePath": "/tmp"}}])
        container = described["containerDefinitions"][0]
        self.assertNotIn("junk", container)
        self.assertEqual(container["mountPoints"], [{"sourceVolume": "v", "containerPath": "/v"}])
        self.assertNotIn("junk", json.dumps(
            self.ecsd.raw("DescribeTaskDefinition", {"taskDefinition": "extra"})[1]))

    @unittest.skipIf(os.environ.get("ECSD_SANITIZED"),
                     "megabytes of JSON are too slow under AddressSanitizer; the release run "
                     "measures this")
    def test_oversized_definitions_do_not_grow_the_server(self):
        # Forty 1.5-2 MB definitions (27,000 environment entries each) once
        # raised ecsd's memory by 832 MiB, all loaded again after a restart.
        environment = [{"name": f"VAR_{i}", "value": "v" * 30} for i in range(27000)]
        body = json.dumps({"family": "amplified",
                           "containerDefinitions": [dict(CONTAINER, environment=environment)]})
        self.assertGreater(len(body), 1_500_000)
        before = rss_mib(self.ecsd.process.pid)
        for _ in range(40):
            self.raw_error("RegisterTaskDefinition", body, 400, "ClientException")
        grown = rss_mib(self.ecsd.process.pid) - before
        self.assertLess(grown, 100, f"RSS grew {grown:.0f} MiB")
        families = self.ecsd.client().list_task_definition_families()["families"]
        self.assertNotIn("amplified", families)
        self.ecsd.restart()
        self.assertNotIn("amplified",
                         self.ecsd.client().list_task_definition_families()["families"])


if __name__ == "__main__":
    unittest.main()
