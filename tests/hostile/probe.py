"""Run the hostile corpus through every target and count the outcomes (issue 18's probe).

::

    python tests/hostile/probe.py                      # this checkout
    python tests/hostile/probe.py --code /tmp/main     # another checkout (e.g. main, for "before")
    python tests/hostile/probe.py --json results.json  # every run, for the record

Each case runs in its own subprocess (:mod:`worker`) with an address-space limit and a
time limit per target; the subprocess itself is killed if it outlives all of them (the
targets it did not report count as hangs). Prints the counts: cases, runs, clean
errors, tracebacks, hangs, wrong successes, socket uses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from corpus import cases  # noqa: E402

N_TARGETS = 18


def run_batch(names: list[str], workdir: Path, seconds: int, code: str | None) -> list[dict[str, Any]]:
    """Run some cases in one worker subprocess; targets a killed worker did not report are hangs."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, str(HERE / "worker.py"), ",".join(names), str(workdir), str(seconds)]
    limit = 60 + seconds * N_TARGETS * len(names)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env=env, cwd=workdir)
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = "killed after the batch time limit"
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for name in names:
        if sum(r["case"] == name for r in records) < N_TARGETS:
            records.append({"case": name, "target": "worker", "outcome": "hang", "detail": err[-300:]})
    return records


def summarize(records: list[dict[str, Any]]) -> dict[str, int]:
    """The counts the issue asks for."""
    counts = Counter(r["outcome"] for r in records)
    return {
        "cases": len({r["case"] for r in records}),
        "runs": sum(v for k, v in counts.items() if k != "skipped"),
        "ok": counts["ok"],
        "clean errors": counts["clean-error"],
        "tracebacks": counts["traceback"],
        "hangs": counts["hang"],
        "wrong successes": counts["wrong-success"],
        "socket uses": sum(len(r.get("sockets", [])) for r in records),
    }


def run_all(
    seconds: int = 10,
    code: str | None = None,
    names: list[str] | None = None,
    workers: int = 2,
    batch: int = 6,
) -> list[dict[str, Any]]:
    """Every case (or ``names``), in batches of ``batch`` cases per subprocess, ``workers`` at a time."""
    chosen = [c.name for c in cases() if names is None or c.name in names]
    batches = [chosen[i : i + batch] for i in range(0, len(chosen), batch)]
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp, ThreadPoolExecutor(workers) as pool:
        results = pool.map(lambda b: run_batch(b, Path(tmp), seconds, code), batches)
        return [r for rs in results for r in rs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", help="folder holding the ebrains_curation package to probe")
    parser.add_argument("--seconds", type=int, default=10, help="time limit per target")
    parser.add_argument("--json", help="write every run to this file")
    parser.add_argument("--case", action="append", help="only these cases")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=6, help="cases per subprocess")
    args = parser.parse_args()
    records = run_all(args.seconds, args.code, args.case, args.workers, args.batch)
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    bad = [r for r in records if r["outcome"] in ("traceback", "hang", "wrong-success") or r.get("sockets")]
    for r in sorted(bad, key=lambda r: (r["outcome"], r["case"], r["target"])):
        print(f"{r['outcome']:<14} {r['case']:<30} {r['target']:<26} {r['detail'][:110]}")
    print(json.dumps(summarize(records)))


if __name__ == "__main__":
    main()
