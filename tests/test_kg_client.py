"""KGClient against the sandbox over real HTTP: URLs, tokens, typed errors, retries, refresh, paging."""

from __future__ import annotations

import logging
import uuid

import pytest

from ebrains_curation import MetadataGraph
from ebrains_curation.errors import CurationError, KGError
from ebrains_curation.kg import (
    KGAuthenticationError,
    KGBadRequest,
    KGClient,
    KGConfigurationError,
    KGConflict,
    KGConnectionError,
    KGNotFound,
    KGPermissionError,
    KGUnavailable,
    file_token,
)
from ebrains_curation.kg.errors import STATUS_ERRORS, KGClientError, KGServerError, error_for
from ebrains_curation.testing import run_sandbox

OM = "https://openminds.om-i.org/"
PERSON = OM + "types/Person"


def person(given: str, family: str = "Client") -> dict[str, object]:
    return {"@type": PERSON, OM + "props/givenName": given, OM + "props/familyName": family}


# -- construction ---------------------------------------------------------------------------------


def test_constructor_does_no_io_and_asks_no_token() -> None:
    """Building a client sends nothing and does not call the token provider."""
    calls = []
    client = KGClient("core.kg.ebrains.eu", token_provider=lambda: calls.append(1) or "t")
    assert calls == []
    assert client.base_url == "https://core.kg.ebrains.eu/v3/"
    assert isinstance(client.timeout, tuple) and all(t > 0 for t in client.timeout)


@pytest.mark.parametrize(
    ("host", "api", "expected"),
    [
        ("core.kg-ppd.ebrains.eu", "v3", "https://core.kg-ppd.ebrains.eu/v3/"),
        ("localhost:8000", "v3", "http://localhost:8000/v3/"),
        ("127.0.0.1:9", "v3-beta", "http://127.0.0.1:9/v3-beta/"),
        ("http://[::1]:8000/", "v3", "http://[::1]:8000/v3/"),
        ("https://kg.example.org/v3-beta", "v3", "https://kg.example.org/v3-beta/"),
    ],
)
def test_base_urls(host: str, api: str, expected: str) -> None:
    """Hosts get https (http only for loopback); an explicit /v3 or /v3-beta path is kept."""
    assert KGClient(host, token="t", api=api).base_url == expected


def test_plain_http_refused_for_remote_hosts() -> None:
    """A token must never travel over plain http to another machine."""
    with pytest.raises(KGConfigurationError, match="Refusing plain http"):
        KGClient("http://core.kg.ebrains.eu", token="t")


def test_bad_settings_are_configuration_errors() -> None:
    """Conflicting or empty settings fail early with a ConfigurationError (also a CurationError)."""
    with pytest.raises(KGConfigurationError):
        KGClient("localhost", token="a", token_provider=lambda: "b")
    with pytest.raises(KGConfigurationError):
        KGClient("localhost", token="  ")
    with pytest.raises(KGConfigurationError):
        KGClient("localhost", token="t", api="v2")
    with pytest.raises(CurationError):
        KGClient("localhost", token="t", timeout=0)


def test_from_env(monkeypatch: pytest.MonkeyPatch, kg_sandbox) -> None:
    """from_env reads KG_AUTH_TOKEN (and KG_HOST); without a token it explains what to set."""
    monkeypatch.delenv("KG_AUTH_TOKEN", raising=False)
    with pytest.raises(KGConfigurationError, match="KG_AUTH_TOKEN"):
        KGClient.from_env()
    monkeypatch.setenv("KG_AUTH_TOKEN", kg_sandbox.tokens["alice"])
    monkeypatch.setenv("KG_HOST", kg_sandbox.url)
    assert KGClient.from_env().me()["http://schema.org/alternateName"] == "alice"


def test_token_never_in_repr_errors_or_logs(kg_sandbox, caplog: pytest.LogCaptureFixture) -> None:
    """The token appears in no repr, exception message or log record."""
    secret = "s3cr3t-token-value"
    client = KGClient(kg_sandbox.url, token=secret, backoff=0.01)
    assert secret not in repr(client)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(KGAuthenticationError) as info:
        client.me()
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert "GET" in str(info.value) and "/v3/users/me" in str(info.value)
    assert info.value.status == 401 and info.value.method == "GET"
    assert caplog.records and all(secret not in r.getMessage() for r in caplog.records)


def test_file_token_provider(tmp_path, kg_sandbox) -> None:
    """A token file is read lazily and re-read on refresh."""
    path = tmp_path / "token"
    client = KGClient(kg_sandbox.url, token_provider=file_token(path))  # no file yet: fine, no I/O
    path.write_text(kg_sandbox.tokens["bob"] + "\n")
    assert client.me()["http://schema.org/alternateName"] == "bob"
    assert kg_sandbox.tokens["bob"] not in repr(client)


# -- typed errors ---------------------------------------------------------------------------------


def test_status_table_and_fallbacks() -> None:
    """Statuses map to exception classes through one table, with 4xx/5xx fallbacks."""
    assert STATUS_ERRORS[404] is KGNotFound and STATUS_ERRORS[503] is KGUnavailable
    assert isinstance(error_for("GET", "u", 418), KGClientError)
    assert isinstance(error_for("GET", "u", 500), KGServerError)
    err = error_for(
        "POST",
        "https://x/v3/instances",
        409,
        payload={"error": {"code": 409, "message": "exists", "instanceId": "abc"}},
    )
    assert isinstance(err, KGConflict) and err.instance_id == "abc" and isinstance(err, KGError)
    assert str(err) == "409 exists (on POST https://x/v3/instances)"


def test_errors_from_the_sandbox(kg_sandbox) -> None:
    """404, 409, 403 and 400 answers raise their own exception types with status, method and URL."""
    alice = kg_sandbox.client("alice")
    with pytest.raises(KGNotFound) as info:
        alice.get(str(uuid.uuid4()), stage="IN_PROGRESS")
    assert info.value.status == 404 and info.value.method == "GET"
    uid = str(uuid.uuid4())
    alice.create(person("Dup"), "myspace", uuid=uid)
    with pytest.raises(KGConflict) as conflict:
        alice.create(person("Dup"), "myspace", uuid=uid)
    assert conflict.value.instance_id == uid
    with pytest.raises(KGPermissionError):
        kg_sandbox.client("bob").create(person("No"), "collab-demo")
    with pytest.raises(KGBadRequest, match="not fully qualified"):
        alice.create({"@type": PERSON, "name": "x"}, "myspace")
    with pytest.raises(KGConfigurationError):
        alice.get("not-a-uuid")


def test_crud_and_release_roundtrip(kg_sandbox) -> None:
    """create → get → patch → replace → release → status → unrelease → delete through the client."""
    kg = kg_sandbox.client("curator")
    doc = kg.create(person("Round"), "collab-client")
    iri = doc["@id"]
    assert kg.get(iri, stage="IN_PROGRESS")[OM + "props/givenName"] == "Round"
    assert kg.patch(iri, {OM + "props/familyName": "Trip"})[OM + "props/familyName"] == "Trip"
    assert OM + "props/familyName" not in kg.replace(iri, {"@type": PERSON, OM + "props/givenName": "R"})
    kg.release(iri)
    assert kg.release_status(iri) == "RELEASED"
    missing = str(uuid.uuid4())
    assert kg.release_statuses([iri, missing]) == {iri: "RELEASED", missing: None}
    with pytest.raises(KGConflict):
        kg.delete(iri)
    kg.unrelease(iri)
    kg.delete(iri)
    with pytest.raises(KGNotFound):
        kg.get(iri, stage="IN_PROGRESS")


def test_users_spaces_types_setup(kg_sandbox) -> None:
    """me(), spaces(), space(), types() and the unauthenticated setup endpoint."""
    kg = kg_sandbox.client("alice")
    assert kg.openid_configuration_url().startswith("https://iam.ebrains.eu/")
    assert kg.me()["http://schema.org/alternateName"] == "alice"
    names = [s["http://schema.org/name"] for s in kg.spaces(page_size=1)]
    assert names[0] == "myspace" and "controlled" in names
    assert kg.space("collab-demo", permissions=True)["https://core.kg.ebrains.eu/vocab/meta/permissions"]
    types = {t["http://schema.org/identifier"]: t for t in kg.types(space="controlled")}
    assert types[OM + "types/Species"]["https://core.kg.ebrains.eu/vocab/meta/occurrences"] > 5


# -- retries, timeouts, token refresh -------------------------------------------------------------


def test_idempotent_requests_are_retried_through_503s_and_drops() -> None:
    """GETs and bulk lookups survive a server that fails 40% of requests."""
    with run_sandbox(rate_503=0.2, drop_rate=0.2, fault_seed=7) as sb:
        kg = sb.client("alice", retries=15, backoff_max=0.1)
        for _ in range(20):
            assert kg.me()["http://schema.org/alternateName"] == "alice"
        found = kg.resolve([OM + "instances/licenses/CC-BY-4.0"])
        assert found[OM + "instances/licenses/CC-BY-4.0"] is not None
        assert sb.server.requests_seen > 21  # some requests were retried


def test_creates_are_not_retried_by_the_client() -> None:
    """A POST create meets a 503 once and raises; a GET is retried up to the policy."""
    with run_sandbox(seed=False, rate_503=1.0) as sb:
        kg = sb.client("alice", retries=3)
        with pytest.raises(KGUnavailable):
            kg.create(person("Once"), "myspace", uuid=str(uuid.uuid4()))
        assert sb.server.requests_seen == 1
        with pytest.raises(KGUnavailable):
            kg.me()
        assert sb.server.requests_seen == 1 + 4


def test_connection_errors_and_timeouts_are_kg_connection_errors() -> None:
    """No response at all (dropped, refused or too slow) raises KGConnectionError naming method and URL."""
    with run_sandbox(seed=False, drop_rate=1.0) as sb:
        with pytest.raises(KGConnectionError) as info:
            sb.client("alice", retries=1).me()
        assert "GET" in str(info.value)
    with run_sandbox(seed=False, latency_ms=400) as sb, pytest.raises(KGConnectionError, match="in time"):
        sb.client("alice", retries=0, timeout=0.1).me()
    url = sb.url  # now stopped: nothing listens there
    with pytest.raises(KGConnectionError):
        KGClient(url, token="t", retries=0).me()


def test_401_asks_the_provider_once_for_a_fresh_token(kg_sandbox) -> None:
    """On a 401 the provider is asked again and the request repeated; a static token just fails."""
    tokens = iter(["expired-token", kg_sandbox.tokens["alice"]])
    calls = []

    def provider() -> str:
        calls.append(1)
        return next(tokens)

    kg = KGClient(kg_sandbox.url, token_provider=provider)
    assert kg.me()["http://schema.org/alternateName"] == "alice"
    assert len(calls) == 2
    with pytest.raises(KGAuthenticationError):
        KGClient(kg_sandbox.url, token="expired-token").me()
    always_bad = KGClient(kg_sandbox.url, token_provider=lambda: "bad")
    with pytest.raises(KGAuthenticationError):
        always_bad.me()  # asked once more, then gives up


def test_expiring_token_is_refreshed_mid_run(kg_sandbox) -> None:
    """A token valid for 3 requests is replaced through the provider when it runs out."""
    issued = []

    def provider() -> str:
        issued.append(kg_sandbox.issue_token("alice", max_uses=3))
        return issued[-1]

    kg = KGClient(kg_sandbox.url, token_provider=provider)
    for _ in range(10):
        kg.me()
    assert len(issued) == 4


# -- reading: search, paging, bulk ----------------------------------------------------------------


def test_search_pages_lazily(kg_sandbox) -> None:
    """search() fetches pages only as they are consumed and knows the total after the first."""
    kg = kg_sandbox.client("alice")
    results = kg.search("License", page_size=5)
    assert results.pages_fetched == 0 and results.total is None
    first = next(results)
    assert results.pages_fetched == 1 and results.total and results.total > 10
    rest = list(results)
    assert len(rest) + 1 == results.total
    assert results.pages_fetched == -(-results.total // 5)
    assert first["@id"] not in {d["@id"] for d in rest}
    cc = list(kg.search("License", "attribution 4.0", limit=50))
    assert any(d[OM + "props/shortName"] == "CC-BY-4.0" for d in cc)
    assert len(list(kg.search(OM + "types/Species", limit=3))) == 3


def test_search_results_load_into_a_metadata_graph(kg_sandbox) -> None:
    """Search results are KG documents that load into a MetadataGraph (meta kept apart)."""
    kg = kg_sandbox.client("alice")
    docs = list(kg.search("Species", "mus", limit=5))
    graph = kg.to_graph(docs)
    assert isinstance(graph, MetadataGraph) and len(graph) == len(docs) > 0
    node = graph[docs[0]["@id"]]
    assert not any(k.startswith("https://core.kg.ebrains.eu/vocab/meta/") for k in node)


def test_get_many_and_resolve(kg_sandbox) -> None:
    """get_many() and resolve() fetch in bulk and give None for misses."""
    kg = kg_sandbox.client("alice")
    made = [kg.create(person(f"Many{i}"), "myspace")["@id"] for i in range(3)]
    missing = str(uuid.uuid4())
    found = kg.get_many([*made, missing], stage="IN_PROGRESS")
    assert [found[i][OM + "props/givenName"] for i in made] == ["Many0", "Many1", "Many2"]
    assert found[missing] is None
    resolved = kg.resolve([OM + "instances/licenses/CC-BY-4.0", "https://example.org/none"])
    assert resolved["https://example.org/none"] is None
    assert resolved[OM + "instances/licenses/CC-BY-4.0"]["@id"].startswith(
        "https://kg.ebrains.eu/api/instances/"
    )


def test_beta_api_client(kg_sandbox) -> None:
    """The client also speaks the deprecated /v3-beta/ prefix."""
    kg = KGClient(kg_sandbox.url, token=kg_sandbox.tokens["alice"], api="v3-beta")
    assert kg.base_url.endswith("/v3-beta/")
    assert kg.me()["http://schema.org/alternateName"] == "alice"


def test_network_guard_blocks_non_loopback_connections() -> None:
    """The autouse guard in conftest.py stops tests from reaching any host but this machine."""
    import socket

    with pytest.raises(RuntimeError, match=r"only 127\.0\.0\.1"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
