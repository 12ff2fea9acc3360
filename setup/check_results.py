"""Reads what a test run left behind and decides whether it passed.

- pytest's exit code, and the JUnit report: no failure, no error, no skipped test (Odoo skips
  browser tours silently when Chromium or websocket-client is missing);
- the test inventory (setup/test-inventory.txt): every file runs exactly the number of tests it
  lists, so that a broken base class or a file no longer collected cannot shrink the suite
  silently; each addon and the top-level tests/ run tests. After adding or removing tests on
  purpose, rewrite it from a green run: setup/test --update-inventory;
- the Odoo logs of install and tests (each must exist): no WARNING, ERROR or CRITICAL line that
  names anything of ours: an addon, a model, a table or a field of res.partner and the others;
- a coverage summary per addon.
"""

import argparse
import collections
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

import coverage

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>\S+?): "
)
MODEL_NAME = re.compile(r"""^\s+_name = ["']([\w.]+)["']""", re.M)
# an extension of another module's model that adds mixins names it and inherits it too
EXTENDED_MODEL = re.compile(r"""^\s+_name = ["']([\w.]+)["']\n\s+_inherit = \[([^\]]*)\]""", re.M)
# a field: fields.<Type>(…), or a field class of our own (e.g. crm_churn_warning's ChurnFigure)
FIELD_NAME = re.compile(r"^\s+(\w+) = (?:fields\.\w+|[A-Z]\w*)\(", re.M)
INVENTORY_HEADER = """\
# Tests per file, as setup/test runs them: a run fails when a file runs a number of tests other
# than the one listed here, or a file of tests/ is missing from it. Change it on purpose only,
# from a green run: setup/test --update-inventory
"""


def our_names(root, addons):
    """A pattern matching anything of ours in a log line: the addons, our models by dotted and
    table name, and the fields our addons declare (on our models and on Odoo's, e.g. the crm_*
    fields of res.partner), as whole words."""
    models, fields = set(), set()
    for addon in addons:
        for path in (root / addon).rglob("*.py"):
            if "tests" in path.relative_to(root / addon).parts:
                continue
            text = path.read_text(errors="replace")
            extended = {
                name
                for name, parents in EXTENDED_MODEL.findall(text)
                if re.search(rf"""["']{re.escape(name)}["']""", parents)
            }
            models.update(set(MODEL_NAME.findall(text)) - extended)
            fields.update(name for name in FIELD_NAME.findall(text) if name.startswith("crm_"))
    names = set(addons) | fields
    for model in models:
        names |= {model, model.replace(".", "_")}
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)")


def test_file(classname):
    """crm_x.tests.test_y.TestZ -> crm_x/tests/test_y.py"""
    return "/".join(classname.split(".")[:-1]) + ".py"


def check_junit(path):
    problems = []
    if not path.exists():
        return ["no JUnit report: pytest did not run"], collections.Counter()
    per_file = collections.Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        per_file[test_file(case.get("classname", "?.?"))] += 1
        name = f"{case.get('classname')}::{case.get('name')}"
        for tag in ("failure", "error"):
            if case.find(tag) is not None:
                problems.append(f"{tag}: {name}")
        skipped = case.find("skipped")
        if skipped is not None:
            problems.append(f"skipped (a test must run or fail): {name}: {skipped.get('message')}")
    return problems, per_file


def read_inventory(path):
    inventory = {}
    if not path.exists():
        return inventory
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, count = line.rsplit(None, 1)
            inventory[name] = int(count)
    return inventory


def write_inventory(path, per_file):
    lines = [f"{name} {count}" for name, count in sorted(per_file.items())]
    path.write_text(INVENTORY_HEADER + "\n".join(lines) + "\n")


def check_inventory(inventory, per_file, root, areas):
    problems = []
    if not inventory:
        return ["the test inventory is missing or empty: run setup/test --update-inventory"]
    on_disk = {
        str(path.relative_to(root))
        for area in areas
        for path in (root / area / ("tests" if area != "tests" else "")).glob("test_*.py")
    }
    for name in sorted(set(inventory) | set(per_file) | on_disk):
        expected, ran = inventory.get(name), per_file.get(name, 0)
        if expected is None:
            problems.append(f"{name}: {ran} tests ran, the file is not in the inventory")
        elif ran < expected:
            problems.append(f"{name}: {ran} tests ran, the inventory expects {expected} (a drop)")
        elif ran > expected:
            problems.append(
                f"{name}: {ran} tests ran, the inventory expects {expected}: update it on purpose"
            )
    for area in areas:
        prefix = f"{area}/"
        if not any(name.startswith(prefix) and n for name, n in per_file.items()):
            problems.append(f"no test ran for {area}")
    return problems


def check_logs(paths, ours):
    problems = []
    for path in paths:
        if not path.exists():
            problems.append(f"{path}: the Odoo log is missing")
            continue
        current = None
        for line in path.read_text(errors="replace").splitlines():
            match = LOG_LINE.match(line)
            if match:
                current = match if match["level"] in ("WARNING", "ERROR", "CRITICAL") else None
                if current and ours.search(line):
                    problems.append(f"{path.name}: {line[:400]}")
                    current = None
            elif current and ours.search(line):
                # a traceback or continuation line of a warning that concerns our code
                problems.append(f"{path.name}: {current.string[:300]} … {line.strip()[:200]}")
                current = None
    return problems


def coverage_summary(root, addons, data_file):
    if not data_file.exists():
        return ["no coverage data"]
    cov = coverage.Coverage(data_file=str(data_file))
    cov.load()
    lines = []
    for addon in addons:
        statements = missing = 0
        for path in sorted((root / addon).rglob("*.py")):
            if "tests" in path.relative_to(root / addon).parts or path.name == "__manifest__.py":
                continue
            try:
                _f, stmts, _exc, miss, _txt = cov.analysis2(str(path))
            except coverage.CoverageException:
                stmts, miss = [], []
            statements += len(stmts)
            missing += len(miss)
        pct = 100.0 * (statements - missing) / statements if statements else 0.0
        lines.append(
            f"  {addon:<24} {statements:>6} statements {missing:>6} missed {pct:6.1f}% covered"
        )
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--junit", type=pathlib.Path, required=True)
    parser.add_argument("--logs", type=pathlib.Path, nargs="+", required=True)
    parser.add_argument("--addons", nargs="+", required=True)
    parser.add_argument("--pytest-rc", type=int, required=True)
    parser.add_argument("--root", type=pathlib.Path, required=True)
    parser.add_argument("--coverage", type=pathlib.Path, required=True)
    parser.add_argument("--inventory", type=pathlib.Path, required=True)
    parser.add_argument(
        "--selection",
        action="store_true",
        help="pytest ran a selection of the tests: the inventory is not compared",
    )
    parser.add_argument(
        "--update-inventory",
        action="store_true",
        help="rewrite the inventory from this run when it is otherwise green",
    )
    args = parser.parse_args()
    areas = [*args.addons, "tests"]

    problems, per_file = check_junit(args.junit)
    if args.pytest_rc != 0:
        problems.append(f"pytest exited with code {args.pytest_rc}")
    problems += check_logs(args.logs, our_names(args.root, args.addons))
    inventory = read_inventory(args.inventory)
    if args.update_inventory:
        if problems or args.selection:
            problems.append("the inventory is rewritten only from a green run of every test")
        else:
            write_inventory(args.inventory, per_file)
            print(f"\nInventory rewritten: {args.inventory}")
            inventory = read_inventory(args.inventory)
    if args.selection:
        print("\nA selection of the tests ran: the inventory is not compared.")
    else:
        problems += check_inventory(inventory, per_file, args.root, areas)

    counts = collections.Counter()
    for name, n in per_file.items():
        counts[name.split("/")[0]] += n
    print("\nTests per area (inventory):")
    for area in areas:
        listed = sum(n for name, n in inventory.items() if name.startswith(f"{area}/"))
        print(f"  {area:<24} {counts[area]:>4} tests ({listed})")
    print("Coverage per addon:")
    print("\n".join(coverage_summary(args.root, args.addons, args.coverage)))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"  - {p}" for p in problems[:200]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
