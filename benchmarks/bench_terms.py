"""Controlled-term look-up by name: ebrains_curation.get_term vs openminds' own Cls.by_name.

Both resolve the same names (exact names, case variants, synonyms) from the same
openminds v4 instance library; we time N rounds of each and print the ratio.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import openminds.v4.controlled_terms as terms
import openminds.v4.core as core

from ebrains_curation.schemas import get_term

CASES = [
    ("license", core.License, "CC-BY-4.0"),
    ("species", terms.Species, "Mus musculus"),
    ("species", terms.Species, "mouse"),
    ("technique", terms.Technique, "patch clamp"),
    ("content type", core.ContentType, "application/json"),
    ("accessibility", terms.ProductAccessibility, "free access"),
]
ROUNDS = 2000


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        fn()
    return time.perf_counter() - start


def main() -> None:
    # warm both indexes (first calls build them)
    for kind, cls, name in CASES:
        assert get_term(kind, name) is cls.by_name(name, case_sensitive=False)
    ours = timed(lambda: [get_term(k, n) for k, _, n in CASES])
    peer = timed(lambda: [c.by_name(n, case_sensitive=False) for _, c, n in CASES])
    n = ROUNDS * len(CASES)
    print(f"look-ups: {n}")
    print(f"ebrains_curation.get_term : {ours:.3f} s ({n / ours:,.0f}/s)")
    print(f"openminds Cls.by_name     : {peer:.3f} s ({n / peer:,.0f}/s)")
    print(f"ratio (openminds / ours)  : {peer / ours:.1f}x")


if __name__ == "__main__":
    main()
