"""Our client's side of the Query API: the ``Query`` builder, ``KGClient.query`` and the link helpers.

The builder's JSON is checked against the sandbox (which follows kg-core) and against
fairgraph's own query builder where both can express the same query.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ebrains_curation.errors import CurationError
from ebrains_curation.kg import KGClient, Query, QueryField
from ebrains_curation.testing import SandboxInfo, run_sandbox

OM = "https://openminds.om-i.org/"
P = OM + "props/"
SPACE = "collab-cq"
USERS = {"users": [{"username": "alice", "spaces": {SPACE: "curator"}}]}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with run_sandbox(USERS) as info:
        yield info


@pytest.fixture(scope="module")
def kg(sandbox: SandboxInfo) -> Iterator[KGClient]:
    client = sandbox.client("alice")
    yield client
    client.close()


@pytest.fixture(scope="module")
def data(kg: KGClient) -> dict[str, str]:
    ids: dict[str, str] = {}
    ids["org"] = kg.create({"@type": OM + "types/Organization", P + "fullName": "Query University"}, SPACE)[
        "@id"
    ]
    for i in range(7):
        doc: dict[str, Any] = {
            "@type": OM + "types/Person",
            P + "givenName": f"P{i}",
            P + "familyName": "Querist",
        }
        if i == 0:
            doc[P + "affiliation"] = [
                {"@type": OM + "types/Affiliation", P + "memberOf": {"@id": ids["org"]}}
            ]
        ids[f"p{i}"] = kg.create(doc, SPACE)["@id"]
    ids["dsv"] = kg.create(
        {
            "@type": OM + "types/DatasetVersion",
            P + "shortName": "qds",
            P + "versionIdentifier": "v1",
            P + "author": [{"@id": ids["p0"]}, {"@id": ids["p1"]}],
            P + "license": {"@id": OM + "instances/licenses/CC-BY-4.0"},
        },
        SPACE,
    )["@id"]
    return ids


def test_builder_json_is_the_query_language() -> None:
    """The builder writes kg-core's query language: context, meta.type, @id/@type at every level, filters."""
    q = (
        Query("https://example.org/T", name="mine")
        .field("a", contains="x", sort=True)
        .field("b", parameter="p")
        .link("c", "d", QueryField("e", op="IS_EMPTY"), single=True)
        .reverse("f", "g", type="https://example.org/U")
    )
    doc = q.to_json("https://v/", lambda t: t)
    assert doc["meta"] == {"type": "https://example.org/T", "name": "mine"}
    assert doc["@context"]["@vocab"] == "https://core.kg.ebrains.eu/vocab/query/"
    s = doc["structure"]
    assert s[:2] == [{"path": "@id"}, {"path": "@type"}]
    assert s[2] == {"path": "https://v/a", "filter": {"op": "CONTAINS", "value": "x"}, "sort": True}
    assert s[3] == {"path": "https://v/b", "filter": {"op": "EQUALS", "parameter": "p"}}
    assert s[4]["singleValue"] == "FIRST" and s[4]["structure"][3] == {
        "path": "https://v/e",
        "filter": {"op": "IS_EMPTY"},
    }
    assert s[5]["path"] == {
        "@id": "https://v/f",
        "reverse": True,
        "typeFilter": {"@id": "https://example.org/U"},
    }
    assert s[5]["propertyName"] == "query:f_reverse"


def test_builder_refuses_ambiguous_filters() -> None:
    """Two filters on one field, or an unknown one, are refused with a clear error."""
    with pytest.raises(CurationError, match="at most one filter"):
        Query("Person").field("givenName", equals="a", contains="b")
    with pytest.raises(CurationError, match="unknown filter"):
        Query("Person").field("givenName", near="a")


@pytest.mark.slow  # imports every fairgraph class
def test_builder_matches_fairgraph_for_the_same_filter(kg: KGClient, data: dict[str, str]) -> None:
    """Our query and fairgraph's generated one, run on the same sandbox, find the same instances."""
    if importlib.util.find_spec("fairgraph") is None:
        pytest.skip("fairgraph is not installed")
    from ebrains_curation.testing import fairgraph_classes

    with fairgraph_classes():
        import fairgraph.openminds.core as omcore

        class NoSpace:
            _private_space = "unused"

        theirs = omcore.Person.generate_query(client=NoSpace(), space=None, filters={"given_name": "p1"})
    ours = Query("Person").field("givenName", contains="p1")
    ids_ours = {d["@id"] for d in kg.query(ours, stage="IN_PROGRESS")}
    ids_theirs = {d["@id"] for d in kg.query(theirs, stage="IN_PROGRESS")}
    assert ids_ours == ids_theirs == {data["p1"]}


def test_query_pages_lazily(kg: KGClient, data: dict[str, str], sandbox: SandboxInfo) -> None:
    """kg.query fetches one page at a time (from + returned size) until the total."""
    q = Query("Person").field("familyName", equals="querist").field("givenName", sort=True)
    before = sandbox.server.requests_seen
    it = kg.query(q, stage="IN_PROGRESS", page_size=3)
    docs = list(it)
    assert [d[P + "givenName"] for d in docs] == [f"P{i}" for i in range(7)]
    assert it.total == 7 and it.pages_fetched == 3
    assert sandbox.server.requests_seen - before == 3
    assert len(list(kg.query(q, stage="IN_PROGRESS", limit=4, page_size=3))) == 4


def test_query_params_instance_and_stored(kg: KGClient, data: dict[str, str]) -> None:
    """``params`` fill parameter filters; ``instance_id`` restricts; a stored query runs by its id."""
    q = Query("Person", name="by family").field("familyName", parameter="family")
    assert len(list(kg.query(q, stage="IN_PROGRESS", params={"family": "Querist"}))) == 7
    assert [d["@id"] for d in kg.query(q, stage="IN_PROGRESS", instance_id=data["p3"])] == [data["p3"]]
    qid = str(uuid.uuid4())
    saved = kg.save_query(q, qid, space=SPACE)
    assert saved["@id"].endswith(qid)
    assert kg.get_query(qid)["@id"] == saved["@id"]
    assert len(list(kg.query(qid, stage="IN_PROGRESS", params={"family": "querist"}))) == 7
    kg.delete_query(qid)


def test_results_load_as_a_metadata_graph(kg: KGClient, data: dict[str, str]) -> None:
    """Results of a builder query are KG documents: to_graph loads them, terms as openMINDS IRIs."""
    q = (
        Query("DatasetVersion")
        .field("shortName")
        .field("versionIdentifier")
        .link("author", "givenName", "familyName")
    )
    q.link("license", "shortName", single=True)
    graph = kg.to_graph(kg.query(q, stage="IN_PROGRESS"))
    dsv = graph.nodes[data["dsv"]]
    assert dsv["shortName"] == "qds"
    assert {a["@id"] for a in dsv["author"]} == {data["p0"], data["p1"]}
    assert graph.nodes[data["p0"]]["familyName"] == "Querist"
    assert dsv["license"] == {"@id": OM + "instances/licenses/CC-BY-4.0"}


def test_links_neighbours_scope_release_tree(kg: KGClient, data: dict[str, str]) -> None:
    """incoming_links, neighbors, scope and release_tree over the same small graph."""
    incoming = list(kg.incoming_links(data["p1"], "author", "DatasetVersion", stage="IN_PROGRESS"))
    assert [i["@id"] for i in incoming] == [data["dsv"]]
    around = kg.neighbors(data["p0"], stage="IN_PROGRESS")
    assert [n["id"] for n in around["inbound"]] == [data["dsv"].rsplit("/", 1)[1]]
    assert [n["name"] for n in around["outbound"]] == ["Query University"]
    tree = kg.release_tree(data["dsv"])
    assert tree["status"] == "UNRELEASED"
    children = {c["label"]: c for c in tree["children"]}
    assert children["Creative Commons Attribution 4.0 International"]["status"] == "RELEASED"
    assert [c["label"] for c in children["P0 Querist"]["children"]] == ["Query University"]


def test_cli_kg_query(sandbox: SandboxInfo, kg: KGClient, data: dict[str, str], tmp_path) -> None:
    """`kg query FILE --param` prints results; -o writes a graph; bad input exits 2 with one line."""
    import json

    from click.testing import CliRunner

    from ebrains_curation.cli import cli

    env = {"KG_AUTH_TOKEN": sandbox.tokens["alice"], "KG_HOST": sandbox.url}
    qfile = tmp_path / "q.json"
    qfile.write_text(json.dumps(kg.query_document(Query("Person").field("givenName", parameter="given"))))
    r = CliRunner().invoke(
        cli, ["kg", "query", str(qfile), "--stage", "IN_PROGRESS", "--param", "given=p2"], env=env
    )
    assert r.exit_code == 0, r.output
    assert [d["@id"] for d in json.loads(r.stdout)] == [data["p2"]]
    out = tmp_path / "people.jsonld"
    r = CliRunner().invoke(
        cli, ["kg", "query", str(qfile), "--stage", "IN_PROGRESS", "-o", str(out)], env=env
    )
    assert r.exit_code == 0 and out.exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for args in ([str(bad)], [str(qfile), "--param", "novalue"], [str(uuid.uuid4())]):
        r = CliRunner().invoke(cli, ["kg", "query", *args, "--stage", "IN_PROGRESS"], env=env)
        assert r.exit_code == 2 and "Traceback" not in r.output, r.output
