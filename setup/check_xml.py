"""Fails when an XML file of the project is not well-formed."""

import pathlib
import sys

from lxml import etree

SKIP = {".venv", ".local", ".git", "node_modules"}


def main(root):
    bad = 0
    count = 0
    for path in sorted(pathlib.Path(root).rglob("*.xml")):
        if SKIP.intersection(path.relative_to(root).parts):
            continue
        count += 1
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError as exc:
            bad += 1
            print(f"{path.relative_to(root)}: {exc}")
    print(f"XML: {count} files, {bad} malformed")
    return 1 if bad or not count else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
