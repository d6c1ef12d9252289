"""Pure domain modules stay pure (import-linter contract in pyproject.toml)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pure_modules_import_no_framework():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_importing_a_pure_module_loads_no_flask():
    code = "import sys, storefront.money, storefront.i18n.negotiation, storefront.pricing.display; " \
           "print(sorted(m for m in ('flask', 'sqlalchemy', 'stripe', 'marshmallow') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
