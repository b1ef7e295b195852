"""Everything the KG returns loads through plain ``load()`` and every CLI command.

Real shapes: the captured production response of reference §4.2 (a v3 DatasetVersion,
links as KG ids), and answers of the local KG sandbox over real HTTP (instance, page,
bulk by-id map, Query-API results with and without ``responseVocab``), saved to files
as a user would, plus MarmotGraph v4's bare-UUID links.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from ebrains_curation import LoadError, load, loads, validate
from ebrains_curation.cli import cli
from ebrains_curation.testing import run_sandbox

KG = "https://kg.ebrains.eu/api/instances/"
META = "https://core.kg.ebrains.eu/vocab/meta/"
P = "https://openminds.om-i.org/props/"
T = "https://openminds.om-i.org/types/"
MYQ = "https://schema.hbp.eu/myQuery/"

#: reference §4.2: a captured production response (abridged there, unchanged here)
PRODUCTION = {
    "data": {
        "@id": KG + "bd5f91ff-e829-4b85-92eb-fc56991541f1",
        "@type": ["https://openminds.ebrains.eu/core/DatasetVersion"],
        "http://schema.org/identifier": [
            KG + "bd5f91ff-e829-4b85-92eb-fc56991541f1",
            "https://nexus.humanbrainproject.org/v0/data/minds/core/dataset/v1.0.0/bd5f91ff-e829-4b85-92eb-fc56991541f1",
        ],
        META + "revision": "_hEUXe8S-_-",
        META + "space": "dataset",
        META + "firstReleasedAt": "2021-12-22T14:13:20.137Z",
        META + "lastReleasedAt": "2023-03-16T17:03:17.837Z",
        "https://openminds.ebrains.eu/vocab/fullName": "Excitability profile of CA1 pyramidal neurons in APPPS1",
        "https://openminds.ebrains.eu/vocab/versionIdentifier": "v1",
        "https://openminds.ebrains.eu/vocab/releaseDate": "2020-04-21",
        "https://openminds.ebrains.eu/vocab/description": "",
        "https://openminds.ebrains.eu/vocab/author": [],
        "https://openminds.ebrains.eu/vocab/license": [{"@id": KG + "64c1704b-db12-4b29-9541-b9143d081044"}],
        "https://openminds.ebrains.eu/vocab/digitalIdentifier": {
            "@id": KG + "df93b012-3bb6-4565-bce0-3bd2d3aed63b"
        },
    },
    "message": None,
    "error": None,
    "startTime": 1741187736127,
    "durationInMs": 512,
    "transactionId": None,
}


def _unknown_or_meta_findings(report: Any) -> list[str]:
    return [
        str(i.message)
        for i in report.issues
        if "schema.org" in str(i.message) or "vocab/meta" in str(i.message) or i.rule_id == "unknown-property"
    ]


def test_production_envelope_loads_with_plain_load(tmp_path: Path) -> None:
    """The real envelope: one v3 node, KG fields as graph metadata, values as stored."""
    g = load(PRODUCTION)
    nid = KG + "bd5f91ff-e829-4b85-92eb-fc56991541f1"
    assert g.version == "v3" and list(g.nodes) == [nid]
    node = g[nid]
    assert node["releaseDate"] == "2020-04-21" and node["versionIdentifier"] == "v1"
    assert node["digitalIdentifier"] == {"@id": KG + "df93b012-3bb6-4565-bce0-3bd2d3aed63b"}
    assert not any(k.startswith(("http", "@context")) for k in node if k not in ("@id", "@type"))
    assert g.meta[nid][META + "space"] == "dataset"
    assert g.meta[nid]["http://schema.org/identifier"][1].startswith("https://nexus")
    path = tmp_path / "response.json"
    path.write_text(json.dumps(PRODUCTION), "utf-8")
    assert load(path) == g and loads(json.dumps(PRODUCTION)) == g
    report = validate(g, profile="openminds")
    assert not _unknown_or_meta_findings(report), report.render("text")


def test_bare_uuid_links_and_lists_of_instances() -> None:
    """MarmotGraph v4 links by bare UUID; a bare list of instances loads too."""
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    docs = [
        {
            "@id": KG + a,
            "@type": [T + "Person"],
            P + "givenName": "Ada",
            P + "affiliation": [{"@type": [T + "Affiliation"], P + "memberOf": {"@id": b}}],
            META + "space": "common",
        },
        {"@id": KG + b, "@type": [T + "Organization"], P + "fullName": "Analytical Engines Ltd"},
    ]
    g = load(docs)
    assert g[KG + a]["affiliation"][0]["memberOf"] == {"@id": KG + b}
    assert not g.dangling() and g.meta[KG + a][META + "space"] == "common"


def test_error_envelope_is_a_clear_load_error() -> None:
    """An error envelope is a LoadError naming the KG's message, never a graph."""
    with pytest.raises(LoadError, match="the KG returned an error 404: Not Found"):
        load({"data": None, "message": None, "error": {"code": 404, "message": "Not Found"}})
    assert len(load({"data": None, "message": None, "error": None})) == 0


@pytest.fixture(scope="module")
def answers() -> Iterator[dict[str, Any]]:
    """Raw JSON answers of the sandbox (real HTTP), as a user would save them."""
    with run_sandbox() as sb:
        yield _answers(sb)


def _answers(sb: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {sb.tokens['alice']}"}
    base = sb.url + "/v3/"

    def call(method: str, path: str, **kw: Any) -> Any:
        r = requests.request(method, base + path, headers=headers, timeout=30, **kw)
        assert r.status_code == 200, r.text
        return r.json()

    org = call(
        "POST",
        "instances",
        params={"space": "collab-demo"},
        json={"@type": T + "Organization", P + "fullName": "Analytical Engines Ltd", P + "shortName": "AEL"},
    )["data"]["@id"]
    person = call(
        "POST",
        "instances",
        params={"space": "collab-demo"},
        json={
            "@type": T + "Person",
            P + "givenName": "Ada",
            P + "familyName": "Lovelace",
            P + "affiliation": [{"@type": T + "Affiliation", P + "memberOf": {"@id": org}}],
        },
    )
    pid = person["data"]["@id"].rsplit("/", 1)[1]
    query = {
        "@context": {
            "@vocab": "https://core.kg.ebrains.eu/vocab/query/",
            "query": MYQ,
            "propertyName": {"@id": "propertyName", "@type": "@id"},
            "path": {"@id": "path", "@type": "@id"},
        },
        "meta": {"type": T + "Person"},
        "structure": [
            {"path": "@id"},
            {"path": "@type"},
            {"path": META + "space", "propertyName": "query:space"},
            {"path": P + "givenName", "propertyName": "query:givenName"},
            {"path": P + "familyName", "propertyName": "query:familyName"},
        ],
    }
    vocab_query = json.loads(json.dumps(query))
    vocab_query["meta"]["responseVocab"] = MYQ
    return {
        "ids": {"person": KG + pid, "org": org},
        "created": person,
        "get": call("GET", f"instances/{pid}", params={"stage": "IN_PROGRESS"}),
        "page": call("GET", "instances", params={"stage": "IN_PROGRESS", "type": T + "Person"}),
        "bulk": call(
            "POST", "instancesByIds", params={"stage": "IN_PROGRESS"}, json=[pid, str(uuid.uuid4())]
        ),
        "query": call("POST", "queries", params={"stage": "IN_PROGRESS"}, json=query),
        "query_vocab": call("POST", "queries", params={"stage": "IN_PROGRESS"}, json=vocab_query),
    }


@pytest.mark.parametrize("name", ["created", "get", "page", "bulk", "query", "query_vocab"])
def test_sandbox_answers_load_and_validate_through_every_entry_point(
    answers: dict[str, Any], name: str, tmp_path: Path
) -> None:
    """Each saved answer loads with load(), and the CLI validates and converts it (never exit code 2)."""
    person = answers["ids"]["person"]
    g = load(answers[name])
    assert person in g
    node = g[person]
    assert node["givenName"] == "Ada" and node["familyName"] == "Lovelace"
    assert g.meta[person][META + "space"] == "collab-demo"
    assert not [k for k in node if ":" in k], node  # no KG or query keys left as properties
    report = validate(g, profile="openminds")
    assert not _unknown_or_meta_findings(report), report.render("text")
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(answers[name]), "utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(path), "--profile", "openminds"])
    assert res.exit_code in (0, 1), res.output
    assert "Traceback" not in res.output
    res = runner.invoke(cli, ["convert", str(path), "--to", "compact"])
    assert res.exit_code == 0, res.output
    assert person in json.loads(res.stdout)["@graph"][0]["@id"] or person in res.stdout


def _record_with_kg_licence(licence_kg_id: str) -> dict[str, Any]:
    """A DatasetVersion as the KG returns it: its licence linked by KG id."""
    return {
        "data": {
            "@id": KG + "0f6c6d4e-3b8c-4f64-a3f3-6c1c2c0f9a11",
            "@type": [T + "DatasetVersion"],
            META + "space": "dataset",
            P + "shortName": "demo",
            P + "license": {"@id": licence_kg_id},
        },
        "message": None,
        "error": None,
    }


def test_terms_given_as_kg_ids_offline_are_a_plain_warning() -> None:
    """Offline: a warning naming the KG id, never "not one of the openMINDS licences"."""
    from ebrains_curation.kg.seed import term_uuid

    kg_id = KG + term_uuid("https://openminds.om-i.org/instances/licenses/CC-BY-4.0")
    graph = load(_record_with_kg_licence(kg_id))
    report = validate(graph, profile="ebrains-submission")
    licence = [i for i in report.issues if i.path and i.path[0] == "license"]
    assert [i.rule_id for i in licence] == ["term-needs-kg"], report.render("text")
    assert licence[0].severity.value == "warning" and kg_id in licence[0].message
    assert "cannot be checked without the KG" in licence[0].message
    assert "openMINDS licences" not in report.render("text")


def test_terms_given_as_kg_ids_are_resolved_through_a_client(kg_sandbox: Any) -> None:
    """With a KG client (real HTTP to the sandbox) the licence is checked like any other term."""
    from ebrains_curation.kg.seed import term_uuid

    good = KG + term_uuid("https://openminds.om-i.org/instances/licenses/CC-BY-4.0")
    report = validate(
        load(_record_with_kg_licence(good)), profile="ebrains-submission", kg=kg_sandbox.client()
    )
    assert not [i for i in report.issues if i.path and i.path[0] == "license"], report.render("text")
    species = KG + term_uuid("https://openminds.om-i.org/instances/species/musMusculus")
    report = validate(
        load(_record_with_kg_licence(species)), profile="ebrains-submission", kg=kg_sandbox.client()
    )
    rules = {i.rule_id for i in report.issues if i.path and i.path[0] == "license"}
    assert rules and "term-needs-kg" not in rules  # resolved, and then found to be the wrong kind of term


def test_the_kg_reads_back_our_expanded_form_with_the_same_values(kg_sandbox: Any) -> None:
    """POST our expanded output to the KG sandbox (real HTTP), GET it back: homepage and dates unchanged."""
    from ebrains_curation import MetadataGraph
    from ebrains_curation.graph import to_jsonld

    g = MetadataGraph("v4")
    g.add_node(
        {
            "@id": "https://ex.org/dsv",
            "@type": T + "DatasetVersion",
            "shortName": "demo",
            "homepage": "https://ex.org/home",
            "releaseDate": "2024-05-01",
            "versionIdentifier": "v1",
        }
    )
    [expanded] = to_jsonld(g, "expanded")
    body = {k: v for k, v in expanded.items() if k != "@id"}
    headers = {"Authorization": f"Bearer {kg_sandbox.tokens['alice']}"}
    created = requests.post(
        kg_sandbox.url + "/v3/instances",
        params={"space": "collab-demo"},
        json=body,
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 200, created.text
    uid = created.json()["data"]["@id"].rsplit("/", 1)[1]
    fetched = requests.get(
        kg_sandbox.url + f"/v3/instances/{uid}", params={"stage": "IN_PROGRESS"}, headers=headers, timeout=30
    ).json()
    assert (
        fetched["data"][P + "homepage"] == "https://ex.org/home"
    )  # stored as the plain string openMINDS uses
    back = load(fetched)[KG + uid]
    assert back["homepage"] == "https://ex.org/home" and back["releaseDate"] == "2024-05-01"
    assert {k: back[k] for k in ("shortName", "versionIdentifier")} == {
        "shortName": "demo",
        "versionIdentifier": "v1",
    }
