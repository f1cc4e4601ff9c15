"""The crash loop's API writers: threads that call ecsd with boto3 (signed by
botocore, as in tests/e2e), each recording in the ledger what it was told.

A write is acknowledged when its answer arrived (200), refused when ecsd
answered with an error (nothing of it may be applied), and in doubt when no
answer came (the connection was cut by the kill). boto3 never retries here, so
each call is sent exactly once.

The gate lets the loop stop all traffic: before a check (the state must hold
still while it is read) and while ecsd is down."""

import contextlib
import random
import threading

import boto3
import botocore.config
import botocore.exceptions

from harness import REGION
from ledger import ACKED, IN_DOUBT

CLUSTER = "crash"
FAMILIES = ("web", "worker", "batch")
STATIC_PORTS = range(8000, 8006)  # few, so that placements meet RESOURCE:PORTS
RESERVED_PORTS = ["22", "2375", "2376", "51678", "51679"]
ATTRIBUTES_PER_WRITER = 2  # each writer owns its names: its writes to one are in order


class Stopped(Exception):
    """The loop is over."""


class Gate:
    """Open: calls go. close() waits for the calls under way to end (they do
    quickly: ecsd answers, or its death cuts the connection)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._open = False
        self._active = 0
        self._stopped = False

    @contextlib.contextmanager
    def call(self):
        with self._cond:
            while not self._open and not self._stopped:
                self._cond.wait()
            if self._stopped:
                raise Stopped()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def open(self):
        with self._cond:
            self._open = True
            self._cond.notify_all()

    def close(self):
        with self._cond:
            self._open = False
            while self._active:
                self._cond.wait()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


def client(ecsd, attempts=1):
    """A boto3 ECS client for ecsd. attempts=1: a write is sent once, never
    retried by botocore behind the ledger's back."""
    session = boto3.session.Session(aws_access_key_id=ecsd.access_key,
                                    aws_secret_access_key=ecsd.secret_key, region_name=REGION)
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": attempts},
                                    connect_timeout=5, read_timeout=30)
    return session.client("ecs", endpoint_url=ecsd.url, verify=ecsd.ca, config=config)


def attempt(call, **params):
    """(state, answer): ACKED and the answer, IN_DOUBT and None when no answer
    came, or (None, error) when ecsd refused the call or the call could not
    connect (it was never sent: the kill came before it)."""
    try:
        return ACKED, call(**params)
    except botocore.exceptions.ClientError as error:
        return None, error
    except botocore.exceptions.EndpointConnectionError as error:
        return None, error  # not connected, so never sent: ecsd is down
    except (botocore.exceptions.BotoCoreError, OSError):
        return IN_DOUBT, None


def refusal_code(error):
    """The error type ecsd answered, or "not sent"."""
    if isinstance(error, botocore.exceptions.ClientError):
        return error.response.get("Error", {}).get("Code", "?")
    return "not sent"


def random_definition(rng, family, token):
    """A RegisterTaskDefinition input of 1 or 2 containers with what placement
    reads: cpu, memory or memoryReservation, a static or dynamic host port,
    sometimes task-level cpu and memory. The token rides in a docker label."""
    containers = []
    ports = rng.sample(list(STATIC_PORTS), 2)
    for i in range(rng.choice((1, 1, 2))):
        container = {"name": f"c{i}", "image": "busybox", "essential": i == 0,
                     "cpu": rng.choice((0, 64, 128, 256))}
        kind = rng.random()
        if kind < 0.5:
            container["memory"] = rng.choice((64, 128, 256))
        elif kind < 0.8:
            container["memoryReservation"] = rng.choice((32, 96, 200))
        else:
            container["memory"] = 300
            container["memoryReservation"] = rng.choice((50, 150))
        port = rng.random()
        if port < 0.3:
            container["portMappings"] = [{"containerPort": 80, "hostPort": ports[i]}]
        elif port < 0.45:
            container["portMappings"] = [{"containerPort": 80, "hostPort": 0}]
        containers.append(container)
    containers[0]["dockerLabels"] = {"ledger-token": token}
    body = {"family": family, "containerDefinitions": containers}
    if rng.random() < 0.15:
        body.update(cpu="512", memory="768")
    return body


class Writer(threading.Thread):
    """One API writer: a random mix of the ECS writes, one at a time."""

    WEIGHTS = {"run_task": 30, "stop_task": 18, "register": 12, "put_attribute": 14,
               "create_cluster": 5, "deregister": 2}

    def __init__(self, index, ecsd, ledger, gate, seed):
        super().__init__(name=f"writer-{index}", daemon=True)
        self.index = index
        self.ledger = ledger
        self.gate = gate
        self.rng = random.Random(f"{seed}/writer/{index}")
        self.ecs = client(ecsd)
        self.refusals = {}  # error code -> calls ecsd refused
        self.n = 0

    def run(self):
        try:
            while True:
                with self.gate.call():
                    self.step()
        except Stopped:
            pass

    def step(self):
        self.n += 1
        kinds, weights = zip(*self.WEIGHTS.items())
        getattr(self, self.rng.choices(kinds, weights)[0])()

    def token(self, kind):
        return f"{kind}-{self.index}-{self.n}"

    def refused(self, error):
        code = refusal_code(error)
        self.refusals[code] = self.refusals.get(code, 0) + 1

    def register(self):
        token = self.token("td")
        family = self.rng.choice(FAMILIES)
        body = random_definition(self.rng, family, token)
        state, answer = attempt(self.ecs.register_task_definition, **body)
        if state is None:
            return self.refused(answer)
        revision = answer["taskDefinition"]["revision"] if answer else None
        self.ledger.registration(token, family, body, state, revision)

    def run_task(self):
        definitions = self.ledger.active_definitions()
        if not definitions:
            return self.register()
        token = self.token("run")
        definition = self.rng.choice(definitions)
        count = self.rng.choice((1, 1, 2, 3))
        state, answer = attempt(self.ecs.run_task, cluster=CLUSTER, taskDefinition=definition,
                                count=count, startedBy=token)
        if state is None:
            return self.refused(answer)
        tasks = [(t["taskArn"], t["containerInstanceArn"]) for t in (answer or {}).get("tasks", [])]
        self.ledger.run(token, definition, count, state, tasks)

    def stop_task(self):
        live = self.ledger.live_tasks()
        if not live:
            return self.run_task()
        arn = self.rng.choice(live)
        state, answer = attempt(self.ecs.stop_task, cluster=CLUSTER, task=arn,
                                reason="crash loop")
        if state is None:
            return self.refused(answer)
        self.ledger.stop(arn, state)

    def put_attribute(self):
        instances = self.ledger.instance_arns()
        if not instances:
            return self.run_task()
        arn = self.rng.choice(instances)
        name = f"w{self.index}-{self.rng.randrange(ATTRIBUTES_PER_WRITER)}"
        value = self.token("v")
        state, answer = attempt(self.ecs.put_attributes, cluster=CLUSTER, attributes=[
            {"name": name, "value": value, "targetType": "container-instance",
             "targetId": arn}])
        if state is None:
            return self.refused(answer)
        self.ledger.attribute(arn, name, value, state)

    def create_cluster(self):
        name = f"extra-{self.token('c')}"
        state, answer = attempt(self.ecs.create_cluster, clusterName=name)
        if state is None:
            return self.refused(answer)
        self.ledger.cluster(name, state)

    def deregister(self):
        definitions = self.ledger.active_definitions()
        if len(definitions) < 4:  # keep some to run
            return self.register()
        suffix = self.rng.choice(definitions)
        state, answer = attempt(self.ecs.deregister_task_definition, taskDefinition=suffix)
        if state is None:
            return self.refused(answer)
        self.ledger.deregistration(suffix, state)
