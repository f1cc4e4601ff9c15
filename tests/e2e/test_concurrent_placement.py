"""Placement and its writes are one transaction: many concurrent RunTasks at a
small cluster never over-commit an instance or a port."""

import concurrent.futures
import json
import unittest

from agent_client import AgentClient
from harness import EcsdTestCase

CLUSTER = "crowded"
APP = [{"name": "app", "image": "busybox", "cpu": 128, "memory": 200,
        "portMappings": [{"containerPort": 80, "hostPort": 0}]}]
WEB = [{"name": "web", "image": "busybox", "cpu": 64, "memory": 100,
        "portMappings": [{"containerPort": 80, "hostPort": 8080}]}]


class ConcurrentPlacementTest(EcsdTestCase):
    def test_concurrent_run_tasks_never_over_commit(self):
        client = self.ecsd.client()
        client.create_cluster(clusterName=CLUSTER)
        cluster_arn = f"arn:aws:ecs:us-east-1:000000000000:cluster/{CLUSTER}"
        agents, instances = [], []
        for memory in (1000, 1500, 2000):
            arn = client.register_container_instance(cluster=CLUSTER, totalResources=[
                {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": memory}])[
                "containerInstance"]["containerInstanceArn"]
            instances.append(arn)
            agents.append(AgentClient(self.ecsd.url, self.ecsd.ca, self.ecsd.access_key,
                                      self.ecsd.secret_key, "us-east-1", cluster_arn, arn,
                                      auto_ack=True))
        client.register_task_definition(family="app", containerDefinitions=APP)
        client.register_task_definition(family="web", containerDefinitions=WEB)

        def burst(worker):
            c = self.ecsd.client()
            placed = 0
            for i in range(8):
                family = "web" if (worker + i) % 3 == 0 else "app"
                placed += len(c.run_task(cluster=CLUSTER, taskDefinition=family,
                                         count=2)["tasks"])
            return placed

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            placed = sum(pool.map(burst, range(12)))

        tasks = []
        arns = client.list_tasks(cluster=CLUSTER, maxResults=100)
        while True:
            if arns["taskArns"]:
                tasks += client.describe_tasks(cluster=CLUSTER, tasks=arns["taskArns"])["tasks"]
            if "nextToken" not in arns:
                break
            arns = client.list_tasks(cluster=CLUSTER, maxResults=100,
                                     nextToken=arns["nextToken"])
        self.assertEqual(len(tasks), placed)
        self.assertGreater(placed, 10)
        described = client.describe_container_instances(cluster=CLUSTER,
                                                        containerInstances=instances)
        for instance in described["containerInstances"]:
            mine = [t for t in tasks if t["containerInstanceArn"] == instance["containerInstanceArn"]]
            registered = {r["name"]: r for r in instance["registeredResources"]}
            remaining = {r["name"]: r for r in instance["remainingResources"]}
            used_cpu = sum(int(c["cpu"]) for t in mine for c in t["containers"])
            used_memory = sum(int(c["memory"]) for t in mine for c in t["containers"])
            self.assertEqual(registered["CPU"]["integerValue"] - remaining["CPU"]["integerValue"],
                             used_cpu)
            self.assertEqual(
                registered["MEMORY"]["integerValue"] - remaining["MEMORY"]["integerValue"],
                used_memory)
            self.assertGreaterEqual(remaining["CPU"]["integerValue"], 0)
            self.assertGreaterEqual(remaining["MEMORY"]["integerValue"], 0)
            # At most one web task per instance: it needs host port 8080.
            self.assertLessEqual(sum(1 for t in mine if "/web:" in t["taskDefinitionArn"]), 1)
            ports = remaining["PORTS"]["stringSetValue"]
            self.assertEqual(len(ports), len(set(ports)))
        self.assertNotIn("accounting differs", self.ecsd.logs())
        for agent in agents:
            agent.close()


if __name__ == "__main__":
    unittest.main()
