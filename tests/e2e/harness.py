"""A real ecsd for end-to-end tests: started on an ephemeral port with a
temporary data directory, and driven with the real AWS CLI, boto3, or raw
SigV4-signed requests over TLS (verified against the generated CA)."""

import gzip
import http.client
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest
from unittest import mock
from pathlib import Path

import boto3
import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."


def wait_until(check, what, timeout=10, interval=0.05):
    """Polls check() until it returns something truthy, and returns that; fails
    the test (AssertionError) after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def built_binary(name, variable):
    """The binary the variable names (ctest sets it), else build/NAME."""
    binary = os.environ.get(variable) or str(ROOT / "build" / name)
    if not os.path.exists(binary):
        raise RuntimeError(f"{name} binary not found at {binary}; build first")
    return binary


def ecsd_binary():
    return built_binary("ecsd", "ECSD_BINARY")


def read_credentials(path):
    key = secret = None
    for line in Path(path).read_text().splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "aws_access_key_id":
            key = value.strip()
        elif name.strip() == "aws_secret_access_key":
            secret = value.strip()
    return key, secret


class ManagedProcess:
    """A child process logging to self.log_path, stopped by a signal."""

    process = None

    def launch(self, argv, env=None):
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=self.log,
                                        stdin=subprocess.DEVNULL)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        if self.process:
            self.log.close()
        return self.process.returncode if self.process else None

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def logs(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Ecsd(ManagedProcess):
    """One ecsd process. Its data directory outlives restarts of the process."""

    def __init__(self, data_dir=None, extra_args=()):
        self.owns_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="ecsd-e2e-"))
        self.extra_args = list(extra_args)
        self.listen = "127.0.0.1:0"
        self.process = None
        self.url = None
        self.log_path = self.data_dir / "ecsd.log"

    # -- lifecycle --------------------------------------------------------
    def start(self, timeout=20, keep_port=False):
        endpoint_file = self.data_dir / "endpoint"
        if endpoint_file.exists():
            endpoint_file.unlink()
        self.launch([ecsd_binary(), "--data-dir", str(self.data_dir), "--listen", self.listen,
                     "--region", REGION, *self.extra_args])
        deadline = time.monotonic() + timeout
        while not endpoint_file.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"ecsd exited with {self.process.returncode}:\n{self.logs()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"ecsd did not start in {timeout}s:\n{self.logs()}")
            time.sleep(0.02)
        self.url = endpoint_file.read_text().strip()
        if keep_port:  # restarts serve on the same address
            self.listen = self.url.split("://", 1)[1]
        self.ca = str(self.data_dir / "ca.pem")
        self.credentials = str(self.data_dir / "credentials")
        self.access_key, self.secret_key = read_credentials(self.credentials)
        return self

    def restart(self):
        self.stop()
        return self.start()

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- clients ----------------------------------------------------------
    def cli_env(self, **overrides):
        env = dict(os.environ)
        env.update({
            "AWS_CA_BUNDLE": self.ca,
            "AWS_SHARED_CREDENTIALS_FILE": self.credentials,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_PROFILE": "ecsd",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_PAGER": "",
        })
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        env.update(overrides)
        return env

    def aws(self, *args, env=None):
        """Runs `aws ecs ARGS` against this ecsd. Returns (exit code, parsed
        JSON output or None, stderr)."""
        result = subprocess.run(
            ["aws", "ecs", *args, "--endpoint-url", self.url, "--output", "json"],
            capture_output=True, text=True, env=env or self.cli_env(), timeout=120)
        output = json.loads(result.stdout) if result.stdout.strip() else None
        return result.returncode, output, result.stderr

    def client(self, **kwargs):
        session = boto3.session.Session(
            aws_access_key_id=kwargs.pop("access_key", self.access_key),
            aws_secret_access_key=kwargs.pop("secret_key", self.secret_key),
            region_name=REGION)
        config = botocore.config.Config(retries={"max_attempts": 1})
        return session.client("ecs", endpoint_url=self.url, verify=self.ca, config=config,
                              **kwargs)

    def raw(self, operation, body, *, sign=True, secret=None, headers=None, signed_at=None,
            target=None, path="/", connection=None):
        """Sends one POST to path (/) with the given body (bytes, str or JSON-able),
        signed like the SDKs sign it unless sign=False (at time signed_at, a
        datetime, when given), on `connection` (an http.client connection, left
        open) when given, else on a new one. Returns (status, parsed JSON body
        or raw text, response headers)."""
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        host = self.url.split("://", 1)[1]
        request_headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": target if target is not None else TARGET_PREFIX + operation,
            "Host": host,
        }
        request_headers.update(headers or {})
        if sign:
            request = AWSRequest(method="POST", url=self.url + path, data=body,
                                 headers=request_headers)
            credentials = Credentials(self.access_key, secret or self.secret_key)
            signer = SigV4Auth(credentials, "ecs", REGION)
            if signed_at:
                with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
                    signer.add_auth(request)
            else:
                signer.add_auth(request)
            request_headers = dict(request.headers.items())
        own = connection is None
        if own:
            context = ssl.create_default_context(cafile=self.ca)
            hostname, port = host.rsplit(":", 1)
            connection = http.client.HTTPSConnection(hostname, int(port), context=context,
                                                     timeout=30)
        try:
            connection.request("POST", path, body=body, headers=request_headers)
            response = connection.getresponse()
            data = response.read().decode(errors="replace")
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = data
            return response.status, parsed, dict(response.getheaders())
        finally:
            if own:
                connection.close()


class EcsdTestCase(unittest.TestCase):
    """One ecsd per test class, cleaned up afterwards."""

    extra_args = ()

    @classmethod
    def setUpClass(cls):
        cls.ecsd = Ecsd(extra_args=cls.extra_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.ecsd.cleanup()

    def aws_ok(self, *args):
        code, output, stderr = self.ecsd.aws(*args)
        self.assertEqual(code, 0, f"aws ecs {' '.join(args)} failed: {stderr}")
        return output

    def aws_error(self, error_type, *args):
        """Asserts the CLI fails with the given AWS error type; returns stderr."""
        code, _, stderr = self.ecsd.aws(*args)
        self.assertNotEqual(code, 0, f"aws ecs {' '.join(args)} unexpectedly succeeded")
        self.assertIn(f"An error occurred ({error_type})", stderr)
        return stderr

    def assert_aws_error(self, response, status, error_type):
        got_status, body, headers = response
        self.assertEqual(got_status, status, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("__type"), error_type, body)
        self.assertTrue(body.get("message"), body)
        self.assertIn("x-amzn-RequestId", headers)


# -- checking answers against the AWS CLI's own model ------------------------

def _load_model():
    path = Path(botocore.__file__).parent / "data" / "ecs" / "2014-11-13" / "service-2.json.gz"
    with gzip.open(path) as f:
        return json.load(f)


MODEL = _load_model()


def model_problems(operation, output):
    """Every way `output` departs from the model's output shape for operation:
    members the model does not have, and values of the wrong JSON type."""
    shapes = MODEL["shapes"]
    problems = []

    def check(value, shape_name, path):
        shape = shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            if not isinstance(value, dict):
                problems.append(f"{path}: expected a structure, got {value!r}")
                return
            for key, member_value in value.items():
                member = shape["members"].get(key)
                if member is None:
                    problems.append(f"{path}.{key}: not in the model")
                else:
                    check(member_value, member["shape"], f"{path}.{key}")
        elif kind == "list":
            if not isinstance(value, list):
                problems.append(f"{path}: expected a list, got {value!r}")
                return
            for i, item in enumerate(value):
                check(item, shape["member"]["shape"], f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(value, dict):
                problems.append(f"{path}: expected a map")
                return
            for key, item in value.items():
                check(item, shape["value"]["shape"], f"{path}[{key}]")
        elif kind == "string":
            if not isinstance(value, str):
                problems.append(f"{path}: expected a string, got {value!r}")
            elif "enum" in shape and value not in shape["enum"]:
                problems.append(f"{path}: {value!r} is not one of {shape['enum']}")
        elif kind in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"{path}: expected an integer, got {value!r}")
        elif kind in ("double", "float", "timestamp"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                problems.append(f"{path}: expected a number, got {value!r}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                problems.append(f"{path}: expected a boolean, got {value!r}")

    output_shape = MODEL["operations"][operation].get("output")
    if output_shape:
        check(output, output_shape["shape"], operation)
    return problems
