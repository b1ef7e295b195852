"""The official kg-core Python SDK (``ebrains-kg-core`` 0.9.20, module ``kg_core``), unmodified, against the sandbox.

kg_core uses plain http only for hosts starting with ``localhost``, so the sandbox is
addressed as ``localhost:PORT``; it talks to ``/v3-beta/``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ebrains_curation.testing import SandboxInfo, run_sandbox

kg_core = pytest.importorskip("kg_core")
from kg_core.kg import kg  # noqa: E402
from kg_core.request import Pagination, ReleaseTreeScope, Stage  # noqa: E402

OM = "https://openminds.om-i.org/"
PERSON, DSV = OM + "types/Person", OM + "types/DatasetVersion"
KG = "https://kg.ebrains.eu/api/instances/"
SPACE = "collab-sdk"
USERS = {"users": [{"username": "alice", "spaces": {SPACE: "curator", "collab-other": "editor"}}]}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with run_sandbox(USERS) as info:
        yield info


@pytest.fixture(scope="module")
def client(sandbox: SandboxInfo) -> Any:
    return kg(f"localhost:{sandbox.server.port}").with_token(sandbox.tokens["alice"]).build()


def query(type_: str, *structure: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "@context": {
            "@vocab": "https://core.kg.ebrains.eu/vocab/query/",
            "query": "https://schema.hbp.eu/myQuery/",
            "propertyName": {"@id": "propertyName", "@type": "@id"},
            "path": {"@id": "path", "@type": "@id"},
        },
        "meta": {"type": type_, **meta},
        "structure": list(structure),
    }


def new_person(client: Any, given: str, family: str, space: str = SPACE) -> uuid.UUID:
    result = client.instances.create_new(
        {"@type": PERSON, OM + "props/givenName": given, OM + "props/familyName": family}, space
    )
    assert result.error is None, result.error
    return result.data.uuid


def test_query_test_with_filters_and_parameters(client: Any) -> None:
    """queries.test_query: a dynamic query with a static filter, a parameter filter, paging and totals."""
    family = f"Hodgkin{uuid.uuid4().hex[:6]}"
    for given in ("Alan", "Andrew", "Dorothy"):
        new_person(client, given, family)
    q = query(
        PERSON,
        {"path": "@id"},
        {
            "path": OM + "props/familyName",
            "propertyName": "query:family",
            "filter": {"op": "EQUALS", "value": family},
        },
        {
            "path": OM + "props/givenName",
            "propertyName": "query:given",
            "sort": True,
            "filter": {"op": "STARTS_WITH", "parameter": "given"},
        },
        responseVocab="https://schema.hbp.eu/myQuery/",
    )
    page = client.queries.test_query(q, stage=Stage.IN_PROGRESS, pagination=Pagination(start=0, size=2))
    assert page.error is None and page.total == 3 and page.size == 2
    assert [d["given"] for d in page.data] == ["Alan", "Andrew"]
    assert page.data[0]["@context"] == {"@vocab": "https://schema.hbp.eu/myQuery/"}
    assert [d["given"] for d in page.items()] == ["Alan", "Andrew", "Dorothy"]  # kg_core's own paging
    only_a = client.queries.test_query(q, {"given": "a"}, stage=Stage.IN_PROGRESS)
    assert sorted(d["given"] for d in only_a.data) == ["Alan", "Andrew"]
    released = client.queries.test_query(q, stage=Stage.RELEASED)
    assert released.error is None and released.total == 0


def test_stored_query_save_get_execute_list_remove(client: Any) -> None:
    """queries.save_query / get_query_specification / execute_query_by_id / list_per_root_type / remove_query."""
    family = f"Franklin{uuid.uuid4().hex[:6]}"
    pid = new_person(client, "Rosalind", family)
    query_id = uuid.uuid4()
    q = query(
        PERSON,
        {"path": "@id"},
        {
            "path": OM + "props/familyName",
            "propertyName": "query:family",
            "filter": {"op": "EQUALS", "parameter": "family"},
        },
        name="people by family name",
    )
    missing_space = client.queries.save_query(q, query_id)
    assert missing_space.error is not None and missing_space.error.code == 400
    saved = client.queries.save_query(q, query_id, space=SPACE)
    assert saved.error is None and saved.data.uuid == query_id
    spec = client.queries.get_query_specification(query_id)
    assert "https://core.kg.ebrains.eu/vocab/meta/type/Query" in spec.data["@type"]
    result = client.queries.execute_query_by_id(query_id, {"family": family}, stage=Stage.IN_PROGRESS)
    assert result.error is None and [d["@id"] for d in result.data] == [KG + str(pid)]
    restricted = client.queries.execute_query_by_id(query_id, instance_id=pid, stage=Stage.IN_PROGRESS)
    assert restricted.total == 1 and restricted.data[0]["@id"] == KG + str(pid)
    listed = client.queries.list_per_root_type(search="family name", target_type=PERSON)
    assert str(query_id) in {str(i.uuid) for i in listed.data}
    assert client.queries.remove_query(query_id) is None
    assert client.queries.get_query_specification(query_id).error.code == 404
    assert client.queries.execute_query_by_id(query_id, stage=Stage.IN_PROGRESS).error.code == 404


def test_incoming_links(client: Any) -> None:
    """instances.get_incoming_links lists the instances linking to one by a property, with labels."""
    pid = new_person(client, "Barbara", f"McClintock{uuid.uuid4().hex[:6]}")
    dsv = client.instances.create_new(
        {"@type": DSV, OM + "props/shortName": "maize", OM + "props/author": [{"@id": KG + str(pid)}]}, SPACE
    ).data
    page = client.instances.get_incoming_links(pid, OM + "props/author", DSV, stage=Stage.IN_PROGRESS)
    assert page.error is None and page.total == 1
    assert page.data[0]["@id"] == dsv["@id"]
    assert page.data[0]["https://core.kg.ebrains.eu/vocab/label"] == "maize"
    none = client.instances.get_incoming_links(pid, OM + "props/custodian", DSV, stage=Stage.IN_PROGRESS)
    assert none.total == 0 and none.data == []


def test_scope_and_release_status_of_the_tree(client: Any) -> None:
    """instances.get_scope gives the tree a release would cover; CHILDREN_ONLY status follows the children."""
    pid = new_person(client, "Santiago", f"Cajal{uuid.uuid4().hex[:6]}")
    dsv = client.instances.create_new(
        {"@type": DSV, OM + "props/shortName": "neurons", OM + "props/author": [{"@id": KG + str(pid)}]},
        SPACE,
    ).data
    scope = client.instances.get_scope(dsv.uuid, stage=Stage.IN_PROGRESS, return_permissions=True)
    assert scope.error is None and scope.data.uuid == dsv.uuid
    assert [c.uuid for c in scope.data.children] == [pid]
    assert "RELEASE" in scope.data.permissions
    status = client.instances.get_release_status(dsv.uuid, ReleaseTreeScope.CHILDREN_ONLY)
    assert status.data == "UNRELEASED"
    assert client.instances.release(pid) is None
    assert client.instances.get_release_status(dsv.uuid, ReleaseTreeScope.CHILDREN_ONLY).data == "RELEASED"
    assert (
        client.instances.get_release_status(dsv.uuid, ReleaseTreeScope.TOP_INSTANCE_ONLY).data == "UNRELEASED"
    )


def test_move(client: Any) -> None:
    """instances.move moves an unreleased instance; a released one gives 409."""
    pid = new_person(client, "Lise", f"Meitner{uuid.uuid4().hex[:6]}")
    moved = client.instances.move(pid, "collab-other")
    assert moved.error is None
    assert moved.data["https://core.kg.ebrains.eu/vocab/meta/space"] == "collab-other"
    got = client.instances.get_by_id(pid, stage=Stage.IN_PROGRESS)
    assert got.data["https://core.kg.ebrains.eu/vocab/meta/space"] == "collab-other"
    other = new_person(client, "Otto", f"Hahn{uuid.uuid4().hex[:6]}")
    client.instances.release(other)
    refused = client.instances.move(other, "collab-other")
    assert refused.error.code == 409 and "released" in refused.error.message


def test_neighbors_and_normalized_payload(client: Any, sandbox: SandboxInfo) -> None:
    """get_neighbors and normalize_payload succeed; the bodies have the KG's shapes."""
    pid = new_person(client, "Ramon", f"Neighbour{uuid.uuid4().hex[:6]}")
    assert client.instances.get_neighbors(pid, stage=Stage.IN_PROGRESS) is None  # kg_core returns only errors
    assert (
        client.jsonld.normalize_payload(
            {"@context": {"@vocab": OM + "props/"}, "@type": PERSON, "givenName": "x"}
        )
        is None
    )
    base = f"http://localhost:{sandbox.server.port}/v3-beta/"
    auth = {"Authorization": f"Bearer {sandbox.tokens['alice']}"}
    body = requests.get(
        f"{base}instances/{pid}/neighbors", params={"stage": "IN_PROGRESS"}, headers=auth, timeout=10
    )
    assert list(body.json()["data"]) == ["id", "types", "name", "space", "inbound", "outbound"]
    norm = requests.post(
        f"{base}jsonld/normalizedPayload",
        json={"@context": {"@vocab": OM + "props/"}, "@type": PERSON, "givenName": "x", "familyName": None},
        headers=auth,
        timeout=10,
    ).json()
    assert norm == {"@type": [PERSON], OM + "props/givenName": "x", OM + "props/familyName": None}


def test_terms_of_use(client: Any) -> None:
    """users.get_terms_of_use parses the KG's bare body; accepting it flips ``accepted``."""
    terms = client.users.get_terms_of_use()
    assert terms is not None and terms.version
    assert client.users.accept_terms_of_use(terms.version) is None
    assert client.users.get_terms_of_use().accepted is True
