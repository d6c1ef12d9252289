"""The code keeps its shape: layers and pure modules (import-linter contracts in
pyproject.toml), and no function-level import of a storefront module."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_importing_a_pure_module_loads_no_flask():
    code = "import sys, storefront.money, storefront.i18n.negotiation, storefront.pricing.display; " \
           "print(sorted(m for m in ('flask', 'sqlalchemy', 'stripe', 'marshmallow') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_function_level_imports_of_storefront_modules():
    """Imports at the top say what a module depends on; a local import hides a
    dependency (or a cycle). The package's lazy ``create_app`` is the one exception."""
    found = []
    for path in sorted((ROOT / "storefront").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                module = node.module if isinstance(node, ast.ImportFrom) else None
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [module or ""]
                if any(n == "storefront" or n.startswith("storefront.") for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == ["storefront/__init__.py:15"]
