"""ecsd listening on every address (--listen 0.0.0.0:PORT), as for agents on other hosts:
DiscoverPollEndpoint names the address each agent reached ecsd by, not 0.0.0.0, and the
certificate names it with its port, as Amazon's agent checks it."""

import ssl
import tempfile
import unittest

import boto3
import botocore.config

from harness import REGION, Ecsd


class ListenAnyAddressTest(unittest.TestCase):
    def setUp(self):
        self.ecsd = Ecsd()
        self.ecsd.listen = "0.0.0.0:0"
        self.ecsd.start()
        self.addCleanup(self.ecsd.cleanup)
        self.port = int(self.ecsd.url.rsplit(":", 1)[1])

    def client(self, host):
        session = boto3.session.Session(aws_access_key_id=self.ecsd.access_key,
                                        aws_secret_access_key=self.ecsd.secret_key,
                                        region_name=REGION)
        return session.client("ecs", endpoint_url=f"https://{host}:{self.port}",
                              verify=self.ecsd.ca,
                              config=botocore.config.Config(retries={"max_attempts": 1}))

    def test_agents_are_told_the_address_they_reached(self):
        self.client("127.0.0.1").create_cluster(clusterName="anywhere")
        for host in ("127.0.0.1", "localhost"):
            answer = self.client(host).discover_poll_endpoint(cluster="anywhere")
            self.assertEqual(answer["endpoint"], f"https://{host}:{self.port}")
            self.assertEqual(answer["telemetryEndpoint"], f"https://{host}:{self.port}/tcs")

    def test_the_certificate_names_each_address_with_its_port(self):
        pem = ssl.get_server_certificate(("127.0.0.1", self.port))
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as file:
            file.write(pem)
            file.flush()
            names = ssl._ssl._test_decode_cert(file.name)["subjectAltName"]
        dns = {value for kind, value in names if kind == "DNS"}
        for name in (f"127.0.0.1:{self.port}", f"localhost:{self.port}",
                     f"[::1]:{self.port}"):
            self.assertIn(name, dns)


if __name__ == "__main__":
    unittest.main()
