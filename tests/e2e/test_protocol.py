"""The AWS JSON 1.1 protocol: each kind of bad input gets its AWS error type
and status, never a crash."""

import json
import unittest

from harness import EcsdTestCase


class ProtocolTest(EcsdTestCase):
    extra_args = ("--max-body-bytes", "65536")

    def test_unknown_operation(self):
        response = self.ecsd.raw("LaunchRockets", {})
        self.assert_aws_error(response, 400, "UnknownOperationException")

    def test_missing_target(self):
        response = self.ecsd.raw("", {}, target="")
        self.assert_aws_error(response, 400, "UnknownOperationException")

    def test_operation_not_implemented_yet(self):
        response = self.ecsd.raw("CreateCapacityProvider", {"name": "spot",
                                                            "autoScalingGroupProvider": {}})
        self.assert_aws_error(response, 400, "UnsupportedFeatureException")
        self.assertIn("CreateCapacityProvider", response[1]["message"])
        code, _, stderr = self.ecsd.aws("list-account-settings")
        self.assertNotEqual(code, 0)
        self.assertIn("An error occurred (UnsupportedFeatureException)", stderr)

    def test_malformed_json(self):
        self.assert_aws_error(self.ecsd.raw("CreateCluster", b'{"clusterName": '), 400,
                              "SerializationException")
        self.assert_aws_error(self.ecsd.raw("CreateCluster", b'["a list"]'), 400,
                              "SerializationException")

    def test_wrong_types(self):
        self.assert_aws_error(self.ecsd.raw("CreateCluster", {"clusterName": 42}), 400,
                              "SerializationException")
        self.assert_aws_error(self.ecsd.raw("ListClusters", {"maxResults": "ten"}), 400,
                              "SerializationException")
        self.assert_aws_error(self.ecsd.raw("DescribeClusters", {"clusters": "demo"}), 400,
                              "SerializationException")

    def test_missing_required_member(self):
        response = self.ecsd.raw("DeleteCluster", {})
        self.assert_aws_error(response, 400, "InvalidParameterException")
        self.assertIn("cluster", response[1]["message"])
        self.assert_aws_error(self.ecsd.raw("DescribeTaskDefinition", {}), 400,
                              "InvalidParameterException")

    def test_unknown_cluster(self):
        response = self.ecsd.raw("DeleteCluster", {"cluster": "ghost"})
        self.assert_aws_error(response, 400, "ClusterNotFoundException")

    def test_body_over_the_limit(self):
        response = self.ecsd.raw("CreateCluster", {"clusterName": "x" * 70000})
        self.assertEqual(response[0], 413, response[1])
        self.assertEqual(response[1]["__type"], "RequestEntityTooLargeException")

    def test_server_survives_garbage_and_keeps_serving(self):
        import socket
        import ssl
        host, port = self.ecsd.url.split("://", 1)[1].rsplit(":", 1)
        context = ssl.create_default_context(cafile=self.ecsd.ca)
        for garbage in (b"NOT HTTP AT ALL\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"):
            with socket.create_connection((host, int(port)), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname=host) as tls:
                    tls.sendall(garbage)
                    answer = tls.recv(4096)
                    self.assertTrue(answer.startswith(b"HTTP/1.1 4"), answer)
        # Plain TCP garbage on the TLS port: the handshake fails, nothing else.
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            raw.sendall(b"\x00" * 64)
        status, body, _ = self.ecsd.raw("ListClusters", {})
        self.assertEqual(status, 200, body)

    def test_response_headers_and_request_ids(self):
        first = self.ecsd.raw("ListClusters", {})
        second = self.ecsd.raw("ListClusters", {})
        self.assertEqual(first[2]["Content-Type"], "application/x-amz-json-1.1")
        self.assertNotEqual(first[2]["x-amzn-RequestId"], second[2]["x-amzn-RequestId"])
        # The request log names the request id and operation.
        self.assertIn("request_id=" + second[2]["x-amzn-RequestId"], self.ecsd.logs())
        self.assertIn("op=ListClusters", self.ecsd.logs())

    def test_empty_body_means_no_parameters(self):
        status, body, _ = self.ecsd.raw("ListClusters", b"")
        self.assertEqual(status, 200, body)
        self.assertIn("clusterArns", body)


if __name__ == "__main__":
    unittest.main()
