"""fairgraph 0.16, unmodified, against the sandbox over real HTTP (the host given as ``localhost:PORT``).

fairgraph is what most EBRAINS users already have: every call here goes through its own
code and kg_core's, exactly as in a notebook pointed at the real KG.
"""

from __future__ import annotations

import importlib.util
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from ebrains_curation.testing import SandboxInfo, fairgraph_classes, run_sandbox

# fairgraph is imported only inside fairgraph_classes(): importing it at collection time would put
# its classes into the openminds registry for every other test of the session
if importlib.util.find_spec("fairgraph") is None:
    pytest.skip("fairgraph is not installed", allow_module_level=True)

USERS = {
    "users": [
        {"username": "alice", "spaces": {"collab-fg": "curator"}},
        {"username": "bob", "spaces": {"collab-fg": "viewer"}},
    ]
}
SPACE = "collab-fg"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxInfo]:
    with run_sandbox(USERS) as info, fairgraph_classes():
        yield info


@pytest.fixture(scope="module")
def client(sandbox: SandboxInfo) -> Any:
    from fairgraph import KGClient

    return KGClient(token=sandbox.tokens["alice"], host=f"localhost:{sandbox.server.port}")


@pytest.fixture
def om() -> Any:
    import fairgraph.openminds.core as omcore

    return omcore


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def test_client_talks_to_the_sandbox(client: Any) -> None:
    """The fairgraph client is built against localhost:PORT over plain http and knows who we are."""
    assert client._kg_client.instances._kg_config.endpoint.startswith("http://localhost:")
    assert client.user_info().alternate_name == "alice"


def test_save_new_object_without_id_then_exists(client: Any, om: Any) -> None:
    """save() of a new object runs the existence query at both stages, then creates it with a random id."""
    family = unique("Lovelace")
    person = om.Person(given_name="Ada", family_name=family)
    assert person.id is None and person.exists(client) is False
    person.save(client, space=SPACE)
    assert person.id.startswith("https://kg.ebrains.eu/api/instances/")
    fetched = om.Person.from_id(person.id, client, release_status="in progress")
    assert (fetched.given_name, fetched.family_name, fetched.space) == ("Ada", family, SPACE)

    again = om.Person(given_name="ada", family_name=family.upper())  # existence matching ignores case
    client._existence_cache.clear()  # force the existence *query* rather than fairgraph's cache
    assert again.exists(client) is True
    assert again.id == person.id and again.family_name == family  # the stored value is adopted
    assert om.Person(given_name="Grace", family_name=family).exists(client) is False


def test_saving_twice_does_not_duplicate(client: Any, om: Any) -> None:
    """A second save() of an equal new object finds the first by query and creates nothing."""
    family = unique("Hopper")
    om.Person(given_name="Grace", family_name=family).save(client, space=SPACE)
    client._existence_cache.clear()
    second = om.Person(given_name="Grace", family_name=family)
    second.save(client, space=SPACE)
    assert om.Person.count(client, family_name=family, release_status="in progress") == 1


def test_by_name_of_controlled_terms(client: Any) -> None:
    """by_name() with a client searches the KG's controlled terms with REGEX filters on name-like properties."""
    import fairgraph.openminds.controlled_terms as terms

    mouse = terms.Species.by_name("Mus musculus", client)
    assert mouse is not None and mouse.name == "Mus musculus" and mouse.space == "controlled"
    assert mouse.id.startswith("https://kg.ebrains.eu/api/instances/")
    assert terms.Species.by_name("musculus", client, match="contains", all=True)
    assert terms.Species.by_name("No such species at all", client) is None


def test_list_and_count_with_filters(client: Any, om: Any) -> None:
    """list()/count() with filters use the Query API: CONTAINS by default, Equals and Regex on request."""
    from fairgraph.queries import Equals, Regex

    family = unique("Curie")
    for given in ("Marie", "Pierre", "Irene"):
        om.Person(given_name=given, family_name=family).save(client, space=SPACE)
    found = om.Person.list(client, family_name=family.lower(), release_status="in progress", space=SPACE)
    assert sorted(p.given_name for p in found) == ["Irene", "Marie", "Pierre"]
    assert om.Person.count(client, family_name=family, release_status="in progress") == 3
    assert (
        om.Person.count(client, given_name=Equals("pierre"), family_name=family, release_status="in progress")
        == 1
    )
    assert (
        om.Person.count(client, given_name=Equals("pier"), family_name=family, release_status="in progress")
        == 0
    )
    regex = om.Person.list(
        client, given_name=Regex("^(marie|irene)$"), family_name=family, release_status="in progress"
    )
    assert sorted(p.given_name for p in regex) == ["Irene", "Marie"]
    page = om.Person.list(client, family_name=family, release_status="in progress", size=2, from_index=2)
    assert len(page) == 1
    assert om.Person.list(client, family_name=family, release_status="released") == []


def test_follow_links(client: Any, om: Any) -> None:
    """follow_links resolves linked objects (and embedded ones) in the same query."""
    org = om.Organization(full_name=unique("Analytical Engines Ltd "))
    org.save(client, space=SPACE)
    family = unique("Babbage")
    person = om.Person(given_name="Charles", family_name=family, affiliations=[om.Affiliation(member_of=org)])
    person.save(client, space=SPACE)
    found = om.Person.list(
        client,
        family_name=family,
        release_status="in progress",
        follow_links={"affiliations": {"member_of": {}}},
    )
    assert len(found) == 1
    member_of = found[0].affiliations[0].member_of
    assert isinstance(member_of, om.Organization) and member_of.full_name == org.full_name
    unresolved = om.Person.list(client, family_name=family, release_status="in progress")[0]
    assert unresolved.affiliations[0].member_of.id == org.id  # a KGProxy when links are not followed


def test_from_id_update_release_unrelease_delete(client: Any, om: Any) -> None:
    """The life cycle of one object: from_id, update (PATCH), release, unrelease, delete."""
    family = unique("Noether")
    person = om.Person(given_name="Emmy", family_name=family)
    person.save(client, space=SPACE)
    person.given_name = "Amalie Emmy"
    person.save(client)  # an update: only the changed property is sent
    fetched = om.Person.from_id(person.id, client, release_status="in progress")
    assert fetched.given_name == "Amalie Emmy"

    assert person.is_released(client) is False
    person.release(client)
    assert person.is_released(client) is True
    released = om.Person.from_id(person.id, client, release_status="released")
    assert released.given_name == "Amalie Emmy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        person.unrelease(client)
    assert person.is_released(client) is False

    person.delete(client)
    assert om.Person.from_id(person.id, client, release_status="in progress") is None
    client._existence_cache.clear()
    assert om.Person(given_name="Amalie Emmy", family_name=family).exists(client) is False


def test_viewer_cannot_write(sandbox: SandboxInfo, om: Any) -> None:
    """A viewer's save is refused with fairgraph's AuthorizationError (the sandbox answers 403)."""
    from fairgraph import KGClient
    from fairgraph.errors import AuthorizationError

    bob = KGClient(token=sandbox.tokens["bob"], host=f"localhost:{sandbox.server.port}")
    with pytest.raises(AuthorizationError):
        om.Person(given_name="Bob", family_name=unique("Builder")).save(bob, space=SPACE)


def test_fairgraph_reads_what_we_submit(sandbox: SandboxInfo, client: Any, om: Any) -> None:
    """Our expanded JSON-LD, written to a file, loaded and submitted, reads back in fairgraph unchanged.

    Dates, numbers (96.0 stays a float), web addresses, embedded nodes and the order of
    authors are what a fairgraph user sees of a dataset we published.
    """
    import datetime
    from pathlib import Path
    from tempfile import TemporaryDirectory

    import ebrains_curation as ec
    from ebrains_curation.constants import OMI_NS
    from ebrains_curation.graph.writers import dump
    from ebrains_curation.kg.submission import submit

    t, tag = OMI_NS + "types/", uuid.uuid4().hex[:8]
    family = [unique("Hodgkin"), unique("Huxley")]
    g = ec.MetadataGraph("v4")
    for i, name in enumerate(family):
        g.add_node({"@id": f"https://example.org/{tag}/p{i}", "@type": t + "Person", "familyName": name})
    g.add_node(
        {
            "@id": f"https://example.org/{tag}/f",
            "@type": t + "File",
            "name": "spikes.nwb",
            "IRI": "https://data-proxy.ebrains.eu/api/v1/buckets/b/spikes.nwb",
            "hash": [{"@type": t + "Hash", "algorithm": "MD5", "digest": "0" * 32}],
            "storageSize": {"@type": t + "QuantitativeValue", "value": 96.0},
        }
    )
    g.add_node(
        {
            "@id": f"https://example.org/{tag}/dsv",
            "@type": t + "DatasetVersion",
            "shortName": f"squid axon {tag}",
            "versionIdentifier": "v1",
            "releaseDate": "2024-05-01",
            "homepage": "https://example.org/squid",
            "author": [{"@id": f"https://example.org/{tag}/p1"}, {"@id": f"https://example.org/{tag}/p0"}],
        }
    )
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "expanded.jsonld"
        dump(g, path, format="expanded")
        loaded = ec.load(path)
    result = submit(loaded, sandbox.client("alice"), SPACE, progress=False)
    assert result.ok, result.errors

    dsv = om.DatasetVersion.from_id(
        result.ids[f"https://example.org/{tag}/dsv"],
        client,
        release_status="in progress",
        follow_links={"authors": {}},
    )
    assert dsv.short_name == f"squid axon {tag}" and dsv.version_identifier == "v1"
    assert dsv.release_date == datetime.date(2024, 5, 1)
    assert str(dsv.homepage) == "https://example.org/squid"
    assert [a.family_name for a in dsv.authors] == [family[1], family[0]]  # order kept
    f = om.File.from_id(result.ids[f"https://example.org/{tag}/f"], client, release_status="in progress")
    assert (
        f.name == "spikes.nwb" and str(f.iri) == "https://data-proxy.ebrains.eu/api/v1/buckets/b/spikes.nwb"
    )
    assert f.storage_size.value == 96.0 and isinstance(f.storage_size.value, float)
    hashes = f.hashes if isinstance(f.hashes, list) else [f.hashes]
    assert (hashes[0].algorithm, hashes[0].digest) == ("MD5", "0" * 32)
