"""Every member of every implemented operation's input, at any depth, has its
declared type checked at the door: for each member path the AWS CLI's model
declares, a value of another type is refused with SerializationException
(HTTP 400) naming the path, and nothing is stored. Each wrong value is placed
in a request that would otherwise succeed, so a member that slipped through
would show as a change in the state.

api/ecs-input-shapes.json, the contract ecsd checks against, is also checked
to be what scripts/api-shapes.py derives from the same model."""

import copy
import importlib.util
import json
import unittest

from agent_client import AgentClient
from harness import MODEL, ROOT, EcsdTestCase

CONTRACT = json.loads((ROOT / "api" / "ecs-operations.json").read_text())
IMPLEMENTED = sorted(name for name, entry in CONTRACT["operations"].items()
                     if entry["status"] == "implemented")
SHAPES = MODEL["shapes"]
CLUSTER = "shapes"
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:000000000000:cluster/{CLUSTER}"
CONTAINERS = [{"name": "c", "image": "busybox", "memory": 64}]

# Values of another JSON type than each declared type.
WRONG = {
    "string": [7, {}], "blob": [7], "integer": ["7", 1.5], "long": ["7", 1.5],
    "boolean": ["true", 0], "double": ["x"], "float": ["x"], "timestamp": ["x", [1]],
    "list": ["x", {}], "map": ["x", []], "structure": ["x", []],
}


def member_paths(shape_name, steps=(), text="", seen=()):
    """(steps, path text, declared type) for every member below shape_name; a
    step is ("member", name), ("element",) or ("value",)."""
    shape = SHAPES[shape_name]
    if shape_name in seen:
        return
    seen = seen + (shape_name,)
    if shape["type"] == "structure":
        for name, member in shape["members"].items():
            path = f"{text}.{name}" if text else name
            kind = SHAPES[member["shape"]]["type"]
            yield steps + (("member", name),), path, kind
            yield from member_paths(member["shape"], steps + (("member", name),), path, seen)
    elif shape["type"] == "list":
        inner = shape["member"]["shape"]
        yield steps + (("element",),), f"{text}[0]", SHAPES[inner]["type"]
        yield from member_paths(inner, steps + (("element",),), f"{text}[0]", seen)
    elif shape["type"] == "map":
        inner = shape["value"]["shape"]
        yield steps + (("value",),), f"{text}.k", SHAPES[inner]["type"]
        yield from member_paths(inner, steps + (("value",),), f"{text}.k", seen)


def placed(container, steps, leaf):
    """container (a copy) with leaf at the end of steps, keeping what is there."""
    if not steps:
        return leaf
    step, rest = steps[0], steps[1:]
    if step[0] == "member":
        out = dict(container) if isinstance(container, dict) else {}
        out[step[1]] = placed(out.get(step[1]), rest, leaf)
        return out
    if step[0] == "element":
        out = list(container) if isinstance(container, list) and container else [None]
        out[0] = placed(out[0], rest, leaf)
        return out
    out = dict(container) if isinstance(container, dict) else {}
    key = next(iter(out), "k")
    out = {key: placed(out.get(key), rest, leaf)}
    return out


class InputShapesTest(EcsdTestCase):
    # Hundreds of calls as fast as they go; throttling has its own test.
    extra_args = ("--throttle", "off")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ecs = cls.ecsd.client()
        ecs.create_cluster(clusterName=CLUSTER, tags=[{"key": "keep", "value": "1"}])
        ecs.create_cluster(clusterName="shapes-doomed")
        ecs.register_task_definition(family="shapes", containerDefinitions=CONTAINERS)
        ecs.register_task_definition(family="shapes-old", containerDefinitions=CONTAINERS)
        ecs.deregister_task_definition(taskDefinition="shapes-old:1")
        cls.instance = ecs.register_container_instance(cluster=CLUSTER, totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096}])[
            "containerInstance"]["containerInstanceArn"]
        # An EXTERNAL service with a task set of no tasks, for the task-set calls.
        ecs.create_service(cluster=CLUSTER, serviceName="shapes-ext", desiredCount=0,
                           deploymentController={"type": "EXTERNAL"})
        cls.task_set = ecs.create_task_set(cluster=CLUSTER, service="shapes-ext",
                                           taskDefinition="shapes:1",
                                           scale={"value": 0, "unit": "PERCENT"})["taskSet"]["id"]
        cls.agent = AgentClient(cls.ecsd.url, cls.ecsd.ca, cls.ecsd.access_key,
                                cls.ecsd.secret_key, "us-east-1", CLUSTER_ARN, cls.instance,
                                auto_ack=True)

    @classmethod
    def tearDownClass(cls):
        cls.agent.close()
        super().tearDownClass()

    def bases(self):
        """For each implemented operation, a call that succeeds (and changes
        something, for the writes) as it stands."""
        task_definition = {"family": "shapes", "containerDefinitions": CONTAINERS}
        return {
            "CreateCluster": {"clusterName": "shapes-new"},
            "CreateService": {"cluster": CLUSTER, "serviceName": "shapes-svc",
                              "taskDefinition": "shapes:1", "desiredCount": 0},
            "DeleteService": {"cluster": CLUSTER, "service": "none"},
            "DescribeServices": {"cluster": CLUSTER, "services": ["none"]},
            "ListServices": {"cluster": CLUSTER},
            "UpdateService": {"cluster": CLUSTER, "service": "none", "desiredCount": 1},
            "CreateTaskSet": {"cluster": CLUSTER, "service": "shapes-ext",
                              "taskDefinition": "shapes:1",
                              "scale": {"value": 0, "unit": "PERCENT"}},
            "DeleteTaskSet": {"cluster": CLUSTER, "service": "shapes-ext",
                              "taskSet": self.task_set},
            "DescribeTaskSets": {"cluster": CLUSTER, "service": "shapes-ext"},
            "UpdateServicePrimaryTaskSet": {"cluster": CLUSTER, "service": "shapes-ext",
                                            "primaryTaskSet": self.task_set},
            "UpdateTaskSet": {"cluster": CLUSTER, "service": "shapes-ext",
                              "taskSet": self.task_set, "scale": {"value": 0, "unit": "PERCENT"}},
            "DeleteAttributes": {"cluster": CLUSTER,
                                 "attributes": [{"name": "color", "targetId": self.instance}]},
            "DeleteCluster": {"cluster": "shapes-doomed"},
            "DeleteTaskDefinitions": {"taskDefinitions": ["shapes-old:1"]},
            "DeregisterContainerInstance": {"cluster": CLUSTER,
                                            "containerInstance": self.instance, "force": True},
            "DeregisterTaskDefinition": {"taskDefinition": "shapes:1"},
            "DescribeClusters": {"clusters": [CLUSTER]},
            "DescribeContainerInstances": {"cluster": CLUSTER,
                                           "containerInstances": [self.instance]},
            "DescribeTaskDefinition": {"taskDefinition": "shapes:1"},
            "DescribeTasks": {"cluster": CLUSTER, "tasks": ["none"]},
            "DiscoverPollEndpoint": {"cluster": CLUSTER, "containerInstance": self.instance},
            "ListAttributes": {"cluster": CLUSTER, "targetType": "container-instance"},
            "ListClusters": {},
            "ListContainerInstances": {"cluster": CLUSTER},
            "ListTagsForResource": {"resourceArn": CLUSTER_ARN},
            "ListTaskDefinitionFamilies": {},
            "ListTaskDefinitions": {},
            "ListTasks": {"cluster": CLUSTER},
            "PutAttributes": {"cluster": CLUSTER,
                              "attributes": [{"name": "probe", "targetId": self.instance}]},
            "RegisterContainerInstance": {"cluster": CLUSTER, "totalResources": [
                {"name": "CPU", "type": "INTEGER", "integerValue": 1024}]},
            "RegisterTaskDefinition": task_definition,
            "RunTask": {"cluster": CLUSTER, "taskDefinition": "shapes:1"},
            "StartTask": {"cluster": CLUSTER, "taskDefinition": "shapes:1",
                          "containerInstances": [self.instance]},
            "StopTask": {"cluster": CLUSTER, "task": "none"},
            "SubmitContainerStateChange": {"cluster": CLUSTER, "task": "none"},
            "SubmitTaskStateChange": {"cluster": CLUSTER, "task": "none"},
            "TagResource": {"resourceArn": CLUSTER_ARN, "tags": [{"key": "probe", "value": "1"}]},
            "UntagResource": {"resourceArn": CLUSTER_ARN, "tagKeys": ["keep"]},
            "UpdateCluster": {"cluster": CLUSTER,
                              "settings": [{"name": "containerInsights", "value": "enabled"}]},
            "UpdateClusterSettings": {"cluster": CLUSTER, "settings": [
                {"name": "containerInsights", "value": "enabled"}]},
            "UpdateContainerInstancesState": {"cluster": CLUSTER,
                                              "containerInstances": [self.instance],
                                              "status": "DRAINING"},
        }

    def state(self):
        """What any of the bases would change."""
        ecs = self.ecsd.client()
        clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"],
                                         include=["TAGS", "SETTINGS", "STATISTICS"])["clusters"]
        definitions = {status: ecs.list_task_definitions(status=status)["taskDefinitionArns"]
                       for status in ("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS")}
        instances = ecs.describe_container_instances(
            cluster=CLUSTER, containerInstances=ecs.list_container_instances(
                cluster=CLUSTER)["containerInstanceArns"])["containerInstances"]
        for instance in instances:
            for volatile in ("agentConnected", "version", "versionInfo"):
                instance.pop(volatile, None)
        tasks = [ecs.list_tasks(cluster=CLUSTER, desiredStatus=status)["taskArns"]
                 for status in ("RUNNING", "STOPPED")]
        attributes = ecs.list_attributes(cluster=CLUSTER,
                                         targetType="container-instance")["attributes"]
        services = ecs.list_services(cluster=CLUSTER)["serviceArns"]
        task_sets = ecs.describe_task_sets(cluster=CLUSTER, service="shapes-ext")["taskSets"]
        for task_set in task_sets:  # the scheduler's to update
            for volatile in ("stabilityStatus", "stabilityStatusAt", "updatedAt"):
                task_set.pop(volatile, None)
        return clusters, definitions, instances, tasks, attributes, services, task_sets

    def test_contract_is_what_the_model_says(self):
        spec = importlib.util.spec_from_file_location("api_shapes",
                                                      ROOT / "scripts" / "api-shapes.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.assertEqual((ROOT / "api" / "ecs-input-shapes.json").read_text(),
                         module.render(MODEL, IMPLEMENTED),
                         "api/ecs-input-shapes.json is stale: run scripts/api-shapes.py")

    def test_every_member_path_refuses_a_wrong_type_and_stores_nothing(self):
        bases = self.bases()
        self.assertEqual(sorted(bases), IMPLEMENTED)
        before = self.state()
        checked = 0
        for operation in IMPLEMENTED:
            input_shape = MODEL["operations"][operation]["input"]["shape"]
            for steps, path, kind in member_paths(input_shape):
                for wrong in WRONG[kind]:
                    body = placed(copy.deepcopy(bases[operation]), steps, wrong)
                    status, answer, _ = self.ecsd.raw(operation, body)
                    where = f"{operation} {json.dumps(body)}"
                    self.assertEqual(status, 400, f"{where}: {answer}")
                    self.assertEqual(answer.get("__type"), "SerializationException", where)
                    self.assertTrue(
                        answer["message"].startswith(f"Invalid type for parameter {path}:"),
                        f"{where}: {answer['message']}")
                    checked += 1
        self.assertGreater(checked, 800)
        self.assertEqual(self.state(), before)
        self.assertEqual(self.agent.messages("PayloadMessage"), [])

    def test_the_bases_themselves_pass_the_check(self):
        # The refusals above are the wrong values' doing, not the bases'.
        for operation, body in sorted(self.bases().items()):
            if operation.startswith(("Describe", "List", "Discover")):
                status, answer, _ = self.ecsd.raw(operation, body)
                self.assertEqual(status, 200, f"{operation}: {answer}")


if __name__ == "__main__":
    unittest.main()
