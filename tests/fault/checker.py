"""Reads the whole of ecsd's state back through the API and holds it against
the ledger, while nothing writes:

- every acknowledged write is there, whole, and no status went backwards
  (lost: an acknowledged write missing or changed);
- everything there was made by a write the ledger knows, acknowledged or in
  doubt, and a write in doubt found is whole (unexplained: anything else);
- no task-definition revision was handed to two registrations (reuses);
- each container instance's remainingResources is its registeredResources
  less what its tasks that are not STOPPED need, computed from DescribeTasks
  and DescribeTaskDefinition (CPU, MEMORY, static PORTS, and as many ports of
  the ephemeral range as those tasks have dynamic ones), its running and
  pending counts are its tasks', and each cluster's counts are the sums of
  its instances' and the number of its instances (accounting).

With resolve=True (right after a restart) every write in doubt is settled in
the ledger: found, it becomes acknowledged; not found, it is dropped."""

import random

import botocore.exceptions
from dataclasses import dataclass, field

from ledger import (ACKED, DEFINITION_RANK, DESIRED_RANK, IN_DOUBT, LAST_STATUS_RANK,
                    AttributeWrite, Task)
from workload import CLUSTER, FAMILIES

EPHEMERAL_PORTS = range(49153, 65536)
SAMPLE = 32  # revisions described again each check, besides the new ones


@dataclass
class Findings:
    checked: int = 0  # acknowledged writes verified
    resolved_present: int = 0
    resolved_absent: int = 0
    lost: list = field(default_factory=list)
    unexplained: list = field(default_factory=list)
    reuses: list = field(default_factory=list)
    accounting: list = field(default_factory=list)

    def problems(self):
        return ([f"lost: {p}" for p in self.lost] +
                [f"unexplained: {p}" for p in self.unexplained] +
                [f"revision reused: {p}" for p in self.reuses] +
                [f"accounting: {p}" for p in self.accounting])


def pages(call, key, **params):
    items, token = [], None
    while True:
        answer = call(**params, **({"nextToken": token} if token else {}))
        items += answer[key]
        token = answer.get("nextToken")
        if not token:
            return items


def batches(items, size=100):
    items = sorted(items)
    return [items[i:i + size] for i in range(0, len(items), size)]


def last_part(arn):
    return arn.rsplit("/", 1)[-1]


def resources(described):
    """{"CPU": int, "MEMORY": int, "PORTS": set of str} of an instance's list."""
    out = {}
    for r in described:
        if r["name"] in ("CPU", "MEMORY"):
            out[r["name"]] = r["integerValue"]
        elif r["name"] == "PORTS":
            out["PORTS"] = set(r.get("stringSetValue", []))
    return out


def demand(definition):
    """What a task of this definition holds: cpu, memory, its static host
    ports, and how many dynamic ones. ECS's rules: a container's
    memoryReservation, else its memory; task-level cpu and memory win."""
    cpu = memory = dynamic = 0
    static = []
    for c in definition["containerDefinitions"]:
        cpu += c.get("cpu", 0)
        memory += c.get("memoryReservation", c.get("memory", 0))
        for mapping in c.get("portMappings", []):
            if mapping.get("hostPort"):
                static.append(str(mapping["hostPort"]))
            else:
                dynamic += 1
    if definition.get("cpu"):
        cpu = int(definition["cpu"])
    if definition.get("memory"):
        memory = int(definition["memory"])
    return cpu, memory, static, dynamic


def whole(described, sent):
    """Does the described definition hold what the registration sent?"""
    if described.get("cpu") != sent.get("cpu") or described.get("memory") != sent.get("memory"):
        return False
    got = described["containerDefinitions"]
    if len(got) != len(sent["containerDefinitions"]):
        return False
    for d, s in zip(got, sent["containerDefinitions"]):
        for member in ("name", "image", "cpu", "memory", "memoryReservation", "essential",
                       "dockerLabels"):
            if d.get(member) != s.get(member):
                return False
        ports = [(m["containerPort"], m.get("hostPort")) for m in d.get("portMappings", [])]
        if ports != [(m["containerPort"], m["hostPort"]) for m in s.get("portMappings", [])]:
            return False
    return True


class Checker:
    def __init__(self, ledger, seed):
        self.ledger = ledger
        self.rng = random.Random(f"{seed}/checker")
        self.definitions = {}  # "family:revision" -> DescribeTaskDefinition's taskDefinition
        self.token_of = {}  # "family:revision" -> the token found in it
        self.reported = set()  # (kind, problem): each is reported once, when first found

    def check(self, ecs, resolve):
        f = Findings()
        with self.ledger.lock:
            clusters = self.clusters(ecs, f, resolve)
            instances = self.instances(ecs, f, resolve)
            self.task_definitions(ecs, f, resolve)
            tasks = self.tasks(ecs, f, resolve)
            self.attributes(instances, f, resolve)
            self.accounting(ecs, clusters, instances, tasks, f)
        for kind in ("lost", "unexplained", "reuses", "accounting"):
            new = [p for p in dict.fromkeys(getattr(f, kind)) if (kind, p) not in self.reported]
            self.reported.update((kind, p) for p in new)
            setattr(f, kind, new)
        return f

    @staticmethod
    def settle(f, present):
        if present:
            f.resolved_present += 1
        else:
            f.resolved_absent += 1

    # -- clusters ------------------------------------------------------------
    def clusters(self, ecs, f, resolve):
        L = self.ledger
        names = {last_part(a) for a in pages(ecs.list_clusters, "clusterArns")}
        described = {}
        for batch in batches(names):
            for c in ecs.describe_clusters(clusters=batch)["clusters"]:
                described[c["clusterName"]] = c
        for name, state in list(L.clusters.items()):
            present = described.get(name, {}).get("status") == "ACTIVE"
            if state == ACKED:
                f.checked += 1
                if not present:
                    f.lost.append(f"cluster {name}")
            elif resolve:
                self.settle(f, present)
                if present:
                    L.clusters[name] = ACKED
                else:
                    del L.clusters[name]
        for name in sorted(names - L.clusters.keys()):
            f.unexplained.append(f"cluster {name}: no write made it")
        return described

    # -- container instances -----------------------------------------------------
    def instances(self, ecs, f, resolve):
        L = self.ledger
        arns = pages(ecs.list_container_instances, "containerInstanceArns", cluster=CLUSTER)
        described = {}
        for batch in batches(arns):
            for i in ecs.describe_container_instances(cluster=CLUSTER,
                                                      containerInstances=batch)[
                                                          "containerInstances"]:
                described[i["containerInstanceArn"]] = i
        by_token = {}
        for i in described.values():
            token = next((a.get("value") for a in i["attributes"] if a["name"] == "ledger-token"),
                         None)
            by_token.setdefault(token, []).append(i)
        for token, record in list(L.instances.items()):
            found = by_token.pop(token, [])
            if len(found) > 1:
                f.unexplained.append(f"instance registration {token} found {len(found)} times")
            i = found[0] if found else None
            complete = (i is not None and i["status"] == "ACTIVE" and
                        resources(i["registeredResources"]) == resources(record.resources) and
                        record.arn in (None, i["containerInstanceArn"]))
            if record.state == ACKED:
                f.checked += 1
                if not complete:
                    f.lost.append(f"container instance {record.arn} ({token}): "
                                  f"{'changed' if i else 'missing'}")
            elif resolve:
                self.settle(f, i is not None)
                if i is None:
                    del L.instances[token]
                    continue
                if not complete:
                    f.unexplained.append(f"instance registration {token} in doubt, found "
                                         f"not whole: {i['registeredResources']}")
                record.state, record.arn = ACKED, i["containerInstanceArn"]
        for token, found in sorted(by_token.items(), key=str):
            if token not in L.instances:
                for i in found:
                    f.unexplained.append(f"container instance {i['containerInstanceArn']} "
                                         f"({token}): no write made it")
        return described

    # -- task definitions ---------------------------------------------------------
    def task_definitions(self, ecs, f, resolve):
        L = self.ledger
        listed = {}  # "family:revision" -> status
        for status in ("ACTIVE", "INACTIVE"):
            for family in FAMILIES:
                for arn in pages(ecs.list_task_definitions, "taskDefinitionArns",
                                 familyPrefix=family, status=status):
                    if last_part(arn).split(":")[0] == family:
                        listed[last_part(arn)] = status
        known = sorted(s for s in listed if s in self.definitions)
        fresh = [s for s in listed if s not in self.definitions]
        for suffix in fresh + self.rng.sample(known, min(SAMPLE, len(known))):
            d = ecs.describe_task_definition(taskDefinition=suffix)["taskDefinition"]
            self.definitions[suffix] = d
            labels = d["containerDefinitions"][0].get("dockerLabels") or {}
            self.token_of[suffix] = labels.get("ledger-token")
        found = {}  # token -> "family:revision"
        for suffix in listed:
            family, revision = suffix.split(":")[0], int(suffix.split(":")[1])
            token = self.token_of[suffix]
            first = L.revisions.get((family, revision))
            registration = L.registrations.get(token)
            if first is not None and first != token:
                f.reuses.append(f"{family}:{revision}: handed to {first} and to {token}")
            elif registration is None:
                f.unexplained.append(f"task definition {suffix} ({token}): no write made it")
            elif token in found or registration.revision not in (None, revision):
                f.unexplained.append(f"registration {token} found as {suffix} and as "
                                     f"{found.get(token) or registration.arn_suffix}")
            elif not whole(self.definitions[suffix], registration.body):
                (f.lost if registration.state == ACKED else f.unexplained).append(
                    f"task definition {suffix} ({token}) not as registered")
            found[token] = suffix
        for token, registration in list(L.registrations.items()):
            suffix = found.get(token)
            if registration.state == ACKED:
                f.checked += 1
                if suffix != registration.arn_suffix:
                    f.lost.append(f"task definition {registration.arn_suffix} ({token})")
                    continue
            elif resolve:
                self.settle(f, suffix is not None)
                if suffix is None:
                    del L.registrations[token]
                    continue
                registration.state = ACKED
                registration.revision = int(suffix.split(":")[1])
                L.revisions.setdefault((registration.family, registration.revision), token)
            else:
                continue
            floor = L.definition_floor.setdefault(suffix, "ACTIVE")
            if DEFINITION_RANK[listed[suffix]] < DEFINITION_RANK[floor]:
                f.lost.append(f"task definition {suffix} is {listed[suffix]} again, was {floor}")
            L.raise_floor(L.definition_floor, suffix, listed[suffix], DEFINITION_RANK)
        for family, revision, first, second in L.reuses:
            f.reuses.append(f"{family}:{revision}: handed to {first} and to {second}")

    def definition(self, ecs, suffix):
        """The task definition as described (once: it never changes), or as
        registered when ecsd cannot describe it (it was lost)."""
        if suffix not in self.definitions:
            try:
                self.definitions[suffix] = ecs.describe_task_definition(
                    taskDefinition=suffix)["taskDefinition"]
            except botocore.exceptions.ClientError:
                return next(r.body for r in self.ledger.registrations.values()
                            if r.arn_suffix == suffix)
        return self.definitions[suffix]

    # -- tasks ----------------------------------------------------------------------
    def tasks(self, ecs, f, resolve):
        L = self.ledger
        listed = set()
        for desired in ("RUNNING", "STOPPED"):
            listed |= set(pages(ecs.list_tasks, "taskArns", cluster=CLUSTER,
                                desiredStatus=desired))
        described = {}
        for batch in batches(listed | L.tasks.keys()):
            for t in ecs.describe_tasks(cluster=CLUSTER, tasks=batch)["tasks"]:
                described[t["taskArn"]] = t
        unknown = {}  # startedBy -> [task]
        for arn, t in described.items():
            if arn not in L.tasks:
                unknown.setdefault(t.get("startedBy"), []).append(t)
        for token, found in sorted(unknown.items(), key=str):
            run = L.runs.get(token)
            if run is None or run.state == ACKED:
                for t in found:
                    f.unexplained.append(f"task {t['taskArn']} (startedBy {token}): no "
                                         "write made it")
                continue
            if len(found) > run.count or any(
                    last_part(t["taskDefinitionArn"]) != run.definition_arn for t in found):
                f.unexplained.append(f"RunTask {token} in doubt, found not whole: "
                                     f"{[t['taskArn'] for t in found]}")
            if resolve:
                self.settle(f, True)
                run.state = ACKED
                for t in found:
                    run.task_arns.append(t["taskArn"])
                    L.add_task(Task(t["taskArn"], token, run.definition_arn,
                                    t["containerInstanceArn"]))
        if resolve:
            for token, run in list(L.runs.items()):
                if run.state == IN_DOUBT:
                    self.settle(f, False)
                    del L.runs[token]
            for arn in L.early_reports:
                f.lost.append(f"task {arn}: its agent's report was acknowledged, the task "
                              "is not there")
            L.early_reports.clear()
        for arn, task in L.tasks.items():
            f.checked += 1
            t = described.get(arn)
            if t is None:
                f.lost.append(f"task {arn} (RunTask {task.run_token})")
                continue
            if arn not in listed:
                f.lost.append(f"task {arn} is described but not listed")
            if (last_part(t["taskDefinitionArn"]) != task.definition_arn or
                    t["containerInstanceArn"] != task.instance_arn or
                    t.get("startedBy") != task.run_token):
                f.lost.append(f"task {arn} changed: {t['taskDefinitionArn']} on "
                              f"{t['containerInstanceArn']} startedBy {t.get('startedBy')}")
            if DESIRED_RANK[t["desiredStatus"]] < DESIRED_RANK[task.desired_floor]:
                f.lost.append(f"task {arn}: desiredStatus {t['desiredStatus']}, was "
                              f"{task.desired_floor} (a StopTask lost)")
            if LAST_STATUS_RANK[t["lastStatus"]] < LAST_STATUS_RANK[task.last_floor]:
                f.lost.append(f"task {arn}: lastStatus {t['lastStatus']}, was "
                              f"{task.last_floor} (an agent's report lost)")
            task.desired_floor = max(task.desired_floor, t["desiredStatus"], key=DESIRED_RANK.get)
            task.last_floor = max(task.last_floor, t["lastStatus"], key=LAST_STATUS_RANK.get)
        return described

    # -- attributes -----------------------------------------------------------------
    def attributes(self, instances, f, resolve):
        L = self.ledger
        for (arn, name), writes in list(L.attributes.items()):
            if arn not in instances:
                continue  # the instance itself is reported
            values = {a["name"]: a.get("value") for a in instances[arn]["attributes"]}
            observed = values.get(name)
            settled = next((w.value for w in reversed(writes) if w.state == ACKED), None)
            doubtful = [w.value for w in writes[len(writes) - self.trailing(writes):]]
            if any(w.state == ACKED for w in writes):
                f.checked += 1
            if observed != settled and observed not in doubtful:
                f.lost.append(f"attribute {name} of {arn}: {observed!r}, expected {settled!r}" +
                              (f" or one of {doubtful}" if doubtful else ""))
            elif resolve and doubtful:
                self.settle(f, observed in doubtful)
                L.attributes[(arn, name)] = [AttributeWrite(observed, ACKED)] if observed else []
        for arn, i in instances.items():
            for a in i["attributes"]:
                if a["name"].startswith("w") and (arn, a["name"]) not in L.attributes:
                    f.unexplained.append(f"attribute {a['name']} of {arn}: no write made it")

    @staticmethod
    def trailing(writes):
        """How many of the last writes are in doubt."""
        n = 0
        while n < len(writes) and writes[-1 - n].state == IN_DOUBT:
            n += 1
        return n

    # -- accounting -------------------------------------------------------------------
    def accounting(self, ecs, clusters, instances, tasks, f):
        running = pending = 0
        for arn, i in instances.items():
            live = [t for t in tasks.values()
                    if t["containerInstanceArn"] == arn and t["lastStatus"] != "STOPPED"]
            cpu = memory = dynamic = 0
            static = []
            for t in live:
                c, m, s, d = demand(self.definition(ecs, last_part(t["taskDefinitionArn"])))
                cpu, memory, dynamic = cpu + c, memory + m, dynamic + d
                static += s
            registered = resources(i["registeredResources"])
            remaining = resources(i["remainingResources"])
            short = last_part(arn)
            if remaining["CPU"] != registered["CPU"] - cpu:
                f.accounting.append(f"instance {short}: remaining CPU {remaining['CPU']}, "
                                    f"expected {registered['CPU']} - {cpu}")
            if remaining["MEMORY"] != registered["MEMORY"] - memory:
                f.accounting.append(f"instance {short}: remaining MEMORY {remaining['MEMORY']}, "
                                    f"expected {registered['MEMORY']} - {memory}")
            if len(static) != len(set(static)):
                f.accounting.append(f"instance {short}: a static port held twice: {static}")
            expected_ports = registered["PORTS"] | set(static)
            extra = remaining["PORTS"] - expected_ports
            if (not expected_ports <= remaining["PORTS"] or len(extra) != dynamic or
                    any(int(p) not in EPHEMERAL_PORTS for p in extra)):
                f.accounting.append(f"instance {short}: PORTS {sorted(remaining['PORTS'])}, "
                                    f"expected {sorted(expected_ports)} and {dynamic} "
                                    "ephemeral")
            runs = sum(1 for t in live if t["lastStatus"] == "RUNNING")
            if (i["runningTasksCount"], i["pendingTasksCount"]) != (runs, len(live) - runs):
                f.accounting.append(f"instance {short}: running/pending "
                                    f"{i['runningTasksCount']}/{i['pendingTasksCount']}, "
                                    f"its tasks {runs}/{len(live) - runs}")
            running, pending = running + runs, pending + len(live) - runs
        registered = sum(1 for i in instances.values() if i["status"] in ("ACTIVE", "DRAINING"))
        for name, c in clusters.items():
            expected = (running, pending, registered) if name == CLUSTER else (0, 0, 0)
            got = (c["runningTasksCount"], c["pendingTasksCount"],
                   c["registeredContainerInstancesCount"])
            if got != expected:
                f.accounting.append(f"cluster {name}: running/pending/instances {got}, "
                                    f"expected {expected}")
