"""The test command's own safety net: setup/check_results.py and setup/check_tests.py catch a
suite that shrank, a warning about anything of ours, and test code that cannot fail."""

import collections
import importlib.util
import pathlib
import tempfile
import textwrap
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ADDONS = ["crm_lifecycle_tiering", "crm_satisfaction", "crm_churn_warning"]
AREAS = [*ADDONS, "tests"]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "setup" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_results = load("check_results")
check_tests = load("check_tests")


class TestCheckResults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # an inventory of the test files on disk, three tests each (the committed inventory is
        # compared by check_results itself on every run, and rewritten on purpose)
        cls.inventory = {
            str(path.relative_to(ROOT)): 3
            for area in AREAS
            for path in (ROOT / area / ("" if area == "tests" else "tests")).glob("test_*.py")
        }
        cls.ours = check_results.our_names(ROOT, ADDONS)

    def test_the_committed_inventory_reads_back(self):
        path = ROOT / "setup" / "test-inventory.txt"
        inventory = check_results.read_inventory(path)
        with tempfile.TemporaryDirectory() as folder:
            copy = pathlib.Path(folder) / "inventory.txt"
            check_results.write_inventory(copy, collections.Counter(inventory))
            self.assertEqual(copy.read_text(), path.read_text())
        self.assertIn("tests/test_check_results.py", inventory)
        self.assertTrue(all(count > 0 for count in inventory.values()))

    def test_a_full_run_matching_the_inventory_passes(self):
        per_file = collections.Counter(self.inventory)
        self.assertEqual(check_results.check_inventory(self.inventory, per_file, ROOT, AREAS), [])

    def test_a_drop_a_rise_or_a_file_not_collected_fails(self):
        name = "crm_churn_warning/tests/test_churn_engine.py"
        per_file = collections.Counter(self.inventory)
        per_file[name] -= 1
        self.assertEqual(
            check_results.check_inventory(self.inventory, per_file, ROOT, AREAS),
            [
                f"{name}: {self.inventory[name] - 1} tests ran, the inventory expects "
                f"{self.inventory[name]} (a drop)"
            ],
        )
        per_file[name] += 2
        self.assertIn(
            "update it on purpose",
            check_results.check_inventory(self.inventory, per_file, ROOT, AREAS)[0],
        )
        # a test file on disk that the inventory does not list
        inventory = dict(self.inventory)
        del inventory[name]
        self.assertEqual(
            check_results.check_inventory(inventory, collections.Counter(inventory), ROOT, AREAS),
            [f"{name}: 0 tests ran, the file is not in the inventory"],
        )
        # a whole file not collected (e.g. its base class broke)
        per_file = collections.Counter(self.inventory)
        del per_file[name]
        self.assertEqual(
            check_results.check_inventory(self.inventory, per_file, ROOT, AREAS),
            [f"{name}: 0 tests ran, the inventory expects {self.inventory[name]} (a drop)"],
        )
        # the top-level tests/ must run too
        per_file = collections.Counter(
            {k: v for k, v in self.inventory.items() if not k.startswith("tests/")}
        )
        problems = check_results.check_inventory(self.inventory, per_file, ROOT, AREAS)
        self.assertIn("no test ran for tests", problems)
        # an empty inventory is no inventory
        self.assertEqual(
            check_results.check_inventory({}, per_file, ROOT, AREAS),
            ["the test inventory is missing or empty: run setup/test --update-inventory"],
        )

    def test_junit_classname_to_file(self):
        self.assertEqual(
            check_results.test_file("crm_satisfaction.tests.test_portal.TestComplaintPortal"),
            "crm_satisfaction/tests/test_portal.py",
        )
        self.assertEqual(
            check_results.test_file("tests.test_platform.TestPlatform"), "tests/test_platform.py"
        )

    def test_warnings_about_anything_of_ours_fail(self):
        head = "2026-11-30 09:00:00,123 42 WARNING crm_test odoo.fields: "
        ours = [
            "Field res.partner.crm_tier_id: unknown parameter 'tracking'",
            "Field res.partner.crm_revenue_total should be declared with groups",
            "Field res.partner.crm_csat_avg is inconsistent",
            "crm.tier.simulation.line: two fields have the same label",
            "Model crm.tier.lock.wizard has no access rules",
            "res.partner.crm_p_alive: description",
            "relation crm_churn_warning_line does not exist",
        ]
        others = [
            "Field crm.lead.partner_id: whatever",
            "Model crm.team has no description",
            "relation crm_lead_tag does not exist",
        ]
        with tempfile.TemporaryDirectory() as folder:
            log = pathlib.Path(folder) / "odoo.log"
            log.write_text("".join(f"{head}{line}\n" for line in ours + others))
            problems = check_results.check_logs([log], self.ours)
            self.assertEqual(len(problems), len(ours), problems)
            for problem, line in zip(problems, ours, strict=True):
                self.assertIn(line, problem)
            # a traceback under a warning that names our code
            log.write_text(
                f"{head}Something failed\nTraceback (most recent call last):\n"
                '  File "/work/crm_satisfaction/models/crm_complaint.py", line 1\n'
            )
            self.assertEqual(len(check_results.check_logs([log], self.ours)), 1)
            # an INFO line about our models is fine
            log.write_text(head.replace("WARNING", "INFO") + ours[0] + "\n")
            self.assertEqual(check_results.check_logs([log], self.ours), [])
            missing = pathlib.Path(folder) / "missing.log"
            self.assertEqual(
                check_results.check_logs([missing], self.ours),
                [f"{missing}: the Odoo log is missing"],
            )

    def test_skipped_failed_and_errored_tests_fail(self):
        cases = [
            '<testcase classname="tests.test_a.TestA" name="test_ok"/>',
            '<testcase classname="tests.test_a.TestA" name="test_skip">'
            '<skipped message="no chromium"/></testcase>',
            '<testcase classname="crm_satisfaction.tests.test_b.TestB" name="test_f">'
            "<failure/></testcase>",
            '<testcase classname="crm_satisfaction.tests.test_b.TestB" name="test_e">'
            "<error/></testcase>",
        ]
        junit = f"<testsuites><testsuite>{''.join(cases)}</testsuite></testsuites>"
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "junit.xml"
            path.write_text(junit)
            problems, per_file = check_results.check_junit(path)
        self.assertEqual(per_file, {"tests/test_a.py": 2, "crm_satisfaction/tests/test_b.py": 2})
        self.assertEqual(
            problems,
            [
                "skipped (a test must run or fail): tests.test_a.TestA::test_skip: no chromium",
                "failure: crm_satisfaction.tests.test_b.TestB::test_f",
                "error: crm_satisfaction.tests.test_b.TestB::test_e",
            ],
        )


class TestCheckTests(unittest.TestCase):
    def offences(self, source):
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "test_x.py"
            path.write_text(textwrap.dedent(source))
            return list(check_tests.offences(path))

    def test_stand_ins_created_by_patch_are_refused(self):
        found = self.offences(
            """\
            from unittest.mock import patch
            with patch.object(Model, "_gone", stub, create=True):
                pass
            with patch.object(Model, "_there", stub):
                pass
            with patch("odoo.addons.x.y", stub, create=False):
                pass
            """
        )
        self.assertEqual(found, [(2, "patched with create=True: patch an existing attribute")])

    def test_refusals_without_their_message_are_refused(self):
        found = self.offences(
            """\
            with self.assertRaises(UserError):
                pass
            with self.assertRaises(ValidationError):
                pass
            with self.assertRaises(AccessError):
                pass
            with self.assertRaisesRegex(UserError, "not open any more"):
                pass
            """
        )
        self.assertEqual([line for line, _message in found], [1, 3])

    def test_test_modules_not_imported_by_the_addon_are_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            addon = pathlib.Path(folder) / "crm_x"
            (addon / "tests").mkdir(parents=True)
            (addon / "__manifest__.py").write_text("{}")
            (addon / "tests" / "__init__.py").write_text("from . import test_a\n")
            for name in ("test_a.py", "test_b.py", "common.py"):
                (addon / "tests" / name).write_text("")
            self.assertEqual(
                [path.name for path in check_tests.missing_imports(addon / "tests")],
                ["test_b.py"],
            )

    def test_our_tests_pass_the_check(self):
        for folder in [f"{addon}/tests" for addon in ADDONS] + ["tests"]:
            self.assertEqual(check_tests.missing_imports(ROOT / folder), [], folder)
            for path in sorted((ROOT / folder).rglob("*.py")):
                with self.subTest(path=str(path.relative_to(ROOT))):
                    self.assertEqual(list(check_tests.offences(path)), [])
