"""README.md stays true: the two commands come first, the script example runs, the CLI reference is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    """`make demo` and `make test` are the first commands a reader sees."""
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_script_example_runs(tmp_path, monkeypatch) -> None:
    """The 'In a script' example runs as written."""
    block = re.search(r"## In a script\s+```python\n(.*?)```", README, re.S)
    assert block
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {})
    assert (tmp_path / "dataset-version.jsonld").exists()


def test_cli_reference_is_generated_from_click() -> None:
    """The CLI reference matches the commands (regenerate with tools/gen_cli_reference.py)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_cli_reference.py"), "--check"], cwd=ROOT
    )
    assert result.returncode == 0, "run: python tools/gen_cli_reference.py"
    for command in ("validate", "convert", "inventory", "kg submit", "kg serve", "graph", "check", "demo"):
        assert f"#### `ebrains-curation {command}`" in README
