"""Reads what a test run left behind and decides whether it passed.

- pytest's exit code, and the JUnit report: no failure, no error, no skipped test (Odoo skips
  browser tours silently when Chromium or websocket-client is missing), at least one test per addon;
- the Odoo logs of install and tests: no WARNING, ERROR or CRITICAL line from our addons;
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
# our models by dotted name or table name
OUR_MODELS = (
    r"crm[._](customer[._]tier|tier[._]rule|lifecycle|rfm|value"
    r"|satisfaction|complaint|churn|followup)"
)


def check_junit(path, addons):
    problems = []
    if not path.exists():
        return ["no JUnit report: pytest did not run"], {}
    counts = collections.Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        top = case.get("classname", "").split(".")[0] or "?"
        counts[top] += 1
        name = f"{case.get('classname')}::{case.get('name')}"
        for tag in ("failure", "error"):
            if case.find(tag) is not None:
                problems.append(f"{tag}: {name}")
        skipped = case.find("skipped")
        if skipped is not None:
            problems.append(f"skipped (a test must run or fail): {name}: {skipped.get('message')}")
    for addon in addons:
        if not counts[addon]:
            problems.append(f"no test ran for {addon}")
    return problems, counts


def check_logs(paths, addons):
    ours = re.compile("|".join([*map(re.escape, addons), OUR_MODELS]))
    problems = []
    for path in paths:
        if not path.exists():
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
    args = parser.parse_args()

    problems, counts = check_junit(args.junit, args.addons)
    if args.pytest_rc != 0:
        problems.append(f"pytest exited with code {args.pytest_rc}")
    log_problems = check_logs(args.logs, args.addons)
    problems += log_problems

    print("\nTests per area:")
    for area, n in sorted(counts.items()):
        print(f"  {area:<24} {n:>4} tests")
    print("Coverage per addon:")
    print("\n".join(coverage_summary(args.root, args.addons, args.coverage)))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        print("\n".join(f"  - {p}" for p in problems[:200]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
