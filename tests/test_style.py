"""The package and tests stay ruff clean (configuration in pyproject.toml)."""

import subprocess
import sys

from conftest import ROOT


def test_code_is_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "cnncourse", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
