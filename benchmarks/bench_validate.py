"""Validation benchmark: native engine vs the shacl engine vs openminds' own Collection.validate().

Run:  .venv/bin/python benchmarks/bench_validate.py [--files 100000] [--shacl-files 1000,5000,50000]

The graph is one DatasetVersion (openMINDS v4) with N Files, each with an embedded Hash and
storage size, a content type and a file repository hosted by an organisation: the same
objects go to ``openminds.Collection`` and (as node dicts) to a ``MetadataGraph``. Every
phase is timed on its own, in one run, and the ratios are printed.
"""

from __future__ import annotations

import argparse
import gc
import time


def build_objects(n: int) -> list:
    from openminds import IRI
    from openminds.v4 import controlled_terms as ct
    from openminds.v4 import core

    org = core.Organization(id="https://example.org/org", full_name="University of Examples")
    repo = core.FileRepository(
        id="https://example.org/repo",
        name="demo",
        hosted_by=org,
        iri=IRI("https://data-proxy.ebrains.eu/api/v1/buckets/demo"),
    )
    byte = (
        core.UnitOfMeasurement.by_name("byte")
        if hasattr(core, "UnitOfMeasurement")
        else ct.UnitOfMeasurement.by_name("byte")
    )
    fmt = core.ContentType.by_name("application/json")
    # about 2% of the files are broken, so both sides have findings to agree on:
    # every 97th has no name (required), every 101st a number as hash digest (value kind)
    files = [
        core.File(
            id=f"https://example.org/file/{i:06d}",
            name=None if i % 97 == 5 else f"sub-{i:05d}_ses-01_ecephys.json",
            iri=IRI(f"https://data-proxy.ebrains.eu/api/v1/buckets/demo/sub-{i:05d}/ses-01/ecephys.json"),
            hashes=[core.Hash(algorithm="MD5", digest=i if i % 101 == 7 else f"{i:032x}")],
            storage_size=core.QuantitativeValue(value=1000 + i, unit=byte),
            format=fmt,
            file_repository=repo,
        )
        for i in range(n)
    ]
    person = core.Person(id="https://example.org/alice", given_name="Alice", family_name="Smith")
    dsv = core.DatasetVersion(
        id="https://example.org/dsv",
        short_name="demo",
        version_identifier="v1",
        version_innovation="This is the first version of this research product.",
        accessibility=ct.ProductAccessibility.by_name("free access"),
        authors=[person],
        data_types=[ct.SemanticDataType.by_name("raw data")],
        digital_identifier=core.DOI(
            id="https://example.org/doi", identifier="https://doi.org/10.25493/ABCD-1234"
        ),
        ethics_assessment=ct.EthicsAssessment.by_name("not required"),
        experimental_approaches=[ct.ExperimentalApproach.by_name("electrophysiology")],
        full_documentation=core.WebResource(
            id="https://example.org/doc", iri=IRI("https://example.org/doc.pdf")
        ),
        license=core.License.by_name("CC-BY-4.0"),
        release_date=__import__("datetime").date(2024, 5, 1),
        techniques=[ct.Technique.by_name("patch clamp")],
        repository=repo,
    )
    return [dsv, *files]


def timed(label: str, fn, *args, **kwargs):
    gc.collect()
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    took = time.perf_counter() - start
    print(f"  {label:<52} {took:8.3f} s")
    return out, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument(
        "--shacl-files", default="1000,5000,50000", help="sizes for the SHACL lines (comma-separated)"
    )
    args = ap.parse_args()
    shacl_sizes = {int(x) for x in str(args.shacl_files).split(",") if x.strip()}

    from openminds import Collection

    from ebrains_curation.validate import validate

    validate([{"@id": "_:w", "@type": "https://openminds.om-i.org/types/File"}])  # warm caches (specs, terms)

    for n in sorted(shacl_sizes | {args.files}):
        print(f"\n== DatasetVersion with {n:,} Files (openMINDS v4, profile 'openminds') ==")
        objects, _ = timed("build openminds objects", build_objects, n)
        graph, _ = timed("MetadataGraph.add(objects) (conversion, not validation)", _graph, objects)
        native, t_native, c_native = _timed_cpu("native engine: validate(graph)", validate, graph)
        coll, _ = timed("openminds: Collection(*objects)", Collection, *objects)
        om_result, t_om, c_om = _timed_cpu("openminds: Collection.validate()", coll.validate)
        om_count = sum(len(v) for v in om_result.values()) if isinstance(om_result, dict) else len(om_result)
        print(f"  native findings: {native.counts}; openminds findings: {om_count} messages")
        print(
            f"  ratio openminds.validate / native = {t_om / t_native:6.1f}x wall, {c_om / c_native:6.1f}x CPU"
        )
        print(f"  native findings digest (rule, node, path): {findings_digest(native)}")
        if n in shacl_sizes:
            shacl_lines(graph, native, t_native)
        if n == args.files:
            _native_targets(n, c_native, c_om, native.counts["error"], om_count)
            _same_findings(native, om_result)
        del objects, graph, coll


def _timed_cpu(label: str, fn, *args):
    """Like timed(), and the process's CPU time too: on a shared machine (other work waiting for the
    same cores) CPU time is what the run would take alone; the targets use it."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    took, used = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<52} {took:8.3f} s  ({used:.3f} s CPU)")
    return out, took, used


def _native_targets(n: int, t_native: float, t_om: float, native_errors: int, om_count: int) -> None:
    """The issue-19 target lines of the native engine (CPU times), and its figures for run.py's comparison."""
    import os

    from _figures import record, target

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  (machine load average {load:.1f} on {os.cpu_count()} CPUs: 'idle' holds only near 0)")

    target(f"native validation of {n:,} Files, CPU seconds", t_native, "< 0.5 s", t_native < 0.5)
    target("openminds Collection.validate() / native (CPU)", t_om / t_native, ">= 10x", t_om / t_native >= 10)
    target(
        "same number of findings (native errors == openminds messages)",
        native_errors,
        str(om_count),
        native_errors == om_count,
    )
    record(f"native validate {n} Files, CPU", t_native, "s")
    record(f"openminds validate / native, {n} Files, CPU", t_om / t_native, "x", "higher")


def findings_digest(report) -> str:
    """A short digest of the set of (rule, node, path) of a report: equal digests, the same findings."""
    import hashlib

    found = sorted({(i.rule_id, str(i.node_id), "/".join(map(str, i.path))) for i in report.issues})
    return f"{len(found)} findings, sha256 {hashlib.sha256(repr(found).encode()).hexdigest()[:16]}"


def _same_findings(native, om_result) -> None:
    """Finding by finding: the (node, property) pairs openminds names are the ones the native engine names."""
    from _figures import target

    ours = {(str(i.node_id), str(i.path[-1]).lower()) for i in native.issues if i.path}
    theirs = set()
    for node_id, kinds in (om_result or {}).items():
        for messages in kinds.values():
            for m in messages:  # "name is required, but …" / "digest: Expected str, …"
                theirs.add((str(node_id), m.split(":")[0].split(" is required")[0].strip().lower()))
    same = ours == theirs
    target("same findings, node by node (native == openminds)", len(ours ^ theirs), "0 differ", same)


def shacl_lines(graph, native, t_native: float) -> None:
    """The SHACL side: our shacl engine with each backend, and plain pyshacl on the exported shapes."""
    import importlib.util
    import os

    from ebrains_curation.validate import validate

    os.environ.setdefault(
        "EBRAINS_CURATION_SHACL_MAX_VALUES", "0"
    )  # the benchmark measures big graphs on purpose

    for engine in ("shacl", "shacl-turbo"):
        if engine == "shacl-turbo" and importlib.util.find_spec("pyshacl_turbo") is None:
            print("  (pyshacl-turbo is not installed: no shacl-turbo line)")
            continue
        report, t = timed(
            f"{engine} engine: validate(graph, engine={engine!r})", validate, graph, engine=engine
        )
        same = report.keys() == native.keys()
        print(f"  ratio {engine} / native = {t / t_native:6.1f}x; identical findings: {same}")
    plain, t_plain = _plain_pyshacl(graph)
    print(f"  ratio plain pyshacl (exported shapes) / native = {t_plain / t_native:6.1f}x; results: {plain}")


def _plain_pyshacl(graph) -> tuple[int, float]:
    """pyshacl with nothing but the exported shapes file and the converter's Turtle (parsing untimed)."""
    import pyshacl
    import rdflib

    from ebrains_curation.graph.rdf import rdf_text
    from ebrains_curation.validate import shacl_shapes

    shapes = rdflib.Graph().parse(data=shacl_shapes("v4", "openminds"), format="turtle")
    data = rdflib.Graph().parse(data=rdf_text(graph, "turtle", typed=True), format="turtle")
    (_conforms, results, _text), took = timed(
        "plain pyshacl.validate(data, shacl_graph=exported shapes)",
        pyshacl.validate,
        data,
        shacl_graph=shapes,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return len(set(results.objects(None, sh.result))), took


def _graph(objects: list) -> object:
    from ebrains_curation.graph.model import MetadataGraph

    g = MetadataGraph("v4")
    g.add(*objects)
    return g


if __name__ == "__main__":
    main()
