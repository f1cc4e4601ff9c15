"""What Amazon's ECS agent, unmodified, needs of ecsd on the wire, end to end
against a real ecsd over TLS: one ecsd per data directory, a certificate that
names the bound host:port (Go checks it as the session's server name), "+" in
a session URL's query, telemetry sessions, refusal bodies the agent decodes,
versionInfo from the session URL, runtimeId, and what a refused signature
leaves in the log."""

import json
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import uuid
from pathlib import Path

import botocore.exceptions

from agent_client import AgentClient, TelemetryClient, UpgradeRefused
from harness import REGION, Ecsd, EcsdTestCase, ecsd_binary, wait_until

ACCOUNT = "000000000000"
# As Amazon's agent 1.74.1 names itself in its session URLs (url.Values encoding).
AGENT_VERSIONS = {"agentVersion": "1.74.1", "agentHash": "fa4da21a",
                  "dockerVersion": "DockerVersion: 20.10.24"}


def free_port(avoid=()):
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in avoid:
            return port


def authority(url):
    """The URL's host:port, as Go's TLS client takes it for the server name."""
    return urllib.parse.urlsplit(url).netloc


def served_certificate(url, ca_file):
    """The certificate the live endpoint serves, verified to chain to ca_file
    (the host name is not checked here), as the ssl module decodes it."""
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=parts.hostname) as tls:
            return tls.getpeercert()


def alt_names(certificate, kind):
    return [value for key, value in certificate.get("subjectAltName", ()) if key == kind]


def go_verify_hostname(certificate, name):
    """crypto/x509's Certificate.VerifyHostname for a name that is neither an
    IP nor a valid host name (such as "127.0.0.1:8443", which the agent's TLS
    client checks): an exact, case-insensitive match with a DNS SAN."""
    name = name.lower()
    if name in ("", "."):
        return False
    return any(dns.lower() == name for dns in alt_names(certificate, "DNS")
               if dns not in ("", "."))


def data_dir():
    return Path(tempfile.mkdtemp(prefix="ecsd-e2e-"))


class DataDirectoryLockTest(unittest.TestCase):
    def another_ecsd(self, data):
        """Starts an ecsd on DATA, which must give up at once (it is killed
        after 5 s otherwise); returns how it ended."""
        try:
            return subprocess.run(
                [ecsd_binary(), "--data-dir", str(data), "--listen", "127.0.0.1:0",
                 "--region", REGION], capture_output=True, text=True, timeout=5)
        except subprocess.TimeoutExpired:
            self.fail(f"a second ecsd on {data} was still running after 5 s")

    def test_one_ecsd_per_data_directory(self):
        first = Ecsd().start()
        try:
            data = first.data_dir
            second = self.another_ecsd(data)
            self.assertNotEqual(second.returncode, 0, second.stdout + second.stderr)
            self.assertIn(f"data directory {data} is in use by ecsd pid {first.process.pid}",
                          second.stderr)
            # The first one keeps serving, at the address it published.
            self.assertIsNone(first.process.poll())
            self.assertEqual((data / "endpoint").read_text().strip(), first.url)
            self.assertIn("clusterArns", first.client().list_clusters())

            self.assertEqual(first.stop(), 0)
            self.assertFalse((data / "endpoint").exists(),
                             "a clean stop leaves no endpoint behind")

            # kill -9: the lock dies with the process, a new ecsd takes the directory.
            first.start()
            first.kill9()
            first.start()
            self.assertIn("clusterArns", first.client().list_clusters())
            third = self.another_ecsd(data)
            self.assertNotEqual(third.returncode, 0)
            self.assertIn(f"is in use by ecsd pid {first.process.pid}", third.stderr)
        finally:
            first.cleanup()


class CertificateTest(unittest.TestCase):
    def test_certificate_names_the_bound_host_and_port(self):
        ecsd = Ecsd(extra_args=("--tls-name", "ecsd.example:9443")).start()
        try:
            data = ecsd.data_dir
            url = (data / "endpoint").read_text().strip()
            bound = authority(url)
            certificate = served_certificate(url, str(data / "ca.pem"))
            self.assertIn(bound, alt_names(certificate, "DNS"))
            self.assertIn("127.0.0.1", alt_names(certificate, "IP Address"))
            self.assertIn("ecsd.example:9443", alt_names(certificate, "DNS"))
            self.assertTrue(go_verify_hostname(certificate, bound))
            self.assertTrue(go_verify_hostname(certificate, bound.upper()))
            self.assertFalse(go_verify_hostname(certificate, "127.0.0.1:1"))

            # Another port: re-issued for it, from the same CA.
            ca_before = (data / "ca.pem").read_bytes()
            old_port = urllib.parse.urlsplit(url).port
            ecsd.listen = f"127.0.0.1:{free_port(avoid={old_port})}"
            ecsd.restart()
            self.assertEqual((data / "ca.pem").read_bytes(), ca_before)
            moved = (data / "endpoint").read_text().strip()
            self.assertNotEqual(authority(moved), bound)
            certificate = served_certificate(moved, str(data / "ca.pem"))
            self.assertTrue(go_verify_hostname(certificate, authority(moved)),
                            certificate.get("subjectAltName"))
            self.assertIn("ecsd.example:9443", alt_names(certificate, "DNS"))
        finally:
            ecsd.cleanup()

    def test_a_name_that_is_not_host_or_host_port_is_refused(self):
        data = data_dir()
        try:
            result = subprocess.run(
                [ecsd_binary(), "--data-dir", str(data), "--listen", "127.0.0.1:0",
                 "--region", REGION, "--tls-name", "bad name:x"],
                capture_output=True, text=True, timeout=20)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn('"bad name:x"', result.stderr)
            self.assertIn("TLS certificate", result.stderr)
            self.assertFalse((data / "endpoint").exists())
        finally:
            shutil.rmtree(data, ignore_errors=True)


class AgentWireTest(EcsdTestCase):
    extra_args = ("--agent-heartbeat", "1")

    def setUp(self):
        self.sessions = []
        self.ecs = self.ecsd.client()
        self.cluster = self.id().rsplit(".", 1)[-1].replace("_", "-")[:60]
        self.cluster_arn = self.ecs.create_cluster(clusterName=self.cluster)["cluster"][
            "clusterArn"]

    def tearDown(self):
        for session in self.sessions:
            session.close()

    # -- helpers -----------------------------------------------------------
    def register(self, version_info=None):
        """RegisterContainerInstance as Amazon's agent calls it (it sends no
        versionInfo); returns the instance ARN."""
        call = {"cluster": self.cluster, "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22"]},
            {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []}]}
        if version_info is not None:
            call["versionInfo"] = version_info
        out = self.ecs.register_container_instance(**call)
        return out["containerInstance"]["containerInstanceArn"]

    def connect(self, arn, **kwargs):
        session = AgentClient(self.ecsd.url, self.ecsd.ca, self.ecsd.access_key,
                              self.ecsd.secret_key, REGION, kwargs.pop("cluster", self.cluster),
                              arn, **kwargs)
        self.sessions.append(session)
        return session

    def telemetry(self, arn):
        endpoint = self.ecs.discover_poll_endpoint(
            cluster=self.cluster, containerInstance=arn)["telemetryEndpoint"]
        session = TelemetryClient(endpoint, self.ecsd.ca, self.ecsd.access_key,
                                  self.ecsd.secret_key, REGION, self.cluster, arn)
        self.sessions.append(session)
        return session

    def describe_instance(self, arn):
        return self.ecs.describe_container_instances(
            cluster=self.cluster, containerInstances=[arn])["containerInstances"][0]

    def log_lines(self, containing):
        return [line for line in self.ecsd.logs().splitlines() if containing in line]

    # -- "+" in the session URL's query ----------------------------------------
    def test_plus_for_a_space_in_the_query_is_accepted_as_signed_with_percent_20(self):
        arn = self.register()
        session = self.connect(arn, plus_for_space=True, params=AGENT_VERSIONS)
        # Dialed with "+", signed with "%20": the upgrade was answered 101.
        self.assertIn("DockerVersion%3A+20.10.24", session.dialed_target())
        self.assertIn("DockerVersion%3A%2020.10.24", session.signed_target())
        self.assertNotIn("+", session.signed_target())
        wait_until(lambda: self.describe_instance(arn)["agentConnected"], "agentConnected")
        session.wait_for("HeartbeatMessage", timeout=5)  # the session is served

    # -- telemetry ---------------------------------------------------------------
    def test_discover_poll_endpoint_names_the_telemetry_endpoint(self):
        arn = self.register()
        out = self.ecs.discover_poll_endpoint(cluster=self.cluster, containerInstance=arn)
        self.assertEqual(out["endpoint"], self.ecsd.url)
        self.assertFalse(out["endpoint"].endswith("/"))
        self.assertEqual(out["telemetryEndpoint"], self.ecsd.url + "/tcs")

    def test_telemetry_session_acknowledges_signed_frames_and_beats(self):
        arn = self.register()
        telemetry = self.telemetry(arn)
        self.assertTrue(telemetry.dialed_target().startswith(
            "/tcs/ws?agentHash=fa4da21a&agentVersion=1.74.1&cluster="))
        self.assertIn("dockerVersion=DockerVersion%3A+20.10.24", telemetry.dialed_target())
        task = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{self.cluster}/{uuid.uuid4().hex}"
        now = time.time()
        metadata = {"cluster": self.cluster, "containerInstance": arn,
                    "fin": True, "idle": False, "messageId": str(uuid.uuid4())}

        telemetry.publish("PublishMetricsRequest", {
            "metadata": metadata, "timestamp": now,
            "taskMetrics": [{"taskArn": task, "taskDefinitionFamily": "web",
                             "taskDefinitionVersion": "1",
                             "containerMetrics": [{
                                 "containerName": "app",
                                 "cpuStatsSet": {"min": 1.5, "max": 9.0, "sum": 21.0,
                                                 "sampleCount": 4},
                                 "memoryStatsSet": {"min": 30, "max": 42, "sum": 144,
                                                    "sampleCount": 4}}]}]})
        ack = telemetry.wait_for("AckPublishMetric", timeout=5)
        self.assertIsInstance(ack, dict)

        telemetry.publish("PublishHealthRequest", {
            "metadata": metadata, "timestamp": now,
            "tasks": [{"taskArn": task, "taskDefinitionFamily": "web",
                       "taskDefinitionVersion": "1",
                       "containers": [{"containerName": "app", "healthStatus": "HEALTHY",
                                       "statusSince": now}]}]})
        telemetry.wait_for("AckPublishHealth", timeout=5)

        status = {"metadata": {"cluster": self.cluster, "containerInstance": arn,
                               "requestId": str(uuid.uuid4())},
                  "timestamp": now,
                  "statuses": [{"type": "ContainerRuntime", "status": "OK",
                                "lastUpdated": now, "lastStatusChange": now}]}
        telemetry.publish("PublishInstanceStatusRequest", status)
        telemetry.wait_for("AckPublishInstanceStatus", timeout=5)

        # A frame whose signature does not hold is not acknowledged; frames are
        # handled in order, so once the next good frame's ack is in, it is not coming.
        telemetry.publish("PublishHealthRequest", {
            "metadata": metadata, "timestamp": now, "tasks": []},
            secret="wrong" + self.ecsd.secret_key[5:])
        telemetry.publish("PublishInstanceStatusRequest", status)
        telemetry.wait_for("AckPublishInstanceStatus", timeout=5)
        self.assertEqual(len(telemetry.messages("AckPublishHealth")), 1,
                         telemetry.messages())
        refused = wait_until(lambda: self.log_lines("telemetry frame refused"),
                             "the refused frame's log line")
        self.assertIn("check=signature", refused[0])
        self.assertIn(f"key_id={self.ecsd.access_key}", refused[0])

        # Heartbeats, every --agent-heartbeat (1 s) from the session's start.
        telemetry.wait_for("HeartbeatMessage", timeout=2.5)
        self.assertFalse(telemetry.closed.is_set())

    # -- refusals ------------------------------------------------------------------
    def test_deregistered_instance_is_refused_with_a_body_the_agent_decodes(self):
        arn = self.register()
        self.aws_ok("deregister-container-instance", "--cluster", self.cluster,
                    "--container-instance", arn, "--force")
        with self.assertRaises(UpgradeRefused) as refused:
            self.connect(arn, params=AGENT_VERSIONS, plus_for_space=True)
        error = refused.exception
        self.assertNotEqual(error.status, 101)
        self.assertGreaterEqual(error.status, 400)
        self.assertLessEqual(len(error.body.encode()), 1024)
        body = json.loads(error.body)
        self.assertEqual(set(body), {"type", "message"}, body)
        self.assertEqual(body["type"], "InactiveInstanceException")
        self.assertEqual(set(body["message"]), {"message"}, body)
        self.assertIsInstance(body["message"]["message"], str)
        self.assertTrue(body["message"]["message"])
        self.assertEqual(error.type, "InactiveInstanceException")

    # -- versionInfo ------------------------------------------------------------------
    def test_version_info_from_the_session_url(self):
        own = {"agentVersion": "9.9.9", "agentHash": "own", "dockerVersion": "DockerVersion: 1.0"}
        with_versions = self.register(own)
        without = self.register()
        self.assertEqual(self.describe_instance(without).get("versionInfo", {}), {})
        self.connect(with_versions, params=AGENT_VERSIONS, plus_for_space=True)
        self.connect(without, params=AGENT_VERSIONS, plus_for_space=True)
        wait_until(lambda: self.describe_instance(without).get("versionInfo"),
                   "versionInfo of the instance registered without it")
        self.assertEqual(self.describe_instance(without)["versionInfo"], AGENT_VERSIONS)
        # Sessions are handled in order: the first one's versions were considered first.
        self.assertEqual(self.describe_instance(with_versions)["versionInfo"], own)

    # -- what a refused signature says ---------------------------------------------------
    def test_wrong_region_names_the_region_served_and_logs_the_check(self):
        client = self.ecsd.client(region_name="eu-west-1")
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            client.list_clusters()
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], "InvalidSignatureException")
        self.assertIn(REGION, error["Error"]["Message"])
        request_id = error["ResponseMetadata"]["RequestId"]
        line = wait_until(lambda: self.log_lines(f"request_id={request_id}"), "its log line")[0]
        self.assertIn("check=scope", line)
        self.assertIn(f"key_id={self.ecsd.access_key}", line)

    def test_wrong_secret_logs_the_check_and_key_id(self):
        client = self.ecsd.client(secret_key="wrong" + self.ecsd.secret_key[5:])
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            client.list_clusters()
        error = raised.exception.response
        self.assertEqual(error["Error"]["Code"], "InvalidSignatureException")
        request_id = error["ResponseMetadata"]["RequestId"]
        line = wait_until(lambda: self.log_lines(f"request_id={request_id}"), "its log line")[0]
        self.assertIn(f"check=signature key_id={self.ecsd.access_key}", line)


class RuntimeIdTest(EcsdTestCase):
    extra_args = ("--agent-heartbeat", "1")

    def test_runtime_id_is_returned_and_survives_a_restart(self):
        ecs = self.ecsd.client()
        ecs.create_cluster(clusterName="rt")
        arn = ecs.register_container_instance(cluster="rt", totalResources=[
            {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096}],
        )["containerInstance"]["containerInstanceArn"]
        agent = AgentClient(self.ecsd.url, self.ecsd.ca, self.ecsd.access_key,
                            self.ecsd.secret_key, REGION, "rt", arn, auto_ack=True)
        try:
            wait_until(lambda: ecs.describe_container_instances(
                cluster="rt", containerInstances=[arn])["containerInstances"][0][
                    "agentConnected"], "agentConnected")
            ecs.register_task_definition(family="rt", containerDefinitions=[
                {"name": "app", "image": "busybox", "memory": 64, "essential": True},
                {"name": "sidecar", "image": "busybox", "memory": 64, "essential": False}])
            run = ecs.run_task(cluster="rt", taskDefinition="rt")
            self.assertEqual(run["failures"], [])
            task = run["tasks"][0]["taskArn"]
            agent.wait_for("PayloadMessage", lambda m: any(t["arn"] == task for t in m["tasks"]))
        finally:
            agent.close()
        app_id, sidecar_id = "a" * 64, "b" * 64
        # As the agent reports them: the task's change lists its containers...
        ecs.submit_task_state_change(cluster="rt", task=task, status="RUNNING", containers=[
            {"containerName": "app", "runtimeId": app_id, "status": "RUNNING"}])
        # ...and a container's own change names it too.
        ecs.submit_container_state_change(cluster="rt", task=task, containerName="sidecar",
                                          runtimeId=sidecar_id, status="RUNNING")

        def runtime_ids():
            described = ecs.describe_tasks(cluster="rt", tasks=[task])["tasks"][0]
            return {c["name"]: c.get("runtimeId") for c in described["containers"]}

        self.assertEqual(runtime_ids(), {"app": app_id, "sidecar": sidecar_id})
        self.ecsd.restart()
        ecs = self.ecsd.client()
        self.assertEqual(runtime_ids(), {"app": app_id, "sidecar": sidecar_id})


if __name__ == "__main__":
    unittest.main()
