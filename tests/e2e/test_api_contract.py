"""api/ecs-operations.json is the contract: it lists exactly the operations of
the AWS CLI's own ECS model, docs/api-coverage.md says the same, and a live
ecsd answers each one as the contract says."""

import importlib.util
import json
import unittest

from harness import MODEL, ROOT, EcsdTestCase

CONTRACT = json.loads((ROOT / "api" / "ecs-operations.json").read_text())
OPERATIONS = CONTRACT["operations"]


def generated_coverage():
    spec = importlib.util.spec_from_file_location("api_coverage",
                                                  ROOT / "scripts" / "api-coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render(CONTRACT)


class ApiContractTest(EcsdTestCase):
    def test_contract_lists_exactly_the_models_operations(self):
        self.assertEqual(sorted(OPERATIONS), sorted(MODEL["operations"]))
        self.assertEqual(CONTRACT["targetPrefix"], MODEL["metadata"]["targetPrefix"])
        for name, operation in OPERATIONS.items():
            self.assertIn(operation["status"], ("implemented", "planned", "not-implemented"),
                          name)

    def test_each_operation_names_its_iam_action_and_access(self):
        # IAM names an ECS action by the model's signing name and the operation;
        # AWS's verbs tell the calls that only read from those that change things.
        prefix = MODEL["metadata"]["signingName"] + ":"
        readers = ("Describe", "List", "Get", "Discover")
        for name, operation in OPERATIONS.items():
            self.assertEqual(operation["action"], prefix + name, name)
            self.assertEqual(operation["access"],
                             "read" if name.startswith(readers) else "write", name)

    def test_docs_say_the_same(self):
        written = (ROOT / "docs" / "api-coverage.md").read_text()
        self.assertEqual(written, generated_coverage(),
                         "docs/api-coverage.md is stale: run scripts/api-coverage.py")

    def test_live_server_answers_as_the_contract_says(self):
        for name, operation in sorted(OPERATIONS.items()):
            status, body, _ = self.ecsd.raw(name, {})
            error = body.get("__type") if isinstance(body, dict) else None
            if operation["status"] == "implemented":
                self.assertNotIn(error, ("UnsupportedFeatureException",
                                         "UnknownOperationException"), name)
                self.assertLess(status, 500, f"{name}: {body}")
            else:
                self.assertEqual((status, error), (400, "UnsupportedFeatureException"), name)
                self.assertIn(name, body["message"])


if __name__ == "__main__":
    unittest.main()
