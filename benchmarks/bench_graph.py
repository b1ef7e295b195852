"""Benchmark: writing and loading compact JSON-LD, ours vs the ``openminds`` package's Collection.

One DatasetVersion with one FileRepository of N Files (name, IRI, MD5 hash, storage size,
format), openMINDS v4. Each side runs in its own child process (so peak memory is its
own); both are measured in this one run and the ratio is printed::

    python benchmarks/bench_graph.py                 # N = 100,000 (a few minutes at most)
    python benchmarks/bench_graph.py --n 10000
    python benchmarks/bench_graph.py --no-million    # without our side at N = 1,000,000

Phases: ``collect`` (openminds objects → Collection / MetadataGraph), ``save``
(one compact JSON-LD file: ``Collection.save`` / ``ebrains_curation.dump``), ``load``
(``Collection().load(version="v4")`` / ``ebrains_curation.load``). Peak RSS is the
child's maximum resident set size, which includes building the openminds objects; it is
taken after the first save and load, before anything else runs in that child.

Every side is timed the same way: the best of several rounds, in one process. Ours and
the floor's: :data:`ROUNDS` rounds, alternating (our save, our load, the floor's parse,
the floor's write) so that a burst of load from other work on the machine hits both;
ours pauses the garbage collector itself, as the floor's loop does. openminds' save and
load: :data:`PEER_ROUNDS` rounds (12 s each; the graph is deleted before each load, as
ours is).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from _figures import record, target

#: rounds of ours and the floor's; each phase's figure is the best (fastest) round, CPU and wall alike
ROUNDS = 3
#: rounds of openminds' (ten to thirty times slower: its noise decides no ratio)
PEER_ROUNDS = 2


def _build(n: int):
    import openminds.v4.controlled_terms as terms
    import openminds.v4.core as core
    from openminds import IRI

    byte = terms.UnitOfMeasurement.by_name("byte")
    fmt = core.ContentType.by_name("application/json")
    org = core.Organization(id="https://example.org/org/ebrains", full_name="EBRAINS")
    repo = core.FileRepository(
        id="https://example.org/repo",
        name="demo bucket",
        iri=IRI("https://data-proxy.ebrains.eu/api/v1/buckets/demo"),
        hosted_by=org,
    )
    files = [
        core.File(
            id=f"https://example.org/file/{i:07d}",
            name=f"sub-{i:05d}_ses-01_ecephys.json",
            iri=IRI(f"https://data-proxy.ebrains.eu/api/v1/buckets/demo/sub-{i:05d}/ses-01/ecephys.json"),
            hashes=[core.Hash(algorithm="MD5", digest=f"{i:032x}")],
            storage_size=core.QuantitativeValue(value=1000 + i, unit=byte),
            format=fmt,
            file_repository=repo,
        )
        for i in range(n)
    ]
    dsv = core.DatasetVersion(
        id="https://example.org/dsv", short_name="bench", version_identifier="v1", repository=repo
    )
    return dsv, files


class _Clock:
    """Wall and CPU time of one phase (CPU: what it would take alone on a machine others share)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self, out: dict, phase: str) -> None:
        out[f"{phase}_s"] = time.perf_counter() - self.wall
        out[f"{phase}_cpu"] = time.process_time() - self.cpu


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(side: str, n: int, workdir: str, rounds: int = ROUNDS) -> dict:
    t0 = time.perf_counter()
    dsv, files = _build(n)
    out = {"side": side, "n": n, "build_s": time.perf_counter() - t0, "rss_after_build_mb": _rss_mb()}
    path = os.path.join(workdir, f"{side}-{n}.jsonld")
    if side == "floor":  # the same objects, then only the parse of our file (written by our side)
        import msgspec

        with open(os.path.join(workdir, f"ebrains-curation-{n}.jsonld"), "rb") as fh:
            doc = msgspec.json.Decoder().decode(fh.read())
        out["nodes"] = len(doc["@graph"])
        out["peak_rss_mb"] = _rss_mb()
        return out
    if side == "openminds":
        _openminds_rounds(dsv, files, path, out, rounds)
        os.unlink(path)
    else:
        _our_rounds(dsv, files, path, out, rounds)
    return out


def _best(out: dict, phase: str, clock: _Clock) -> None:
    """Keep the faster of this round and the best so far (wall and CPU separately)."""
    now: dict = {}
    clock.stop(now, phase)
    for key, value in now.items():
        out[key] = min(out.get(key, float("inf")), value)


def _openminds_rounds(dsv: object, files: list, path: str, out: dict, rounds: int) -> None:
    from openminds import Collection

    t = time.perf_counter()
    c = Collection(dsv, *files)
    out["collect_s"] = time.perf_counter() - t
    out["rss_after_collect_mb"] = _rss_mb()
    out["nodes"] = len(c)
    for _ in range(rounds):
        clock = _Clock()
        c.save(path)
        _best(out, "save", clock)
        out.setdefault("rss_after_save_mb", _rss_mb())
        clock = _Clock()
        c2 = Collection()
        c2.load(path, version="v4")
        _best(out, "load", clock)
        out["loaded_nodes"] = len(c2)
        del c2
        out.setdefault("peak_rss_mb", _rss_mb())
    out["file_mb"] = os.path.getsize(path) / 1e6


def _our_rounds(dsv: object, files: list, path: str, out: dict, rounds: int) -> None:
    """Our save and load, each round followed by the floor's (none with one round: the million-File line)."""
    from ebrains_curation.graph import MetadataGraph, dump, load

    t = time.perf_counter()
    g = MetadataGraph("v4")
    g.add(dsv, *files)
    out["collect_s"] = time.perf_counter() - t
    out["rss_after_collect_mb"] = _rss_mb()
    out["nodes"] = len(g)
    floor = _Floor(path) if rounds > 1 else None
    for _ in range(rounds):
        clock = _Clock()
        dump(g, path, overwrite=True)
        _best(out, "save", clock)
        out.setdefault("rss_after_save_mb", _rss_mb())
        del g
        clock = _Clock()
        g = load(path)
        _best(out, "load", clock)
        out["loaded_nodes"] = len(g)
        out.setdefault("peak_rss_mb", _rss_mb())  # (before the floor's first parse)
        out["file_mb"] = os.path.getsize(path) / 1e6
        if floor is not None:
            floor.round(out)  # (the file stays for the floor's memory child)


class _Floor:
    """The bare floor: parsing the same file and writing the same document (indented, sorted keys)
    with the fastest of orjson and msgspec, nothing else (garbage collector paused, as in ours)."""

    def __init__(self, path: str) -> None:
        import msgspec

        self.path = path
        enc = msgspec.json.Encoder(order="sorted")
        self.pairs: list[tuple] = [
            (msgspec.json.Decoder().decode, lambda doc: msgspec.json.format(enc.encode(doc), indent=2))
        ]
        try:
            import orjson

            opts = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
            self.pairs.append((orjson.loads, lambda doc: orjson.dumps(doc, option=opts)))
        except ImportError:  # pragma: no cover - orjson is a dependency
            pass

    def round(self, out: dict) -> None:
        import gc

        gc.disable()
        try:
            for parser, writer in self.pairs:
                clock = _Clock()
                with open(self.path, "rb") as fh:
                    doc = parser(fh.read())
                _best(out, "floor_load", clock)
                clock = _Clock()
                with open(self.path + ".floor", "wb") as fh:
                    fh.write(writer(doc))
                _best(out, "floor_save", clock)
                os.unlink(self.path + ".floor")
                del doc
        finally:
            gc.enable()


def run_child(side: str, n: int, workdir: str, rounds: int = ROUNDS) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        side,
        "--n",
        str(n),
        "--workdir",
        workdir,
        "--rounds",
        str(rounds),
    ]
    # the million-File file is over the default input limit (512 MB): the benchmark reads it on purpose
    env = dict(os.environ, EBRAINS_CURATION_MAX_INPUT_MB="0")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{side} child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _row(r: dict) -> str:
    return (
        f"{r['side']:>16} N={r['n']:>9,}  nodes={r['nodes']:>9,}  collect {r['collect_s']:6.2f} s  "
        f"save {r['save_s']:6.2f} s  load {r['load_s']:6.2f} s  file {r['file_mb']:7.1f} MB  "
        f"peak RSS {r['peak_rss_mb']:7.0f} MB"
    )


def _phases(r: dict) -> str:
    """Where the peak is reached: the high-water mark of resident memory after each phase."""
    marks = [
        ("building the openminds objects", r["rss_after_build_mb"]),
        ("collecting", r["rss_after_collect_mb"]),
        ("saving", r["rss_after_save_mb"]),
        ("loading", r["peak_rss_mb"]),
    ]
    steps = ", ".join(f"{name} {mb:.0f}" for name, mb in marks)
    top = next(name for name, mb in marks if mb >= r["peak_rss_mb"] - 0.5)
    return f"peak RSS reached while {top} (high-water mark after each phase, MB: {steps})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument(
        "--million",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run our side with 1,000,000 files (default; --no-million to skip)",
    )
    ap.add_argument("--child", choices=["openminds", "ebrains-curation", "floor"])
    ap.add_argument("--workdir")
    ap.add_argument("--rounds", type=int, default=ROUNDS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n, args.workdir, args.rounds)))
        return
    with tempfile.TemporaryDirectory() as workdir:
        print(
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; compact JSON-LD, openMINDS v4; "
            f"times are the best of {ROUNDS} rounds (openminds: {PEER_ROUNDS}; the million-File line: one)"
        )
        ours = run_child("ebrains-curation", args.n, workdir)
        theirs = run_child("openminds", args.n, workdir, rounds=PEER_ROUNDS)
        ours["floor_peak_rss_mb"] = run_child("floor", args.n, workdir)["peak_rss_mb"]
        print(_row(theirs))
        print(_row(ours))
        for side in (theirs, ours):
            print(f"{'':>16}  {side['side']}: {_phases(side)}")
        print(
            f"{'CPU seconds':>16}  openminds save {theirs['save_cpu']:.2f} load {theirs['load_cpu']:.2f};  "
            f"ours save {ours['save_cpu']:.2f} load {ours['load_cpu']:.2f};  "
            f"floor save {ours['floor_save_cpu']:.2f} load {ours['floor_load_cpu']:.2f}"
        )
        print(
            f"{'speed-up':>16}  save ×{theirs['save_s'] / ours['save_s']:.1f}   "
            f"load ×{theirs['load_s'] / ours['load_s']:.1f}   "
            f"save+load ×{(theirs['save_s'] + theirs['load_s']) / (ours['save_s'] + ours['load_s']):.1f}"
        )
        _targets(ours, theirs)
        if args.million:
            big = run_child("ebrains-curation", 1_000_000, workdir, rounds=1)
            print(_row(big))
            print(
                f"{'CPU seconds':>16}  ours, 1,000,000 Files: save {big['save_cpu']:.2f} load {big['load_cpu']:.2f}"
            )
            record("1,000,000 Files: save", big["save_s"], "s")
            record("1,000,000 Files: load", big["load_s"], "s")
            record("1,000,000 Files: peak RSS", big["peak_rss_mb"], "MB")


def _targets(ours: dict, theirs: dict) -> None:
    """The issue-19 target lines for compact JSON-LD save and load, and the figures for run.py."""
    n = ours["n"]
    if "floor_save_s" in ours:
        print(
            f"{'floor':>16}  save {ours['floor_save_s']:6.2f} s  load {ours['floor_load_s']:6.2f} s"
            "  (orjson or msgspec, the faster: the same document serialised / parsed, nothing else)"
        )
    for phase in ("save", "load"):  # CPU times: what each side takes alone on a machine others share
        speedup = theirs[f"{phase}_cpu"] / ours[f"{phase}_cpu"]
        target(f"{phase}: openminds / ours, {n:,} Files (CPU)", speedup, ">= 10x", speedup >= 10)
        record(f"{phase} {n} Files, CPU", ours[f"{phase}_cpu"], "s")
        record(f"{phase}: openminds / ours, CPU", speedup, "x", "higher")
        if f"floor_{phase}_cpu" in ours:
            to_floor = ours[f"{phase}_cpu"] / ours[f"floor_{phase}_cpu"]
            target(f"{phase}: ours / JSON-library floor (CPU)", to_floor, "<= 2x", to_floor <= 2)
            record(f"{phase}: ours / JSON-library floor, CPU", to_floor, "x")
    mem = ours["peak_rss_mb"] / theirs["peak_rss_mb"]
    target("peak memory: ours / openminds", mem, "< 1", mem < 1)
    if "floor_peak_rss_mb" in ours:  # the same objects, then the file's bytes and its parse, nothing else
        floor_mem = ours["floor_peak_rss_mb"] / theirs["peak_rss_mb"]
        print(
            f"  (the floor itself: building the same objects, then reading and parsing our file: peak "
            f"{ours['floor_peak_rss_mb']:.0f} MB, {floor_mem:.2f} of openminds')"
        )
    record("peak RSS", ours["peak_rss_mb"], "MB")


if __name__ == "__main__":
    main()
