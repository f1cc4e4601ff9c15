"""The path that needs no registry, end to end: scripts/docker-images.sh makes
ecsd:local and ecs-agent:local from this build's binaries, Debian's
docker-compose brings up docker/compose.yaml (ecsd and one agent), and the
real aws CLI, over TLS trusting ecsd's generated CA, runs
docs/examples/web.json on that agent: busybox httpd answering on the host
port Docker picked. Everything is taken down again."""

import http.client
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from agent_process import INSTANCE_LABEL, agent_binary, free_port, remove_containers, \
    require_docker
from harness import REGION, ROOT, ecsd_binary, wait_until

COMPOSE_FILE = ROOT / "docker" / "compose.yaml"
WEB_EXAMPLE = ROOT / "docs" / "examples" / "web.json"
CLUSTER = "default"
PAGE = "<html><body>ecsd test image</body></html>\n"  # in ecsd-test/busybox:latest


def http_get(port, timeout=2):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def docker_cli(*args):
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


class OfflineImagesTest(unittest.TestCase):
    project = f"ecsd-e2e-{os.getpid()}"
    instance_arn = None

    @classmethod
    def setUpClass(cls):
        require_docker(cls)
        cls.tmp = Path(tempfile.mkdtemp(prefix="ecsd-offline-"))
        started = time.monotonic()
        built = subprocess.run(
            [str(ROOT / "scripts" / "docker-images.sh")], capture_output=True, text=True,
            timeout=600, env=dict(os.environ, ECSD_BINARY=ecsd_binary(),
                                  ECS_AGENT_BINARY=agent_binary()))
        if built.returncode != 0:
            raise RuntimeError(f"scripts/docker-images.sh failed:\n{built.stdout}{built.stderr}")
        print(f"\n{built.stdout.strip()} ({time.monotonic() - started:.1f} s)")

        cls.port = free_port()
        key = "AKIAECSDE2E" + secrets.token_hex(5).upper()[:9]
        secret = secrets.token_hex(20)
        cls.compose_env = dict(os.environ, ECSD_ACCESS_KEY_ID=key, ECSD_SECRET_ACCESS_KEY=secret,
                               ECSD_PORT=str(cls.port),
                               ECSD_INTROSPECTION_PORT=str(free_port()),
                               ECS_CLUSTER=CLUSTER, ECS_LOGLEVEL="debug")
        cls.cli_env = {name: value for name, value in os.environ.items()
                       if not name.startswith("AWS_")}
        cls.cli_env.update({
            "AWS_CA_BUNDLE": str(cls.tmp / "ca.pem"),
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_PAGER": "",
        })
        try:
            # Returns once ecsd is healthy (serving) and the agent started.
            cls.compose("up", "-d")
            ca = cls.compose("exec", "-T", "ecsd", "cat", "/var/lib/ecsd/ca.pem")
            (cls.tmp / "ca.pem").write_text(ca)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.compose("down", "-v", "--remove-orphans", check=False)
        # The task containers are the agent's (stopped ones stay for inspection).
        if cls.instance_arn:
            remove_containers(f"{INSTANCE_LABEL}={cls.instance_arn}")
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def compose(cls, *args, check=True, timeout=180):
        result = subprocess.run(
            ["docker-compose", "-p", cls.project, "-f", str(COMPOSE_FILE), "--no-ansi", *args],
            capture_output=True, text=True, env=cls.compose_env, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker-compose {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def run(self, result=None):
        outcome = super().run(result)
        if result is not None and (result.failures or result.errors):
            logs = self.compose("logs", "--no-color", "--tail", "200", check=False)
            print(f"\n--- docker-compose logs (tail) ---\n{logs}")
        return outcome

    # -- helpers ---------------------------------------------------------------
    def aws(self, *args):
        result = subprocess.run(
            ["aws", "ecs", *args, "--endpoint-url", f"https://127.0.0.1:{self.port}",
             "--output", "json"],
            capture_output=True, text=True, env=self.cli_env, timeout=120)
        self.assertEqual(result.returncode, 0, f"aws ecs {' '.join(args)}: {result.stderr}")
        return json.loads(result.stdout) if result.stdout.strip() else None

    def wait_until(self, check, what, timeout=60):
        return wait_until(check, what, timeout, 0.5)

    def task(self, arn):
        return self.aws("describe-tasks", "--cluster", CLUSTER, "--tasks", arn)["tasks"][0]

    def wait_status(self, arn, status):
        return self.wait_until(lambda: (lambda t: t if t["lastStatus"] == status else None)(
            self.task(arn)), f"{arn} {status}")

    def project_containers(self):
        return docker_cli("ps", "-aq", "--filter", f"label=com.docker.compose.project={self.project}")

    def project_volumes(self):
        return docker_cli("volume", "ls", "-q", "--filter",
                          f"label=com.docker.compose.project={self.project}")

    # -- the test ----------------------------------------------------------------
    def test_web_example_runs_on_the_composed_agent_and_answers_on_its_host_port(self):
        self.assertEqual(len(self.project_containers()), 2)  # ecsd and ecs-agent
        instances = self.wait_until(
            lambda: self.aws("list-container-instances", "--cluster",
                             CLUSTER)["containerInstanceArns"], "the agent registered")
        self.assertEqual(len(instances), 1)
        type(self).instance_arn = instances[0]
        instance = self.aws("describe-container-instances", "--cluster", CLUSTER,
                            "--container-instances", instances[0])["containerInstances"][0]
        self.assertTrue(instance["agentConnected"])

        definition = self.aws("register-task-definition", "--family", "web",
                              "--container-definitions", f"file://{WEB_EXAMPLE}")
        self.assertTrue(definition["taskDefinition"]["taskDefinitionArn"].endswith(
            ":task-definition/web:1"))
        started = self.aws("run-task", "--cluster", CLUSTER, "--task-definition", "web")
        self.assertEqual(started["failures"], [])
        arn = started["tasks"][0]["taskArn"]

        task = self.wait_status(arn, "RUNNING")
        binding = task["containers"][0]["networkBindings"][0]
        self.assertEqual(binding["containerPort"], 80)
        port = binding["hostPort"]
        self.assertGreater(port, 0)

        def page():
            try:
                return http_get(port)
            except OSError:
                return None
        self.assertEqual(self.wait_until(page, "httpd answering"), (200, PAGE))

        self.aws("stop-task", "--cluster", CLUSTER, "--task", arn)
        self.wait_status(arn, "STOPPED")
        self.assertIsNone(page())

        self.compose("down", "-v", "--remove-orphans")
        self.assertEqual(self.project_containers(), [])
        self.assertEqual(self.project_volumes(), [])
        remove_containers(f"{INSTANCE_LABEL}={self.instance_arn}")


if __name__ == "__main__":
    unittest.main()
