"""The README's commands run as written, from a plain shell (issue 16)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
README = (ROOT / "README.md").read_text()
DOCUMENTED = sorted(set(re.findall(r"flask storefront ([a-z]+)\s+([a-z][a-z-]*)", README)))


def plain_env(**extra: str) -> dict[str, str]:
    """A shell without the Makefile's exports (no FLASK_APP)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "STOREFRONT_", "DATABASE_URL"))}
    return {**env, **extra}


def test_the_readme_documents_every_command_and_each_one_exists(app):
    runner = app.test_cli_runner()
    assert len(DOCUMENTED) >= 13, DOCUMENTED
    from storefront.cli import storefront_cli

    every = {(g, c) for g, group in storefront_cli.commands.items() for c in group.commands}
    assert every <= set(DOCUMENTED), f"undocumented: {sorted(every - set(DOCUMENTED))}"
    for group, command in DOCUMENTED:
        result = runner.invoke(args=["storefront", group, command, "--help"])
        assert result.exit_code == 0, (group, command, result.output)


def test_flask_finds_the_app_from_a_plain_shell(tmp_path):
    result = subprocess.run([str(BIN / "flask"), "storefront", "--help"], cwd=ROOT, capture_output=True, text=True,
                            env=plain_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), timeout=60)
    assert result.returncode == 0, result.stderr
    assert "tokens" in result.stdout and "outbox" in result.stdout


@pytest.mark.parametrize("command", [
    [str(BIN / "flask"), "storefront", "tokens", "list"],
    [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py", "storefront:create_app()"],
])
def test_a_configuration_error_is_one_line(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env=plain_env(STOREFRONT_ENV="production"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "configuration error" in lines[0] and "DATABASE_URL" in lines[0], result.stderr


def test_a_database_without_tables_is_a_message(tmp_path):
    result = subprocess.run([str(BIN / "flask"), "storefront", "tokens", "list"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env=plain_env(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: the database has no tables yet: run `flask db upgrade` first (make run does)"], result.stderr
