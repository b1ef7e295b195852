"""Submitting a metadata graph to the sandbox over real HTTP: idempotence, resumption, faults, refresh."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ebrains_curation import MetadataGraph
from ebrains_curation.kg import KGClient, KGSubmissionError, submission_uuid, submit
from ebrains_curation.kg.submission import _comparable
from ebrains_curation.testing import run_sandbox

OM = "https://openminds.om-i.org/"
KG = "https://kg.ebrains.eu/api/instances/"
CC_BY = OM + "instances/licenses/CC-BY-4.0"


def make_graph(n_people: int, n_datasets: int = 0, tag: str = "") -> MetadataGraph:
    """People, and dataset versions that link to them and to controlled terms."""
    tag = tag or uuid.uuid4().hex[:8]
    g = MetadataGraph("v4")
    for i in range(n_people):
        g.add_node(
            {
                "@id": f"https://example.org/{tag}/person/{i}",
                "@type": OM + "types/Person",
                "givenName": f"Given{i}",
                "familyName": f"Family{i % 37}",
                "affiliation": [
                    {"@type": OM + "types/Affiliation", "memberOf": {"@id": f"https://example.org/{tag}/org"}}
                ],
            }
        )
    if n_people:
        g.add_node(
            {
                "@id": f"https://example.org/{tag}/org",
                "@type": OM + "types/Organization",
                "fullName": "Example University",
            }
        )
    for j in range(n_datasets):
        g.add_node(
            {
                "@id": f"https://example.org/{tag}/dsv/{j}",
                "@type": OM + "types/DatasetVersion",
                "shortName": f"ds{j}",
                "versionIdentifier": "v1",
                "license": {"@id": CC_BY},
                "accessibility": {"@id": OM + "instances/productAccessibility/freeAccess"},
                "releaseDate": "2024-05-01",
                "author": [{"@id": f"https://example.org/{tag}/person/{k}"} for k in range(min(3, n_people))],
            }
        )
    return g


def assert_kg_holds_exactly(sb, graph: MetadataGraph, space: str, user: str = "curator") -> None:
    """Every node is in the space with its content, and nothing else is."""
    kg = sb.client(user, retries=20, backoff_max=0.2)  # the sandbox may be injecting faults
    uuids = [submission_uuid(nid, space) for nid in graph.nodes]
    docs = kg.get_many(uuids, stage="IN_PROGRESS")
    assert all(docs.values()), "some nodes are missing"
    assert sb.server.store.count("IN_PROGRESS", space) == len(graph)


def _record_requests(client: KGClient) -> list[tuple[str, str, bool]]:
    """Record (method, path, read-only) of every request the client sends from now on."""
    sent: list[tuple[str, str, bool]] = []
    send = client.request

    def request(method: str, path: str, **kwargs: object) -> object:
        sent.append((method, path, bool(kwargs.get("idempotent"))))
        return send(method, path, **kwargs)

    client.request = request  # type: ignore[method-assign]
    return sent


def test_example_graph_second_submission_sends_no_write(kg_sandbox_factory) -> None:
    """The full example graph (embedded nodes, dates, numbers, e-mails) re-submits with reads only."""
    from ebrains_curation.examples import example_dataset_version

    g = example_dataset_version()
    kg = kg_sandbox_factory().client("alice")
    assert len(submit(g, kg, "collab-demo", progress=False).created) == len(g)
    sent = _record_requests(kg)
    again = submit(g, kg, "collab-demo", progress=False)
    assert again.counts()["unchanged"] == len(g)
    assert all(method == "GET" or read_only for method, _path, read_only in sent), sent


def test_submit_twice_second_run_writes_nothing(kg_sandbox) -> None:
    """The first run creates everything; the second finds it all unchanged and sends no writes."""
    g = make_graph(20, 5)
    kg = kg_sandbox.client("alice")
    first = submit(g, kg, "collab-demo", progress=False)
    assert first.ok and len(first.created) == len(g) and not first.updated
    revisions = {
        d["@id"]: d["https://core.kg.ebrains.eu/vocab/meta/revision"]
        for d in kg.get_many(first.ids.values(), stage="IN_PROGRESS").values()
    }
    seen = kg_sandbox.server.requests_seen
    sent = _record_requests(kg)
    second = submit(g, kg, "collab-demo", progress=False)
    assert second.counts() == {"created": 0, "updated": 0, "unchanged": len(g), "failed": 0}
    assert kg_sandbox.server.requests_seen - seen <= 3  # term lookup + one bulk read, no writes
    assert sent == [("POST", "instancesByIdentifiers", True), ("POST", "instancesByIds", True)]
    after = {
        d["@id"]: d["https://core.kg.ebrains.eu/vocab/meta/revision"]
        for d in kg.get_many(first.ids.values(), stage="IN_PROGRESS").values()
    }
    assert after == revisions
    assert "26 unchanged" in second.summary()


def test_ids_are_deterministic_and_links_use_kg_ids(kg_sandbox) -> None:
    """KG UUIDs are uuid5 of the local @id; links point to KG ids, controlled terms to the KG's terms."""
    g = make_graph(2, 1)
    kg = kg_sandbox.client("alice")
    result = submit(g, kg, "myspace", progress=False)
    dsv_id = next(n for n in g.nodes if "/dsv/" in n)
    assert result.ids[dsv_id] == KG + submission_uuid(dsv_id, "myspace")
    doc = kg.get(result.ids[dsv_id], stage="IN_PROGRESS")
    cc = kg.resolve([CC_BY])[CC_BY]
    assert doc[OM + "props/license"] == {"@id": cc["@id"]}
    assert doc[OM + "props/author"][0] == {
        "@id": result.ids[next(n for n in g.nodes if n.endswith("/person/0"))]
    }
    assert dsv_id in doc["http://schema.org/identifier"]  # the local @id stays findable
    assert submission_uuid(dsv_id, "myspace") != submission_uuid(dsv_id, "collab-demo")
    assert submission_uuid(result.ids[dsv_id], "anything") == result.ids[dsv_id].rsplit("/", 1)[-1]


def test_changed_nodes_are_replaced_and_dry_run_writes_nothing(kg_sandbox) -> None:
    """A dry run plans create/update/unchanged per node without writing; the real run replaces changed ones."""
    g = make_graph(5)
    kg = kg_sandbox.client("alice")
    submit(g, kg, "myspace", progress=False)
    changed = next(iter(g.nodes))
    g.nodes[changed]["givenName"] = "Renamed"
    extra = g.add_node(
        {"@id": "https://example.org/new-person", "@type": OM + "types/Person", "givenName": "New"}
    )
    count = kg_sandbox.server.store.count("IN_PROGRESS")
    plan = submit(g, kg, "myspace", dry_run=True, progress=False)
    assert kg_sandbox.server.store.count("IN_PROGRESS") == count
    actions = {p.local_id: p.action for p in plan.plan}
    assert actions[changed] == "update" and actions[extra] == "create"
    assert list(actions.values()).count("unchanged") == len(g) - 2
    assert plan.counts() == {"create": 1, "update": 1, "unchanged": len(g) - 2, "error": 0}
    assert "update" in plan.format_plan() and plan.summary().startswith("dry run")
    result = submit(g, kg, "myspace", progress=False)
    assert result.updated == [changed] and result.created == [extra]
    assert kg.get(result.ids[changed], stage="IN_PROGRESS")[OM + "props/givenName"] == "Renamed"


def test_dependency_order(kg_sandbox) -> None:
    """Nodes are created after the nodes they link to."""
    g = make_graph(4, 2)
    order: list[str] = []
    submit(
        g,
        kg_sandbox.client("alice"),
        "myspace",
        progress=False,
        workers=1,
        on_node=lambda nid, outcome: order.append(nid),
    )
    pos = {nid: i for i, nid in enumerate(order)}
    for src, _key, target in [(s, k, t) for s in g.nodes for k, t in g.links_from(s) if t in g.nodes]:
        assert pos[target] < pos[src], f"{src} was sent before {target}"


def test_per_node_errors_are_collected(kg_sandbox) -> None:
    """A bad node is reported and the others are still submitted; stop_on_error raises instead."""
    g = make_graph(3)
    g.add_node(
        {
            "@id": "https://example.org/broken",
            "@type": OM + "types/Person",
            "givenName": "B",
            "contactInformation": {"@id": "_:not-in-graph"},
        }
    )
    kg = kg_sandbox.client("alice")
    result = submit(g, kg, "myspace", progress=False)
    assert (
        result.failed == ["https://example.org/broken"]
        and "_:not-in-graph" in result.errors[result.failed[0]]
    )
    assert len(result.created) == len(g) - 1 and not result.ok
    with pytest.raises(KGSubmissionError) as info:
        result.raise_for_errors()
    assert info.value.result is result
    denied = submit(make_graph(2), kg_sandbox.client("bob"), "collab-demo", progress=False)
    assert len(denied.failed) == 3 and all("403" in e for e in denied.errors.values())
    with pytest.raises(KGSubmissionError):
        submit(make_graph(2), kg_sandbox.client("bob"), "collab-demo", progress=False, stop_on_error=True)


def test_node_in_another_space_is_not_silently_moved(kg_sandbox) -> None:
    """A node whose KG id already lives in another space is reported, not duplicated."""
    g = make_graph(1)
    kg = kg_sandbox.client("alice")
    ns = "shared-namespace"
    submit(g, kg, "myspace", namespace=ns, progress=False)
    result = submit(g, kg, "collab-demo", namespace=ns, progress=False)
    assert len(result.failed) == len(g) and "already exists in space myspace" in next(
        iter(result.errors.values())
    )


def test_expired_token_is_refreshed_during_a_submission(kg_sandbox) -> None:
    """Tokens that run out every 25 requests are renewed through the provider; nothing is lost."""
    issued: list[str] = []

    def provider() -> str:
        issued.append(kg_sandbox.issue_token("curator", max_uses=25))
        return issued[-1]

    g = make_graph(150, 10)
    kg = KGClient(kg_sandbox.url, token_provider=provider, backoff=0.01)
    result = submit(g, kg, "collab-refresh", progress=False)
    assert result.ok and len(result.created) == len(g)
    assert len(issued) > 3
    assert_kg_holds_exactly(kg_sandbox, g, "collab-refresh")


@pytest.mark.slow
def test_2000_nodes_through_faults_nothing_lost_or_duplicated() -> None:
    """With 20% 503s and 20% dropped connections (half after the write), 2,000 nodes arrive exactly once."""
    g = make_graph(1990, 9)
    assert len(g) == 2000
    with run_sandbox(rate_503=0.2, drop_rate=0.2, fault_seed=42) as sb:
        kg = sb.client("curator", retries=20, backoff_max=0.2, timeout=(5, 15))
        result = submit(
            g, kg, "collab-faults", progress=False, workers=4, max_attempts=20, backoff=0.005, backoff_max=0.2
        )
        assert result.ok, list(result.errors.items())[:3]
        assert len(result.created) == 2000
        assert_kg_holds_exactly(sb, g, "collab-faults")
        again = submit(
            g, kg, "collab-faults", progress=False, max_attempts=20, backoff=0.005, backoff_max=0.2
        )
        assert again.counts()["unchanged"] == 2000
        docs = kg.get_many(result.ids.values(), stage="IN_PROGRESS")
        sample = next(n for n in g.nodes if "/dsv/" in n)
        assert _comparable(docs[result.ids[sample]])[OM + "props/shortName"] == g[sample]["shortName"]


@pytest.mark.slow
def test_killed_run_resumes_without_duplicates(tmp_path: Path) -> None:
    """A submission killed mid-way (SIGKILL) and started again leaves exactly the graph, no duplicates."""
    from ebrains_curation.graph.readers import load
    from ebrains_curation.graph.writers import dump

    g = make_graph(300, 5, tag="killed")
    path = tmp_path / "graph.jsonld"
    dump(g, path)
    space = "collab-resume"
    with run_sandbox(latency_ms=4) as sb:
        env = {**os.environ, "KG_AUTH_TOKEN": sb.tokens["curator"], "KG_HOST": sb.url}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ebrains_curation",
                "kg",
                "submit",
                str(path),
                "--no-validate",
                "--space",
                space,
                "--workers",
                "2",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + 60
        while (
            sb.server.store.count("IN_PROGRESS", space) < 60
            and time.time() < deadline
            and proc.poll() is None
        ):
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        done = sb.server.store.count("IN_PROGRESS", space)
        assert 0 < done < len(g), "the run should have been killed mid-way"
        graph = load(path)
        result = submit(graph, sb.client("curator"), space, progress=False)
        assert result.ok
        assert len(result.unchanged) >= done - 2 and len(result.created) + len(result.unchanged) == len(g)
        assert_kg_holds_exactly(sb, graph, space)


def test_graph_downloaded_from_the_kg_resubmits_unchanged(kg_sandbox) -> None:
    """Instances fetched back from the KG load into a graph that re-submits as all unchanged."""
    g = make_graph(3, 1)
    kg = kg_sandbox.client("alice")
    first = submit(g, kg, "myspace", progress=False)
    docs = kg.get_many(first.ids.values(), stage="IN_PROGRESS")
    downloaded = kg.to_graph(docs.values())
    assert set(downloaded.nodes) == set(first.ids.values())
    again = submit(downloaded, kg, "myspace", progress=False)
    assert again.counts() == {"created": 0, "updated": 0, "unchanged": len(g), "failed": 0}, (
        again.format_plan()
    )


def test_identifiers_known_to_the_kg_are_kept_on_update(kg_sandbox) -> None:
    """An identifier added in the KG survives a re-submission that changes the node."""
    g = make_graph(1)
    kg = kg_sandbox.client("alice")
    nid = next(n for n in g.nodes if "/person/" in n)
    iri = submit(g, kg, "myspace", progress=False).ids[nid]
    kg.patch(iri, {"http://schema.org/identifier": ["https://orcid.org/0000-0002-1825-0097"]})
    assert submit(g, kg, "myspace", progress=False).counts()["unchanged"] == len(g)
    g.nodes[nid]["givenName"] = "Changed"
    assert submit(g, kg, "myspace", progress=False).updated == [nid]
    doc = kg.get(iri, stage="IN_PROGRESS")
    assert "https://orcid.org/0000-0002-1825-0097" in doc["http://schema.org/identifier"]
    assert doc[OM + "props/givenName"] == "Changed"


def test_progress_bar_is_quiet_off_a_terminal(kg_sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """With the default progress=None nothing is drawn when stderr is not a terminal."""
    submit(make_graph(3), kg_sandbox.client("alice"), "myspace")
    assert "Submitting" not in capsys.readouterr().err
