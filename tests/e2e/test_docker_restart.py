"""Docker restarted under a running agent: its tasks end with a clear state and
reason, and the agent carries on. Restarts only a dockerd that
scripts/docker-test-env.sh started (its PID file says so), never someone
else's."""

import os
import signal
import subprocess
import unittest

from agent_process import ROOT, AgentTestCase, container_def, docker

PID_FILE = "/tmp/ecsd-dockerd.pid"


def our_dockerd():
    """The PID of the dockerd scripts/docker-test-env.sh started, if it runs."""
    try:
        pid = int(open(PID_FILE).read().strip())
        # A stale file may name a PID reused by something else.
        with open(f"/proc/{pid}/comm") as comm:
            return pid if comm.read().strip() == "dockerd" else None
    except (OSError, ValueError):
        return None


def process_exists(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class DockerRestartTest(AgentTestCase):
    cluster = "docker-restart"

    @classmethod
    def setUpClass(cls):
        if our_dockerd() is None:
            raise unittest.SkipTest("restarts only a dockerd started by scripts/docker-test-env.sh")
        super().setUpClass()

    @classmethod
    def start_agents(cls):
        cls.agent = cls.start_agent(cpu=1024, memory=1000)

    def restart_docker(self):
        pid = our_dockerd()
        os.kill(pid, signal.SIGTERM)
        # Its PID file goes before the process does: wait for the process.
        self.wait_until(lambda: not process_exists(pid), "dockerd to exit", timeout=60)
        subprocess.run(["bash", str(ROOT / "scripts" / "docker-test-env.sh")], check=True)
        self.assertEqual(docker("GET", "/_ping")[0], 200)

    def test_tasks_end_with_a_reason_and_the_agent_carries_on(self):
        definition = self.register("steady", [container_def("app", "exec sleep 1000")])
        arn = self.run_on(self.agent, definition)
        self.wait_status(arn, "RUNNING")

        self.restart_docker()
        stopped = self.wait_status(arn, "STOPPED", timeout=60)
        self.assertEqual(stopped["stoppedReason"], "Essential container in task exited")
        self.assertIsNotNone(stopped["containers"][0].get("exitCode"))
        self.assertEqual(self.remaining(self.agent, "MEMORY"), 1000)

        after = self.run_on(self.agent, definition)
        self.wait_status(after, "RUNNING")
        self.assertTrue(self.instance(self.agent)["agentConnected"])
        self.aws_ok("stop-task", "--cluster", self.cluster, "--task", after)
        self.wait_status(after, "STOPPED")


if __name__ == "__main__":
    unittest.main()
