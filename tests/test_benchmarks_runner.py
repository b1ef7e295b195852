"""benchmarks/run.py: figures of the previous run are compared, a slowdown over 20% is flagged."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _fig(value: float, better: str = "lower", unit: str = "s") -> dict:
    return {"value": value, "unit": unit, "better": better}


def test_compare_flags_only_what_got_more_than_20_percent_worse() -> None:
    run = _runner()
    previous = {
        "a: time": _fig(1.0),
        "a: speed-up": _fig(10.0, "higher", "x"),
        "a: steady": _fig(2.0),
        "a: faster now": _fig(2.0),
    }
    current = {
        "a: time": _fig(1.25),  # 25% slower
        "a: speed-up": _fig(8.0, "higher", "x"),  # 25% worse
        "a: steady": _fig(2.3),  # 15%: within the limit
        "a: faster now": _fig(1.0),
        "a: new figure": _fig(99.0),  # nothing to compare with
    }
    flags = run.compare(previous, current)
    assert len(flags) == 2
    assert any(f.startswith("SLOWER a: time") for f in flags)
    assert any(f.startswith("SLOWER a: speed-up") for f in flags)


def test_a_run_records_figures_and_the_next_compares(tmp_path: Path) -> None:
    bench = tmp_path / "benchmarks"
    bench.mkdir()
    for name in ("run.py", "_figures.py"):
        (bench / name).write_text((ROOT / "benchmarks" / name).read_text())
    script = bench / "bench_fake.py"
    script.write_text(
        "import os\nfrom _figures import record\nrecord('t', float(os.environ.get('FAKE_T', '1')), 's')\n"
    )
    cmd = [sys.executable, str(bench / "run.py"), "--strict"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert first.returncode == 0 and "no previous run" in first.stdout
    assert json.loads((bench / "last-run.json").read_text())["bench_fake: t"]["value"] == 1.0
    env = {"FAKE_T": "1.5", "PATH": "/usr/bin:/bin"}
    second = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert second.returncode == 1, second.stdout  # --strict: a figure got 50% worse
    assert "SLOWER bench_fake: t: 1.5 s now, 1 last run (50% worse" in second.stdout
