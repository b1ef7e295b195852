"""Turtle / N-Triples output of large graphs (issue 18): time and peak RSS, and the size limit.

rdflib builds the whole graph, then its text, in memory. Each case runs in a fresh process
(peak RSS is per process); the floor is compact JSON-LD output of the same graph (our own
writer, no rdflib). Over ``EBRAINS_CURATION_RDF_MAX_VALUES`` (default 250,000 values) the
RDF writers refuse at once; ``--full`` also runs the issue's sizes (200,000 people, a
million-value list) without the limit, which takes minutes and GBs (the "before").

    python benchmarks/bench_rdf_limit.py [--full]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import warnings

OM = "https://openminds.om-i.org/"


def _case(kind: str, n: int, fmt: str) -> None:
    import ebrains_curation as ec

    g = ec.MetadataGraph("v4")
    if kind == "people":
        for i in range(n):
            g.add_node(
                {
                    "@id": f"https://example.org/p{i}",
                    "@type": OM + "types/Person",
                    "givenName": f"G{i}",
                    "familyName": "F",
                }
            )
    else:
        g.add_node(
            {
                "@id": "https://example.org/p",
                "@type": OM + "types/Person",
                "alternateName": [f"n{i}" for i in range(n)],
            }
        )
    built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    try:
        outcome = f"{len(ec.dumps(g, fmt)) / 1e6:.1f} MB written"
    except ec.CurationError as exc:
        outcome = f"refused ({type(exc).__name__})"
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  {kind:6} {n:>9,} {fmt:8}: {took:7.1f} s, peak RSS {peak:6.0f} MB (graph {built:.0f} MB): {outcome}"
    )
    print(f"RESULT {took}", flush=True)


def _run(kind: str, n: int, fmt: str, limit: str | None = None) -> float:
    env = dict(os.environ)
    if limit is not None:
        env["EBRAINS_CURATION_RDF_MAX_VALUES"] = limit
    out = subprocess.run(
        [sys.executable, __file__, "--case", kind, str(n), fmt],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print("".join(line + "\n" for line in out.splitlines() if not line.startswith("RESULT")), end="")
    return float(out.rsplit("RESULT ", 1)[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also the issue's sizes without the limit (minutes)")
    ap.add_argument("--case", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        _case(args.case[0], int(args.case[1]), args.case[2])
        return
    print("people = 3 values each; list = one node holding n values. Limit: 250,000 values (default).")
    for n in (20_000, 80_000):
        floor = _run("people", n, "jsonld")
        for fmt in ("ntriples", "turtle"):
            ours = _run("people", n, fmt)
            print(f"  -> {fmt} / JSON-LD floor: {ours / floor:.1f}x")
    print("over the limit (default): refused at once")
    for kind, n in (("people", 200_000), ("list", 1_000_000)):
        for fmt in ("ntriples", "turtle"):
            _run(kind, n, fmt)
    if args.full:
        print("the same without a limit (EBRAINS_CURATION_RDF_MAX_VALUES=0), as before the limit:")
        for kind, n in (("people", 200_000), ("list", 1_000_000)):
            floor = _run(kind, n, "jsonld")
            for fmt in ("ntriples", "turtle"):
                ours = _run(kind, n, fmt, limit="0")
                print(f"  -> {fmt} / JSON-LD floor: {ours / floor:.1f}x")


if __name__ == "__main__":
    main()
