"""Writes each addon's README.rst from its manifest and readme/*.md fragments (OCA layout).

python setup/readme.py            regenerate
python setup/readme.py --check    fail when a README.rst is not what the fragments give
"""

import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = ("crm_lifecycle_tiering", "crm_satisfaction", "crm_churn_warning")
SECTIONS = (("DESCRIPTION.md", None), ("CONFIGURE.md", "Configuration"), ("USAGE.md", "Usage"))


def md_to_rst(text):
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    return text.strip() + "\n"


def render(addon):
    manifest = ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())
    title = manifest["name"]
    badge = manifest["license"].replace("-", "--")
    parts = [
        "=" * len(title),
        title,
        "=" * len(title),
        "",
        f".. |license| image:: https://img.shields.io/badge/licence-{badge}-blue.png",
        "",
        f"|license| {manifest['summary']}",
        "",
        f"Technical name: ``{addon}``, version {manifest['version']}.",
        "",
    ]
    for filename, heading in SECTIONS:
        path = ROOT / addon / "readme" / filename
        if not path.exists():
            continue
        if heading:
            parts += [heading, "=" * len(heading), ""]
        parts += [md_to_rst(path.read_text()), ""]
    parts += [
        "Credits",
        "=======",
        "",
        f"Authors: {manifest['author']}. Maintainers: {', '.join(manifest['maintainers'])}.",
        "",
        f"Source: {manifest['website']}",
        "",
    ]
    return "\n".join(parts)


def main(check):
    stale = []
    for addon in ADDONS:
        path = ROOT / addon / "README.rst"
        text = render(addon)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(addon)
        else:
            path.write_text(text)
    if stale:
        print(f"README.rst out of date in {', '.join(stale)}: run python setup/readme.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
