"""Task definitions through the real AWS CLI, boto3 and raw signed requests:
register, describe, list, deregister, delete, tags, validation and
persistence, checked against what Amazon ECS answers and against the
botocore model."""

import json
import unittest

from harness import MODEL, ROOT, EcsdTestCase, model_problems

ARN = "arn:aws:ecs:us-east-1:000000000000:task-definition/"
WORDPRESS = ROOT / "docs" / "examples" / "wordpress.json"


def small(name="web", **extra):
    """A minimal valid container definition."""
    return {"name": name, "image": "nginx:latest", "memory": 64, **extra}


def cli_operation(command):
    return "".join(part.title() for part in command.split("-"))


class TaskDefinitionHelpers:
    """Calls that check every answer against the botocore model."""

    def cli(self, command, *args):
        output = self.aws_ok(command, *args) or {}
        # NextToken (capitalised) is the CLI's own pagination token, not ECS's.
        checked = {key: value for key, value in output.items() if key != "NextToken"}
        self.assertEqual(model_problems(cli_operation(command), checked), [], output)
        return output

    def raw_ok(self, operation, body):
        status, output, _ = self.ecsd.raw(operation, body)
        self.assertEqual(status, 200, output)
        self.assertEqual(model_problems(operation, output), [], output)
        return output

    def raw_error(self, error_type, operation, body):
        response = self.ecsd.raw(operation, body)
        self.assert_aws_error(response, 400, error_type)
        return response[1]["message"]

    def register(self, family, containers=None, **extra):
        """Registers with boto3; returns the taskDefinition."""
        client = self.ecsd.client()
        result = client.register_task_definition(
            family=family, containerDefinitions=containers or [small()], **extra)
        return result["taskDefinition"]

    def assert_round_trips(self, sent, got, path="$"):
        """Every member sent comes back with the same value; lists keep their
        length and order; ECS may add members of its own (defaults)."""
        if isinstance(sent, dict):
            self.assertIsInstance(got, dict, path)
            for key, value in sent.items():
                self.assertIn(key, got, f"{path}.{key} was dropped")
                self.assert_round_trips(value, got[key], f"{path}.{key}")
        elif isinstance(sent, list):
            self.assertIsInstance(got, list, path)
            self.assertEqual(len(got), len(sent), f"{path}: sent {sent!r}, got {got!r}")
            for i, (want, have) in enumerate(zip(sent, got)):
                self.assert_round_trips(want, have, f"{path}[{i}]")
        else:
            self.assertEqual((type(got).__name__, got), (type(sent).__name__, sent), path)


# -- the walkthrough and describe ---------------------------------------------

class RegisterAndDescribeTest(TaskDefinitionHelpers, EcsdTestCase):
    def test_seed_walkthrough_with_the_cli(self):
        sent = json.loads(WORDPRESS.read_text())
        args = ("register-task-definition", "--family", "wordpress",
                "--container-definitions", f"file://{WORDPRESS}")
        first = self.cli(*args)["taskDefinition"]
        self.assertEqual(first["taskDefinitionArn"], ARN + "wordpress:1")
        self.assertEqual(first["family"], "wordpress")
        self.assertEqual(first["revision"], 1)
        self.assertEqual(first["status"], "ACTIVE")
        self.assertIsInstance(first["registeredAt"], (int, float))
        self.assertEqual([c["name"] for c in first["containerDefinitions"]], ["wp", "mysql"])
        # Every field as sent (ECS adds defaults such as portMappings' protocol).
        self.assert_round_trips(sent, first["containerDefinitions"])
        wp, mysql = first["containerDefinitions"]
        self.assertEqual(wp["portMappings"],
                         [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}])
        self.assertEqual(wp["links"], ["mysql:mysql"])
        self.assertEqual(wp["environment"][0], {"name": "WORDPRESS_DB_USER", "value": "wpuser"})
        self.assertEqual((wp["cpu"], wp["memory"], wp["essential"]), (100, 1024, False))
        self.assertEqual((mysql["cpu"], mysql["memory"], mysql["essential"]), (200, 2048, True))
        self.assertEqual(len(mysql["environment"]), 4)

        second = self.cli(*args)["taskDefinition"]
        self.assertEqual(second["taskDefinitionArn"], ARN + "wordpress:2")
        self.assertEqual(second["revision"], 2)
        listed = self.cli("list-task-definitions")["taskDefinitionArns"]
        self.assertEqual([a for a in listed if "/wordpress:" in a],
                         [ARN + "wordpress:1", ARN + "wordpress:2"])

    def test_describe_by_family_revision_and_arn(self):
        self.register("desc", [small("one")])
        self.register("desc", [small("two")])
        latest = self.cli("describe-task-definition", "--task-definition", "desc")
        self.assertEqual(latest["taskDefinition"]["revision"], 2)
        self.assertEqual(latest["taskDefinition"]["containerDefinitions"][0]["name"], "two")
        by_revision = self.cli("describe-task-definition", "--task-definition", "desc:1")
        self.assertEqual(by_revision["taskDefinition"]["taskDefinitionArn"], ARN + "desc:1")
        self.assertEqual(by_revision["taskDefinition"]["containerDefinitions"][0]["name"], "one")
        by_arn = self.cli("describe-task-definition", "--task-definition", ARN + "desc:2")
        self.assertEqual(by_arn["taskDefinition"], latest["taskDefinition"])

    def test_describe_include_tags(self):
        registered = self.cli("register-task-definition", "--family", "tagged",
                              "--container-definitions", json.dumps([small()]),
                              "--tags", "key=k,value=v", "key=team,value=core")
        tags = [{"key": "k", "value": "v"}, {"key": "team", "value": "core"}]
        self.assertEqual(registered["tags"], tags)
        described = self.cli("describe-task-definition", "--task-definition", "tagged",
                             "--include", "TAGS")
        self.assertEqual(described["tags"], tags)
        self.assertEqual(described["taskDefinition"]["revision"], 1)
        # boto3 sees the same.
        via_boto3 = self.ecsd.client().describe_task_definition(taskDefinition="tagged:1",
                                                                include=["TAGS"])
        self.assertEqual(via_boto3["tags"], tags)

    def test_describe_unknown_is_a_client_exception(self):
        self.register("known")
        for reference in ("never-registered", "known:7", ARN + "ghost:1"):
            with self.subTest(reference=reference):
                stderr = self.aws_error("ClientException", "describe-task-definition",
                                        "--task-definition", reference)
                self.assertIn("Unable to describe task definition", stderr)

    def test_arns_of_another_region_or_account_name_nothing_here(self):
        # ECS resolves a full ARN in its own region and account only; ecsd
        # must never answer with, or change, a different resource than the
        # one the ARN names.
        client = self.ecsd.client()
        for i, owner in enumerate(("eu-west-1:000000000000", "us-east-1:123456789012")):
            family = f"elsewhere{i}"
            self.register(family)
            self.register(family)
            client.deregister_task_definition(taskDefinition=f"{family}:2")
            foreign = f"arn:aws:ecs:{owner}:task-definition/{family}:"
            with self.subTest("describe", arn=foreign + "1"):
                status, body, _ = self.ecsd.raw("DescribeTaskDefinition",
                                                {"taskDefinition": foreign + "1"})
                self.assertEqual(status, 400, body)
                self.assertIn(body.get("__type"), ("ClientException",
                                                   "InvalidParameterException"), body)
            with self.subTest("deregister", arn=foreign + "1"):
                status, body, _ = self.ecsd.raw("DeregisterTaskDefinition",
                                                {"taskDefinition": foreign + "1"})
                self.assertEqual(client.describe_task_definition(
                    taskDefinition=f"{family}:1")["taskDefinition"]["status"], "ACTIVE")
                self.assertEqual(status, 400, body)
            with self.subTest("delete", arn=foreign + "2"):
                status, body, _ = self.ecsd.raw("DeleteTaskDefinitions",
                                                {"taskDefinitions": [foreign + "2"]})
                self.assertEqual(client.describe_task_definition(
                    taskDefinition=f"{family}:2")["taskDefinition"]["status"], "INACTIVE")
                if status == 200:
                    self.assertEqual(body["taskDefinitions"], [])
                    self.assertEqual([f["arn"] for f in body["failures"]], [foreign + "2"])

    def test_awsvpc_host_ports_and_task_size_units(self):
        td = self.register("vpc", [small("c", portMappings=[{"containerPort": 8080}])],
                           networkMode="awsvpc", cpu="0.5 vCPU", memory="1 GB",
                           requiresCompatibilities=["FARGATE"])
        # awsvpc: the host port is the container port; sizes are normalized.
        self.assertEqual(td["containerDefinitions"][0]["portMappings"],
                         [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}])
        self.assertEqual((td["cpu"], td["memory"]), ("512", "1024"))
        self.assertIn("FARGATE", td["compatibilities"])
        stderr = self.aws_error(
            "ClientException", "register-task-definition", "--family", "vpc",
            "--network-mode", "awsvpc", "--container-definitions",
            json.dumps([small("c", portMappings=[{"containerPort": 80, "hostPort": 81}])]))
        self.assertIn("host port", stderr)

    def test_defaults_ecs_adds(self):
        td = self.register("defaults", [{"name": "c", "image": "busybox", "memory": 32,
                                         "portMappings": [{"containerPort": 53}]}])
        container = td["containerDefinitions"][0]
        self.assertEqual(container["cpu"], 0)
        self.assertIs(container["essential"], True)
        self.assertEqual(container["environment"], [])
        self.assertEqual(container["mountPoints"], [])
        self.assertEqual(container["volumesFrom"], [])
        # bridge mode (the default) with no hostPort: a dynamic host port.
        self.assertEqual(container["portMappings"],
                         [{"containerPort": 53, "hostPort": 0, "protocol": "tcp"}])
        self.assertEqual(td["volumes"], [])
        self.assertEqual(td["placementConstraints"], [])
        self.assertIn("EC2", td["compatibilities"])
        self.assertEqual(td["registeredBy"], "arn:aws:iam::000000000000:user/admin")


# -- every member round-trips -------------------------------------------------

FULL_CONTAINERS = [
    {
        "name": "app",
        "image": "registry.example.com/team/app:1.2.3",
        "repositoryCredentials": {
            "credentialsParameter":
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:registry-AbCdEf"},
        "cpu": 256,
        "memory": 512,
        "memoryReservation": 256,
        "links": ["db:database"],
        "portMappings": [
            {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp", "name": "http",
             "appProtocol": "http"},
            {"containerPort": 5353, "hostPort": 0, "protocol": "udp"},
        ],
        "essential": True,
        "restartPolicy": {"enabled": True, "ignoredExitCodes": [0, 3],
                          "restartAttemptPeriod": 120},
        "entryPoint": ["/bin/sh", "-c"],
        "command": ["exec app --serve"],
        "environment": [{"name": "MODE", "value": "prod"}, {"name": "EMPTY", "value": ""}],
        "environmentFiles": [{"value": "arn:aws:s3:::config-bucket/app.env", "type": "s3"}],
        "mountPoints": [
            {"sourceVolume": "host-data", "containerPath": "/data", "readOnly": False},
            {"sourceVolume": "docker-data", "containerPath": "/cache", "readOnly": True},
        ],
        "volumesFrom": [{"sourceContainer": "db", "readOnly": True}],
        "linuxParameters": {
            "capabilities": {"add": ["NET_ADMIN", "SYS_PTRACE"], "drop": ["MKNOD"]},
            "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse",
                         "permissions": ["read", "write"]}],
            "initProcessEnabled": True,
            "sharedMemorySize": 64,
            "tmpfs": [{"containerPath": "/scratch", "size": 32,
                       "mountOptions": ["noexec", "nosuid"]}],
            "maxSwap": 256,
            "swappiness": 10,
        },
        "secrets": [{"name": "DB_PASSWORD",
                     "valueFrom": "arn:aws:ssm:us-east-1:000000000000:parameter/db-password"}],
        "dependsOn": [{"containerName": "db", "condition": "HEALTHY"},
                      {"containerName": "log_router", "condition": "START"}],
        "startTimeout": 120,
        "stopTimeout": 30,
        "versionConsistency": "disabled",
        "hostname": "app.internal",
        "user": "1000:1000",
        "workingDirectory": "/srv/app",
        "disableNetworking": False,
        "privileged": False,
        "readonlyRootFilesystem": True,
        "dnsServers": ["10.0.0.2", "10.0.0.3"],
        "dnsSearchDomains": ["example.internal"],
        "extraHosts": [{"hostname": "legacy", "ipAddress": "10.1.2.3"}],
        "dockerSecurityOptions": ["no-new-privileges"],
        "interactive": False,
        "pseudoTerminal": False,
        "dockerLabels": {"com.example.team": "core", "com.example.tier": "web"},
        "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
        "logConfiguration": {
            "logDriver": "awsfirelens",
            "options": {"Name": "cloudwatch_logs", "region": "us-east-1"},
            "secretOptions": [{"name": "apikey", "valueFrom":
                               "arn:aws:ssm:us-east-1:000000000000:parameter/log-key"}],
        },
        "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
        "resourceRequirements": [{"type": "InferenceAccelerator", "value": "device1"}],
        "credentialSpecs": [
            "credentialspecdomainless:arn:aws:ssm:us-east-1:000000000000:parameter/spec"],
    },
    {
        "name": "db",
        "image": "postgres:16",
        "cpu": 256,
        "memory": 512,
        "essential": False,
        "healthCheck": {"command": ["CMD-SHELL", "pg_isready -U postgres"], "interval": 10,
                        "timeout": 5, "retries": 3, "startPeriod": 15},
    },
    {
        "name": "envoy",
        "image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
        "cpu": 128,
        "memory": 256,
        "user": "1337",
        "essential": True,
    },
    {
        "name": "log_router",
        "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
        "cpu": 64,
        "memoryReservation": 64,
        "essential": True,
        "firelensConfiguration": {"type": "fluentbit",
                                  "options": {"enable-ecs-log-metadata": "true"}},
    },
]

FULL_TASK = {
    "family": "everything",
    "taskRoleArn": "arn:aws:iam::000000000000:role/app-task",
    "executionRoleArn": "arn:aws:iam::000000000000:role/app-execution",
    "networkMode": "bridge",
    "containerDefinitions": FULL_CONTAINERS,
    "volumes": [
        {"name": "host-data", "host": {"sourcePath": "/srv/data"}},
        {"name": "docker-data", "dockerVolumeConfiguration": {
            "scope": "shared", "autoprovision": True, "driver": "local",
            "driverOpts": {"type": "tmpfs", "device": "tmpfs"}, "labels": {"team": "core"}}},
    ],
    "placementConstraints": [{"type": "memberOf",
                              "expression": "attribute:ecs.instance-type =~ t3.*"}],
    "requiresCompatibilities": ["EC2"],
    "cpu": "1024",
    "memory": "2048",
    "pidMode": "task",
    "ipcMode": "task",
    "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [
        {"name": "IgnoredUID", "value": "1337"},
        {"name": "AppPorts", "value": "8080"},
        {"name": "ProxyIngressPort", "value": "15000"},
        {"name": "ProxyEgressPort", "value": "15001"},
        {"name": "EgressIgnoredIPs", "value": "169.254.170.2,169.254.169.254"},
    ]},
    "inferenceAccelerators": [{"deviceName": "device1", "deviceType": "eia2.medium"}],
    "ephemeralStorage": {"sizeInGiB": 30},
    "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
    "enableFaultInjection": True,
}


class RoundTripTest(TaskDefinitionHelpers, EcsdTestCase):
    def test_full_definition_covers_the_model(self):
        # Guard: the definition below exercises (nearly) every member the
        # model has, so a member added to the API shows up here.
        shapes = MODEL["shapes"]
        sent_container_members = set().union(*(c.keys() for c in FULL_CONTAINERS))
        self.assertEqual(set(shapes["ContainerDefinition"]["members"]) - sent_container_members,
                         set())
        request_members = set(shapes["RegisterTaskDefinitionRequest"]["members"])
        self.assertEqual(request_members - set(FULL_TASK) - {"tags"}, set())

    def test_every_member_round_trips(self):
        tags = [{"key": "app", "value": "everything"}]
        registered = self.ecsd.client().register_task_definition(**FULL_TASK, tags=tags)
        self.assertEqual(registered["tags"], tags)
        self.assert_round_trips(FULL_TASK, registered["taskDefinition"])

        described = self.raw_ok("DescribeTaskDefinition",
                                {"taskDefinition": "everything:1", "include": ["TAGS"]})
        td = described["taskDefinition"]
        self.assert_round_trips(FULL_TASK, td)
        self.assertEqual(described["tags"], tags)
        self.assertEqual(td["taskDefinitionArn"], ARN + "everything:1")
        self.assertEqual(td["status"], "ACTIVE")
        # A few members spelled out, so a failure reads plainly.
        app = td["containerDefinitions"][0]
        self.assertEqual(app["linuxParameters"], FULL_CONTAINERS[0]["linuxParameters"])
        self.assertEqual(app["logConfiguration"], FULL_CONTAINERS[0]["logConfiguration"])
        self.assertEqual(app["restartPolicy"], FULL_CONTAINERS[0]["restartPolicy"])
        self.assertIs(app["readonlyRootFilesystem"], True)
        self.assertIs(app["privileged"], False)
        self.assertEqual(td["containerDefinitions"][3]["firelensConfiguration"],
                         FULL_CONTAINERS[3]["firelensConfiguration"])
        self.assertEqual(td["proxyConfiguration"], FULL_TASK["proxyConfiguration"])
        self.assertEqual(td["volumes"], FULL_TASK["volumes"])
        self.assertIs(td["enableFaultInjection"], True)

        # The CLI shows the same definition, and its answer fits the model too.
        via_cli = self.cli("describe-task-definition", "--task-definition", ARN + "everything:1")
        self.assertEqual(via_cli["taskDefinition"], td)

    def test_round_trip_through_cli_input_json(self):
        # What describe-task-definition prints can be fed back (the members of
        # the request) and registers an identical next revision.
        first = self.raw_ok("RegisterTaskDefinition", {**FULL_TASK, "family": "copy"})
        request_members = MODEL["shapes"]["RegisterTaskDefinitionRequest"]["members"]
        again = {k: v for k, v in first["taskDefinition"].items() if k in request_members}
        second = self.cli("register-task-definition", "--cli-input-json", json.dumps(again))
        self.assertEqual(second["taskDefinition"]["revision"], 2)
        strip = ("taskDefinitionArn", "revision", "registeredAt")
        self.assertEqual({k: v for k, v in second["taskDefinition"].items() if k not in strip},
                         {k: v for k, v in first["taskDefinition"].items() if k not in strip})


# -- listing ------------------------------------------------------------------

class ListingTest(TaskDefinitionHelpers, EcsdTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        client = cls.ecsd.client()

        def register(family):
            client.register_task_definition(family=family, containerDefinitions=[small()])

        for _ in range(11):
            register("lst")
        for family in ("lst-extra", "lst-extra", "fam-active", "fam-mixed", "fam-mixed",
                       "fam-gone", "other"):
            register(family)
        client.deregister_task_definition(taskDefinition="fam-mixed:1")
        client.deregister_task_definition(taskDefinition="fam-gone:1")
        cls.lst = [ARN + f"lst:{i}" for i in range(1, 12)]

    def test_family_prefix_is_the_exact_family_in_numeric_order(self):
        listed = self.cli("list-task-definitions", "--family-prefix", "lst")
        # lst:10 and lst:11 follow lst:9; lst-extra is another family.
        self.assertEqual(listed["taskDefinitionArns"], self.lst)
        self.assertNotIn("nextToken", listed)

    def test_sort_desc(self):
        listed = self.cli("list-task-definitions", "--family-prefix", "lst", "--sort", "DESC")
        self.assertEqual(listed["taskDefinitionArns"], self.lst[::-1])

    def test_default_lists_active_only_and_status_inactive(self):
        active = self.ecsd.client().list_task_definitions()["taskDefinitionArns"]
        self.assertIn(ARN + "fam-mixed:2", active)
        self.assertNotIn(ARN + "fam-mixed:1", active)
        self.assertNotIn(ARN + "fam-gone:1", active)
        inactive = self.cli("list-task-definitions", "--status", "INACTIVE")
        self.assertEqual(inactive["taskDefinitionArns"],
                         [ARN + "fam-gone:1", ARN + "fam-mixed:1"])

    def test_cli_max_items_pages_concatenate(self):
        pages, token = [], None
        while True:
            args = ["list-task-definitions", "--family-prefix", "lst", "--max-items", "4"]
            if token:
                args += ["--starting-token", token]
            output = self.cli(*args)
            pages.append(output["taskDefinitionArns"])
            token = output.get("NextToken")
            if not token:
                break
        self.assertEqual([len(p) for p in pages], [4, 4, 3])
        self.assertEqual(sum(pages, []), self.lst)

    def test_cli_page_size_follows_every_page(self):
        # --page-size makes the CLI send maxResults=3 and follow nextToken.
        listed = self.cli("list-task-definitions", "--page-size", "3")["taskDefinitionArns"]
        everything = self.ecsd.client().list_task_definitions()["taskDefinitionArns"]
        self.assertEqual(listed, everything)
        self.assertEqual(len(listed), len(set(listed)))
        self.assertEqual(len(listed), 11 + 2 + 1 + 1 + 1)  # ACTIVE revisions only

    def test_boto3_max_results_and_next_token(self):
        client = self.ecsd.client()
        for sort in ("ASC", "DESC"):
            with self.subTest(sort=sort):
                full = client.list_task_definitions(sort=sort)["taskDefinitionArns"]
                collected, token = [], None
                while True:
                    kwargs = {"maxResults": 2, "sort": sort}
                    if token:
                        kwargs["nextToken"] = token
                    page = client.list_task_definitions(**kwargs)
                    self.assertLessEqual(len(page["taskDefinitionArns"]), 2)
                    collected += page["taskDefinitionArns"]
                    token = page.get("nextToken")
                    if not token:
                        break
                self.assertEqual(collected, full)
                self.assertEqual(len(collected), len(set(collected)))
        # A page's raw answer fits the model, nextToken included.
        page = self.raw_ok("ListTaskDefinitions", {"familyPrefix": "lst", "maxResults": 5})
        self.assertEqual(page["taskDefinitionArns"], self.lst[:5])
        self.assertIsInstance(page["nextToken"], str)

    def test_boto3_paginator(self):
        paginator = self.ecsd.client().get_paginator("list_task_definitions")
        pages = list(paginator.paginate(familyPrefix="lst", sort="DESC",
                                        PaginationConfig={"PageSize": 5}))
        sizes = [len(p["taskDefinitionArns"]) for p in pages]
        self.assertEqual([n for n in sizes if n], [5, 5, 1])
        self.assertEqual(sum((p["taskDefinitionArns"] for p in pages), []), self.lst[::-1])

    def test_list_families_prefix_and_status(self):
        def families(*args):
            return self.cli("list-task-definition-families", *args)["families"]

        self.assertEqual(families("--family-prefix", "fam-"),
                         ["fam-active", "fam-gone", "fam-mixed"])
        self.assertEqual(families("--family-prefix", "fam-", "--status", "ALL"),
                         ["fam-active", "fam-gone", "fam-mixed"])
        self.assertEqual(families("--family-prefix", "fam-", "--status", "ACTIVE"),
                         ["fam-active", "fam-mixed"])
        self.assertEqual(families("--family-prefix", "fam-", "--status", "INACTIVE"),
                         ["fam-gone"])
        # familyPrefix is a true prefix here (unlike list-task-definitions).
        self.assertEqual(families("--family-prefix", "lst"), ["lst", "lst-extra"])
        self.assertEqual(families("--family-prefix", "zzz"), [])

    def test_list_families_paginates_with_boto3(self):
        client = self.ecsd.client()
        full = client.list_task_definition_families()["families"]
        self.assertEqual(full, sorted(full))
        collected, token = [], None
        while True:
            kwargs = {"maxResults": 2}
            if token:
                kwargs["nextToken"] = token
            page = client.list_task_definition_families(**kwargs)
            collected += page["families"]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(collected, full)
        self.assertEqual(len(set(collected)), len(collected))
        self.assertEqual(set(full), {"lst", "lst-extra", "fam-active", "fam-mixed", "fam-gone",
                                     "other"})


# -- deregister, delete, tags -------------------------------------------------

class LifecycleTest(TaskDefinitionHelpers, EcsdTestCase):
    def test_deregister_makes_a_revision_inactive(self):
        registered = self.register("dereg")
        out = self.cli("deregister-task-definition", "--task-definition", "dereg:1")
        td = out["taskDefinition"]
        self.assertEqual(td["taskDefinitionArn"], ARN + "dereg:1")
        self.assertEqual(td["status"], "INACTIVE")
        self.assertGreaterEqual(td["deregisteredAt"], registered["registeredAt"].timestamp() - 1)
        described = self.cli("describe-task-definition", "--task-definition", "dereg:1")
        self.assertEqual(described["taskDefinition"]["status"], "INACTIVE")
        self.assertEqual(described["taskDefinition"]["deregisteredAt"], td["deregisteredAt"])
        # No ACTIVE revision remains: the family alone names nothing.
        self.aws_error("ClientException", "describe-task-definition", "--task-definition",
                       "dereg")
        self.assertEqual(self.cli("list-task-definition-families", "--family-prefix", "dereg",
                                  "--status", "INACTIVE")["families"], ["dereg"])
        self.assertEqual(self.cli("list-task-definition-families", "--family-prefix", "dereg",
                                  "--status", "ACTIVE")["families"], [])
        self.assertNotIn(ARN + "dereg:1",
                         self.cli("list-task-definitions")["taskDefinitionArns"])

    def test_family_describes_the_latest_active_revision(self):
        for _ in range(3):
            self.register("keep")
        client = self.ecsd.client()
        client.deregister_task_definition(taskDefinition="keep:3")
        latest = client.describe_task_definition(taskDefinition="keep")["taskDefinition"]
        self.assertEqual(latest["revision"], 2)
        client.deregister_task_definition(taskDefinition=ARN + "keep:2")
        latest = client.describe_task_definition(taskDefinition="keep")["taskDefinition"]
        self.assertEqual(latest["revision"], 1)

    def test_deregister_needs_an_existing_revision(self):
        self.register("needrev")
        # A family alone is not a revision.
        self.aws_error("ClientException", "deregister-task-definition", "--task-definition",
                       "needrev")
        self.aws_error("ClientException", "deregister-task-definition", "--task-definition",
                       "needrev:9")
        self.assertEqual(self.ecsd.client().describe_task_definition(
            taskDefinition="needrev")["taskDefinition"]["status"], "ACTIVE")

    def test_delete_active_inactive_and_unknown(self):
        client = self.ecsd.client()
        self.register("del")
        self.register("del")
        client.deregister_task_definition(taskDefinition="del:1")
        out = self.cli("delete-task-definitions", "--task-definitions", "del:1", "del:2",
                       "del:99")
        self.assertEqual([td["taskDefinitionArn"] for td in out["taskDefinitions"]],
                         [ARN + "del:1"])
        deleted = out["taskDefinitions"][0]
        self.assertEqual(deleted["status"], "DELETE_IN_PROGRESS")
        self.assertIsInstance(deleted["deleteRequestedAt"], (int, float))
        failures = {f["arn"].rsplit("/", 1)[-1]: f["reason"] for f in out["failures"]}
        self.assertEqual(set(failures), {"del:2", "del:99"})
        self.assertIn("ACTIVE", failures["del:2"])
        # Until ECS finishes deleting it, the revision is still describable.
        described = client.describe_task_definition(taskDefinition="del:1")["taskDefinition"]
        self.assertEqual(described["status"], "DELETE_IN_PROGRESS")
        listed = self.cli("list-task-definitions", "--family-prefix", "del", "--status",
                          "DELETE_IN_PROGRESS")
        self.assertEqual(listed["taskDefinitionArns"], [ARN + "del:1"])
        # del:2 is untouched.
        self.assertEqual(client.describe_task_definition(taskDefinition="del:2")
                         ["taskDefinition"]["status"], "ACTIVE")

    def test_revisions_keep_counting_after_deletion(self):
        client = self.ecsd.client()
        for _ in range(3):
            self.register("recount")
        for revision in (1, 2, 3):
            client.deregister_task_definition(taskDefinition=f"recount:{revision}")
        out = client.delete_task_definitions(
            taskDefinitions=["recount:1", "recount:2", "recount:3"])
        self.assertEqual(out["failures"], [])
        self.assertEqual([td["status"] for td in out["taskDefinitions"]],
                         ["DELETE_IN_PROGRESS"] * 3)
        again = self.cli("register-task-definition", "--family", "recount",
                         "--container-definitions", json.dumps([small()]))
        self.assertEqual(again["taskDefinition"]["revision"], 4)
        self.assertEqual(again["taskDefinition"]["taskDefinitionArn"], ARN + "recount:4")

    def test_tag_untag_and_list_tags(self):
        arn = self.register("tagme", tags=[{"key": "owner", "value": "ops"}])[
            "taskDefinitionArn"]
        self.cli("tag-resource", "--resource-arn", arn, "--tags", "key=env,value=prod",
                 "key=owner,value=dev")
        listed = self.cli("list-tags-for-resource", "--resource-arn", arn)["tags"]
        self.assertEqual(sorted((t["key"], t["value"]) for t in listed),
                         [("env", "prod"), ("owner", "dev")])
        self.cli("untag-resource", "--resource-arn", arn, "--tag-keys", "owner")
        self.assertEqual(self.cli("list-tags-for-resource", "--resource-arn", arn)["tags"],
                         [{"key": "env", "value": "prod"}])
        described = self.ecsd.client().describe_task_definition(taskDefinition="tagme",
                                                                include=["TAGS"])
        self.assertEqual(described["tags"], [{"key": "env", "value": "prod"}])
        # Tags belong to one revision.
        second = self.register("tagme")["taskDefinitionArn"]
        self.assertEqual(self.cli("list-tags-for-resource", "--resource-arn", second)["tags"],
                         [])


# -- validation -----------------------------------------------------------------

class ValidationTest(TaskDefinitionHelpers, EcsdTestCase):
    def register_error(self, error_type, containers, family="invalid", *extra):
        stderr = self.aws_error(error_type, "register-task-definition", "--family", family,
                                "--container-definitions", json.dumps(containers), *extra)
        self.assertIn("when calling the RegisterTaskDefinition operation", stderr)
        return stderr

    def test_no_image(self):
        stderr = self.register_error("ClientException", [{"name": "noimage", "memory": 64}])
        self.assertIn("image", stderr)

    def test_duplicate_container_names(self):
        stderr = self.register_error("ClientException", [small("twin"), small("twin")])
        self.assertIn("twin", stderr)

    def test_no_essential_container(self):
        stderr = self.register_error("ClientException", [small("a", essential=False),
                                                         small("b", essential=False)])
        self.assertIn("essential", stderr)

    def test_no_memory(self):
        stderr = self.register_error("ClientException", [{"name": "nomem", "image": "busybox"}])
        self.assertIn("nomem", stderr)
        self.assertIn("memory", stderr)
        # Task-level memory is enough on its own.
        td = self.register("taskmem", [{"name": "c", "image": "busybox"}], memory="512")
        self.assertEqual(td["memory"], "512")

    def test_memory_below_minimum(self):
        stderr = self.register_error("ClientException", [small("tiny", memory=4)])
        self.assertIn("tiny", stderr)
        self.assertIn("6", stderr)
        stderr = self.register_error("ClientException",
                                     [{"name": "tinyres", "image": "busybox",
                                       "memoryReservation": 5}])
        self.assertIn("tinyres", stderr)
        # Exactly the minimum is fine.
        self.assertEqual(self.register("six", [small(memory=6)])["revision"], 1)

    def test_link_to_missing_container(self):
        stderr = self.register_error("ClientException",
                                     [small("front", links=["backend:db"]), small("other")])
        self.assertIn("front", stderr)
        self.assertIn("backend", stderr)

    def test_duplicate_host_ports(self):
        mapping = [{"containerPort": 80, "hostPort": 8080}]
        stderr = self.register_error("ClientException", [small("a", portMappings=mapping),
                                                         small("b", portMappings=mapping)])
        self.assertIn("8080", stderr)
        # The same host port over tcp and udp is two different ports.
        ok = self.register("tcpudp", [small("a", portMappings=[
            {"containerPort": 53, "hostPort": 53, "protocol": "tcp"},
            {"containerPort": 53, "hostPort": 53, "protocol": "udp"}])])
        self.assertEqual(len(ok["containerDefinitions"][0]["portMappings"]), 2)

    def test_bad_family_names(self):
        for family in ("bad family", "bad/family", "x" * 256, "colon:1"):
            with self.subTest(family=family):
                stderr = self.register_error("ClientException", [small()], family)
                self.assertIn("amily", stderr)
        self.assertEqual(self.register("Ok_family-" + "x" * 245)["revision"], 1)

    def test_empty_container_list(self):
        stderr = self.register_error("ClientException", [])
        self.assertIn("Container list cannot be empty", stderr)

    def test_nothing_is_registered_on_error(self):
        self.register_error("ClientException", [{"name": "x"}], "never")
        self.assertEqual(self.ecsd.client().list_task_definitions(
            familyPrefix="never")["taskDefinitionArns"], [])
        self.assertEqual(self.register("never")["revision"], 1)

    def test_wrong_json_types_are_serialization_exceptions(self):
        cases = {
            "family is a number": {"family": 42, "containerDefinitions": [small()]},
            "containerDefinitions is a structure": {"family": "types",
                                                    "containerDefinitions": small()},
            "memory is a string": {"family": "types",
                                   "containerDefinitions": [small(memory="512")]},
            "essential is a string": {"family": "types",
                                      "containerDefinitions": [small(essential="true")]},
            "containerPort is a string": {"family": "types", "containerDefinitions": [
                small(portMappings=[{"containerPort": "80"}])]},
            "command is not a list of strings": {"family": "types",
                                                 "containerDefinitions": [small(command=[1])]},
        }
        for name, body in cases.items():
            with self.subTest(name):
                self.raw_error("SerializationException", "RegisterTaskDefinition", body)
        self.raw_error("SerializationException", "DescribeTaskDefinition",
                       {"taskDefinition": ["types:1"]})
        self.raw_error("SerializationException", "ListTaskDefinitions", {"maxResults": "5"})
        self.assertEqual(self.ecsd.client().list_task_definitions(
            familyPrefix="types")["taskDefinitionArns"], [])

    def test_missing_required_members(self):
        # The CLI refuses these itself, so they go raw. ECS answers a missing
        # family or container list of RegisterTaskDefinition with a
        # ClientException ("Family can not be blank.", "Container list cannot
        # be empty."); other missing required members are
        # InvalidParameterExceptions.
        self.raw_error("ClientException", "RegisterTaskDefinition",
                       {"containerDefinitions": [small()]})
        message = self.raw_error("ClientException", "RegisterTaskDefinition",
                                 {"family": "nocontainers"})
        self.assertIn("Container list cannot be empty", message)
        for operation, body in (("DescribeTaskDefinition", {}),
                                ("DeregisterTaskDefinition", {}),
                                ("DeleteTaskDefinitions", {}),
                                ("ListTagsForResource", {})):
            with self.subTest(operation):
                message = self.raw_error("InvalidParameterException", operation, body)
                self.assertTrue(message)

    def test_cli_validates_required_members_itself(self):
        code, _, stderr = self.ecsd.aws("register-task-definition", "--family", "cli-only")
        self.assertNotEqual(code, 0)
        self.assertIn("--container-definitions", stderr)


# -- persistence ------------------------------------------------------------------

class PersistenceTest(TaskDefinitionHelpers, EcsdTestCase):
    def test_survives_restart(self):
        first = self.cli("register-task-definition", "--family", "durable",
                         "--container-definitions", f"file://{WORDPRESS}",
                         "--tags", "key=k,value=v")["taskDefinition"]
        self.register("durable")
        self.ecsd.client().deregister_task_definition(taskDefinition="durable:2")
        self.ecsd.restart()

        after = self.cli("describe-task-definition", "--task-definition", "durable:1",
                         "--include", "TAGS")
        self.assertEqual(after["taskDefinition"], first)
        self.assertEqual(after["taskDefinition"]["registeredAt"], first["registeredAt"])
        self.assertEqual(after["tags"], [{"key": "k", "value": "v"}])
        gone = self.ecsd.client().describe_task_definition(taskDefinition="durable:2")
        self.assertEqual(gone["taskDefinition"]["status"], "INACTIVE")
        next_revision = self.register("durable")
        self.assertEqual(next_revision["revision"], 3)
        self.assertEqual(next_revision["taskDefinitionArn"], ARN + "durable:3")


if __name__ == "__main__":
    unittest.main()
