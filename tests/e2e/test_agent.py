"""ecs-agent end to end: a real ecsd, two real agents on this machine (each
with its own ECS_DATADIR and reported resources), real Docker containers,
and the real aws CLI."""

import http.client
import json
import shutil
import socket
import tempfile
import unittest
from pathlib import Path

from agent_process import AgentTestCase, container_def, resource


# A web page built from an environment variable and a page fetched through a
# link, served on container port 80.
WEB = ("mkdir -p /tmp/www && echo \"$GREETING\" > /tmp/www/index.html && "
       "for i in $(seq 1 100); do wget -q -O /tmp/www/backend.html http://api:8080/ && break; "
       "sleep 0.1; done; exec httpd -f -p 80 -h /tmp/www")
BACKEND = ("mkdir -p /tmp/b && echo backend-ok > /tmp/b/index.html && "
           "exec httpd -f -p 8080 -h /tmp/b")


def http_get(port, path="/", timeout=2):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


class AgentTest(AgentTestCase):
    @classmethod
    def start_agents(cls):
        cls.small = cls.start_agent(cpu=1024, memory=1000, ECS_INSTANCE_ATTRIBUTES=json.dumps(
            {"ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1a"}))
        cls.large = cls.start_agent(cpu=2048, memory=3000)

    def test_agents_register_with_their_resources_and_serve_metadata(self):
        for agent, cpu, memory in ((self.small, 1024, 1000), (self.large, 2048, 3000)):
            instance = self.instance(agent)
            self.assertTrue(instance["agentConnected"])
            self.assertEqual(resource(instance, "registeredResources", "CPU")["integerValue"], cpu)
            self.assertEqual(resource(instance, "registeredResources", "MEMORY")["integerValue"],
                             memory)
            ports = resource(instance, "registeredResources", "PORTS")["stringSetValue"]
            self.assertEqual(sorted(ports, key=int), ["22", "2375", "2376", "51678", "51679"])
            self.assertTrue(instance["versionInfo"]["dockerVersion"].startswith("DockerVersion: "))
            metadata = agent.metadata()
            self.assertEqual(metadata["Cluster"], self.cluster)
            self.assertEqual(metadata["ClusterArn"],
                             f"arn:aws:ecs:us-east-1:000000000000:cluster/{self.cluster}")
            self.assertEqual(metadata["ContainerInstanceArn"], instance["containerInstanceArn"])
            self.assertTrue(metadata["Version"].startswith("ecsd Agent - v"))
            # Only what the agent implements: it ignores health checks and dependsOn.
            names = {a["name"] for a in instance["attributes"]}
            self.assertIn("com.amazonaws.ecs.capability.docker-remote-api.1.41", names)
            self.assertNotIn("com.amazonaws.ecs.capability.container-health-check", names)
            self.assertNotIn("ecs.capability.container-ordering", names)

    def test_instance_attributes_from_the_environment_are_registered(self):
        attributes = {a["name"]: a.get("value") for a in self.instance(self.small)["attributes"]}
        self.assertEqual(attributes["ecs.instance-type"], "m5.large")
        self.assertEqual(attributes["ecs.availability-zone"], "us-east-1a")
        out = self.aws_ok("list-container-instances", "--cluster", self.cluster, "--filter",
                          "attribute:ecs.availability-zone == us-east-1a")
        self.assertEqual(out["containerInstanceArns"], [self.small.instance_arn])

    def test_linked_task_runs_answers_on_its_host_port_and_stops(self):
        definition = self.register("web", [
            container_def("web", WEB, links=["api"],
                          environment=[{"name": "GREETING", "value": "hello from ecsd"}],
                          portMappings=[{"containerPort": 80, "hostPort": 0}]),
            container_def("api", BACKEND, essential=False),
        ])
        memory_before = self.remaining(self.large, "MEMORY")
        arn = self.run_on(self.large, definition)
        task = self.wait_status(arn, "RUNNING")
        web = next(c for c in task["containers"] if c["name"] == "web")
        self.assertEqual(web["lastStatus"], "RUNNING")
        binding = web["networkBindings"][0]
        self.assertEqual(binding["containerPort"], 80)
        port = binding["hostPort"]
        self.assertGreater(port, 0)

        def page(path):
            try:
                return http_get(port, path)
            except OSError:
                return None
        self.assertEqual(self.wait_until(lambda: page("/"), "the page"), (200, "hello from ecsd\n"))
        self.assertEqual(self.wait_until(lambda: page("/backend.html"), "the linked page"),
                         (200, "backend-ok\n"))
        self.assertIn(str(port), resource(self.instance(self.large), "remainingResources",
                                          "PORTS")["stringSetValue"])
        self.assertEqual(self.remaining(self.large, "MEMORY"), memory_before - 128)
        introspected = next(t for t in self.large.tasks() if t["Arn"] == arn)
        self.assertEqual(introspected["KnownStatus"], "RUNNING")
        self.assertEqual({c["Name"] for c in introspected["Containers"]}, {"web", "api"})

        self.aws_ok("stop-task", "--cluster", self.cluster, "--task", arn)
        stopped = self.wait_status(arn, "STOPPED")
        self.assertEqual(stopped["stoppedReason"], "Task stopped by user")
        self.assertEqual(self.running_containers(arn), [])
        self.assertEqual(self.remaining(self.large, "MEMORY"), memory_before)
        self.assertIsNone(page("/"))

    def test_essential_exit_stops_the_task_with_its_exit_code(self):
        definition = self.register("batch", [
            container_def("main", "sleep 1; exit 7"),
            container_def("sidecar", "exec sleep 1000", essential=False),
        ])
        arn = self.run_on(self.small, definition)
        stopped = self.wait_status(arn, "STOPPED")
        self.assertEqual(stopped["stoppedReason"], "Essential container in task exited")
        main = next(c for c in stopped["containers"] if c["name"] == "main")
        self.assertEqual(main["exitCode"], 7)
        self.assertEqual(self.running_containers(arn), [])
        self.assertEqual(self.remaining(self.small, "MEMORY"), 1000)

    def test_bad_image_and_taken_port_end_in_clear_reasons(self):
        missing = self.register("missing", [{"name": "app", "image": "ecsd-test/nonexistent:1",
                                             "memory": 32, "essential": True}])
        arn = self.run_on(self.small, missing)
        stopped = self.wait_status(arn, "STOPPED")
        self.assertTrue(stopped["stoppedReason"].startswith("CannotPullContainerError"),
                        stopped["stoppedReason"])
        self.assertEqual(stopped["stopCode"], "TaskFailedToStart")
        self.assertStoppedInIntrospection(self.small, arn)

        with socket.socket() as taken:
            taken.bind(("0.0.0.0", 0))
            taken.listen()
            port = taken.getsockname()[1]
            busy = self.register("busy", [container_def(
                "app", "exec sleep 1000", portMappings=[{"containerPort": 80, "hostPort": port}])])
            arn = self.run_on(self.small, busy)
            stopped = self.wait_status(arn, "STOPPED")
        reason = stopped["stoppedReason"]
        self.assertTrue(reason.startswith("CannotStartContainerError"), reason)
        # Docker's cause is at the end of a long message: it is kept.
        self.assertTrue(reason.endswith("address already in use"), reason)
        self.assertEqual(stopped["containers"][0]["reason"], reason)
        self.assertStoppedInIntrospection(self.small, arn)
        # The agent carries on: the next task runs.
        ok = self.register("after", [container_def("app", "exec sleep 1000")])
        arn = self.run_on(self.small, ok)
        self.wait_status(arn, "RUNNING")
        self.aws_ok("stop-task", "--cluster", self.cluster, "--task", arn)
        self.wait_status(arn, "STOPPED")

    def assertStoppedInIntrospection(self, agent, arn):
        """/v1/tasks shows a task that stopped on its own as desired STOPPED."""
        status, task = agent.get(f"/v1/tasks?taskarn={arn}")
        self.assertEqual(status, 200, task)
        self.assertEqual(task["KnownStatus"], "STOPPED")
        self.assertEqual(task["DesiredStatus"], "STOPPED")

    def test_killed_agent_is_disconnected_and_comes_back_with_its_tasks(self):
        agent = self.start_agent(cpu=1024, memory=1500,
                                 ECS_INSTANCE_ATTRIBUTES='{"role": "keeper"}')
        definition = self.register("keep", [container_def("app", "exec sleep 1000", memory=100)])
        arn = self.run_on(agent, definition)
        self.wait_status(arn, "RUNNING")
        before = self.running_ids(arn)
        self.assertEqual(len(before), 1)

        agent.kill9()
        self.wait_until(lambda: not self.instance(agent)["agentConnected"], "agentConnected false")
        # Only the killed agent's instance satisfies the constraint.
        out = self.aws_ok("run-task", "--cluster", self.cluster, "--task-definition", definition,
                          "--placement-constraints",
                          "type=memberOf,expression=attribute:role == keeper")
        self.assertEqual(out["tasks"], [])
        reasons = {f["arn"]: f["reason"] for f in out["failures"]}
        self.assertEqual(reasons.get(agent.instance_arn), "AGENT")
        self.assertEqual(self.running_ids(arn), before)  # the container outlived the agent

        arn_before = agent.instance_arn
        agent.start()
        self.assertEqual(agent.instance_arn, arn_before)
        self.wait_until(lambda: self.instance(agent)["agentConnected"], "agentConnected true")
        self.wait_until(lambda: any(t["Arn"] == arn and t["KnownStatus"] == "RUNNING"
                                    for t in agent.tasks()), "the task adopted")
        self.assertEqual(self.running_ids(arn), before)  # adopted, not started twice
        self.assertEqual(self.remaining(agent, "MEMORY"), 1400)
        instances = self.aws_ok("list-container-instances", "--cluster",
                                self.cluster)["containerInstanceArns"]
        self.assertEqual(instances.count(arn_before), 1)

        self.aws_ok("stop-task", "--cluster", self.cluster, "--task", arn)
        self.wait_status(arn, "STOPPED")
        self.assertEqual(self.running_containers(arn), [])
        self.assertEqual(self.remaining(agent, "MEMORY"), 1500)


class AgentStartupTest(AgentTestCase):
    """How an agent that cannot join says why: a cluster that does not exist,
    a certificate it cannot verify."""

    @classmethod
    def start_agents(cls):
        pass

    def test_a_cluster_that_does_not_exist_is_not_created(self):
        agent = self.new_agent(cluster="agnets").spawn()
        self.assertNotEqual(agent.wait_exit(timeout=30), 0)
        log = agent.logs()
        self.assertIn("Cluster agnets does not exist", log)
        self.assertIn("aws ecs create-cluster --cluster-name agnets", log)
        clusters = self.aws_ok("list-clusters")["clusterArns"]
        self.assertFalse(any(arn.endswith("/agnets") for arn in clusters), clusters)

    def test_the_default_cluster_is_created_when_missing(self):
        agent = self.new_agent(ECS_CLUSTER=None).start()
        self.assertEqual(agent.metadata()["Cluster"], "default")
        described = self.aws_ok("describe-clusters", "--clusters", "default")["clusters"]
        self.assertEqual(described[0]["status"], "ACTIVE")
        self.assertEqual(described[0]["registeredContainerInstancesCount"], 1)

    def test_without_a_ca_bundle_the_agent_says_what_to_set(self):
        agent = self.new_agent(ECSD_CA_BUNDLE=None, AWS_CA_BUNDLE=None).spawn()
        log = agent.wait_log("ECSD_CA_BUNDLE")
        line = next(l for l in log.splitlines() if "ECSD_CA_BUNDLE" in l)
        self.assertIn("lvl=error", line)
        self.assertIn("certificate verify failed", line)
        self.assertIn("set ECSD_CA_BUNDLE (or AWS_CA_BUNDLE) to ecsd's CA, e.g. DATA_DIR/ca.pem",
                      line)
        self.assertIsNone(agent.process.poll())  # still trying: ecsd may be fixed meanwhile
        self.assertEqual(agent.stop(), 0)

    def test_aws_ca_bundle_serves_when_ecsd_ca_bundle_is_unset(self):
        agent = self.new_agent(ECSD_CA_BUNDLE=None, AWS_CA_BUNDLE=self.ecsd.ca).start()
        self.assertTrue(self.instance(agent)["agentConnected"] or
                        self.wait_until(lambda: self.instance(agent)["agentConnected"],
                                        "agentConnected"))


class EcsdAwayTest(AgentTestCase):
    """State changes made while ecsd is down reach it when it is back. The
    agent logs to ECS_LOGFILE here."""

    @classmethod
    def start_agents(cls):
        cls.logfile = Path(tempfile.mkdtemp(prefix="ecs-agent-log-")) / "ecs-agent.log"
        cls.small = cls.start_agent(cpu=1024, memory=1000, ECS_LOGFILE=cls.logfile)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.logfile.parent, ignore_errors=True)

    def test_a_task_that_ends_while_ecsd_is_down_is_reported_when_it_is_back(self):
        definition = self.register("brief", [container_def("main", "sleep 4; exit 4")])
        arn = self.run_on(self.small, definition)
        self.wait_status(arn, "RUNNING")
        self.ecsd.stop()
        self.wait_until(lambda: "State change not delivered, retrying" in self.logfile.read_text(),
                        "the agent retrying its report", timeout=60)
        self.ecsd.start(keep_port=True)
        stopped = self.wait_status(arn, "STOPPED", timeout=60)
        self.assertEqual(stopped["containers"][0]["exitCode"], 4)
        self.assertEqual(stopped["stoppedReason"], "Essential container in task exited")
        self.wait_until(lambda: self.instance(self.small)["agentConnected"], "the agent back")
        log = self.logfile.read_text()
        self.assertIn('lvl=info msg="Task change event" module=TaskEngine', log)
        self.assertNotIn("Task change event", self.small.logs())  # not on stdout

if __name__ == "__main__":
    unittest.main()
