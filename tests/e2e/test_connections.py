"""Connections, through real TLS: the cap on how many a server and one address
may hold, what a connection costs before its handshake, shutdown without
waiting for connections that have no request in progress, a 413 the client
gets to read, 404 off the API's path, and error answers that close at once."""

import http.client
import json
import os
import signal
import socket
import ssl
import time
import unittest

import requests
from botocore.exceptions import ClientError

from harness import Ecsd, EcsdTestCase, wait_until

CONTENT_TYPE = {"Content-Type": "application/x-amz-json-1.1"}


def host_port(ecsd):
    host, port = ecsd.url.split("://", 1)[1].rsplit(":", 1)
    return host, int(port)


def tcp(ecsd, source="127.0.0.1"):
    """A TCP connection from source (any 127.x address is this host's) that
    sends nothing."""
    connection = socket.create_connection(host_port(ecsd), timeout=5,
                                          source_address=(source, 0))
    return connection


def tls(ecsd, source="127.0.0.1"):
    context = ssl.create_default_context(cafile=ecsd.ca)
    return context.wrap_socket(tcp(ecsd, source), server_hostname=host_port(ecsd)[0])


def closed_at_once(connection, within=2.0):
    """True when the server ends the connection without a byte, within `within`
    seconds; False when it keeps it open."""
    connection.settimeout(within)
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def list_clusters(connection, ecsd):
    """One signed ListClusters on an open http.client connection (kept alive)."""
    status, body, _ = ecsd.raw("ListClusters", {}, connection=connection)
    return status, body


def keep_alive(ecsd, source="127.0.0.1"):
    host, port = host_port(ecsd)
    context = ssl.create_default_context(cafile=ecsd.ca)
    connection = http.client.HTTPSConnection(host, port, context=context, timeout=10,
                                             source_address=(source, 0))
    status, _ = list_clusters(connection, ecsd)
    assert status == 200, status
    return connection


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class PerTestEcsd(unittest.TestCase):
    """A fresh ecsd for every test: these tests fill it with connections or
    stop it."""

    extra_args = ()

    def setUp(self):
        self.ecsd = Ecsd(extra_args=self.extra_args).start()
        self.addCleanup(self.ecsd.cleanup)
        self.held = []
        self.addCleanup(lambda: [c.close() for c in self.held])

    def hold(self, connection):
        self.held.append(connection)
        return connection


class ConnectionCapTest(PerTestEcsd):
    extra_args = ("--max-connections", "6", "--max-connections-per-address", "3")

    def test_one_address_over_its_cap_is_closed_and_others_are_served(self):
        established = self.hold(keep_alive(self.ecsd))
        for _ in range(2):
            self.hold(tcp(self.ecsd))
        self.assertTrue(closed_at_once(self.hold(tcp(self.ecsd))))
        # Another address still gets in, and the established client still works.
        other = self.hold(keep_alive(self.ecsd, "127.0.0.2"))
        self.assertEqual(list_clusters(other, self.ecsd)[0], 200)
        self.assertEqual(list_clusters(established, self.ecsd)[0], 200)

    def test_over_the_total_cap_is_closed_and_established_clients_keep_working(self):
        established = self.hold(keep_alive(self.ecsd))
        idle = [self.hold(tcp(self.ecsd, f"127.0.0.{i}")) for i in range(2, 7)]
        self.assertTrue(closed_at_once(self.hold(tcp(self.ecsd, "127.0.0.7"))))
        self.assertEqual(list_clusters(established, self.ecsd)[0], 200)
        # A slot freed is a slot taken again.
        idle[0].close()
        late = wait_until(lambda: self.try_keep_alive("127.0.0.7"), "a freed slot", timeout=5)
        self.assertEqual(list_clusters(late, self.ecsd)[0], 200)

    def try_keep_alive(self, source):
        try:
            return self.hold(keep_alive(self.ecsd, source))
        except (OSError, http.client.HTTPException):
            return None

    def test_a_flood_of_refusals_logs_a_few_lines(self):
        for _ in range(3):
            self.hold(tcp(self.ecsd))
        for _ in range(40):
            connection = tcp(self.ecsd)
            self.assertTrue(closed_at_once(connection))
            connection.close()
        refusals = [line for line in self.ecsd.logs().splitlines()
                    if "connection refused" in line]
        self.assertGreaterEqual(len(refusals), 1, self.ecsd.logs())
        self.assertLessEqual(len(refusals), 2, "\n".join(refusals))
        self.assertIn("lvl=warn", refusals[0])
        self.assertIn("max_connections_per_address=3", refusals[0])


class PreHandshakeCostTest(PerTestEcsd):
    @unittest.skipIf(os.environ.get("ECSD_SANITIZED"),
                     "AddressSanitizer's own bookkeeping would be counted as the connections'")
    def test_a_connection_before_its_handshake_is_cheap(self):
        count = 1000
        pid = self.ecsd.process.pid
        list_clusters(self.hold(keep_alive(self.ecsd)), self.ecsd)
        time.sleep(0.3)
        before = rss_kib(pid)
        for _ in range(count):
            self.hold(tcp(self.ecsd))
        # Every one accepted and waiting for its handshake.
        time.sleep(1.0)
        per_connection = (rss_kib(pid) - before) / count
        # 43.8 KiB each before the fix (an SSL object with its buffers).
        self.assertLess(per_connection, 12, f"{per_connection:.1f} KiB per connection")


class ShutdownTest(PerTestEcsd):
    def test_sigterm_closes_connections_with_no_request_in_progress_at_once(self):
        self.hold(tcp(self.ecsd))                       # no handshake
        half = self.hold(tls(self.ecsd))                # half a request
        half.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
        self.hold(keep_alive(self.ecsd))                # idle after a request
        started = time.monotonic()
        self.ecsd.process.send_signal(signal.SIGTERM)
        self.ecsd.process.wait(timeout=15)
        elapsed = time.monotonic() - started
        self.assertEqual(self.ecsd.process.returncode, 0, self.ecsd.logs())
        self.assertLess(elapsed, 3, self.ecsd.logs())
        self.assertNotIn("drain timed out", self.ecsd.logs())


class ErrorAnswersTest(EcsdTestCase):
    extra_args = ("--max-body-bytes", "65536")

    def assert_too_large(self, status, body):
        self.assertEqual(status, 413, body)
        self.assertEqual(json.loads(body)["__type"], "RequestEntityTooLargeException")

    def test_an_oversized_body_gets_its_413_with_requests(self):
        # More than the server reads in one go, as an SDK sends it: the whole
        # body, then it reads the answer.
        for size in (100_000, 8 * 1024 * 1024):
            response = requests.post(self.ecsd.url + "/", data=b"x" * size, verify=self.ecsd.ca,
                                     headers=CONTENT_TYPE, timeout=30)
            self.assert_too_large(response.status_code, response.text)
            self.assertEqual(response.headers.get("Connection"), "close")

    def test_an_oversized_body_gets_its_413_with_boto3(self):
        definition = {"name": "web", "image": "nginx", "memory": 128,
                      "environment": [{"name": "BIG", "value": "v" * (8 * 1024 * 1024)}]}
        with self.assertRaises(ClientError) as raised:
            self.ecsd.client().register_task_definition(family="big",
                                                        containerDefinitions=[definition])
        error = raised.exception.response
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 413)
        self.assertEqual(error["Error"]["Code"], "RequestEntityTooLargeException")

    def test_an_https_error_answer_closes_at_once(self):
        connection = tls(self.ecsd)
        with connection:
            started = time.monotonic()
            connection.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
            answer = b""
            connection.settimeout(10)
            while True:
                try:
                    chunk = connection.recv(65536)
                except (ssl.SSLEOFError, ConnectionResetError):
                    chunk = b""
                if not chunk:
                    break
                answer += chunk
            elapsed = time.monotonic() - started
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)
        self.assertLess(elapsed, 1.0)

    def test_only_the_root_path_serves_the_api(self):
        status, body, headers = self.ecsd.raw("ListClusters", {}, path="/?any=query")
        self.assertEqual(status, 200, body)
        for path in ("/foo", "/ecs/", "//"):
            response = self.ecsd.raw("ListClusters", {}, path=path)
            self.assert_aws_error(response, 404, "NotFound")


if __name__ == "__main__":
    unittest.main()
