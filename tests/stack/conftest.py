"""The stack tests run in a plain pytest (-p no:django): the shop runs elsewhere
(.ci/stack started it) and is reached over HTTP only."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def stack():
    if "STACK_URL" not in os.environ:
        pytest.skip("needs the running stack (.ci/stack)")
    return os.environ


@pytest.fixture(scope="session")
def manage(stack):
    """Run Python in the shop's process environment (as an operator's shell would)."""

    def run(code: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.strip()

    return run
