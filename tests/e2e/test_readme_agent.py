"""The README's "Running tasks for real", run as written: it builds and starts
ecs-agent, waits for it to join, runs docs/examples/web.json on the local image,
fetches its page and the agent's /v1/tasks, stops the task and the agent. It runs
in a folder of its own (docs, scripts and build linked in), so ./agent-data and
agent.log stay out of the checkout; the endpoint comes from AWS_ENDPOINT_URL_ECS,
as the printed exports leave it."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest
from pathlib import Path

from agent_process import INSTANCE_LABEL, agent_binary, remove_containers, require_docker
from harness import ROOT, EcsdTestCase, wait_until

PAGE = "<html><body>ecsd test image</body></html>"  # in ecsd-test/busybox:latest


def readme_block(heading):
    section = (ROOT / "README.md").read_text().split(heading, 1)[1]
    return re.findall(r"```sh\n(.*?)```", section, re.S)[0]


def processes_in(folder):
    """The pids of processes whose working directory is folder."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd") == str(folder):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


class ReadmeAgentTest(EcsdTestCase):
    def setUp(self):
        require_docker(self)
        self.folder = Path(tempfile.mkdtemp(prefix="ecsd-readme-"))
        for name in ("docs", "scripts"):
            (self.folder / name).symlink_to(ROOT / name)
        (self.folder / "build").symlink_to(Path(agent_binary()).resolve().parent)
        self.addCleanup(self.clean_up)
        self.aws_ok("create-cluster", "--cluster-name", "demo")  # the walkthrough's first step

    def clean_up(self):
        for pid in processes_in(self.folder):  # an agent the script left, if it failed
            os.kill(pid, signal.SIGTERM)
        for arn in self.aws_ok("list-container-instances", "--cluster", "demo")[
                "containerInstanceArns"]:
            remove_containers(f"{INSTANCE_LABEL}={arn}")
        shutil.rmtree(self.folder, ignore_errors=True)

    def test_running_tasks_for_real_runs_as_written(self):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", readme_block("## Running tasks for real")],
            cwd=self.folder, capture_output=True, text=True, timeout=300,
            env=self.ecsd.cli_env(AWS_ENDPOINT_URL_ECS=self.ecsd.url))
        log = (self.folder / "agent.log")
        self.assertEqual(result.returncode, 0,
                         f"{result.stderr}\n--- agent.log ---\n"
                         f"{log.read_text()[-4000:] if log.exists() else ''}")
        self.assertIn(PAGE, result.stdout)
        self.assertIn('"KnownStatus":"RUNNING"', result.stdout.replace(" ", ""))
        tasks = self.aws_ok("list-tasks", "--cluster", "demo", "--desired-status", "STOPPED")
        described = self.aws_ok("describe-tasks", "--cluster", "demo", "--tasks",
                                *tasks["taskArns"])["tasks"]
        self.assertEqual([t["lastStatus"] for t in described], ["STOPPED"])
        wait_until(lambda: not processes_in(self.folder), "kill %1 to stop the agent")


if __name__ == "__main__":
    unittest.main()
