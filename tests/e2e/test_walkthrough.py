"""The README's five-minute walkthrough, run as written (only the endpoint the
exports name is this test's own), so the docs and the behaviour cannot drift apart."""

import re
import subprocess
import unittest

from harness import ROOT, EcsdTestCase


def walkthrough_script():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Five minutes with ecsd", 1)[1]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return blocks[0]


class WalkthroughTest(EcsdTestCase):
    def test_readme_walkthrough_runs_as_written(self):
        # As the printed exports leave the shell: the endpoint in AWS_ENDPOINT_URL_ECS.
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough_script()],
                                cwd=ROOT, capture_output=True, text=True, timeout=300,
                                env=self.ecsd.cli_env(AWS_ENDPOINT_URL_ECS=self.ecsd.url))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:'
                      'task-definition/wordpress:1"', result.stdout)
        self.assertIn("task-definition/wordpress:2", result.stdout)
        self.assertIn('"clusterName": "demo"', result.stdout)
        # wordpress:1 was deregistered last; the family lives on in revision 2.
        client = self.ecsd.client()
        self.assertEqual(client.describe_task_definition(taskDefinition="wordpress:1")
                         ["taskDefinition"]["status"], "INACTIVE")
        self.assertEqual(client.describe_task_definition(taskDefinition="wordpress")
                         ["taskDefinition"]["revision"], 2)


if __name__ == "__main__":
    unittest.main()
