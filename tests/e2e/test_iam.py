"""Issue 17's "Done when", end to end: IAM users, keys and policies made with
the unmodified `aws iam` CLI and boto3's IAM client against a real ecsd over
TLS, and enforced on the `aws ecs` calls those users make."""

import json
import os
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

import boto3
import botocore
from botocore.exceptions import ClientError

from agent_client import AgentClient
from harness import REGION, Ecsd, wait_until

ACCOUNT = "000000000000"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster"
TASK_DEFINITION = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition"
CI_ARN = f"arn:aws:iam::{ACCOUNT}:user/ci"

# Register task definitions; run tasks of family web, in cluster dev only.
WEB_IN_DEV = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Register", "Effect": "Allow", "Action": "ecs:RegisterTaskDefinition",
         "Resource": "*"},
        {"Sid": "RunWebInDev", "Effect": "Allow", "Action": "ecs:RunTask",
         "Resource": f"{TASK_DEFINITION}/web:*",
         "Condition": {"ArnEquals": {"ecs:cluster": f"{CLUSTER}/dev"}}},
    ],
}
DENY_RUN = {"Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "ecs:RunTask", "Resource": "*"}]}
# Read one's own user and keys, as AWS's self-service examples do.
SELF_SERVICE = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListAccessKeys"],
     "Resource": "arn:aws:iam::*:user/${aws:username}"}]}
CONTAINERS = json.dumps([{"name": "app", "image": "busybox", "memory": 64, "essential": True}])


class IamTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ecsd = Ecsd().start()
        cls.home = Path(tempfile.mkdtemp(prefix="ecsd-iam-"))

    @classmethod
    def tearDownClass(cls):
        cls.ecsd.cleanup()

    # -- the CLI, as the admin (the account's root) or as a profile of its own
    def env(self, profile=None):
        if profile is None:
            return self.ecsd.cli_env()
        return self.ecsd.cli_env(AWS_SHARED_CREDENTIALS_FILE=str(self.home / "credentials"),
                                 AWS_PROFILE=profile)

    def cli(self, service, *args, profile=None):
        result = subprocess.run(
            ["aws", service, *args, "--endpoint-url", self.ecsd.url, "--output", "json"],
            capture_output=True, text=True, env=self.env(profile), timeout=120)
        output = json.loads(result.stdout) if result.stdout.strip() else None
        return result.returncode, output, result.stderr

    def ok(self, service, *args, profile=None):
        code, output, stderr = self.cli(service, *args, profile=profile)
        self.assertEqual(code, 0, f"aws {service} {' '.join(args)}: {stderr}")
        return output

    def refused(self, error, service, *args, profile=None):
        code, _, stderr = self.cli(service, *args, profile=profile)
        self.assertNotEqual(code, 0, f"aws {service} {' '.join(args)} was allowed")
        self.assertIn(f"An error occurred ({error})", stderr)
        return stderr

    def new_key(self, user, profile):
        key = self.ok("iam", "create-access-key", "--user-name", user)["AccessKey"]
        with open(self.home / "credentials", "a") as f:
            f.write(f"[{profile}]\naws_access_key_id = {key['AccessKeyId']}\n"
                    f"aws_secret_access_key = {key['SecretAccessKey']}\n")
        return key


class CiUserTest(IamTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        self = cls("run")
        self.ok("iam", "create-user", "--user-name", "ci")
        cls.key = self.new_key("ci", "ci")
        self.ok("iam", "put-user-policy", "--user-name", "ci", "--policy-name", "web-in-dev",
                "--policy-document", json.dumps(WEB_IN_DEV))
        admin = cls.ecsd.client()
        for cluster in ("dev", "prod"):
            self.ok("ecs", "create-cluster", "--cluster-name", cluster)
            admin.register_container_instance(cluster=cluster, totalResources=[
                {"name": "CPU", "type": "INTEGER", "integerValue": 4096},
                {"name": "MEMORY", "type": "INTEGER", "integerValue": 8192}])

    def run_task(self, family, cluster):
        return self.cli("ecs", "run-task", "--cluster", cluster, "--task-definition", family,
                        profile="ci")

    def test_1_ci_registers_and_runs_web_in_dev(self):
        for family in ("web", "db"):
            self.ok("ecs", "register-task-definition", "--family", family,
                    "--container-definitions", CONTAINERS, profile="ci")
        out = self.ok("ecs", "run-task", "--cluster", "dev", "--task-definition", "web",
                      profile="ci")
        # Allowed: where it can be placed (no agent is connected) is ECS's answer, not IAM's.
        self.assertEqual(len(out["tasks"]) + len(out["failures"]), 1, out)

    def test_2_ci_is_refused_what_the_policy_does_not_allow(self):
        stderr = self.refused("AccessDeniedException", "ecs", "run-task", "--cluster", "dev",
                              "--task-definition", "db", profile="ci")
        self.assertIn(f"User: {CI_ARN} is not authorized to perform: ecs:RunTask on resource: "
                      f"{TASK_DEFINITION}/db:1 because no identity-based policy allows the "
                      "ecs:RunTask action", stderr)
        stderr = self.refused("AccessDeniedException", "ecs", "run-task", "--cluster", "prod",
                              "--task-definition", "web", profile="ci")
        self.assertIn(f"on resource: {TASK_DEFINITION}/web:1 because no identity-based policy",
                      stderr)
        stderr = self.refused("AccessDeniedException", "ecs", "delete-cluster", "--cluster",
                              "dev", profile="ci")
        self.assertIn(f"User: {CI_ARN} is not authorized to perform: ecs:DeleteCluster on "
                      f"resource: {CLUSTER}/dev because no identity-based policy allows the "
                      "ecs:DeleteCluster action", stderr)
        # Nor may ci manage IAM.
        self.refused("AccessDenied", "iam", "create-user", "--user-name", "mallory",
                     profile="ci")

    def test_3_an_explicit_deny_in_a_group_overrides_the_allow(self):
        self.ok("iam", "create-group", "--group-name", "frozen")
        self.ok("iam", "put-group-policy", "--group-name", "frozen", "--policy-name", "deny-run",
                "--policy-document", json.dumps(DENY_RUN))
        self.ok("iam", "add-user-to-group", "--group-name", "frozen", "--user-name", "ci")
        stderr = self.refused("AccessDeniedException", "ecs", "run-task", "--cluster", "dev",
                              "--task-definition", "web", profile="ci")
        self.assertIn(f"User: {CI_ARN} is not authorized to perform: ecs:RunTask on resource: "
                      f"{TASK_DEFINITION}/web:1 with an explicit deny in an identity-based "
                      "policy", stderr)
        groups = self.ok("iam", "list-groups-for-user", "--user-name", "ci")["Groups"]
        self.assertEqual([g["GroupName"] for g in groups], ["frozen"])
        self.ok("iam", "remove-user-from-group", "--group-name", "frozen", "--user-name", "ci")
        self.ok("ecs", "run-task", "--cluster", "dev", "--task-definition", "web", profile="ci")

    def test_4_caller_identity(self):
        me = self.ok("sts", "get-caller-identity", profile="ci")
        self.assertEqual(me["Arn"], CI_ARN)
        self.assertEqual(me["Account"], ACCOUNT)
        self.assertTrue(me["UserId"].startswith("AIDA"))
        root = self.ok("sts", "get-caller-identity")
        self.assertEqual(root["Arn"], f"arn:aws:iam::{ACCOUNT}:root")
        # Reading even its own user takes iam:GetUser, as in AWS; a self-service policy
        # on ${aws:username} grants it.
        self.refused("AccessDenied", "iam", "get-user", profile="ci")
        self.ok("iam", "put-user-policy", "--user-name", "ci", "--policy-name", "self",
                "--policy-document", json.dumps(SELF_SERVICE))
        self.assertEqual(self.ok("iam", "get-user", profile="ci")["User"]["Arn"], CI_ARN)
        keys = self.ok("iam", "list-access-keys", profile="ci")["AccessKeyMetadata"]
        self.assertEqual([k["AccessKeyId"] for k in keys], [self.key["AccessKeyId"]])
        self.refused("AccessDenied", "iam", "list-access-keys", "--user-name", "instance",
                     profile="ci")
        self.ok("iam", "delete-user-policy", "--user-name", "ci", "--policy-name", "self")

    def test_5_deactivating_the_key_stops_it_at_once(self):
        key_id = self.key["AccessKeyId"]
        self.ok("iam", "update-access-key", "--user-name", "ci", "--access-key-id", key_id,
                "--status", "Inactive")
        self.refused("UnrecognizedClientException", "ecs", "list-clusters", profile="ci")
        self.refused("InvalidClientTokenId", "sts", "get-caller-identity", profile="ci")
        keys = self.ok("iam", "list-access-keys", "--user-name", "ci")["AccessKeyMetadata"]
        self.assertEqual([(k["AccessKeyId"], k["Status"]) for k in keys], [(key_id, "Inactive")])
        self.ok("iam", "update-access-key", "--user-name", "ci", "--access-key-id", key_id,
                "--status", "Active")
        self.ok("ecs", "register-task-definition", "--family", "web",
                "--container-definitions", CONTAINERS, profile="ci")
        used = self.ok("iam", "get-access-key-last-used", "--access-key-id", key_id)
        self.assertEqual(used["UserName"], "ci")
        self.assertEqual(used["AccessKeyLastUsed"]["ServiceName"], "ecs")

    def test_6_keys_and_policies_survive_a_restart_sealed(self):
        self.ecsd.stop()
        self.ecsd.start()
        self.ok("ecs", "register-task-definition", "--family", "web",
                "--container-definitions", CONTAINERS, profile="ci")
        self.refused("AccessDeniedException", "ecs", "delete-cluster", "--cluster", "dev",
                     profile="ci")
        key_file = self.ecsd.data_dir / "iam.key"
        self.assertEqual(stat.S_IMODE(os.stat(key_file).st_mode), 0o600)
        secret = self.key["SecretAccessKey"].encode()
        for name in os.listdir(self.ecsd.data_dir):
            if name.startswith("ecsd.db"):
                self.assertNotIn(secret, (self.ecsd.data_dir / name).read_bytes(), name)
        self.assertNotIn(secret.decode(), self.ecsd.logs())


class InstanceUserTest(IamTestCase):
    """An agent authenticates as an IAM user with the container-instance policy."""

    def test_an_instance_users_key_works_for_the_agent_and_cannot_run_tasks(self):
        self.ok("ecs", "create-cluster", "--cluster-name", "fleet")
        self.ok("ecs", "register-task-definition", "--family", "web",
                "--container-definitions", CONTAINERS)
        self.ok("iam", "create-user", "--user-name", "instance", "--path", "/agents/")
        self.ok("iam", "attach-user-policy", "--user-name", "instance", "--policy-arn",
                "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")
        key = self.new_key("instance", "instance")
        ecs = boto3.session.Session(
            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
            region_name=REGION).client("ecs", endpoint_url=self.ecsd.url, verify=self.ecsd.ca)
        arn = ecs.register_container_instance(cluster="fleet", totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096}],
        )["containerInstance"]["containerInstanceArn"]
        agent = AgentClient(self.ecsd.url, self.ecsd.ca, key["AccessKeyId"],
                            key["SecretAccessKey"], REGION, "fleet", arn, auto_ack=True)
        try:
            admin = self.ecsd.client()
            wait_until(lambda: admin.describe_container_instances(
                cluster="fleet", containerInstances=[arn])["containerInstances"][0][
                    "agentConnected"], "agentConnected")
            with self.assertRaises(ClientError) as refused:
                ecs.run_task(cluster="fleet", taskDefinition="web")
            error = refused.exception.response["Error"]
            self.assertEqual(error["Code"], "AccessDeniedException")
            self.assertIn(f"User: arn:aws:iam::{ACCOUNT}:user/agents/instance is not authorized "
                          "to perform: ecs:RunTask", error["Message"])
            # The admin's task reaches the agent, which reports it with its own key.
            task = admin.run_task(cluster="fleet", taskDefinition="web")["tasks"][0]
            payload = agent.wait_for("PayloadMessage")
            self.assertEqual(payload["tasks"][0]["arn"], task["taskArn"])
            ecs.submit_task_state_change(cluster="fleet", task=task["taskArn"],
                                         status="RUNNING")
            # Deactivated, the key's open session is closed and a new one refused.
            self.ok("iam", "update-access-key", "--user-name", "instance", "--access-key-id",
                    key["AccessKeyId"], "--status", "Inactive")
            self.assertTrue(agent.closed.wait(10), "the session stayed open")
            with self.assertRaises(Exception):
                AgentClient(self.ecsd.url, self.ecsd.ca, key["AccessKeyId"],
                            key["SecretAccessKey"], REGION, "fleet", arn).close()
        finally:
            agent.close()

    def test_a_user_without_ecs_poll_cannot_open_an_agent_session(self):
        self.ok("ecs", "create-cluster", "--cluster-name", "locked")
        arn = self.ecsd.client().register_container_instance(cluster="locked", totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024}],
        )["containerInstance"]["containerInstanceArn"]
        self.ok("iam", "create-user", "--user-name", "nobody")
        key = self.new_key("nobody", "nobody")
        with self.assertRaises(Exception) as refused:
            AgentClient(self.ecsd.url, self.ecsd.ca, key["AccessKeyId"], key["SecretAccessKey"],
                        REGION, "locked", arn).close()
        self.assertIn("ecs:Poll", str(refused.exception))


class Boto3IamTest(IamTestCase):
    def iam(self):
        return boto3.session.Session(
            aws_access_key_id=self.ecsd.access_key, aws_secret_access_key=self.ecsd.secret_key,
            region_name=REGION).client(
                "iam", endpoint_url=self.ecsd.url, verify=self.ecsd.ca,
                config=botocore.config.Config(retries={"max_attempts": 1}))

    def assertIamError(self, code, status, call, **kwargs):
        with self.assertRaises(ClientError) as raised:
            call(**kwargs)
        self.assertEqual(raised.exception.response["Error"]["Code"], code)
        self.assertEqual(raised.exception.response["ResponseMetadata"]["HTTPStatusCode"], status)
        return raised.exception.response["Error"]["Message"]

    def test_boto3s_iam_client_works_the_same(self):
        iam = self.iam()
        user = iam.create_user(UserName="bob", Path="/team/", Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(user["User"]["Arn"], f"arn:aws:iam::{ACCOUNT}:user/team/bob")
        self.assertIamError("EntityAlreadyExists", 409, iam.create_user, UserName="bob")
        self.assertIamError("NoSuchEntity", 404, iam.get_user, UserName="nobody")
        self.assertIamError("ValidationError", 400, iam.create_user, UserName="bad name")
        self.assertEqual(iam.list_user_tags(UserName="bob")["Tags"], [{"Key": "k", "Value": "v"}])
        for i in range(5):
            iam.create_user(UserName=f"u{i}")
        pages = iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2})
        self.assertEqual(sorted(u["UserName"] for p in pages for u in p["Users"]),
                         ["bob", "u0", "u1", "u2", "u3", "u4"])

        iam.create_access_key(UserName="bob")
        iam.create_access_key(UserName="bob")
        self.assertIamError("LimitExceeded", 409, iam.create_access_key, UserName="bob")
        self.assertIn("access keys", self.assertIamError("DeleteConflict", 409, iam.delete_user,
                                                         UserName="bob"))
        message = self.assertIamError("MalformedPolicyDocument", 400, iam.put_user_policy,
                                      UserName="bob", PolicyName="p", PolicyDocument="{")
        self.assertTrue(message)
        iam.put_user_policy(UserName="bob", PolicyName="p", PolicyDocument=json.dumps(DENY_RUN))
        self.assertEqual(iam.get_user_policy(UserName="bob", PolicyName="p")["PolicyDocument"],
                         DENY_RUN)
        self.assertEqual(iam.list_user_policies(UserName="bob")["PolicyNames"], ["p"])

        arn = iam.create_policy(PolicyName="web", PolicyDocument=json.dumps(WEB_IN_DEV))[
            "Policy"]["Arn"]
        self.assertEqual(arn, f"arn:aws:iam::{ACCOUNT}:policy/web")
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DENY_RUN),
                                  SetAsDefault=True)
        self.assertEqual(iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v2")
        self.assertEqual(iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"][
            "Document"], WEB_IN_DEV)
        self.assertEqual([v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)[
            "Versions"]], ["v2", "v1"])
        self.assertIamError("DeleteConflict", 409, iam.delete_policy_version, PolicyArn=arn,
                            VersionId="v2")
        iam.attach_user_policy(UserName="bob", PolicyArn=arn)
        iam.attach_user_policy(UserName="bob",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonECS_FullAccess")
        self.assertEqual(
            [p["PolicyName"] for p in iam.list_attached_user_policies(UserName="bob")[
                "AttachedPolicies"]], ["web", "AmazonECS_FullAccess"])
        self.assertEqual(iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)
        self.assertIamError("DeleteConflict", 409, iam.delete_policy, PolicyArn=arn)
        iam.detach_user_policy(UserName="bob", PolicyArn=arn)
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
        iam.delete_policy(PolicyArn=arn)
        self.assertIamError("NoSuchEntity", 404, iam.get_policy, PolicyArn=arn)

        group = iam.create_group(GroupName="devs")["Group"]
        self.assertEqual(group["Arn"], f"arn:aws:iam::{ACCOUNT}:group/devs")
        iam.add_user_to_group(GroupName="devs", UserName="u0")
        self.assertEqual([u["UserName"] for u in iam.get_group(GroupName="devs")["Users"]],
                         ["u0"])
        readonly = "arn:aws:iam::aws:policy/AmazonECSReadOnlyAccess"
        iam.attach_group_policy(GroupName="devs", PolicyArn=readonly)
        self.assertEqual(iam.list_attached_group_policies(GroupName="devs")["AttachedPolicies"],
                         [{"PolicyName": "AmazonECSReadOnlyAccess", "PolicyArn": readonly}])
        self.assertEqual(iam.get_policy(PolicyArn=readonly)["Policy"]["AttachmentCount"], 1)
        self.assertIamError("DeleteConflict", 409, iam.delete_group, GroupName="devs")
        iam.detach_group_policy(GroupName="devs", PolicyArn=readonly)
        iam.tag_user(UserName="u0", Tags=[{"Key": "team", "Value": "a"}])
        iam.untag_user(UserName="u0", TagKeys=["team"])
        self.assertEqual(iam.list_user_tags(UserName="u0")["Tags"], [])
        iam.remove_user_from_group(GroupName="devs", UserName="u0")
        iam.delete_group(GroupName="devs")
        iam.delete_user(UserName="u0")
        self.assertNotIn("u0", [u["UserName"] for u in iam.list_users()["Users"]])


if __name__ == "__main__":
    unittest.main()
