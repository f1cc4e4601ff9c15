"""Services end to end: a real ecsd, real ecs-agents running real Docker
containers, and the unmodified aws CLI with its waiters."""

import json
import threading
import time
import unittest

from agent_process import AgentTestCase, container_def, docker
from harness import model_problems

# A web server that keeps running.
SERVE = "mkdir -p /tmp/www && echo ok > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www"


class Serving:
    """Counts, from outside as a load balancer would see them, the containers
    of a family that Docker runs (a task asked to stop serves until it has),
    while the block runs: the lowest and highest counts seen."""

    def __init__(self, family):
        self.family = family
        self.lowest = self.highest = None
        self.done = threading.Event()

    def count(self):
        return sum(1 for c in docker("GET", "/containers/json")[1]
                   if c["Labels"].get("com.amazonaws.ecs.task-definition-family") == self.family)

    def watch(self):
        while not self.done.is_set():
            n = self.count()
            self.lowest = n if self.lowest is None else min(self.lowest, n)
            self.highest = n if self.highest is None else max(self.highest, n)
            time.sleep(0.1)

    def __enter__(self):
        self.thread = threading.Thread(target=self.watch)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


class ServiceTestCase(AgentTestCase):
    """Two instances in two zones, and what the tests ask of a service."""

    @classmethod
    def start_agents(cls):
        cls.one = cls.start_agent(cpu=2048, memory=2000, ECS_INSTANCE_ATTRIBUTES=json.dumps(
            {"ecs.availability-zone": "us-east-1a"}))
        cls.two = cls.start_agent(cpu=2048, memory=2000, ECS_INSTANCE_ATTRIBUTES=json.dumps(
            {"ecs.availability-zone": "us-east-1b"}))

    def service(self, name):
        return self.aws_ok("describe-services", "--cluster", self.cluster,
                           "--services", name)["services"][0]

    def tasks(self, name):
        arns = self.aws_ok("list-tasks", "--cluster", self.cluster,
                           "--service-name", name)["taskArns"]
        if not arns:
            return []
        return self.aws_ok("describe-tasks", "--cluster", self.cluster,
                           "--tasks", *arns)["tasks"]

    def wait_stable(self, name):
        self.aws_ok("wait", "services-stable", "--cluster", self.cluster, "--services", name)
        return self.service(name)

    def wait_steady(self, name, timeout=60):
        """What the services-stable waiter waits for (one deployment, runningCount ==
        desiredCount), polled at once: the CLI's waiter sleeps 15 s between looks."""
        def steady():
            status, described, _ = self.ecsd.raw("DescribeServices", {
                "cluster": self.cluster, "services": [name]})
            self.assertEqual(status, 200, described)
            service = described["services"][0]
            stable = (len(service["deployments"]) == 1
                      and service["runningCount"] == service["desiredCount"])
            return service if stable else None
        return self.wait_until(steady, f"service {name} steady", timeout=timeout)

    def messages(self, name):
        return [e["message"] for e in self.service(name)["events"]]

    def running_on(self, name):
        """The instances of the service's RUNNING tasks (a list: one twice shows)."""
        return sorted(t["containerInstanceArn"] for t in self.tasks(name)
                      if t["lastStatus"] == "RUNNING")


class ServicesTest(ServiceTestCase):

    def test_a_service_runs_replaces_a_killed_container_rolls_and_is_deleted(self):
        first = self.register("svc-web", [container_def("web", SERVE)])
        created = self.aws_ok("create-service", "--cluster", self.cluster,
                              "--service-name", "web", "--task-definition", "svc-web",
                              "--desired-count", "3", "--deployment-configuration",
                              "minimumHealthyPercent=50,maximumPercent=200")["service"]
        self.assertEqual(created["status"], "ACTIVE")
        self.assertEqual(created["taskDefinition"], first)

        stable = self.wait_stable("web")
        self.assertEqual(stable["runningCount"], 3)
        self.assertEqual(len(stable["deployments"]), 1)
        self.assertEqual(stable["deployments"][0]["rolloutState"], "COMPLETED")
        self.assertIn("(service web) has reached a steady state.", self.messages("web"))
        # Every member in the shape the CLI's model gives it.
        status, described, _ = self.ecsd.raw("DescribeServices", {
            "cluster": self.cluster, "services": ["web"], "include": ["TAGS"]})
        self.assertEqual(status, 200)
        self.assertEqual(model_problems("DescribeServices", described), [])
        # Its tasks run in real containers, spread over both zones.
        tasks = self.tasks("web")
        self.assertEqual(len(tasks), 3)
        self.assertEqual({t["lastStatus"] for t in tasks}, {"RUNNING"})
        self.assertEqual({t["group"] for t in tasks}, {"service:web"})
        self.assertEqual({t["containerInstanceArn"] for t in tasks},
                         {self.one.instance_arn, self.two.instance_arn})

        # docker kill one container: its task stops and the service replaces it.
        victim = tasks[0]["taskArn"]
        ids = self.running_ids(victim)
        self.assertEqual(len(ids), 1)
        self.assertEqual(docker("POST", f"/containers/{ids[0]}/kill")[0], 204)
        self.wait_status(victim, "STOPPED")
        replaced = self.wait_until(
            lambda: (lambda ts: ts if len(ts) == 3 and victim not in {t["taskArn"] for t in ts}
                     and all(t["lastStatus"] == "RUNNING" for t in ts) else None)(
                self.tasks("web")), "a replacement RUNNING", timeout=60)
        self.assertEqual(len(replaced), 3)
        started = [m for m in self.messages("web") if m.startswith("(service web) has started 1 tasks:")]
        self.assertTrue(started, self.messages("web"))

        # A new revision rolls with min 50 / max 200: never fewer than 2 running.
        second = self.register("svc-web", [container_def("web", SERVE, environment=[
            {"name": "REVISION", "value": "2"}])])
        with Serving("svc-web") as serving:
            self.aws_ok("update-service", "--cluster", self.cluster, "--service", "web",
                        "--task-definition", second)
            rolled = self.wait_steady("web")
        self.assertGreaterEqual(serving.lowest, 2)  # ceil(3 x 50%)
        self.assertLessEqual(serving.highest, 6)  # 3 x 200%
        self.assertEqual(rolled["taskDefinition"], second)
        self.assertEqual(len(rolled["deployments"]), 1)
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks("web")}, {second})

        # Scale to 0, delete, and wait for it to be INACTIVE.
        self.aws_error("InvalidParameterException", "delete-service", "--cluster", self.cluster,
                       "--service", "web")
        self.aws_ok("update-service", "--cluster", self.cluster, "--service", "web",
                    "--desired-count", "0")
        deleted = self.aws_ok("delete-service", "--cluster", self.cluster,
                              "--service", "web")["service"]
        self.assertEqual(deleted["status"], "DRAINING")
        self.aws_ok("wait", "services-inactive", "--cluster", self.cluster, "--services", "web")
        listed = self.aws_ok("list-services", "--cluster", self.cluster)["serviceArns"]
        self.assertNotIn(deleted["serviceArn"], listed)
        self.assertEqual(self.tasks("web"), [])

    def test_a_deployment_that_cannot_start_trips_the_circuit_breaker_and_rolls_back(self):
        good = self.register("svc-breaker", [container_def("web", SERVE)])
        self.aws_ok("create-service", "--cluster", self.cluster, "--service-name", "breaker",
                    "--task-definition", good, "--desired-count", "2",
                    "--deployment-configuration",
                    "deploymentCircuitBreaker={enable=true,rollback=true}")
        self.wait_steady("breaker", timeout=120)
        # An entry point that does not exist: the container is made but never starts.
        bad = self.register("svc-breaker", [dict(container_def("web", SERVE),
                                                 command=["/no/such/program"])])
        self.aws_ok("update-service", "--cluster", self.cluster, "--service", "breaker",
                    "--task-definition", bad)
        failing = self.service("breaker")["deployments"][0]["id"]
        self.wait_until(
            lambda: any(m.endswith(f"(deployment {failing}) deployment failed: tasks failed to "
                                   "start.") for m in self.messages("breaker")),
            "the circuit breaker", timeout=120)
        self.assertTrue(any(m.startswith("(service breaker) rolling back to deployment ecs-svc/")
                            for m in self.messages("breaker")), self.messages("breaker"))
        rolled = self.wait_steady("breaker", timeout=120)
        self.assertEqual(rolled["taskDefinition"], good)
        self.assertEqual(rolled["deployments"][0]["rolloutState"], "COMPLETED")
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks("breaker")}, {good})
        self.aws_ok("delete-service", "--cluster", self.cluster, "--service", "breaker", "--force")


    def test_a_deployment_interrupted_by_kill_9_finishes_without_over_starting(self):
        first = self.register("svc-crash", [container_def("web", SERVE)])
        self.aws_ok("create-service", "--cluster", self.cluster, "--service-name", "crash",
                    "--task-definition", first, "--desired-count", "4",
                    "--deployment-configuration", "minimumHealthyPercent=100,maximumPercent=150")
        self.wait_steady("crash", timeout=120)
        second = self.register("svc-crash", [container_def("web", SERVE, environment=[
            {"name": "REVISION", "value": "2"}])])
        with Serving("svc-crash") as serving:
            self.aws_ok("update-service", "--cluster", self.cluster, "--service", "crash",
                        "--task-definition", second)
            self.wait_until(lambda: len(self.service("crash")["deployments"]) == 2,
                            "the deployment under way")
            self.ecsd.kill9()  # in the middle of the deployment
            self.ecsd.start()  # the same data directory and port
            rolled = self.wait_steady("crash", timeout=120)
        self.assertLessEqual(serving.highest, 6)  # 4 x 150%, also across the restart
        self.assertGreaterEqual(serving.lowest, 4)  # 4 x 100%
        self.assertEqual(rolled["taskDefinition"], second)
        self.assertEqual(len(rolled["deployments"]), 1)
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks("crash")}, {second})
        self.aws_ok("delete-service", "--cluster", self.cluster, "--service", "crash", "--force")


class DaemonsAndDrainingTest(ServiceTestCase):
    """A third instance joins and is drained here, so apart from ServicesTest."""

    def test_a_daemon_runs_on_every_instance_and_on_one_that_registers(self):
        self.register("svc-daemon", [container_def("logs", SERVE)])
        created = self.aws_ok("create-service", "--cluster", self.cluster,
                              "--service-name", "logs", "--task-definition", "svc-daemon",
                              "--scheduling-strategy", "DAEMON")["service"]
        self.assertEqual(created["schedulingStrategy"], "DAEMON")
        self.aws_error("InvalidParameterException", "update-service", "--cluster", self.cluster,
                       "--service", "logs", "--desired-count", "3")
        stable = self.wait_steady("logs")
        self.assertEqual(stable["desiredCount"], 2)
        self.assertEqual(self.running_on("logs"),
                         sorted([self.one.instance_arn, self.two.instance_arn]))

        # A third instance registers: it gets one too.
        three = self.start_agent(cpu=2048, memory=2000)
        self.wait_until(lambda: len(self.running_on("logs")) == 3, "a task on the new instance",
                        timeout=60)
        stable = self.wait_steady("logs")
        self.assertEqual(stable["desiredCount"], 3)
        self.assertEqual(self.running_on("logs"), sorted(
            [self.one.instance_arn, self.two.instance_arn, three.instance_arn]))

        # Drained, it gives its task up; deleted, the daemon stops every task.
        self.aws_ok("update-container-instances-state", "--cluster", self.cluster,
                    "--container-instances", three.instance_arn, "--status", "DRAINING")
        self.wait_until(lambda: three.instance_arn not in self.running_on("logs"),
                        "the drained instance's task stopped", timeout=60)
        self.assertEqual(self.wait_steady("logs")["desiredCount"], 2)
        self.aws_ok("delete-service", "--cluster", self.cluster, "--service", "logs")
        self.wait_until(lambda: self.service("logs")["status"] == "INACTIVE", "INACTIVE")
        self.assertEqual(self.tasks("logs"), [])

    def test_draining_an_instance_moves_its_service_tasks(self):
        self.register("svc-drain", [container_def("web", SERVE)])
        self.aws_ok("create-service", "--cluster", self.cluster, "--service-name", "moving",
                    "--task-definition", "svc-drain", "--desired-count", "2")
        self.wait_steady("moving")
        self.assertEqual(self.running_on("moving"),
                         sorted([self.one.instance_arn, self.two.instance_arn]))
        # Draining one: its task is replaced on another instance before it stops
        # (minimumHealthyPercent 100), and the service is steady again.
        with Serving("svc-drain") as serving:
            self.aws_ok("update-container-instances-state", "--cluster", self.cluster,
                        "--container-instances", self.one.instance_arn, "--status", "DRAINING")
            self.wait_until(lambda: self.one.instance_arn not in self.running_on("moving")
                            and len(self.running_on("moving")) == 2, "the tasks moved", timeout=60)
            moved = self.wait_steady("moving")
        self.assertGreaterEqual(serving.lowest, 2)
        self.assertEqual(moved["runningCount"], 2)
        self.assertNotIn(self.one.instance_arn, self.running_on("moving"))
        self.aws_ok("update-container-instances-state", "--cluster", self.cluster,
                    "--container-instances", self.one.instance_arn, "--status", "ACTIVE")
        self.aws_ok("delete-service", "--cluster", self.cluster, "--service", "moving", "--force")

    def task_set_steady(self, service, running):
        """The service's task sets when one is left, STEADY_STATE with `running` tasks."""
        sets = self.aws_ok("describe-task-sets", "--cluster", self.cluster,
                           "--service", service)["taskSets"]
        done = (len(sets) == 1 and sets[0]["runningCount"] == running
                and sets[0]["stabilityStatus"] == "STEADY_STATE")
        return sets if done else None

    def test_task_sets_of_an_external_service(self):
        blue_definition = self.register("svc-sets", [container_def("web", SERVE)])
        green_definition = self.register("svc-sets", [container_def("web", SERVE, environment=[
            {"name": "COLOR", "value": "green"}])])
        created = self.aws_ok("create-service", "--cluster", self.cluster, "--service-name", "sets",
                              "--desired-count", "2",
                              "--deployment-controller", "type=EXTERNAL")["service"]
        self.assertEqual(created["taskSets"], [])
        blue = self.aws_ok("create-task-set", "--cluster", self.cluster, "--service", "sets",
                           "--task-definition", blue_definition, "--external-id", "blue",
                           "--scale", "value=100,unit=PERCENT")["taskSet"]
        self.aws_ok("update-service-primary-task-set", "--cluster", self.cluster,
                    "--service", "sets", "--primary-task-set", blue["taskSetArn"])
        # The service's deployments stay empty (the waiter services-stable waits on them):
        # a task set tells its own steadiness.
        self.wait_until(lambda: self.task_set_steady("sets", 2), "blue steady", timeout=60)
        # Green at 50% of 2: one task beside blue's two.
        green = self.aws_ok("create-task-set", "--cluster", self.cluster, "--service", "sets",
                            "--task-definition", green_definition,
                            "--scale", "value=50,unit=PERCENT")["taskSet"]
        self.assertEqual(green["computedDesiredCount"], 1)
        self.wait_until(lambda: len(self.running_on("sets")) == 3, "blue's two and green's one",
                        timeout=60)
        # Green takes over; blue is scaled down and deleted.
        self.aws_ok("update-task-set", "--cluster", self.cluster, "--service", "sets",
                    "--task-set", green["id"], "--scale", "value=100,unit=PERCENT")
        self.aws_ok("update-service-primary-task-set", "--cluster", self.cluster,
                    "--service", "sets", "--primary-task-set", green["id"])
        self.aws_ok("delete-task-set", "--cluster", self.cluster, "--service", "sets",
                    "--task-set", blue["id"], "--force")

        sets = self.wait_until(lambda: self.task_set_steady("sets", 2), "green alone, steady",
                               timeout=60)
        self.assertEqual(sets[0]["status"], "PRIMARY")
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks("sets")
                          if t["lastStatus"] == "RUNNING"}, {green_definition})
        self.assertEqual(self.service("sets")["taskDefinition"], green_definition)
        status, described, _ = self.ecsd.raw("DescribeTaskSets", {
            "cluster": self.cluster, "service": "sets", "include": ["TAGS"]})
        self.assertEqual(status, 200)
        self.assertEqual(model_problems("DescribeTaskSets", described), [])
        self.aws_ok("delete-service", "--cluster", self.cluster, "--service", "sets", "--force")


if __name__ == "__main__":
    unittest.main()
