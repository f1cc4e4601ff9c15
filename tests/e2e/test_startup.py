"""First start, later starts, flags and their ECSD_* twins, as a user sees them."""

import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import Ecsd, ecsd_binary


class StartupTest(unittest.TestCase):
    def test_first_start_prints_what_a_user_needs_and_later_starts_reuse(self):
        ecsd = Ecsd().start()
        try:
            data = ecsd.data_dir
            for name in ("ecsd.db", "ca.pem", "server.pem", "server-key.pem", "credentials",
                         "endpoint"):
                self.assertTrue((data / name).exists(), name)
            self.assertEqual(stat.S_IMODE(os.stat(data / "server-key.pem").st_mode), 0o600)
            log = ecsd.logs()
            self.assertIn("First start", log)
            lines = [line.strip() for line in log.splitlines()]
            self.assertIn(f"export AWS_CA_BUNDLE={data / 'ca.pem'}", lines)
            self.assertIn(f"export AWS_ENDPOINT_URL_ECS={ecsd.url}", lines)
            self.assertIn("aws ecs list-clusters", lines)
            self.assertNotIn(f"aws ecs --endpoint-url {ecsd.url} list-clusters", lines)

            # The printed commands work as printed, pasted into a shell that has
            # no AWS_* settings of its own (nor an ~/.aws).
            ecsd.client().create_cluster(clusterName="printed")
            commands = [line for line in lines if line.startswith("export ")]
            commands.append("aws ecs list-clusters")
            home = tempfile.mkdtemp(prefix="ecsd-home-")
            try:
                env = {name: value for name, value in os.environ.items()
                       if not name.startswith("AWS_")}
                env["HOME"] = home
                result = subprocess.run(["bash", "-c", "set -e\n" + "\n".join(commands)],
                                        capture_output=True, text=True, env=env, timeout=60)
            finally:
                shutil.rmtree(home, ignore_errors=True)
            self.assertEqual(result.returncode, 0, f"{commands}\n{result.stderr}")
            self.assertIn("arn:aws:ecs:us-east-1:000000000000:cluster/printed",
                          json.loads(result.stdout)["clusterArns"])

            # A later start on the same address reuses everything (the server
            # certificate names the bound host:port: another port re-issues it).
            before = {name: (data / name).read_bytes()
                      for name in ("ca.pem", "server.pem", "credentials")}
            ecsd.listen = ecsd.url.split("://", 1)[1]
            ecsd.restart()
            for name, content in before.items():
                self.assertEqual((data / name).read_bytes(), content, name)
            self.assertEqual(ecsd.logs().count("First start"), 1)
        finally:
            ecsd.cleanup()

    def test_a_restart_on_another_port_is_not_a_first_start(self):
        ecsd = Ecsd().start()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            self.assertNotEqual(ecsd.url, f"https://127.0.0.1:{port}")
            ecsd.listen = f"127.0.0.1:{port}"
            ecsd.restart()  # on another port: the certificate is re-issued for it
            self.assertEqual(ecsd.logs().count("First start"), 1)
        finally:
            ecsd.cleanup()

    def test_help_documents_every_flag(self):
        result = subprocess.run([ecsd_binary(), "--help"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0)
        for flag in ("--data-dir", "--listen", "--http-listen", "--region", "--account-id",
                     "--tls-cert", "--tls-key", "--tls-name", "--access-key-id",
                     "--secret-access-key", "--log-level", "--threads", "--durability",
                     "--max-body-bytes", "--idle-timeout"):
            self.assertIn(flag, result.stdout)
        self.assertIn("ECSD_DATA_DIR", result.stdout)

    def test_bad_flag_is_a_clear_error(self):
        result = subprocess.run([ecsd_binary(), "--no-such-flag"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("no-such-flag", result.stderr)

    def test_environment_twins_and_extra_keys(self):
        data = Path(tempfile.mkdtemp(prefix="ecsd-env-"))
        env = dict(os.environ, ECSD_ACCOUNT_ID="123456789012", ECSD_TLS_NAME="ecsd.test",
                   ECSD_ACCESS_KEY_ID="AKIAOPERATOR0000TEST",
                   ECSD_SECRET_ACCESS_KEY="operator-secret-operator-secret-operator")
        ecsd = Ecsd(data_dir=data)
        old = dict(os.environ)
        os.environ.update(env)
        try:
            ecsd.start()
        finally:
            os.environ.clear()
            os.environ.update(old)
        try:
            client = ecsd.client(access_key="AKIAOPERATOR0000TEST",
                                 secret_key="operator-secret-operator-secret-operator")
            arn = client.create_cluster(clusterName="env")["cluster"]["clusterArn"]
            self.assertEqual(arn, "arn:aws:ecs:us-east-1:123456789012:cluster/env")
            pem = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in",
                                  str(data / "server.pem")], capture_output=True, text=True)
            self.assertIn("ecsd.test", pem.stdout)
        finally:
            ecsd.cleanup()
            shutil.rmtree(data, ignore_errors=True)

    def test_plain_http_listener(self):
        import http.client
        import socket
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        ecsd = Ecsd(extra_args=("--http-listen", f"127.0.0.1:{port}")).start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("POST", "/", body=b"{}", headers={
                "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"})
            response = connection.getresponse()
            # Still authenticated: plain HTTP changes the transport, not the rules.
            self.assertEqual(response.status, 403)
            self.assertIn(b"MissingAuthenticationTokenException", response.read())
        finally:
            ecsd.cleanup()


if __name__ == "__main__":
    unittest.main()
