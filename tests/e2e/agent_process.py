"""Real ecs-agent processes for end-to-end tests, and a small client for the
Docker Engine API they drive (over its unix socket, like the agent)."""

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

from harness import ROOT, ManagedProcess

DOCKER_SOCKET = "/var/run/docker.sock"
TEST_IMAGE = "ecsd-test/busybox:latest"
INSTANCE_LABEL = "ecsd.container-instance-arn"


def agent_binary():
    binary = os.environ.get("ECS_AGENT_BINARY") or str(ROOT / "build" / "ecs-agent")
    if not os.path.exists(binary):
        raise RuntimeError(f"ecs-agent binary not found at {binary}; build first")
    return binary


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
        self.env.update({k: str(v) for k, v in env.items()})
        self.log_path = self.data_dir / "agent.log"
        self.instance_arn = None

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
