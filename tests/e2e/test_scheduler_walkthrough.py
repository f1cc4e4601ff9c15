"""The seed's walkthrough end to end: the real AWS CLI against a real ecsd,
with test agents holding real WebSocket sessions (tests/e2e/agent_client.py)."""

import json
import unittest

from agent_client import AgentClient
from harness import ROOT, EcsdTestCase, model_problems, wait_until

SEED_PORTS = ["22", "2375", "2376", "51678"]


def total_resources(cpu, memory, ports=SEED_PORTS):
    return json.dumps([
        {"name": "CPU", "type": "INTEGER", "integerValue": cpu},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
        {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ports},
        {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []},
    ])


def resource(instance, which, name):
    return next(r for r in instance[which] if r["name"] == name)


class SchedulerWalkthroughTest(EcsdTestCase):
    extra_args = ("--agent-heartbeat", "1")

    def setUp(self):
        self.agents = []
        self.cluster = self.id().rsplit(".", 1)[-1].replace("_", "-")[:60]
        self.aws_ok("create-cluster", "--cluster-name", self.cluster)
        self.cluster_arn = f"arn:aws:ecs:us-east-1:000000000000:cluster/{self.cluster}"

    def tearDown(self):
        for agent in self.agents:
            agent.close()

    def register(self, cpu, memory, connect=True, attributes=()):
        """Registers an instance as the ECS agent does, and holds its session."""
        extra = ["--attributes", *(f"name={name}" for name in attributes)] if attributes else []
        out = self.aws_ok("register-container-instance", "--cluster", self.cluster,
                          "--total-resources", total_resources(cpu, memory),
                          "--version-info", "agentVersion=1.0.0,agentHash=test,dockerVersion=20.10",
                          *extra)
        arn = out["containerInstance"]["containerInstanceArn"]
        self.assertEqual(model_problems("RegisterContainerInstance", out), [])
        if connect:
            self.connect(arn)
        return arn

    def connect(self, arn):
        agent = AgentClient(self.ecsd.url, self.ecsd.ca, self.ecsd.access_key,
                            self.ecsd.secret_key, "us-east-1", self.cluster_arn, arn)
        self.agents.append(agent)
        self.wait_until(lambda: self.describe(arn)["agentConnected"], "agent connected")
        return agent

    def describe(self, arn):
        out = self.aws_ok("describe-container-instances", "--cluster", self.cluster,
                          "--container-instances", arn)
        self.assertEqual(model_problems("DescribeContainerInstances", out), [])
        return out["containerInstances"][0]

    def describe_task(self, arn):
        out = self.aws_ok("describe-tasks", "--cluster", self.cluster, "--tasks", arn)
        self.assertEqual(model_problems("DescribeTasks", out), [])
        return out["tasks"][0]

    def wait_until(self, check, what, timeout=15):
        return wait_until(check, what, timeout, 0.1)

    def register_wordpress(self):
        self.aws_ok("register-task-definition", "--family", "wordpress",
                    "--container-definitions", f"file://{ROOT}/docs/examples/wordpress.json")

    def submit(self, task_arn, status):
        self.aws_ok("submit-task-state-change", "--cluster", self.cluster, "--task", task_arn,
                    "--status", status)

    def test_seed_walkthrough(self):
        a = self.register(1024, 2004)
        b = self.register(1024, 2004)
        listed = self.aws_ok("list-container-instances", "--cluster", self.cluster)
        self.assertEqual(sorted(listed["containerInstanceArns"]), sorted([a, b]))
        described = self.describe(a)
        self.assertEqual(described["status"], "ACTIVE")
        self.assertEqual(described["registeredResources"], described["remainingResources"])
        self.assertEqual(resource(described, "registeredResources", "CPU")["integerValue"], 1024)
        self.assertEqual(resource(described, "registeredResources", "PORTS")["stringSetValue"],
                         SEED_PORTS)

        self.register_wordpress()
        run = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition",
                          "wordpress:1", "--count", "1")
        self.assertEqual(run["tasks"], [])
        self.assertEqual(sorted((f["arn"], f["reason"]) for f in run["failures"]),
                         sorted([(a, "RESOURCE:MEMORY"), (b, "RESOURCE:MEMORY")]))

        big = self.register(1024, 4096)
        run = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition",
                          "wordpress:1", "--count", "1")
        self.assertEqual(model_problems("RunTask", run), [])
        self.assertEqual(len(run["tasks"]), 1)
        task = run["tasks"][0]
        self.assertEqual(task["containerInstanceArn"], big)
        self.assertEqual((task["lastStatus"], task["desiredStatus"]), ("PENDING", "RUNNING"))
        instance = self.describe(big)
        self.assertEqual(resource(instance, "remainingResources", "CPU")["integerValue"], 724)
        self.assertEqual(resource(instance, "remainingResources", "MEMORY")["integerValue"], 1024)
        self.assertIn("80", resource(instance, "remainingResources", "PORTS")["stringSetValue"])

        # The chosen instance's session receives the task.
        agent = self.agents[2]
        payload = agent.wait_for("PayloadMessage", lambda m: any(
            t["arn"] == task["taskArn"] for t in m["tasks"]))
        agent.ack(payload)
        self.submit(task["taskArn"], "RUNNING")
        self.assertEqual(self.describe_task(task["taskArn"])["lastStatus"], "RUNNING")

        stopped = self.aws_ok("stop-task", "--cluster", self.cluster, "--task", task["taskArn"])
        self.assertEqual(stopped["task"]["desiredStatus"], "STOPPED")
        stop = agent.wait_for("PayloadMessage", lambda m: any(
            t["arn"] == task["taskArn"] and t["desiredStatus"] == "STOPPED" for t in m["tasks"]))
        agent.ack(stop)
        self.submit(task["taskArn"], "STOPPED")
        instance = self.describe(big)
        self.assertEqual(instance["remainingResources"], instance["registeredResources"])

        # start-task on a named instance, then deregistration.
        started = self.aws_ok("start-task", "--cluster", self.cluster, "--task-definition",
                              "wordpress:1", "--container-instances", big)
        self.assertEqual(len(started["tasks"]), 1)
        code, _, stderr = self.ecsd.aws("deregister-container-instance", "--cluster",
                                        self.cluster, "--container-instance", big)
        self.assertNotEqual(code, 0)
        self.assertIn("InvalidParameterException", stderr)
        gone = self.aws_ok("deregister-container-instance", "--cluster", self.cluster,
                           "--container-instance", big, "--force")
        self.assertEqual(gone["containerInstance"]["status"], "INACTIVE")

    def test_a_task_goes_only_where_the_capabilities_it_needs_are(self):
        health = "com.amazonaws.ecs.capability.container-health-check"
        out = self.aws_ok("register-task-definition", "--family", "checked",
                          "--container-definitions", json.dumps([{
                              "name": "app", "image": "busybox", "memory": 64,
                              "healthCheck": {"command": ["CMD", "true"]}}]))
        self.assertEqual(out["taskDefinition"]["requiresAttributes"], [{"name": health}])
        plain = self.register(1024, 2048)
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "checked")
        self.assertEqual(out["tasks"], [])
        self.assertEqual(out["failures"], [{"arn": plain, "reason": "ATTRIBUTE"}])
        capable = self.register(1024, 2048, attributes=[health])
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "checked",
                          "--count", "2")
        self.assertEqual([t["containerInstanceArn"] for t in out["tasks"]], [capable, capable])

    def test_constraints_follow_every_commit(self):
        """distinctInstance and memberOf walk indexes of their own, made on first use: what
        later writes change (tasks placed and stopped, attributes put) must reach them."""
        self.aws_ok("register-task-definition", "--family", "small", "--container-definitions",
                    json.dumps([{"name": "app", "image": "busybox", "memory": 64}]))
        arns = [self.register(1024, 2048) for _ in range(3)]
        for arn, zone in zip(arns, ["a", "a", "b"]):
            self.aws_ok("put-attributes", "--cluster", self.cluster, "--attributes",
                        f"name=zone,value={zone},targetId={arn}")
        distinct = ["--placement-constraints", "type=distinctInstance"]
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "small",
                          "--count", "3", *distinct)
        self.assertEqual(sorted(t["containerInstanceArn"] for t in out["tasks"]), sorted(arns))
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "small",
                          *distinct)
        self.assertEqual(out["tasks"], [])
        self.assertEqual(sorted(f["reason"] for f in out["failures"]),
                         ["DistinctInstance placement constraint unsatisfied"] * 3)
        # A task that stops frees its instance for the group.
        freed = next(t for t in self.aws_ok("describe-tasks", "--cluster", self.cluster,
                                            "--tasks", *self.task_arns())["tasks"]
                     if t["containerInstanceArn"] == arns[1])
        self.submit(freed["taskArn"], "STOPPED")
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "small",
                          *distinct)
        self.assertEqual([t["containerInstanceArn"] for t in out["tasks"]], [arns[1]])
        # memberOf: only zone b, and an instance moved to zone b afterwards too.
        in_b = ["--placement-constraints",
                "type=memberOf,expression=attribute:zone == b", "type=distinctInstance"]
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "small",
                          "--group", "zone-b", "--count", "2", *in_b)
        self.assertEqual([t["containerInstanceArn"] for t in out["tasks"]], [arns[2]])
        self.aws_ok("put-attributes", "--cluster", self.cluster, "--attributes",
                    f"name=zone,value=b,targetId={arns[0]}")
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "small",
                          "--group", "zone-b", *in_b)
        self.assertEqual([t["containerInstanceArn"] for t in out["tasks"]], [arns[0]])

    def task_arns(self):
        return self.aws_ok("list-tasks", "--cluster", self.cluster)["taskArns"]

    def test_count_five_where_one_fits(self):
        a = self.register(1024, 2004)
        big = self.register(1024, 4096)
        self.register_wordpress()
        run = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition",
                          "wordpress", "--count", "5")
        self.assertEqual(len(run["tasks"]), 1)
        reasons = {f["arn"]: f["reason"] for f in run["failures"]}
        self.assertEqual(reasons[a], "RESOURCE:MEMORY")
        self.assertEqual(reasons[big], "RESOURCE:MEMORY")

    def test_dropped_agent(self):
        arn = self.register(2048, 8192)
        agent = self.agents[0]
        self.register_wordpress()
        task = self.aws_ok("run-task", "--cluster", self.cluster,
                           "--task-definition", "wordpress")["tasks"][0]
        first = agent.wait_for("PayloadMessage")
        # Not acknowledged: the agent drops.
        agent.drop()
        self.wait_until(lambda: not self.describe(arn)["agentConnected"], "agentConnected false")
        run = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", "wordpress")
        self.assertEqual(run["failures"], [{"arn": arn, "reason": "AGENT"}])
        # A stop requested while it is away reaches it when it comes back,
        # together with the unacknowledged payload, and to no other instance.
        self.aws_ok("stop-task", "--cluster", self.cluster, "--task", task["taskArn"])
        again = self.connect(arn)
        message = again.wait_for("PayloadMessage", lambda m: any(
            t["arn"] == task["taskArn"] and t["desiredStatus"] == "STOPPED" for t in m["tasks"]))
        again.ack(message)
        self.assertIn(task["taskArn"], [t["arn"] for t in first["tasks"]])

    def test_silent_agent_is_disconnected(self):
        arn = self.register(1024, 2048)
        self.agents[0].answer_heartbeats = False
        self.wait_until(lambda: not self.describe(arn)["agentConnected"], "silence detected")

    def test_discover_poll_endpoint(self):
        out = self.aws_ok("discover-poll-endpoint", "--cluster", self.cluster)
        self.assertEqual(out["endpoint"], self.ecsd.url)


if __name__ == "__main__":
    unittest.main()
