"""Metadata fetched from the KG loads into a graph that validates and draws like our own (over real HTTP).

The KG links to controlled terms by its own ids; ``KGClient.to_graph`` rewrites those
links to the openMINDS instance IRIs, looking the ids up in bulk once per client.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ebrains_curation import MetadataGraph, validate
from ebrains_curation.examples import example_dataset_version
from ebrains_curation.kg import KGClient, submit
from ebrains_curation.kg.seed import term_uuid
from ebrains_curation.kg.submission import format_duration
from ebrains_curation.schemas import iter_terms, term_by_iri
from ebrains_curation.testing import run_sandbox

KG = "https://kg.ebrains.eu/api/instances/"
OM = "https://openminds.om-i.org/"
DSV = "https://example.org/ebrains-curation/demo/dataset-version/v1"


class Recorder:
    """Records every request a client sends: (method, path, read_only)."""

    def __init__(self, client: KGClient):
        self.calls: list[tuple[str, str, bool]] = []
        send = client.request

        def request(method: str, path: str, **kwargs: Any) -> Any:
            self.calls.append((method, path, bool(kwargs.get("idempotent"))))
            return send(method, path, **kwargs)

        client.request = request  # type: ignore[method-assign]

    def clear(self) -> None:
        self.calls.clear()

    @property
    def writes(self) -> list[tuple[str, str, bool]]:
        """Requests that change something (read-only bulk POSTs are not writes)."""
        return [c for c in self.calls if c[0] in ("PUT", "PATCH", "DELETE") or (c[0] == "POST" and not c[2])]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    """A sandbox of this module's own: the example graph's identifiers may be submitted only once."""
    with run_sandbox() as sb:
        yield sb


@pytest.fixture(scope="module")
def submitted(sandbox) -> tuple[MetadataGraph, Any]:
    """The example graph, submitted once."""
    graph = example_dataset_version()
    result = submit(graph, sandbox.client("alice"), "collab-demo", progress=False)
    assert result.ok and len(result.created) == len(graph)
    return graph, result


def _links(graph: MetadataGraph, rename: dict[str, str] | None = None) -> set[tuple[str, str, str]]:
    rename = rename or {}
    return {
        (rename.get(src, src), key, rename.get(target, target))
        for src in graph.nodes
        for key, target in graph.links_from(src)
    }


def _term_links(graph: MetadataGraph) -> set[tuple[str, str]]:
    return {(k, t) for src in graph.nodes for k, t in graph.links_from(src) if term_by_iri(t, graph.version)}


def test_fetched_graph_validates_and_term_links_equal_the_originals(sandbox, submitted) -> None:
    """Fetched back, the graph has the original links: terms as openMINDS IRIs, nodes as KG ids."""
    graph, result = submitted
    kg = sandbox.client("alice")  # a fresh client: nothing cached yet
    docs = kg.get_many(result.ids.values(), stage="IN_PROGRESS")
    rec = Recorder(kg)
    fetched = kg.to_graph(docs.values())
    assert rec.calls == [("POST", "instancesByIds", True)]  # every term looked up in one bulk request
    back = {kg_id: local for local, kg_id in result.ids.items()}
    assert _links(fetched, back) == _links(graph)
    assert _term_links(fetched) == _term_links(graph) and len(_term_links(graph)) > 10
    report = validate(fetched, profile="openminds")
    assert not [i for i in report.issues if i.rule_id == "missing-link-target"], report.render("text")
    assert report.conforms
    assert not fetched.dangling(include_terms=False)

    rec.clear()
    again = kg.to_graph(docs.values())
    assert rec.calls == [] and _links(again) == _links(fetched)  # terms are remembered by the client


def test_search_results_link_terms_by_openminds_iri(sandbox, submitted) -> None:
    """A search hit alone: only links to instances that were not fetched stay KG ids and are reported."""
    graph, result = submitted
    kg = sandbox.client("alice")
    hits = [
        d
        for d in kg.search("DatasetVersion", "mouse", stage="IN_PROGRESS", space="collab-demo")
        if d["@id"] == result.ids[DSV]
    ]
    fetched = kg.to_graph(hits)
    node = fetched[result.ids[DSV]]
    assert node["license"] == {"@id": OM + "instances/licenses/CC-BY-4.0"}
    assert node["license"] == graph[DSV]["license"]
    report = validate(fetched, profile="openminds")
    missing = [i for i in report.issues if i.rule_id == "missing-link-target"]
    assert missing and all(str(i.value).startswith(KG) for i in missing)
    local_targets = {result.ids[t] for _k, t in graph.links_from(DSV) if t in graph.nodes}
    assert {str(i.value) for i in missing} == local_targets


def test_resolve_terms_off_keeps_kg_ids_and_sends_nothing(sandbox, submitted) -> None:
    """resolve_terms=False loads the documents as the KG sent them, without a request."""
    _graph, result = submitted
    kg = sandbox.client("alice")
    doc = kg.get(result.ids[DSV], stage="IN_PROGRESS")
    rec = Recorder(kg)
    raw = kg.to_graph([doc], resolve_terms=False)
    assert rec.calls == []
    assert raw[result.ids[DSV]]["license"]["@id"] == KG + term_uuid(OM + "instances/licenses/CC-BY-4.0")


def test_submitting_client_needs_no_lookup_to_fetch_back(kg_sandbox_factory) -> None:
    """submit() teaches the client the terms it resolved, so to_graph() afterwards sends no lookup."""
    graph = example_dataset_version()
    kg = kg_sandbox_factory().client("alice")
    result = submit(graph, kg, "collab-demo", progress=False)
    assert result.ok
    docs = kg.get_many(result.ids.values(), stage="IN_PROGRESS")
    rec = Recorder(kg)
    fetched = kg.to_graph(docs.values())
    assert rec.calls == [] and _term_links(fetched) == _term_links(graph)


def test_fetched_graph_resubmits_without_a_single_write(sandbox, submitted) -> None:
    """Round trip: submit, fetch, to_graph, submit the fetched graph → all unchanged, zero writes."""
    graph, result = submitted
    kg = sandbox.client("alice")
    fetched = kg.to_graph(kg.get_many(result.ids.values(), stage="IN_PROGRESS").values())
    rec = Recorder(kg)
    again = submit(fetched, kg, "collab-demo", progress=False)
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": len(graph), "failed": 0}, (
        again.format_plan()
    )
    assert rec.writes == [] and not again.warnings


def test_many_term_links_are_looked_up_in_batches(kg_sandbox) -> None:
    """Over 500 distinct term targets: one bulk request per 500 ids, each link rewritten."""
    iris = [str(t.id) for t in iter_terms("v4") if ".sands." not in type(t).__module__][:620]
    assert len(iris) == 620
    doc = {
        "@id": KG + str(uuid.uuid4()),
        "@type": [OM + "types/DatasetVersion"],
        OM + "props/keyword": [{"@id": KG + term_uuid(iri)} for iri in iris],
        OM + "props/author": [{"@id": KG + str(uuid.uuid4())}],  # not a term, not in the KG
        OM + "props/license": {"@id": KG + term_uuid(iris[-1]).upper()},  # ids are case-insensitive
        OM + "props/accessibility": {"@id": KG + "not-a-uuid"},
    }
    kg = kg_sandbox.client("alice")
    rec = Recorder(kg)
    node = kg.to_graph([doc])[doc["@id"]]
    assert [c[1] for c in rec.calls] == ["instancesByIds", "instancesByIds"]
    assert [k["@id"] for k in node["keyword"]] == iris
    assert node["author"] == doc[OM + "props/author"]
    assert node["license"] == {"@id": iris[-1]} and node["accessibility"] == {"@id": KG + "not-a-uuid"}
    assert kg.term_iris([KG + term_uuid(iris[0])]) == {KG + term_uuid(iris[0]): iris[0]}
    assert len(rec.calls) == 2  # remembered, including the miss


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0004, "0.4 ms"), (0.0381, "38 ms"), (0.1, "0.1 s"), (1.44, "1.4 s"), (125.2, "2 min 05 s")],
)
def test_durations_are_shown_with_a_useful_unit(seconds: float, text: str) -> None:
    """A fast submission shows milliseconds rather than "0.0 s"."""
    assert format_duration(seconds) == text


def test_summary_time_is_measured(kg_sandbox_factory) -> None:
    """The summary's time is the run's real wall-clock time, never a rounded-down zero (the demo's case)."""
    graph = example_dataset_version()
    kg = kg_sandbox_factory().client("alice")
    for _run in range(2):  # creating 20 nodes, then finding them unchanged
        started = time.perf_counter()
        result = submit(graph, kg, "collab-demo", progress=False)
        elapsed = time.perf_counter() - started
        assert result.ok and 0 < result.duration <= elapsed
    assert f"({format_duration(result.duration)})" in result.summary()
    assert "(0.0 s)" not in result.summary() and "(0 ms)" not in result.summary()
