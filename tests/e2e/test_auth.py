"""SigV4: the right key works; anything else gets the error AWS gives, and
nothing runs."""

import datetime
import json
import unittest

from harness import EcsdTestCase, read_credentials


class AuthTest(EcsdTestCase):
    def cluster_exists(self, name):
        clusters = self.ecsd.client().describe_clusters(clusters=[name])["clusters"]
        return bool(clusters)

    def test_right_key_works_with_the_cli(self):
        self.aws_ok("create-cluster", "--cluster-name", "signed")
        self.assertTrue(self.cluster_exists("signed"))

    def test_wrong_secret_fails_with_the_cli_and_changes_nothing(self):
        env = self.ecsd.cli_env(AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                                AWS_PROFILE="",
                                AWS_ACCESS_KEY_ID=self.ecsd.access_key,
                                AWS_SECRET_ACCESS_KEY="wrong" + self.ecsd.secret_key[5:])
        env.pop("AWS_PROFILE")
        code, _, stderr = self.ecsd.aws("create-cluster", "--cluster-name", "forged", env=env)
        self.assertNotEqual(code, 0)
        self.assertIn("An error occurred (InvalidSignatureException)", stderr)
        self.assertIn("signature we calculated does not match", stderr)
        self.assertFalse(self.cluster_exists("forged"))

    def test_unknown_key_is_unrecognized(self):
        env = self.ecsd.cli_env(AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
                                AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        env.pop("AWS_PROFILE")
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        code, _, stderr = self.ecsd.aws("list-clusters", env=env)
        self.assertNotEqual(code, 0)
        self.assertIn("An error occurred (UnrecognizedClientException)", stderr)

    def test_unsigned_request_is_missing_authentication(self):
        response = self.ecsd.raw("CreateCluster", {"clusterName": "unsigned"}, sign=False)
        self.assert_aws_error(response, 403, "MissingAuthenticationTokenException")
        self.assertFalse(self.cluster_exists("unsigned"))

    def test_expired_signature(self):
        long_ago = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        response = self.ecsd.raw("CreateCluster", {"clusterName": "stale"}, signed_at=long_ago)
        self.assert_aws_error(response, 403, "InvalidSignatureException")
        self.assertIn("Signature expired", response[1]["message"])
        self.assertFalse(self.cluster_exists("stale"))

    def test_small_clock_skew_is_accepted(self):
        skewed = datetime.datetime.utcnow() - datetime.timedelta(minutes=4)
        status, body, _ = self.ecsd.raw("ListClusters", {}, signed_at=skewed)
        self.assertEqual(status, 200, body)

    def test_tampered_body_fails(self):
        # Sign one body, send another: the payload hash no longer matches.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        import http.client
        import ssl
        host = self.ecsd.url.split("://", 1)[1]
        request = AWSRequest(method="POST", url=self.ecsd.url + "/",
                             data=b'{"clusterName": "one"}',
                             headers={"Content-Type": "application/x-amz-json-1.1",
                                      "X-Amz-Target":
                                          "AmazonEC2ContainerServiceV20141113.CreateCluster",
                                      "Host": host})
        SigV4Auth(Credentials(self.ecsd.access_key, self.ecsd.secret_key), "ecs",
                  "us-east-1").add_auth(request)
        hostname, port = host.rsplit(":", 1)
        connection = http.client.HTTPSConnection(
            hostname, int(port), context=ssl.create_default_context(cafile=self.ecsd.ca))
        connection.request("POST", "/", body=b'{"clusterName": "two"}',
                           headers=dict(request.headers.items()))
        response = connection.getresponse()
        self.assertEqual(response.status, 403)
        self.assertIn(b"InvalidSignatureException", response.read())
        connection.close()
        self.assertFalse(self.cluster_exists("two"))

    def test_the_operation_header_must_be_signed(self):
        # A request signed without X-Amz-Target could be replayed as another
        # operation with the same body (CreateCluster's body as DeleteCluster).
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        import http.client
        import ssl
        self.ecsd.client().create_cluster(clusterName="replayed")
        host = self.ecsd.url.split("://", 1)[1]
        body = b'{"cluster": "replayed"}'
        request = AWSRequest(method="POST", url=self.ecsd.url + "/", data=body,
                             headers={"Content-Type": "application/x-amz-json-1.1",
                                      "Host": host})
        SigV4Auth(Credentials(self.ecsd.access_key, self.ecsd.secret_key), "ecs",
                  "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
        headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.DeleteCluster"
        hostname, port = host.rsplit(":", 1)
        connection = http.client.HTTPSConnection(
            hostname, int(port), context=ssl.create_default_context(cafile=self.ecsd.ca))
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        self.assertEqual(response.status, 403)
        self.assertEqual(answer["__type"], "InvalidSignatureException")
        self.assertEqual(answer["message"],
                         "'x-amz-target' must be a 'SignedHeader' in the AWS Authorization.")
        clusters = self.ecsd.client().describe_clusters(clusters=["replayed"])["clusters"]
        self.assertEqual([c["status"] for c in clusters], ["ACTIVE"])

    def test_credentials_file_is_private_and_in_cli_format(self):
        import os
        import stat
        path = self.ecsd.credentials
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        key, secret = read_credentials(path)
        self.assertRegex(key, r"^AKIA[A-Z2-7]{16}$")
        self.assertEqual(len(secret), 40)
        self.assertTrue(open(path).read().startswith("[ecsd]"))


if __name__ == "__main__":
    unittest.main()
