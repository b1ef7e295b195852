"""Run every benchmark in this folder (``make bench``), or the ones named: ``python benchmarks/run.py terms graph``.

Each ``bench_*.py`` is a standalone script that measures our code and the peer
it names side by side in one run and prints its figures and the ratio.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(name in s.stem for name in argv)]
    failed = 0
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(
            f"--- {script.stem}: {time.perf_counter() - start:.1f} s, exit {result.returncode}\n", flush=True
        )
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
