"""Figures a benchmark hands to ``benchmarks/run.py`` for the run-to-run comparison.

A ``bench_*.py`` script calls :func:`record` for each figure it prints. When run by
``run.py`` (which sets ``BENCH_FIGURES`` to a file), every figure is appended there as
one JSON line; run on its own, :func:`record` does nothing. ``better`` says which way is
an improvement: "lower" for times and memory, "higher" for speed-ups and throughputs.
"""

from __future__ import annotations

import json
import os

ENV = "BENCH_FIGURES"


def record(name: str, value: float, unit: str, better: str = "lower") -> None:
    """Note one figure (``name`` unique within its script) for the comparison with the previous run."""
    if better not in ("lower", "higher"):
        raise ValueError(f"better must be 'lower' or 'higher', not {better!r}")
    path = os.environ.get(ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"name": name, "value": value, "unit": unit, "better": better}) + "\n")


def target(label: str, value: float, goal: str, ok: bool) -> None:
    """Print one target line: the figure, the goal, and whether it is met."""
    print(f"  TARGET {label:<58} {value:10.2f}  goal {goal:<14} {'[met]' if ok else '[NOT met]'}", flush=True)
