"""The KG sandbox over real HTTP: every endpoint's envelopes, status codes and error bodies."""

from __future__ import annotations

import uuid

import pytest
import requests

from ebrains_curation.kg.sandbox import SandboxServer
from ebrains_curation.testing import DEFAULT_USERS, run_sandbox

OM = "https://openminds.om-i.org/"
PERSON = OM + "types/Person"
LICENSE = OM + "types/License"
META = "https://core.kg.ebrains.eu/vocab/meta/"
KG = "https://kg.ebrains.eu/api/instances/"
ENVELOPE_KEYS = ["data", "message", "error", "startTime", "durationInMs", "transactionId"]


class Api:
    """A tiny raw-HTTP helper (the point here is to see exactly what the server sends)."""

    def __init__(self, url: str, token: str | None, prefix: str = "v3"):
        self.base = f"{url}/{prefix}/"
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def alice(kg_sandbox) -> Api:
    return Api(kg_sandbox.url, kg_sandbox.tokens["alice"])


@pytest.fixture
def bob(kg_sandbox) -> Api:
    return Api(kg_sandbox.url, kg_sandbox.tokens["bob"])


@pytest.fixture
def curator(kg_sandbox) -> Api:
    return Api(kg_sandbox.url, kg_sandbox.tokens["curator"])


def person(given: str, family: str = "Tester", **extra: object) -> dict[str, object]:
    return {"@type": PERSON, OM + "props/givenName": given, OM + "props/familyName": family, **extra}


def create(
    api: Api, body: dict[str, object], space: str = "myspace", uid: str | None = None
) -> requests.Response:
    return api("POST", f"instances/{uid}" if uid else "instances", params={"space": space}, json=body)


# -- setup, auth and users -------------------------------------------------------------------------


def test_setup_authentication_needs_no_token(kg_sandbox) -> None:
    """/setup/authentication answers without a token, in a full envelope with null timings."""
    r = Api(kg_sandbox.url, None)("GET", "setup/authentication")
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ENVELOPE_KEYS
    assert body["data"]["endpoint"].endswith("/.well-known/openid-configuration")
    assert body["startTime"] is None


@pytest.mark.parametrize(
    "path", ["users/authorization", "users/authorization/config", "users/authorization/tokenEndpoint"]
)
def test_v3_beta_authorization_endpoints(kg_sandbox, path: str) -> None:
    """The deprecated v3-beta endpoints kg_core calls at start-up answer without a token; v3 has none."""
    r = Api(kg_sandbox.url, None, "v3-beta")("GET", path)
    assert r.status_code == 200 and r.json()["data"]["endpoint"].startswith("https://")
    assert Api(kg_sandbox.url, None)("GET", path).status_code in (401, 404)


def test_no_token_or_bad_token_is_401_with_empty_body(kg_sandbox) -> None:
    """Without a valid bearer token every data endpoint is a 401 with an empty body."""
    for token in (None, "not-a-token"):
        r = Api(kg_sandbox.url, token)("GET", "users/me")
        assert r.status_code == 401 and r.content == b""
        r = Api(kg_sandbox.url, token)("GET", "instances", params={"stage": "RELEASED", "type": PERSON})
        assert r.status_code == 401 and r.content == b""


def test_users_me_and_roles(alice) -> None:
    """/users/me is the schema.org user document; /users/me/roles lists permissions per space."""
    me = alice("GET", "users/me").json()["data"]
    assert me["http://schema.org/alternateName"] == "alice"
    assert me["http://schema.org/identifier"] == [me["https://schema.hbp.eu/users/nativeId"]]
    roles = alice("GET", "users/me/roles").json()["data"]
    assert {"functionality": "CREATE", "space": "collab-demo", "id": None} in roles["permissions"]


def test_terms_of_use_v3_beta(alice) -> None:
    """v3-beta terms of use answer as the KG does: a bare {version, data, accepted}; accepting sets it."""
    beta = Api(alice.base.rsplit("/v3/", 1)[0], alice.session.headers["Authorization"][7:], "v3-beta")
    terms = beta("GET", "users/termsOfUse").json()
    assert set(terms) == {"version", "data", "accepted"}
    r = beta("POST", f"users/termsOfUse/{terms['version']}/accept")
    assert r.status_code == 200 and r.content == b""
    assert beta("GET", "users/termsOfUse").json()["accepted"] is True
    assert beta("POST", "users/termsOfUse/not-the-current-one/accept").status_code == 400


# -- create ---------------------------------------------------------------------------------------


def test_create_random_uuid_is_200_with_instance(alice) -> None:
    """POST /instances creates with a random UUID: 200 (never 201), the instance read back, timings set."""
    r = create(alice, person("Ada", "Lovelace"))
    assert r.status_code == 200
    body = r.json()
    assert list(body) == ENVELOPE_KEYS
    data = body["data"]
    assert data["@id"].startswith(KG)
    assert data["@type"] == [PERSON]  # a string @type is normalised to a list
    assert data[META + "space"] == "myspace"
    assert data["http://schema.org/identifier"] == [data["@id"]]
    assert data[META + "revision"]
    assert isinstance(body["startTime"], int) and isinstance(body["durationInMs"], int)


def test_create_client_uuid_then_409_envelope(alice) -> None:
    """POST /instances/{uuid} uses the client's UUID; a second create is a 409 envelope naming it."""
    uid = str(uuid.uuid4())
    assert create(alice, person("Grace"), uid=uid).json()["data"]["@id"] == KG + uid
    r = create(alice, person("Grace"), uid=uid)
    assert r.status_code == 409
    body = r.json()
    assert body["data"] is None and body["error"]["code"] == 409
    assert body["error"]["instanceId"] == uid
    assert "Please do a PUT or a PATCH" in body["error"]["message"]


def test_create_409_when_payload_identifier_resolves(alice) -> None:
    """A new instance whose @id or schema.org identifier already belongs to another one is refused."""
    local = f"https://example.org/people/{uuid.uuid4()}"
    first = create(alice, person("Hedy", **{"@id": local})).json()["data"]
    assert local in first["http://schema.org/identifier"]  # a foreign @id is kept as an identifier
    r = create(alice, person("Hedy", **{"http://schema.org/identifier": [local]}))
    assert r.status_code == 409
    assert r.json()["error"]["instanceId"] == first["@id"].rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({OM + "props/givenName": "x"}, "A payload needs to provide the @type argument"),
        ({"@type": PERSON, "givenName": "x"}, "The property givenName is not fully qualified"),
        ({"@type": PERSON, META + "space": "x"}, "is a meta property of the EBRAINS KG"),
        (
            {"@type": PERSON, OM + "props/affiliation": [{OM + "props/memberOf": {"@id": KG + "x"}}]},
            "needs to provide an @type",
        ),
        (
            {"@type": PERSON, OM + "props/contactInformation": {"@id": KG + "x", "extra": 1}},
            "contained additional fields",
        ),
        ({"@type": PERSON, "@id": "not-an-iri"}, "invalid @id"),
        ({"@type": "Person"}, "@type should contain a list of valid urls"),
    ],
)
def test_invalid_payloads_are_plain_text_400(alice, payload: dict[str, object], message: str) -> None:
    """Payload validation errors are 400 with the KG's plain-text message."""
    r = create(alice, payload)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("text/plain")
    assert message in r.text


def test_compact_and_fully_expanded_payloads_are_normalised(alice) -> None:
    """A payload with an @context, or with @value objects, is stored in the KG's normalised form."""
    r = create(alice, {"@context": {"@vocab": OM + "props/"}, "@type": PERSON, "givenName": "Ctx"})
    assert r.status_code == 200 and r.json()["data"][OM + "props/givenName"] == "Ctx"
    r = create(alice, {"@type": [PERSON], OM + "props/givenName": [{"@value": "Exp"}]})
    assert r.status_code == 200 and r.json()["data"][OM + "props/givenName"] == "Exp"


def test_invalid_uuid_and_missing_space_are_spring_400(alice) -> None:
    """A non-UUID id or a missing required parameter gives Spring's JSON 400 with the path."""
    r = alice("GET", "instances/not-a-uuid", params={"stage": "IN_PROGRESS"})
    assert (
        r.status_code == 400 and r.json()["status"] == 400 and r.json()["path"] == "/v3/instances/not-a-uuid"
    )
    r = alice("POST", "instances", json=person("x"))
    assert r.status_code == 400 and r.json()["error"] == "Bad Request"


def test_write_outside_your_spaces_is_403(alice, bob) -> None:
    """Creating where you have no CREATE right is a 403 (a viewer of collab-demo cannot write there)."""
    r = create(bob, person("Bob"), space="collab-demo")
    assert r.status_code == 403 and "collab-demo" in r.text
    assert create(alice, person("Al"), space="dataset").status_code == 403
    assert create(alice, person("Al"), space="collab-demo").status_code == 200


def test_creating_in_a_new_space_needs_manage_space(kg_sandbox_factory) -> None:
    """Creating in a space that does not exist needs MANAGE_SPACE, as in the KG."""
    users = {
        "users": [
            {"username": "ed", "spaces": {"*": "editor"}},
            {"username": "own", "spaces": {"*": "owner"}},
        ]
    }
    sb = kg_sandbox_factory(users=users, seed=False)
    r = create(Api(sb.url, sb.tokens["ed"]), person("E"), space="collab-brand-new")
    assert r.status_code == 403 and "non-existing space collab-brand-new" in r.text
    assert create(Api(sb.url, sb.tokens["own"]), person("O"), space="collab-brand-new").status_code == 200


# -- read -----------------------------------------------------------------------------------------


def test_get_by_stage_and_404_with_empty_body(alice) -> None:
    """A fresh instance is at IN_PROGRESS only; unknown ids and other stages are an empty-body 404."""
    uid = create(alice, person("Fresh")).json()["data"]["@id"].rsplit("/", 1)[-1]
    r = alice("GET", f"instances/{uid}", params={"stage": "IN_PROGRESS"})
    assert r.status_code == 200 and r.json()["data"][OM + "props/givenName"] == "Fresh"
    r = alice("GET", f"instances/{uid}", params={"stage": "RELEASED"})
    assert r.status_code == 404 and r.content == b""
    r = alice("GET", f"instances/{uuid.uuid4()}", params={"stage": "IN_PROGRESS"})
    assert r.status_code == 404 and r.content == b""
    r = alice("GET", f"instances/{uid}")
    assert r.status_code == 400  # stage is required
    r = alice("GET", f"instances/{uid}", params={"stage": "IN_PROGRESS", "returnPayload": "False"})
    assert set(r.json()["data"]) == {"@id", META + "space"}


def test_reading_someone_elses_unreleased_instance_is_403(alice, bob) -> None:
    """IN_PROGRESS data in another user's private space cannot be read."""
    uid = create(alice, person("Private")).json()["data"]["@id"].rsplit("/", 1)[-1]
    assert bob("GET", f"instances/{uid}", params={"stage": "IN_PROGRESS"}).status_code == 403


def test_list_instances_paging_search_and_filters(curator) -> None:
    """GET /instances: label search (words ANDed), sorting, from/size, total, filters and True/False flags."""
    space = f"collab-list-{uuid.uuid4().hex[:8]}"
    names = [("Zoe", "Quillfeather"), ("Adam", "Quillfeather"), ("Mia", "Quillfeather"), ("Mia", "Other")]
    for given, family in names:
        assert create(curator, person(given, family), space=space).status_code == 200
    params = {
        "stage": "IN_PROGRESS",
        "type": PERSON,
        "space": space,
        "searchByLabel": "quillfeather",
        "from": 0,
        "size": 2,
        "returnTotalResults": "True",
    }
    body = curator("GET", "instances", params=params).json()
    assert body["total"] == 3 and body["size"] == 2 and body["from"] == 0
    assert [d[OM + "props/givenName"] for d in body["data"]] == ["Adam", "Mia"]
    body = curator("GET", "instances", params={**params, "from": 2}).json()
    assert body["size"] == 1 and [d[OM + "props/givenName"] for d in body["data"]] == ["Zoe"]
    body = curator("GET", "instances", params={**params, "returnTotalResults": "False"}).json()
    assert body["total"] is None and body["size"] == 2
    body = curator("GET", "instances", params={**params, "searchByLabel": "mia quill"}).json()
    assert [d[OM + "props/givenName"] for d in body["data"]] == ["Mia"]
    body = curator(
        "GET",
        "instances",
        params={
            "stage": "IN_PROGRESS",
            "type": PERSON,
            "space": space,
            "filterProperty": OM + "props/familyName",
            "filterValue": "Other",
        },
    ).json()
    assert body["total"] == 1 and body["data"][0][OM + "props/givenName"] == "Mia"
    uid = body["data"][0]["@id"].rsplit("/", 1)[-1]
    body = curator(
        "GET", "instances", params={"stage": "IN_PROGRESS", "type": PERSON, "searchByLabel": uid}
    ).json()
    assert body["total"] == 1  # a UUID as search text resolves to that instance
    assert (
        curator(
            "GET", "instances", params={"stage": "IN_PROGRESS", "type": PERSON, "returnEmbedded": "maybe"}
        ).status_code
        == 400
    )
    assert curator("GET", "instances", params={"stage": "IN_PROGRESS"}).status_code == 400  # type required


def test_seeded_terms_carry_their_openminds_iri(alice) -> None:
    """Controlled terms are released in the `controlled` space with their openMINDS IRI as identifier."""
    from ebrains_curation.schemas import iter_terms

    n_licenses = sum(1 for t in iter_terms("v4") if type(t).__name__ == "License")
    body = alice("GET", "instances", params={"stage": "RELEASED", "type": LICENSE, "size": 1000}).json()
    assert body["total"] == n_licenses
    cc = next(d for d in body["data"] if d[OM + "props/shortName"] == "CC-BY-4.0")
    assert cc[META + "space"] == "controlled"
    assert OM + "instances/licenses/CC-BY-4.0" in cc["http://schema.org/identifier"]
    assert cc[META + "firstReleasedAt"]


def test_instances_by_ids_and_identifiers(alice) -> None:
    """The bulk endpoints map each key to a nested envelope; misses are nested 404s."""
    uid = create(alice, person("Bulk")).json()["data"]["@id"].rsplit("/", 1)[-1]
    missing = str(uuid.uuid4())
    data = alice(
        "POST", "instancesByIds", params={"stage": "IN_PROGRESS"}, json=[uid, missing, "nope"]
    ).json()["data"]
    assert data[uid]["data"][OM + "props/givenName"] == "Bulk" and data[uid]["error"] is None
    assert data[missing]["data"] is None and data[missing]["error"]["code"] == 404
    assert data["nope"]["error"]["message"] == "nope"
    term = OM + "instances/species/musMusculus"
    data = alice(
        "POST",
        "instancesByIdentifiers",
        params={"stage": "RELEASED"},
        json=[term, "https://example.org/none"],
    ).json()["data"]
    assert term in data[term]["data"]["http://schema.org/identifier"]
    assert data["https://example.org/none"]["error"]["code"] == 404
    assert alice("POST", "instancesByIds", json=[uid]).status_code == 400  # stage is required


# -- write ----------------------------------------------------------------------------------------


def test_put_replaces_and_patch_merges(alice) -> None:
    """PUT replaces the document (left-out keys go); PATCH changes keys and resetValue removes one."""
    uid = create(alice, person("Old", "Name")).json()["data"]["@id"].rsplit("/", 1)[-1]
    r = alice("PUT", f"instances/{uid}", json={"@type": PERSON, OM + "props/givenName": "New"})
    assert r.status_code == 200
    assert OM + "props/familyName" not in r.json()["data"]
    assert alice("PUT", f"instances/{uid}", json={OM + "props/givenName": "x"}).status_code == 400
    r = alice("PATCH", f"instances/{uid}", json={OM + "props/familyName": "Patched"})
    assert (
        r.json()["data"][OM + "props/givenName"] == "New"
        and r.json()["data"][OM + "props/familyName"] == "Patched"
    )
    r = alice(
        "PATCH",
        f"instances/{uid}",
        json={OM + "props/familyName": "https://core.kg.ebrains.eu/vocab/resetValue"},
    )
    assert OM + "props/familyName" not in r.json()["data"]
    for method in ("PUT", "PATCH"):
        r = alice(method, f"instances/{uuid.uuid4()}", json=person("x"))
        assert r.status_code == 404 and r.content == b""


def test_release_cycle_and_delete_rules(curator) -> None:
    """Release → RELEASED; a change → HAS_CHANGED; delete while released is a 409; unrelease then delete."""
    uid = create(curator, person("Rel"), space="collab-rel").json()["data"]["@id"].rsplit("/", 1)[-1]
    scope = {"releaseTreeScope": "TOP_INSTANCE_ONLY"}
    assert curator("GET", f"instances/{uid}/release/status", params=scope).json()["data"] == "UNRELEASED"
    r = curator("PUT", f"instances/{uid}/release")
    assert r.status_code == 200 and r.json()["data"] is None
    assert curator("GET", f"instances/{uid}/release/status", params=scope).json()["data"] == "RELEASED"
    released = curator("GET", f"instances/{uid}", params={"stage": "RELEASED"}).json()["data"]
    assert released[META + "firstReleasedAt"] == released[META + "lastReleasedAt"]
    curator("PATCH", f"instances/{uid}", json={OM + "props/familyName": "Changed"})
    assert curator("GET", f"instances/{uid}/release/status", params=scope).json()["data"] == "HAS_CHANGED"
    r = curator("DELETE", f"instances/{uid}")
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": 409,
        "message": "Was not able to remove instance because it is released still",
        "instanceId": uid,
    }
    missing = str(uuid.uuid4())
    statuses = curator("POST", "instancesByIds/release/status", params=scope, json=[uid, missing]).json()[
        "data"
    ]
    assert statuses[uid]["data"] == "HAS_CHANGED" and statuses[missing]["error"]["code"] == 404
    assert curator("DELETE", f"instances/{uid}/release").status_code == 200
    assert curator("GET", f"instances/{uid}", params={"stage": "RELEASED"}).status_code == 404
    r = curator("DELETE", f"instances/{uid}")
    assert r.status_code == 200 and list(r.json()) == ENVELOPE_KEYS
    for method, path in (("DELETE", ""), ("PUT", "/release"), ("DELETE", "/release")):
        r = curator(method, f"instances/{uid}{path}")
        assert r.status_code == 404 and r.content == b""
    assert curator("GET", f"instances/{uid}/release/status", params=scope).status_code == 404
    assert curator("GET", f"instances/{uid}/release/status").status_code == 400  # scope is required


def test_release_needs_the_right(alice) -> None:
    """An editor may not release (403), nor see the status of instances in spaces they cannot read."""
    uid = create(alice, person("NoRel"), space="collab-demo").json()["data"]["@id"].rsplit("/", 1)[-1]
    r = alice("PUT", f"instances/{uid}/release")
    assert r.status_code == 403


# -- types and spaces -----------------------------------------------------------------------------


def test_types_with_counts_and_types_by_name(alice) -> None:
    """/types lists each type with its occurrences per space; /typesByName maps names to envelopes."""
    body = alice("GET", "types", params={"stage": "RELEASED", "space": "controlled"}).json()
    assert body["startTime"] is None and body["total"] == len(body["data"])
    lic = next(t for t in body["data"] if t["http://schema.org/identifier"] == LICENSE)
    assert lic[META + "occurrences"] > 10 and lic[META + "spaces"][0][META + "space"] == "controlled"
    body = alice("GET", "types", params={"stage": "RELEASED", "size": 2, "withProperties": "true"}).json()
    assert body["size"] == 2 and META + "properties" in body["data"][0]
    data = alice(
        "POST", "typesByName", params={"stage": "RELEASED"}, json=[LICENSE, OM + "types/Nope"]
    ).json()["data"]
    assert data[LICENSE]["data"]["http://schema.org/name"] == "License"
    assert data[OM + "types/Nope"]["error"]["code"] == 404
    assert alice("GET", "types").status_code == 400


def test_spaces(alice) -> None:
    """/spaces lists myspace, the user's spaces and controlled; /spaces/{x} gets one or a plain-text 404."""
    body = alice("GET", "spaces", params={"permissions": "true"}).json()
    names = [s["http://schema.org/name"] for s in body["data"]]
    assert names[0] == "myspace" and "collab-demo" in names and "controlled" in names
    demo = next(s for s in body["data"] if s["http://schema.org/name"] == "collab-demo")
    assert "CREATE" in demo[META + "permissions"] and demo[META + "space/autorelease"] is False
    assert alice("GET", "spaces/collab-demo").json()["data"]["http://schema.org/identifier"] == "collab-demo"
    r = alice("GET", "spaces/collab-secret")
    assert r.status_code == 404 and "was not found" in r.text


def test_v3_beta_prefix_serves_the_same_api(kg_sandbox) -> None:
    """Everything is also under /v3-beta/ (what kg_core and fairgraph use)."""
    beta = Api(kg_sandbox.url, kg_sandbox.tokens["alice"], "v3-beta")
    assert create(beta, person("Beta")).status_code == 200
    assert beta("GET", "users/me").status_code == 200


def test_unknown_route_and_method(alice) -> None:
    """Unknown paths are 404 and known paths with the wrong method are 405."""
    assert alice("GET", "nothing/here").status_code == 404
    assert alice("DELETE", "spaces").status_code == 405
    assert requests.get(alice.base.replace("/v3/", "/v2/"), timeout=5).status_code == 404


# -- persistence and faults -----------------------------------------------------------------------


def test_sqlite_file_survives_a_restart(tmp_path) -> None:
    """With a database file, instances at both stages and releases survive a restart; seeding is not repeated."""
    db = tmp_path / "kg.sqlite"
    users = {"users": [{"username": "c", "token": "tok-c", "spaces": {"*": "owner"}}]}
    with SandboxServer(db=db, users=users) as server:
        api = Api(server.url, "tok-c")
        uid = create(api, person("Persist"), space="collab-p").json()["data"]["@id"].rsplit("/", 1)[-1]
        api("PUT", f"instances/{uid}/release")
        seeded = server.store.count()
    with SandboxServer(db=db, users=users) as server:
        api = Api(server.url, "tok-c")
        assert server.store.count() == seeded
        for stage in ("IN_PROGRESS", "RELEASED"):
            r = api("GET", f"instances/{uid}", params={"stage": stage})
            assert r.status_code == 200 and r.json()["data"][OM + "props/givenName"] == "Persist"


def test_fault_injection_503_drop_and_latency() -> None:
    """Faults set at start-up: every request a 503, every connection dropped, or added latency."""
    with run_sandbox(seed=False, rate_503=1.0) as sb:
        r = Api(sb.url, sb.tokens["alice"])("GET", "users/me")
        assert r.status_code == 503
    with run_sandbox(seed=False, drop_rate=1.0) as sb, pytest.raises(requests.ConnectionError):
        Api(sb.url, sb.tokens["alice"])("GET", "users/me")
    with run_sandbox(seed=False, latency_ms=150) as sb:
        r = Api(sb.url, sb.tokens["alice"])("GET", "users/me")
        assert r.status_code == 200 and r.elapsed.total_seconds() >= 0.14


def test_default_users_file_shape() -> None:
    """The testing helper's default users are alice, bob and curator."""
    assert [u["username"] for u in DEFAULT_USERS["users"]] == ["alice", "bob", "curator"]


def test_bulk_answers_and_release_status_respect_permissions(alice, bob) -> None:
    """Unreadable instances are nested 403s in bulk answers; release status needs RELEASE_STATUS."""
    uid = create(alice, person("Hidden")).json()["data"]["@id"].rsplit("/", 1)[-1]
    data = bob("POST", "instancesByIds", params={"stage": "IN_PROGRESS"}, json=[uid]).json()["data"]
    assert data[uid]["error"]["code"] == 403 and data[uid]["data"] is None
    scope = {"releaseTreeScope": "TOP_INSTANCE_ONLY"}
    assert bob("GET", f"instances/{uid}/release/status", params=scope).status_code == 403
    nested = bob("POST", "instancesByIds/release/status", params=scope, json=[uid]).json()["data"]
    assert nested[uid]["error"]["code"] == 403


def test_tokens_expire_by_time_and_by_use() -> None:
    """A token with a TTL or a number of uses stops working (401) when it runs out; revoked ones at once."""
    from ebrains_curation.kg.sandbox import UserDirectory

    users = UserDirectory.from_config({"users": [{"username": "u", "token": "fixed"}]})
    assert users.authenticate("fixed").username == "u"
    expired = users.issue_token("u", ttl=0)
    assert users.authenticate(expired) is None
    twice = users.issue_token("u", max_uses=2)
    assert users.authenticate(twice) and users.authenticate(twice) and users.authenticate(twice) is None
    users.revoke("fixed")
    assert users.authenticate("fixed") is None
    assert "fixed" not in repr(users._tokens.get(twice))


def test_users_file_errors_are_clear(tmp_path) -> None:
    """Unknown roles or permissions and unreadable files are ConfigurationErrors that say what is wrong."""
    from ebrains_curation.errors import ConfigurationError
    from ebrains_curation.kg.sandbox import UserDirectory

    with pytest.raises(ConfigurationError, match="unknown role"):
        UserDirectory.from_config({"users": [{"username": "u", "spaces": {"x": "boss"}}]})
    with pytest.raises(ConfigurationError, match="unknown permission"):
        UserDirectory.from_config({"users": [{"username": "u", "spaces": {"x": ["FLY"]}}]})
    toml = tmp_path / "users.toml"
    toml.write_text('[[users]]\nusername = "t"\ntoken = "tt"\nspaces = { "collab-t" = "curator" }\n')
    assert UserDirectory.load(toml).authenticate("tt").can("RELEASE", "collab-t")
    with pytest.raises(ConfigurationError, match="cannot read"):
        UserDirectory.load(tmp_path / "missing.json")


def test_replays_the_fairgraph_kg_core_request_sequence(kg_sandbox) -> None:
    """The requests fairgraph 0.16 + kg_core send (reference §7, minus /queries) get the answers they expect."""
    anon = Api(kg_sandbox.url, None, "v3-beta")
    beta = Api(kg_sandbox.url, kg_sandbox.tokens["curator"], "v3-beta")
    assert anon("GET", "users/authorization/tokenEndpoint").status_code == 200
    assert beta("GET", "users/me").status_code == 200
    r = beta(
        "POST",
        "instances",
        params={"space": "myspace", "returnEmbedded": "True"},
        json={"@type": PERSON, OM + "props/familyName": "Lovelace", OM + "props/givenName": "Ada"},
    )
    uid = r.json()["data"]["@id"].rsplit("/", 1)[-1]
    assert beta("GET", f"instances/{uid}", params={"stage": "IN_PROGRESS", "returnEmbedded": "True"}).ok
    assert (
        beta("GET", f"instances/{uid}", params={"stage": "RELEASED", "returnEmbedded": "True"}).status_code
        == 404
    )
    r = beta(
        "PATCH", f"instances/{uid}", params={"returnEmbedded": "True"}, json={OM + "props/familyName": "King"}
    )
    assert r.json()["data"][OM + "props/familyName"] == "King"
    r = beta(
        "GET",
        "instances",
        params={
            "stage": "IN_PROGRESS",
            "type": PERSON,
            "space": "myspace",
            "returnEmbedded": "True",
            "from": 0,
            "size": 10,
            "returnTotalResults": "True",
        },
    )
    assert r.json()["total"] >= 1 and r.json()["data"][0][META + "space"] == "myspace"
    assert beta("PUT", f"instances/{uid}/release").status_code == 200
    r = beta("GET", f"instances/{uid}/release/status", params={"releaseTreeScope": "TOP_INSTANCE_ONLY"})
    assert r.json()["data"] == "RELEASED"
    assert beta("DELETE", f"instances/{uid}").status_code == 409  # released: unrelease first
    r = beta(
        "POST", "instancesByIds", params={"stage": "RELEASED"}, json=["00000000-0000-0000-0000-000000000001"]
    )
    assert r.json()["data"]["00000000-0000-0000-0000-000000000001"]["error"]["code"] == 404
