"""Real ecs-agent processes for end-to-end tests, a test case holding an ecsd
and its agents, and a small client for the Docker Engine API they drive (over
its unix socket, like the agent)."""

import http.client
import json
import os
import shutil
import socket
import tempfile
import time
import unittest
import urllib.parse
from pathlib import Path

from harness import ROOT, Ecsd, EcsdTestCase, ManagedProcess, built_binary, wait_until

DOCKER_SOCKET = "/var/run/docker.sock"
TEST_IMAGE = "ecsd-test/busybox:latest"
INSTANCE_LABEL = "ecsd.container-instance-arn"


def agent_binary():
    return built_binary("ecs-agent", "ECS_AGENT_BINARY")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def docker(method, path, body=None):
    """One Docker Engine API call; returns (status, parsed JSON or text)."""
    connection = _UnixConnection(DOCKER_SOCKET)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, "/v1.41" + path,
                           body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read().decode(errors="replace")
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, data
    finally:
        connection.close()


def containers(label):
    """Every container (running or not) with this label ("key=value")."""
    filters = urllib.parse.quote(json.dumps({"label": [label]}))
    status, listed = docker("GET", f"/containers/json?all=true&filters={filters}")
    assert status == 200, listed
    return listed


def remove_containers(label):
    for container in containers(label):
        docker("DELETE", f"/containers/{container['Id']}?force=true&v=true")


def require_docker(test_case):
    """Skips the test class unless Docker answers (scripts/test.sh sets
    ECSD_REQUIRE_DOCKER=1 after making Docker ready: then a missing daemon fails)."""
    try:
        status, _ = docker("GET", "/_ping")
        ready = status == 200
    except OSError:
        ready = False
    if ready:
        status, _ = docker("GET", f"/images/{TEST_IMAGE}/json")
        if status == 200:
            return
    message = f"Docker with {TEST_IMAGE} is needed: run scripts/docker-test-env.sh"
    if os.environ.get("ECSD_REQUIRE_DOCKER") == "1":
        raise RuntimeError(message)
    raise unittest.SkipTest(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AgentProcess(ManagedProcess):
    """One ecs-agent. Its data directory (ECS_DATADIR) outlives restarts."""

    def __init__(self, ecsd, cluster, cpu, memory, **env):
        self.ecsd = ecsd
        self.data_dir = Path(tempfile.mkdtemp(prefix="ecs-agent-e2e-"))
        self.port = free_port()
        self.env = dict(os.environ)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            self.env.pop(name, None)
        self.env.update({
            "ECS_CLUSTER": cluster,
            "ECS_BACKEND_HOST": ecsd.url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": ecsd.access_key,
            "AWS_SECRET_ACCESS_KEY": ecsd.secret_key,
            "ECSD_CA_BUNDLE": ecsd.ca,
            "ECS_DATADIR": str(self.data_dir),
            "ECS_LOGLEVEL": "debug",
            "ECS_CONTAINER_STOP_TIMEOUT": "5s",
            "ECSD_INTROSPECTION_PORT": str(self.port),
            "ECSD_CPU_UNITS": str(cpu),
            "ECSD_MEMORY_MIB": str(memory),
            "ECS_CONFIG_FILE": os.devnull,
        })
        self.env.update({k: str(v) for k, v in env.items() if v is not None})
        self.log_path = self.data_dir / "agent.log"
        self.instance_arn = None

    def spawn(self):
        """Starts the process without waiting for it to register."""
        self.launch([agent_binary()], self.env)
        return self

    def wait_exit(self, timeout=30):
        """The exit status, once the process ended by itself within timeout."""
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.log.close()

    def wait_log(self, text, timeout=30):
        """Waits until the agent's output holds text; returns the output."""
        deadline = time.monotonic() + timeout
        while text not in self.logs():
            if self.process.poll() is not None:
                raise RuntimeError(f"ecs-agent exited with {self.process.returncode} before "
                                   f"logging {text!r}:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ecs-agent did not log {text!r} in {timeout}s:\n"
                                   f"{self.logs()}")
            time.sleep(0.05)
        return self.logs()

    def start(self, timeout=30):
        self.launch([agent_binary()], self.env)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"ecs-agent exited with {self.process.returncode}:\n"
                                   f"{self.logs()}")
            try:
                self.instance_arn = self.metadata()["ContainerInstanceArn"]
                return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ecs-agent did not start in {timeout}s:\n{self.logs()}")
            time.sleep(0.05)

    def get(self, path):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def metadata(self):
        status, body = self.get("/v1/metadata")
        assert status == 200, body
        return body

    def tasks(self):
        return self.get("/v1/tasks")[1]["Tasks"]

    def containers(self):
        return containers(f"{INSTANCE_LABEL}={self.instance_arn}")

    def cleanup(self):
        self.stop()
        if self.instance_arn:
            remove_containers(f"{INSTANCE_LABEL}={self.instance_arn}")
        shutil.rmtree(self.data_dir, ignore_errors=True)


def container_def(name, command, essential=True, memory=64, **extra):
    definition = {"name": name, "image": TEST_IMAGE, "memory": memory, "cpu": 64,
                  "essential": essential, "command": ["sh", "-c", command]}
    definition.update(extra)
    return definition


def resource(instance, which, name):
    return next(r for r in instance[which] if r["name"] == name)


class AgentTestCase(EcsdTestCase):
    """An ecsd (keeping its port across restarts) and the agents a test class
    starts in start_agents()."""

    extra_args = ("--agent-heartbeat", "1")
    cluster = "agents"

    @classmethod
    def setUpClass(cls):
        require_docker(cls)
        cls.ecsd = Ecsd(extra_args=cls.extra_args).start(keep_port=True)
        cls.agents = []
        try:
            # Agents join only clusters that exist (as the Amazon agent, they create only
            # "default").
            code, _, err = cls.ecsd.aws("create-cluster", "--cluster-name", cls.cluster)
            if code != 0:
                raise RuntimeError(f"create-cluster {cls.cluster} failed: {err}")
            cls.start_agents()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def start_agent(cls, cpu, memory, **env):
        return cls.new_agent(cpu, memory, **env).start()

    @classmethod
    def new_agent(cls, cpu=1024, memory=1000, cluster=None, **env):
        """An agent, not started yet, cleaned up with the class. An env value
        of None leaves that variable out of the agent's environment."""
        agent = AgentProcess(cls.ecsd, cluster or cls.cluster, cpu, memory, **env)
        for name, value in env.items():
            if value is None:
                agent.env.pop(name, None)
        cls.agents.append(agent)
        return agent

    @classmethod
    def tearDownClass(cls):
        for agent in getattr(cls, "agents", []):
            agent.cleanup()
        super().tearDownClass()

    def run(self, result=None):
        outcome = super().run(result)
        if result is not None and (result.failures or result.errors):
            for agent in self.agents:
                print(f"\n--- {agent.instance_arn} log (tail) ---\n{agent.logs()[-6000:]}")
        return outcome

    # -- helpers ---------------------------------------------------------------
    def wait_until(self, check, what, timeout=30):
        return wait_until(check, what, timeout, 0.2)

    def register(self, family, containers):
        out = self.aws_ok("register-task-definition", "--family", family,
                          "--container-definitions", json.dumps(containers))
        return out["taskDefinition"]["taskDefinitionArn"]

    def run_on(self, agent, definition):
        out = self.aws_ok("start-task", "--cluster", self.cluster, "--task-definition",
                          definition, "--container-instances", agent.instance_arn)
        self.assertEqual(out["failures"], [])
        return out["tasks"][0]["taskArn"]

    def task(self, arn):
        return self.aws_ok("describe-tasks", "--cluster", self.cluster, "--tasks", arn)["tasks"][0]

    def wait_status(self, arn, status, timeout=30):
        return self.wait_until(
            lambda: (lambda t: t if t["lastStatus"] == status else None)(self.task(arn)),
            f"{arn} {status}", timeout)

    def instance(self, agent):
        return self.aws_ok("describe-container-instances", "--cluster", self.cluster,
                           "--container-instances", agent.instance_arn)["containerInstances"][0]

    def remaining(self, agent, name):
        return resource(self.instance(agent), "remainingResources", name)["integerValue"]

    def running_containers(self, task_arn):
        return [c for c in docker("GET", "/containers/json")[1]
                if c["Labels"].get("com.amazonaws.ecs.task-arn") == task_arn]

    def running_ids(self, task_arn):
        return [c["Id"] for c in self.running_containers(task_arn)]
