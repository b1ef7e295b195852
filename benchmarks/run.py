"""Run every benchmark in this folder (``make bench``), or the ones named: ``python benchmarks/run.py terms graph``.

Each ``bench_*.py`` is a standalone script that measures our code and the peer or
floor it names side by side in one run and prints its figures and the ratio. The
figures each script records (see ``_figures.py``) are kept in ``last-run.json`` next to
this file (not in git); the next run compares with them and flags every figure that
got more than 20% worse (``--strict``: exit status 1 then). Absolute times move with
the machine's load; the ratios to a peer or floor measured in the same run do not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAST = HERE / "last-run.json"
SLOWER = 0.20  #: a figure this much worse than last time is flagged


def compare(previous: dict[str, dict], current: dict[str, dict], limit: float = SLOWER) -> list[str]:
    """Lines naming every figure that got more than ``limit`` worse since ``previous``."""
    flags = []
    for name, fig in current.items():
        old = previous.get(name)
        if not old or not old.get("value") or fig.get("better") != old.get("better"):
            continue
        was, now = float(old["value"]), float(fig["value"])
        worse = now / was - 1 if fig["better"] == "lower" else (was / now - 1 if now else float("inf"))
        if worse > limit:
            flags.append(
                f"SLOWER {name}: {now:.4g} {fig['unit']} now, {was:.4g} last run "
                f"({worse * 100:.0f}% worse, limit {limit * 100:.0f}%)"
            )
    return flags


def _read_figures(path: str, script: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                fig = json.loads(line)
                out[f"{script}: {fig['name']}"] = fig
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="run only the benchmarks whose name holds one of these")
    ap.add_argument("--strict", action="store_true", help="exit status 1 when a figure got >20%% worse")
    args = ap.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(name in s.stem for name in args.names)]
    previous: dict[str, dict] = json.loads(LAST.read_text()) if LAST.exists() else {}
    current: dict[str, dict] = {}
    failed = 0
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as tmp:
            figures = tmp.name
        try:
            env = dict(os.environ, BENCH_FIGURES=figures)
            result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, env=env)
            current.update(_read_figures(figures, script.stem))
        finally:
            os.unlink(figures)
        print(
            f"--- {script.stem}: {time.perf_counter() - start:.1f} s, exit {result.returncode}\n", flush=True
        )
        failed += result.returncode != 0
    flags = compare(previous, current)
    print(f"=== compared with the previous run ({LAST.name}): {len(flags)} figure(s) more than 20% worse")
    for line in flags:
        print(f"  {line}")
    if not previous:
        print("  (no previous run to compare with)")
    LAST.write_text(json.dumps({**previous, **current}, indent=1, sort_keys=True) + "\n")
    return 1 if failed or (args.strict and flags) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
