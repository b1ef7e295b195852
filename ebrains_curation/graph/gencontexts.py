"""Regenerate the shipped JSON-LD contexts from the openMINDS type specs.

Run ``python -m ebrains_curation.graph.gencontexts`` after upgrading the
``openminds`` package, and commit the files it writes under
``ebrains_curation/contexts/``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..schemas.versions import get_version
from .context import CONTEXT_FILES, build_context


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``openminds-v3/v4/v5.jsonld``; returns an exit code."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(__file__).resolve().parent.parent / "contexts"
    stale = []
    for key, name in CONTEXT_FILES.items():
        version = get_version(key)
        text = json.dumps(build_context(version), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
        path = out_dir / name
        if "--check" in args:
            if not path.exists() or path.read_text("utf-8") != text:
                stale.append(name)
            continue
        path.write_text(text, "utf-8")
        print(f"wrote {path} ({len(build_context(version)['@context']) - 2} terms)")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run python -m ebrains_curation.graph.gencontexts)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
