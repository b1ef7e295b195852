"""Runs the test modules that cannot share a process with the rest of the suite (see conftest).

Importing fairgraph swaps the ``openminds`` classes in openMINDS' registry for its own, so its
tests run in a fresh interpreter: a failure there fails this test with pytest's own output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ISOLATED_ENV, ISOLATED_MODULES

HERE = Path(__file__).parent


@pytest.mark.slow
@pytest.mark.parametrize("module", ISOLATED_MODULES)
def test_isolated_module_passes_in_its_own_process(module: str) -> None:
    env = {**os.environ, ISOLATED_ENV: "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE / module)],
        cwd=HERE.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    tail = "\n".join(proc.stdout.splitlines()[-60:])
    assert proc.returncode == 0, f"{module} failed in its own process:\n{tail}\n{proc.stderr[-2000:]}"
    assert " passed" in proc.stdout, tail
