"""Clusters through the real AWS CLI and boto3."""

import unittest

from harness import EcsdTestCase, model_problems

ARN = "arn:aws:ecs:us-east-1:000000000000:cluster/"


class ClusterTest(EcsdTestCase):
    def test_create_describe_list_delete_with_the_cli(self):
        created = self.aws_ok("create-cluster", "--cluster-name", "demo")["cluster"]
        self.assertEqual(created["clusterArn"], ARN + "demo")
        self.assertEqual(created["clusterName"], "demo")
        self.assertEqual(created["status"], "ACTIVE")
        self.assertEqual(created["registeredContainerInstancesCount"], 0)
        self.assertEqual(created["settings"], [{"name": "containerInsights", "value": "disabled"}])

        described = self.aws_ok("describe-clusters", "--clusters", "demo", ARN + "demo", "nope")
        self.assertEqual([c["clusterName"] for c in described["clusters"]], ["demo", "demo"])
        self.assertEqual(described["failures"], [{"arn": ARN + "nope", "reason": "MISSING"}])

        self.assertIn(ARN + "demo", self.aws_ok("list-clusters")["clusterArns"])

        deleted = self.aws_ok("delete-cluster", "--cluster", "demo")["cluster"]
        self.assertEqual(deleted["status"], "INACTIVE")
        self.assertNotIn(ARN + "demo", self.aws_ok("list-clusters")["clusterArns"])
        # Deleted clusters stay describable, as INACTIVE, as in ECS.
        again = self.aws_ok("describe-clusters", "--clusters", "demo")["clusters"]
        self.assertEqual(again[0]["status"], "INACTIVE")
        stderr = self.aws_error("ClusterNotFoundException", "delete-cluster", "--cluster", "demo")
        self.assertIn("when calling the DeleteCluster operation", stderr)

    def test_create_is_idempotent_and_default_cluster(self):
        first = self.aws_ok("create-cluster", "--cluster-name", "idem", "--tags",
                            "key=team,value=a")["cluster"]
        second = self.aws_ok("create-cluster", "--cluster-name", "idem")["cluster"]
        self.assertEqual(first["clusterArn"], second["clusterArn"])
        self.assertEqual(second["tags"], [{"key": "team", "value": "a"}])
        default = self.aws_ok("create-cluster")["cluster"]
        self.assertEqual(default["clusterName"], "default")
        # describe-clusters with no names describes "default".
        self.assertEqual(self.aws_ok("describe-clusters")["clusters"][0]["clusterName"], "default")

    def test_describe_include(self):
        self.aws_ok("create-cluster", "--cluster-name", "inc", "--tags", "key=k,value=v",
                    "--settings", "name=containerInsights,value=enabled")
        plain = self.aws_ok("describe-clusters", "--clusters", "inc")["clusters"][0]
        self.assertEqual(plain["tags"], [])
        self.assertEqual(plain["statistics"], [])
        full = self.aws_ok("describe-clusters", "--clusters", "inc", "--include", "TAGS",
                           "SETTINGS", "STATISTICS")["clusters"][0]
        self.assertEqual(full["tags"], [{"key": "k", "value": "v"}])
        self.assertEqual(full["settings"], [{"name": "containerInsights", "value": "enabled"}])
        stats = {s["name"]: s["value"] for s in full["statistics"]}
        self.assertEqual(stats["runningEC2TasksCount"], "0")

    def test_update_cluster_and_settings(self):
        self.aws_ok("create-cluster", "--cluster-name", "upd")
        updated = self.aws_ok("update-cluster-settings", "--cluster", "upd", "--settings",
                              "name=containerInsights,value=enhanced")["cluster"]
        self.assertEqual(updated["settings"], [{"name": "containerInsights", "value": "enhanced"}])
        configuration = {"executeCommandConfiguration": {"logging": "DEFAULT"}}
        client = self.ecsd.client()
        result = client.update_cluster(cluster="upd", configuration=configuration)
        self.assertEqual(result["cluster"]["configuration"], configuration)
        described = client.describe_clusters(clusters=["upd"], include=["CONFIGURATIONS",
                                                                        "SETTINGS"])
        self.assertEqual(described["clusters"][0]["configuration"], configuration)
        self.assertEqual(described["clusters"][0]["settings"][0]["value"], "enhanced")
        self.aws_error("ClusterNotFoundException", "update-cluster-settings", "--cluster",
                       "ghost", "--settings", "name=containerInsights,value=enabled")
        self.aws_error("InvalidParameterException", "update-cluster-settings", "--cluster",
                       "upd", "--settings", "name=containerInsights,value=sometimes")

    def test_list_clusters_paginates(self):
        client = self.ecsd.client()
        names = [f"page-{i:02d}" for i in range(7)]
        for name in names:
            client.create_cluster(clusterName=name)
        seen, token = [], None
        while True:
            kwargs = {"maxResults": 3, **({"nextToken": token} if token else {})}
            page = client.list_clusters(**kwargs)
            self.assertLessEqual(len(page["clusterArns"]), 3)
            seen += page["clusterArns"]
            token = page.get("nextToken")
            if not token:
                break
        listed = [arn for arn in seen if "/page-" in arn]
        self.assertEqual(listed, [ARN + n for n in names])
        self.assertEqual(len(seen), len(set(seen)))
        # The CLI's own paginator walks the same pages.
        cli = self.aws_ok("list-clusters", "--page-size", "2")["clusterArns"]
        self.assertEqual(sorted(cli), sorted(seen))
        self.aws_error("InvalidParameterException", "list-clusters", "--max-results", "0",
                       "--no-paginate")

    def test_answers_match_the_model(self):
        client = self.ecsd.client()
        calls = [
            ("CreateCluster", client.create_cluster(clusterName="model", tags=[
                {"key": "a", "value": "b"}])),
            ("DescribeClusters", client.describe_clusters(
                clusters=["model", "missing"], include=["TAGS", "SETTINGS", "STATISTICS",
                                                        "CONFIGURATIONS", "ATTACHMENTS"])),
            ("ListClusters", client.list_clusters()),
            ("UpdateClusterSettings", client.update_cluster_settings(
                cluster="model", settings=[{"name": "containerInsights", "value": "enabled"}])),
            ("DeleteCluster", client.delete_cluster(cluster="model")),
        ]
        for operation, response in calls:
            response.pop("ResponseMetadata")
            self.assertEqual(model_problems(operation, response), [], operation)

    def test_cluster_tags(self):
        client = self.ecsd.client()
        arn = client.create_cluster(clusterName="tagged")["cluster"]["clusterArn"]
        self.aws_ok("tag-resource", "--resource-arn", arn, "--tags", "key=env,value=prod",
                    "key=team,value=core")
        tags = self.aws_ok("list-tags-for-resource", "--resource-arn", arn)["tags"]
        self.assertEqual(sorted((t["key"], t["value"]) for t in tags),
                         [("env", "prod"), ("team", "core")])
        self.aws_ok("untag-resource", "--resource-arn", arn, "--tag-keys", "env")
        tags = self.aws_ok("list-tags-for-resource", "--resource-arn", arn)["tags"]
        self.assertEqual(tags, [{"key": "team", "value": "core"}])
        self.aws_error("InvalidParameterException", "tag-resource", "--resource-arn", arn,
                       "--tags", "key=aws:reserved,value=x")
        self.aws_error("ClusterNotFoundException", "list-tags-for-resource", "--resource-arn",
                       ARN + "ghost")

    def test_bad_cluster_names(self):
        self.aws_error("InvalidParameterException", "create-cluster", "--cluster-name",
                       "bad name!")
        self.aws_error("InvalidParameterException", "create-cluster", "--cluster-name", "x" * 256)


if __name__ == "__main__":
    unittest.main()
