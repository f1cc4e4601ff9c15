"""Simulated agents for the crash loop: each registers a container instance
(RegisterContainerInstance), holds its ACS session (tests/e2e/agent_client.py),
acknowledges every PayloadMessage and reports its tasks RUNNING, then STOPPED
when told to stop, or now and then on its own (an essential container exited).

After ecsd is killed the session is gone; the agent reconnects to the new
ecsd with the instance it registered, as a real agent does, and the
connect-time PayloadMessage tells it what to run. Its reports follow
ecsd's rules for a real agent: a task it reported STOPPED is never reported
RUNNING again, and a report whose answer never came is sent again."""

import random
import threading
import time

from agent_client import AgentClient, UpgradeRefused
from harness import REGION
from ledger import ACKED, LAST_STATUS_RANK
from workload import CLUSTER, RESERVED_PORTS, Stopped, attempt, client, refusal_code

RESOURCES = [
    {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
    {"name": "MEMORY", "type": "INTEGER", "integerValue": 3072},
    {"name": "PORTS", "type": "STRINGSET", "stringSetValue": RESERVED_PORTS},
]


class LocalTask:
    def __init__(self, containers):
        self.containers = containers  # container names
        self.acked = None  # the highest status ecsd acknowledged
        self.stopped = False  # decided here: never run again


class SimulatedAgent(threading.Thread):
    def __init__(self, index, ecsd, ledger, gate, seed, cluster_arn):
        super().__init__(name=f"agent-{index}", daemon=True)
        self.index = index
        self.ecsd = ecsd
        self.ledger = ledger
        self.gate = gate
        self.cluster_arn = cluster_arn
        self.rng = random.Random(f"{seed}/agent/{index}")
        self.ecs = client(ecsd)
        self.instance_arn = None
        self.session = None
        self.tasks = {}  # arn -> LocalTask
        self.attempts = 0
        self.refusals = {}

    def run(self):
        try:
            while True:
                with self.gate.call():
                    self.step()
        except Stopped:
            pass
        finally:
            if self.session:
                self.session.drop()

    def step(self):
        if self.instance_arn is None:
            return self.register()
        if self.session is None or self.session.closed.is_set():
            return self.connect()
        try:
            payload = self.session.wait_for("PayloadMessage", timeout=0.05)
        except TimeoutError:
            payload = None
        if payload is not None:
            try:
                self.session.ack(payload)
            except OSError:
                return  # the session died: the connect-time payload will say it again
            for task in payload["tasks"]:
                self.handle(task)
        elif self.rng.random() < 0.01:
            self.exit_one()

    def register(self):
        self.attempts += 1
        token = f"ci-{self.index}-{self.attempts}"
        state, answer = attempt(self.ecs.register_container_instance, cluster=CLUSTER,
                                totalResources=RESOURCES,
                                attributes=[{"name": "ledger-token", "value": token}])
        if state is None:
            return self.refuse(answer)
        arn = answer["containerInstance"]["containerInstanceArn"] if answer else None
        self.ledger.instance(token, RESOURCES, state, arn)
        self.instance_arn = arn  # in doubt: register afresh (that one may stay, unused)

    def connect(self):
        if self.session is not None:
            self.session.drop()
            self.session = None
        try:
            self.session = AgentClient(self.ecsd.url, self.ecsd.ca, self.ecsd.access_key,
                                       self.ecsd.secret_key, REGION, self.cluster_arn,
                                       self.instance_arn, timeout=5)
        except (OSError, UpgradeRefused):
            time.sleep(0.2)

    def handle(self, entry):
        arn = entry["arn"]
        local = self.tasks.setdefault(arn, LocalTask([c["name"] for c in entry["containers"]]))
        wanted = "STOPPED" if local.stopped or entry["desiredStatus"] == "STOPPED" else "RUNNING"
        if local.acked is None or LAST_STATUS_RANK[local.acked] < LAST_STATUS_RANK[wanted]:
            self.report(arn, local, wanted)

    def exit_one(self):
        running = [arn for arn, t in self.tasks.items() if t.acked == "RUNNING" and not t.stopped]
        if running:
            arn = self.rng.choice(sorted(running))
            self.tasks[arn].stopped = True
            self.report(arn, self.tasks[arn], "STOPPED", exit_code=1,
                        reason="Essential container in task exited")

    def report(self, arn, local, status, exit_code=0, reason=None):
        containers = [{"containerName": name, "status": status} for name in local.containers]
        params = {"cluster": CLUSTER, "task": arn, "status": status}
        if status == "STOPPED":
            for container in containers:
                container["exitCode"] = exit_code
            params["reason"] = reason or "stopped by ecsd"
        state, answer = attempt(self.ecs.submit_task_state_change, containers=containers,
                                **params)
        if state is None:
            return self.refuse(answer)
        self.ledger.report(arn, status, state)
        if state == ACKED:
            local.acked = status

    def refuse(self, error):
        code = refusal_code(error)
        self.refusals[code] = self.refusals.get(code, 0) + 1
