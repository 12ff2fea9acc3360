"""Static checks of the test code that pytest cannot see (run by setup/test before the tests):

- a stand-in patched with ``create=True`` keeps passing after the patched method is renamed or
  removed: patch existing attributes only;
- ``assertRaises(UserError)`` or ``assertRaises(ValidationError)`` without a message accepts any
  other refusal (an AccessError is a UserError): assert the message with ``assertRaisesRegex``;
- every ``test_*.py`` of an addon's tests/ is imported by its ``__init__.py``, or Odoo's own test
  runner (``odoo-bin --test-enable``) never runs it.

Usage: check_tests.py ROOT DIR [DIR…]   (prints each offence; exits 1 when there is any)
"""

import ast
import pathlib
import sys

BROAD = {"UserError", "ValidationError", "Exception"}


def offences(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("object", "patch", "multiple") and any(
            kw.arg == "create"
            and not (isinstance(kw.value, ast.Constant) and kw.value.value is False)
            for kw in node.keywords
        ):
            yield node.lineno, "patched with create=True: patch an existing attribute"
        if (
            name == "assertRaises"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in BROAD
        ):
            yield (
                node.lineno,
                f"assertRaises({node.args[0].id}) accepts any refusal: "
                "use assertRaisesRegex with the message",
            )


def missing_imports(folder):
    """Test modules of an addon's tests/ folder that its __init__.py does not import."""
    init = folder / "__init__.py"
    if not init.exists() or not (folder.parent / "__manifest__.py").exists():
        return []
    imported = set()
    for node in ast.walk(ast.parse(init.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.update(alias.name for alias in node.names)
    return [path for path in sorted(folder.glob("test_*.py")) if path.stem not in imported]


def main(argv):
    root = pathlib.Path(argv[1])
    found = 0
    for folder in argv[2:]:
        for path in missing_imports(root / folder):
            print(f"{path.relative_to(root)}: not imported by {folder}/__init__.py")
            found += 1
        for path in sorted((root / folder).rglob("*.py")):
            for line, message in offences(path):
                print(f"{path.relative_to(root)}:{line}: {message}")
                found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
