"""Strip the outputs of Jupyter notebooks so that git stores only their source.

::

    python tools/strip_notebooks.py                 # every notebooks/*.ipynb, in place
    python tools/strip_notebooks.py --check         # exit 1 if a notebook still has outputs (for CI)
    python tools/strip_notebooks.py a.ipynb b.ipynb

Removes cell outputs, execution counts, execution timings and the interpreter version
recorded in the notebook metadata; leaves the cells, their ids and tags alone. A notebook
that is already clean is not rewritten. Uses only the standard library (the files are
written the way nbformat writes them: one-space indent, sorted keys, UTF-8).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: cell metadata written by Jupyter front ends while running or viewing a notebook
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")
#: notebook metadata that records the machine it last ran on
VOLATILE_NOTEBOOK_METADATA = ("widgets", "signature")


def problems(nb: dict[str, Any]) -> list[str]:
    """What :func:`strip` would remove, in words (empty when the notebook is clean)."""
    found = []
    for n, cell in enumerate(nb.get("cells", []), 1):
        where = f"cell {n} ({cell.get('id', 'no id')})"
        if cell.get("cell_type") == "code":
            if cell.get("outputs"):
                found.append(f"{where} has outputs")
            if cell.get("execution_count") is not None:
                found.append(f"{where} has an execution count")
        volatile = [k for k in VOLATILE_CELL_METADATA if k in cell.get("metadata", {})]
        if volatile:
            found.append(f"{where} has run-time metadata {', '.join(volatile)}")
    meta = nb.get("metadata", {})
    volatile = [k for k in VOLATILE_NOTEBOOK_METADATA if k in meta]
    if set(meta.get("language_info", {})) - {"name"}:
        volatile.append("language_info")
    if volatile:
        found.append(f"notebook metadata has {', '.join(volatile)}")
    return found


def strip(nb: dict[str, Any]) -> dict[str, Any]:
    """Remove outputs, execution counts and run-time metadata from ``nb`` (in place); returns it."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    meta = nb.get("metadata", {})
    for key in VOLATILE_NOTEBOOK_METADATA:
        meta.pop(key, None)
    if "language_info" in meta:
        meta["language_info"] = {"name": meta["language_info"].get("name", "python")}
    return nb


def dumps(nb: dict[str, Any]) -> str:
    """The notebook as nbformat writes it."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def strip_file(path: Path, *, check: bool = False) -> list[str]:
    """Strip one notebook file (unless ``check``); returns what was (or would be) removed."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = problems(nb)
    if found and not check:
        path.write_text(dumps(strip(nb)), encoding="utf-8")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Strip outputs from Jupyter notebooks.")
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a notebook has outputs")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("*.ipynb"))
    dirty = 0
    for path in paths:
        found = strip_file(path, check=args.check)
        if found:
            dirty += 1
            verb = "needs stripping" if args.check else "stripped"
            print(f"{path}: {verb}: {'; '.join(found)}")
    if args.check and dirty:
        print(f"{dirty} notebook(s) have outputs: run python tools/strip_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
