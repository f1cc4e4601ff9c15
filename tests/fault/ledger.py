"""What the crash loop's writers were told: every write ecsd acknowledged, and
every write whose answer never came (cut by a kill: "in doubt").

Each write carries a token of its own where the API lets it (a task
definition's docker label, RunTask's startedBy, an instance's attribute, a
cluster's name), so whatever the checker finds can be traced to the write that
made it.

After each restart the checker resolves every write in doubt: one found is
promoted to acknowledged (it committed, so from then on it must stay), one not
found is dropped (its process is gone, it can no longer commit). So between
restarts the ledger knows exactly what must be there.

Statuses only move forwards (a task's desired status RUNNING -> STOPPED, its
last status PENDING -> RUNNING -> STOPPED, a definition's ACTIVE -> INACTIVE);
the ledger keeps, per resource, the floor an acknowledged write or an earlier
observation proved, and anything found below it is a lost write.

Thread-safe: writers and agents record from their own threads."""

import threading
from dataclasses import dataclass, field

LAST_STATUS_RANK = {"PENDING": 0, "RUNNING": 1, "STOPPED": 2}
DESIRED_RANK = {"RUNNING": 0, "STOPPED": 1}
DEFINITION_RANK = {"ACTIVE": 0, "INACTIVE": 1, "DELETE_IN_PROGRESS": 2}

ACKED, IN_DOUBT = "acknowledged", "in doubt"


@dataclass
class Registration:
    """A RegisterTaskDefinition: what was sent, and the revision it got."""
    token: str
    family: str
    body: dict  # the call's input, token included
    state: str
    revision: int = None

    @property
    def arn_suffix(self):
        return f"{self.family}:{self.revision}"


@dataclass
class Run:
    """A RunTask, its tasks found by startedBy == token."""
    token: str
    definition_arn: str
    count: int
    state: str
    task_arns: list = field(default_factory=list)


@dataclass
class Task:
    arn: str
    run_token: str
    definition_arn: str
    instance_arn: str
    desired_floor: str = "RUNNING"
    last_floor: str = "PENDING"


@dataclass
class Instance:
    """A RegisterContainerInstance, found by its attribute ledger-token."""
    token: str
    resources: list  # totalResources as sent
    state: str
    arn: str = None


@dataclass
class AttributeWrite:
    value: str
    state: str


class Ledger:
    def __init__(self):
        self.lock = threading.RLock()  # the checker holds it while it reads and settles
        self.clusters = {}  # name -> state
        self.registrations = {}  # token -> Registration
        self.revisions = {}  # (family, revision) -> token: every revision ever handed out
        self.definition_floor = {}  # "family:revision" -> status
        self.runs = {}  # token -> Run
        self.tasks = {}  # arn -> Task
        self.instances = {}  # token -> Instance
        self.attributes = {}  # (instance arn, name) -> [AttributeWrite], in order issued
        self.early_reports = {}  # task arn -> acknowledged reports of a task not yet known
        self.reuses = []  # (family, revision, first token, second token)
        self.acknowledged = 0
        self.in_doubt = 0

    def _count(self, state):
        if state == ACKED:
            self.acknowledged += 1
        else:
            self.in_doubt += 1

    # -- recording (from writers and agents) -----------------------------------
    def cluster(self, name, state):
        with self.lock:
            self._count(state)
            if self.clusters.get(name) != ACKED:
                self.clusters[name] = state

    def registration(self, token, family, body, state, revision=None):
        with self.lock:
            self._count(state)
            registration = Registration(token, family, body, state, revision)
            self.registrations[token] = registration
            if revision is not None:
                self._revision(family, revision, token)
                self.definition_floor.setdefault(registration.arn_suffix, "ACTIVE")

    def _revision(self, family, revision, token):
        """Notes that (family, revision) was handed to token; a second token
        for the same number is a reused revision."""
        first = self.revisions.setdefault((family, revision), token)
        if first != token and (family, revision, first, token) not in self.reuses:
            self.reuses.append((family, revision, first, token))

    def deregistration(self, suffix, state):
        with self.lock:
            self._count(state)
            if state == ACKED:  # in doubt: either status will do
                self.raise_floor(self.definition_floor, suffix, "INACTIVE", DEFINITION_RANK)

    def run(self, token, definition_arn, count, state, tasks=()):
        """tasks: the answer's (arn, instance arn) pairs when acknowledged."""
        with self.lock:
            self._count(state)
            run = Run(token, definition_arn, count, state)
            self.runs[token] = run
            for arn, instance_arn in tasks:
                run.task_arns.append(arn)
                self.add_task(Task(arn, token, definition_arn, instance_arn))

    def add_task(self, task):
        """A task ecsd answered for (or the checker found); an agent may have
        reported it before the writer heard back."""
        with self.lock:
            self.tasks[task.arn] = task
            for status in self.early_reports.pop(task.arn, []):
                if LAST_STATUS_RANK[status] > LAST_STATUS_RANK[task.last_floor]:
                    task.last_floor = status

    def stop(self, arn, state):
        with self.lock:
            self._count(state)
            task = self.tasks.get(arn)
            if state == ACKED and task:
                task.desired_floor = "STOPPED"

    def report(self, arn, status, state):
        """An agent's SubmitTaskStateChange of the task to status."""
        with self.lock:
            self._count(state)
            task = self.tasks.get(arn)
            if task is None:  # a task of a RunTask in doubt, found by its agent
                if state == ACKED:
                    self.early_reports.setdefault(arn, []).append(status)
                return
            if state == ACKED and LAST_STATUS_RANK[status] > LAST_STATUS_RANK[task.last_floor]:
                task.last_floor = status

    def instance(self, token, resources, state, arn=None):
        with self.lock:
            self._count(state)
            self.instances[token] = Instance(token, resources, state, arn)

    def attribute(self, instance_arn, name, value, state):
        with self.lock:
            self._count(state)
            self.attributes.setdefault((instance_arn, name), []).append(
                AttributeWrite(value, state))

    # -- reading (writers pick what to act on) ----------------------------------
    def active_definitions(self):
        with self.lock:
            return sorted(f"{r.family}:{r.revision}" for r in self.registrations.values()
                          if r.state == ACKED and
                          self.definition_floor.get(r.arn_suffix) == "ACTIVE")

    def live_tasks(self):
        """Tasks that may still be running, as far as the ledger knows."""
        with self.lock:
            return sorted(t.arn for t in self.tasks.values()
                          if t.desired_floor != "STOPPED" and t.last_floor != "STOPPED")

    def instance_arns(self):
        with self.lock:
            return sorted(i.arn for i in self.instances.values() if i.state == ACKED and i.arn)

    @staticmethod
    def raise_floor(floors, key, status, rank):
        if key not in floors or rank[status] > rank[floors[key]]:
            floors[key] = status
