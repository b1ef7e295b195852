"""Frame cost: what one more Python call per property value would cost the native engine.

Run:  .venv/bin/python benchmarks/bench_frame_cost.py [--files 20000]

Why ``NativeEngine._compile_prop`` is one long closure (issue 16: functions over ~80 lines need a
measured reason). Ours: ``validate()`` of the bench_validate graph; the floor: the machine's cost of
one 5-argument Python call (timeit), times the number of per-value ``check`` calls (cProfile count).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _figures import record
from bench_validate import _graph, build_objects


def _call(a: int, b: int, c: int, d: int, e: int) -> None:
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=20_000)
    args = ap.parse_args()
    from ebrains_curation.validate import validate

    graph = _graph(build_objects(args.files))
    validate(graph)  # warm caches
    ours = min(timeit.repeat(lambda: validate(graph), number=1, repeat=3))
    prof = cProfile.Profile()
    prof.enable()
    validate(graph)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    calls = sum(v[1] for k, v in stats.items() if k[0].endswith("native.py") and k[2] == "check")
    call = min(timeit.repeat(lambda: _call(1, 2, 3, 4, 5), number=200_000, repeat=5)) / 200_000
    empty = min(timeit.repeat(lambda: None, number=200_000, repeat=5)) / 200_000
    extra = calls * (call - empty)
    print(f"  validate(DatasetVersion + {args.files:,} Files), native engine: {ours:.3f} s")
    print(f"  check() calls (one per property value and node): {calls:,}")
    print(f"  one more 5-argument call (machine floor): {(call - empty) * 1e9:.0f} ns")
    print(f"  one more frame per value: +{extra:.3f} s = +{100 * extra / ours:.1f} % of validate()")
    record("frame_cost_percent", 100 * extra / ours, "%")


if __name__ == "__main__":
    main()
