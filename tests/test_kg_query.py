"""The sandbox's Query API over real HTTP: the query language, parameters and envelopes of kg-core.

Expected answers follow kg-core's documentation (docs/queryAPI_*.md) and its
DataQueryBuilder: case-insensitive filters, LIKE wildcards, parameter filters decoded
twice, required, sort, singleValue, reverse and nested paths, responseVocab.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation.testing import SandboxInfo, run_sandbox

OM = "https://openminds.om-i.org/"
P = OM + "props/"
PERSON, ORG, DSV = OM + "types/Person", OM + "types/Organization", OM + "types/DatasetVersion"
META = "https://core.kg.ebrains.eu/vocab/meta/"
MYQ = "https://schema.hbp.eu/myQuery/"
KG = "https://kg.ebrains.eu/api/instances/"
SPACE = "collab-q"
USERS = {
    "users": [
        {"username": "alice", "spaces": {SPACE: "curator", "collab-b": "editor"}},
        {"username": "mallory", "spaces": {}},
    ]
}
CONTEXT = {
    "@vocab": "https://core.kg.ebrains.eu/vocab/query/",
    "query": MYQ,
    "propertyName": {"@id": "propertyName", "@type": "@id"},
    "path": {"@id": "path", "@type": "@id"},
}


def q(type_: str, *structure: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"@context": CONTEXT, "meta": {"type": type_, **meta}, "structure": list(structure)}


class Api:
    def __init__(self, sandbox: SandboxInfo, user: str):
        self.base = sandbox.url + "/v3/"
        self.s = requests.Session()
        self.s.headers["Authorization"] = f"Bearer {sandbox.tokens[user]}"

    def __call__(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.s.request(method, self.base + path, timeout=20, **kw)

    def query(self, body: Any, stage: str = "IN_PROGRESS", **params: Any) -> requests.Response:
        return self("POST", "queries", params={"stage": stage, **params}, json=body)

    def create(self, doc: dict[str, Any], space: str = SPACE) -> str:
        r = self("POST", "instances", params={"space": space}, json=doc)
        assert r.status_code == 200, r.text
        return str(r.json()["data"]["@id"])


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[SandboxInfo, Api, dict[str, str]]]:
    """A small graph: two organisations, four people (one affiliated), two dataset versions."""
    with run_sandbox(USERS) as sb:
        api = Api(sb, "alice")
        ids: dict[str, str] = {}
        ids["uni"] = api.create(
            {"@type": ORG, P + "fullName": "Hello World University", P + "shortName": "HWU"}
        )
        ids["lab"] = api.create({"@type": ORG, P + "fullName": "Lab_50% Percent"}, "collab-b")
        people = [("Giacomo", "Rossi"), ("Gianna", "Bianchi"), ("Ada", "Lovelace"), ("Grace", "Hopper")]
        for given, family in people:
            doc: dict[str, Any] = {"@type": PERSON, P + "givenName": given, P + "familyName": family}
            if given == "Ada":
                doc[P + "affiliation"] = [
                    {"@type": OM + "types/Affiliation", P + "memberOf": {"@id": ids["uni"]}}
                ]
            ids[given] = api.create(doc)
        ids["ds1"] = api.create(
            {
                "@type": DSV,
                P + "shortName": "ds-one",
                P + "author": [{"@id": ids["Grace"]}, {"@id": ids["Ada"]}, {"@id": ids["Giacomo"]}],
                P + "keyword": ["alpha", "Beta"],
                P + "license": {"@id": OM + "instances/licenses/CC-BY-4.0"},
            }
        )
        ids["ds2"] = api.create({"@type": DSV, P + "shortName": "ds-two", P + "author": []})
        yield sb, api, ids


def names(resp: requests.Response, key: str = P + "givenName") -> list[Any]:
    assert resp.status_code == 200, resp.text
    return sorted(item[key] for item in resp.json()["data"])


def test_minimal_query_envelope(world) -> None:
    """POST /queries answers a PaginatedStreamResult with timings; items hold the requested paths."""
    _, api, _ = world
    r = api.query(q(PERSON, {"path": "@id"}))
    body = r.json()
    assert list(body) == [
        "data",
        "message",
        "error",
        "startTime",
        "durationInMs",
        "transactionId",
        "total",
        "size",
        "from",
    ]
    assert body["total"] == 4 and body["size"] == 4 and body["from"] == 0 and body["startTime"] is not None
    assert all(set(item) == {"@id"} for item in body["data"])
    missing = api.query(q(PERSON, {"path": "non_existing_field"}))
    assert all(item == {"non_existing_field": None} for item in missing.json()["data"])


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("EQUALS", "giacomo", ["Giacomo"]),
        ("EQUALS", "gia", []),
        ("STARTS_WITH", "GIA", ["Giacomo", "Gianna"]),
        ("ENDS_WITH", "como", ["Giacomo"]),
        ("CONTAINS", "a", ["Ada", "Giacomo", "Gianna", "Grace"]),
        ("CONTAINS", "g_a", ["Giacomo", "Gianna", "Grace"]),  # LIKE: "_" is any one character
        ("REGEX", "^g.*a$", ["Gianna"]),
        ("REGEX", "AC", ["Giacomo", "Grace"]),  # unanchored, and the pattern is lower-cased too
        ("CONTAINS", "   ", ["Ada", "Giacomo", "Gianna", "Grace"]),  # a blank value filters nothing
    ],
)
def test_filter_operations(world, op: str, value: str, expected: list[str]) -> None:
    """Each filter op, case-insensitive on both sides, as kg-core's DataQueryBuilder applies it."""
    _, api, _ = world
    r = api.query(q(PERSON, {"path": P + "givenName", "filter": {"op": op, "value": value}}))
    assert names(r) == expected


def test_is_empty_and_required(world) -> None:
    """IS_EMPTY keeps null/""/[]; required drops them (on a plain field and on a traversal)."""
    _, api, _ = world
    empty = api.query(q(DSV, {"path": P + "shortName"}, {"path": P + "author", "filter": {"op": "IS_EMPTY"}}))
    assert names(empty, P + "shortName") == ["ds-two"]
    required = api.query(q(DSV, {"path": P + "shortName"}, {"path": P + "author", "required": True}))
    assert names(required, P + "shortName") == ["ds-one"]
    nested = api.query(
        q(PERSON, {"path": P + "givenName"}, {"path": [P + "affiliation", P + "memberOf"], "required": True})
    )
    assert names(nested) == ["Ada"]


def test_parameter_filters_come_from_the_url_and_are_decoded_twice(world) -> None:
    """A filter's ``parameter`` takes the URL value (over the static one); "+" arrives as a space, like the KG."""
    _, api, _ = world
    body = q(ORG, {"path": P + "fullName", "filter": {"op": "CONTAINS", "parameter": "name", "value": "HWU"}})
    assert names(api.query(body, name="hello world"), P + "fullName") == ["Hello World University"]
    assert names(api.query(body, name="hello+world"), P + "fullName") == ["Hello World University"]
    assert names(api.query(body), P + "fullName") == []  # the static value applies without the parameter
    broken = api.query(body, name="50% percent")
    assert broken.status_code == 400 and "Illegal hex" in broken.text


def test_single_decoding_can_be_chosen(world) -> None:
    """With decode_parameters_twice off (MarmotGraph v4), "+" and "%" in parameter values are literal."""
    sb, api, _ = world
    routes = sb.server.app.queries
    body = q(ORG, {"path": P + "fullName", "filter": {"op": "CONTAINS", "parameter": "name"}})
    routes.decode_parameters_twice = False
    try:
        assert names(api.query(body, name="lab_50% percent"), P + "fullName") == ["Lab_50% Percent"]
        assert names(api.query(body, name="hello+world"), P + "fullName") == []
    finally:
        routes.decode_parameters_twice = True


def test_sort_size_from_and_totals(world) -> None:
    """sort orders by the field (ignoring case); from/size page; returnTotalResults=false drops the total."""
    _, api, _ = world
    body = q(PERSON, {"path": P + "givenName", "sort": True})
    page = api.query(body, **{"from": 1, "size": 2}).json()
    assert [i[P + "givenName"] for i in page["data"]] == ["Giacomo", "Gianna"]
    assert (page["total"], page["size"], page["from"]) == (4, 2, 1)
    assert api.query(body, size=2, returnTotalResults="False").json()["total"] is None
    nested_sort = q(PERSON, {"path": P + "affiliation", "structure": {"path": "@id", "sort": True}})
    assert api.query(nested_sort).status_code == 400


def test_traversal_nested_structure_single_value_and_order(world) -> None:
    """Nested structures follow links (in document order), singleValue FIRST, flattened paths."""
    _, api, _ = world
    body = q(
        DSV,
        {"path": P + "shortName", "filter": {"op": "EQUALS", "value": "ds-one"}},
        {
            "path": P + "author",
            "ensureOrder": True,
            "structure": [{"path": "@id"}, {"path": P + "givenName"}],
        },
        {
            "path": P + "license",
            "propertyName": "query:license",
            "singleValue": "FIRST",
            "structure": {"path": P + "shortName"},
        },
        {"path": [P + "author", P + "familyName"], "propertyName": "query:families"},
    )
    [item] = api.query(body).json()["data"]
    assert [a[P + "givenName"] for a in item[P + "author"]] == ["Grace", "Ada", "Giacomo"]
    assert item[MYQ + "license"] == {P + "shortName": "CC-BY-4.0"}  # the link resolved through the term's IRI
    assert sorted(item[MYQ + "families"]) == ["Hopper", "Lovelace", "Rossi"]
    filtered = q(
        DSV,
        {
            "path": P + "author",
            "structure": {"path": P + "givenName", "filter": {"op": "STARTS_WITH", "value": "g"}},
        },
    )
    firsts = {tuple(a[P + "givenName"] for a in i[P + "author"]) for i in api.query(filtered).json()["data"]}
    assert firsts == {("Grace", "Giacomo"), ()}


def test_reverse_and_type_filter(world) -> None:
    """A reverse path finds the instances linking here; typeFilter keeps only the given types."""
    _, api, ids = world
    body = q(
        PERSON,
        {"path": P + "givenName", "filter": {"op": "EQUALS", "value": "ada"}},
        {
            "path": {"@id": P + "author", "reverse": True},
            "propertyName": "query:datasets",
            "structure": {"path": P + "shortName"},
        },
        {
            "path": [P + "affiliation", {"@id": P + "memberOf", "typeFilter": {"@id": PERSON}}],
            "propertyName": "query:none",
            "structure": {"path": "@id"},
        },
        {
            "path": [P + "affiliation", {"@id": P + "memberOf", "typeFilter": {"@id": ORG}}],
            "propertyName": "query:orgs",
            "structure": {"path": "@id"},
        },
    )
    [item] = api.query(body).json()["data"]
    assert item[MYQ + "datasets"] == [{P + "shortName": "ds-one"}]
    assert item[MYQ + "none"] == []
    assert item[MYQ + "orgs"] == [{"@id": ids["uni"]}]
    org = q(
        ORG,
        {"path": P + "shortName", "required": True},
        {
            "path": [
                {"@id": P + "memberOf", "reverse": True},
                {"@id": P + "affiliation", "reverse": True},
                P + "givenName",
            ],
            "propertyName": "query:members",
        },
    )
    [uni] = api.query(org).json()["data"]
    assert uni[MYQ + "members"] == ["Ada"]  # back through the embedded affiliation to its person


def test_response_vocab(world) -> None:
    """meta.responseVocab shortens the keys and adds an @context to each item."""
    _, api, _ = world
    body = q(
        PERSON,
        {"path": "@id", "propertyName": "query:id"},
        {"path": P + "givenName", "propertyName": "query:name"},
        responseVocab=MYQ,
    )
    item = api.query(body).json()["data"][0]
    assert item["@context"] == {"@vocab": MYQ} and set(item) == {"@context", "id", "name"}


def test_instance_id_stage_and_spaces(world) -> None:
    """instanceId restricts to one root (or to nothing when it does not resolve, as the KG); stage and spaces."""
    _, api, ids = world
    body = q(PERSON, {"path": "@id"})
    one = api.query(body, instanceId=ids["Ada"].rsplit("/", 1)[1]).json()
    assert [i["@id"] for i in one["data"]] == [ids["Ada"]] and one["total"] == 1
    assert api.query(body, instanceId=str(uuid.uuid4())).json()["total"] == 4
    assert api.query(body, instanceId="not-a-uuid").status_code == 400
    assert api.query(body, stage="RELEASED").json()["total"] == 0
    orgs = q(ORG, {"path": "@id"}, {"path": META + "space", "propertyName": "query:space"})
    assert api.query(orgs, restrictToSpaces="collab-b").json()["total"] == 1
    assert {i[MYQ + "space"] for i in api.query(orgs).json()["data"]} == {SPACE, "collab-b"}


def test_users_see_only_what_they_may_read(world) -> None:
    """IN_PROGRESS results are limited to readable spaces; RELEASED is readable by all."""
    sb, api, ids = world
    mallory = Api(sb, "mallory")
    assert mallory.query(q(PERSON, {"path": "@id"})).json()["total"] == 0
    api("PUT", f"instances/{ids['Grace'].rsplit('/', 1)[1]}/release")
    assert mallory.query(q(PERSON, {"path": "@id"}), stage="RELEASED").json()["total"] == 1


def test_writes_show_up_in_the_next_query(world) -> None:
    """The query view follows writes (create, patch, delete) immediately."""
    _, api, _ = world
    body = q(PERSON, {"path": P + "familyName", "filter": {"op": "EQUALS", "value": "Turing"}})
    assert api.query(body).json()["total"] == 0
    iid = api.create({"@type": PERSON, P + "givenName": "Alan", P + "familyName": "Turing"}).rsplit("/", 1)[1]
    assert api.query(body).json()["total"] == 1
    api("PATCH", f"instances/{iid}", json={P + "familyName": "Turing-Test"})
    assert api.query(body).json()["total"] == 0
    api("DELETE", f"instances/{iid}")
    assert (
        api.query(
            q(PERSON, {"path": P + "familyName", "filter": {"op": "CONTAINS", "value": "turing"}})
        ).json()["total"]
        == 0
    )


def test_stored_queries(world) -> None:
    """PUT/GET/DELETE /queries/{id}, GET /queries?type&search and GET /queries/{id}/instances."""
    _, api, _ = world
    qid = str(uuid.uuid4())
    body = q(
        PERSON,
        {"path": P + "givenName", "filter": {"op": "EQUALS", "parameter": "given"}},
        name="by given name",
    )
    no_space = api("PUT", f"queries/{qid}", json=body)
    assert no_space.status_code == 400 and "specify the space" in no_space.json()["error"]["message"]
    assert api("PUT", f"queries/{qid}", params={"space": SPACE}, json=body).status_code == 200
    assert api("PUT", f"queries/{qid}", params={"space": "collab-b"}, json=body).status_code == 409
    stored = api("GET", f"queries/{qid}").json()["data"]
    assert META + "type/Query" in stored["@type"] and stored[META + "space"] == SPACE
    run = api("GET", f"queries/{qid}/instances", params={"stage": "IN_PROGRESS", "given": "ada"})
    assert names(run) == ["Ada"]
    listed = api("GET", "queries", params={"type": PERSON, "search": "GIVEN"}).json()
    assert [i["@id"] for i in listed["data"]] == [KG + qid]
    assert api("GET", "queries", params={"type": ORG}).json()["data"] == []
    assert api("DELETE", f"queries/{qid}").status_code == 200
    assert api("GET", f"queries/{qid}").status_code == 404
    missing = api("GET", f"queries/{qid}/instances", params={"stage": "IN_PROGRESS"})
    assert missing.status_code == 404 and "not found" in missing.text


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ([], "JSON object"),
        ({"structure": [{"path": "@id"}]}, "root type"),
        (q(PERSON, {"path": "@id", "filter": {"op": "NEAR", "value": "x"}}), "Unknown filter operation"),
        (q(PERSON, {"path": P + "givenName", "filter": {"op": "REGEX", "value": "("}}), "regular expression"),
        (q(PERSON, {"path": "@id", "sort": True}, {"path": "@type", "sort": True}), "on one property"),
        ({"@context": "https://example.org/remote.jsonld", "meta": {}}, "remote JSON-LD context"),
    ],
)
def test_invalid_queries_are_clear_400s(world, body: Any, fragment: str) -> None:
    """A bad query gets a plain-text 400 that says what is wrong."""
    _, api, _ = world
    r = api.query(body)
    assert r.status_code == 400 and fragment in r.text, r.text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
structure_items = st.fixed_dictionaries(
    {"path": st.one_of(st.sampled_from(["@id", "@type", P + "givenName", P + "affiliation"]), json_values)},
    optional={
        "filter": st.fixed_dictionaries(
            {"op": st.sampled_from(["EQUALS", "CONTAINS", "REGEX", "IS_EMPTY", "X"])},
            optional={"value": json_values, "parameter": st.text(max_size=5)},
        ),
        "required": json_values,
        "structure": json_values,
        "singleValue": json_values,
        "sort": json_values,
    },
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(structure=st.lists(structure_items, max_size=4), extra=json_values)
def test_random_queries_never_crash_the_server(world, structure: list[Any], extra: Any) -> None:
    """Any query body gets 200 or a 400 with a message, never a 500 or a dropped connection."""
    _, api, _ = world
    body = {"@context": CONTEXT, "meta": {"type": PERSON}, "structure": structure, "extra": extra}
    r = api.query(body)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert r.text.strip()
