"""EBRAINS login: device flow, token cache, refresh, client credentials, over real HTTP against the IAM sandbox."""

from __future__ import annotations

import itertools
import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ebrains_curation.cli import cli
from ebrains_curation.dataproxy import DataProxyClient
from ebrains_curation.dataproxy.sandbox import DataProxySandbox
from ebrains_curation.errors import AuthError
from ebrains_curation.net import auth
from ebrains_curation.net.auth import (
    ClientCredentials,
    DeviceCode,
    IAMConfig,
    TokenCache,
    UserLogin,
    default_provider,
    device_login,
)
from ebrains_curation.net.iam_sandbox import IAMSandbox


@pytest.fixture
def dp() -> Iterator[DataProxySandbox]:
    iam = IAMSandbox(interval=0.05, auto_approve="alice", approve_after_polls=2, clients={"svc": "s3cret"})
    with DataProxySandbox(iam=iam) as server:
        yield server


@pytest.fixture
def env(dp: DataProxySandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IAMConfig:
    for var in ("KG_AUTH_TOKEN", "EBRAINS_CLIENT_ID", "EBRAINS_CLIENT_SECRET", "EBRAINS_IAM_SCOPES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("EBRAINS_IAM_URL", dp.iam_url)
    monkeypatch.setenv("EBRAINS_CURATION_TOKEN_CACHE", str(tmp_path / "cfg" / "tokens.json"))
    return IAMConfig.from_env()


def test_device_login_caches_tokens_privately(dp: DataProxySandbox, env: IAMConfig, tmp_path: Path) -> None:
    """The device flow shows a link and code, polls until approved; the cache is 0600 in a 0700 folder."""
    shown: list[DeviceCode] = []
    tokens = device_login(env, show=shown.append)
    assert shown and shown[0].user_code in shown[0].verification_uri_complete
    assert dp.iam.verify(tokens.access_token) == "alice" and tokens.refresh_token
    cache = TokenCache()
    cache.save(tokens)
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.path.parent.stat().st_mode) == 0o700
    assert cache.load(env).access_token == tokens.access_token  # type: ignore[union-attr]
    for text in (repr(tokens), repr(shown[0]), repr(UserLogin(env, cache)), repr(cache)):
        assert tokens.access_token not in text and str(tokens.refresh_token) not in text
        assert shown[0].device_code not in text
    # another IAM or client id: not our login
    assert cache.load(IAMConfig(url=env.url, client_id="other")) is None


def test_slow_down_lengthens_the_interval_until_the_code_expires(
    dp: DataProxySandbox, env: IAMConfig
) -> None:
    """Polling too fast gets slow_down: each one adds 5 s (RFC 8628 §3.5); the code's expiry stops the loop."""
    dp.iam.auto_approve = None
    dp.iam.device_ttl = 60
    slept: list[float] = []
    now = [0.0]

    def sleep(s: float) -> None:  # no real waiting: the server sees polls arrive too fast
        slept.append(s)
        now[0] += s

    with pytest.raises(AuthError, match="expired"):
        device_login(env, sleep=sleep, clock=lambda: now[0])
    assert slept[0] == pytest.approx(0.05)
    assert [b - a for a, b in itertools.pairwise(slept[1:])] == pytest.approx([5.0] * (len(slept) - 2))
    assert len(slept) >= 4
    assert sum(slept) <= 60


def test_refused_login(dp: DataProxySandbox, env: IAMConfig) -> None:
    """A person who refuses in the browser ends the login with a sentence."""
    dp.iam.auto_approve = None
    with pytest.raises(AuthError, match="refused"):
        device_login(env, show=lambda code: dp.iam.deny(code.user_code))


def test_refresh_before_expiry_and_after_refusal(dp: DataProxySandbox, env: IAMConfig) -> None:
    """A token with less than the margin left is refreshed (and re-cached); a revoked one after invalidate()."""
    dp.iam.access_ttl = 30
    cache = TokenCache()
    cache.save(device_login(env))
    first = cache.load(env).access_token  # type: ignore[union-attr]
    login = UserLogin(env, cache)  # margin 60 s > 30 s of life: refresh now
    fresh = login()
    assert fresh != first and dp.iam.issued["refresh_token"] == 1
    assert cache.load(env).access_token == fresh  # type: ignore[union-attr]
    patient = UserLogin(env, cache, margin=5)
    assert patient() == fresh and dp.iam.issued["refresh_token"] == 1
    dp.iam.revoke(fresh)
    patient.invalidate(fresh)
    assert patient() != fresh and dp.iam.issued["refresh_token"] == 2


def test_expired_refresh_token_asks_to_log_in_again(dp: DataProxySandbox, env: IAMConfig) -> None:
    """When IAM refuses the refresh token the message says what to do and shows no token."""
    dp.iam.access_ttl = 1
    cache = TokenCache()
    tokens = device_login(env)
    dp.iam._refresh.clear()  # IAM forgot the session
    cache.save(tokens)
    with pytest.raises(AuthError, match=r"login. again") as info:
        UserLogin(env, cache)()
    assert str(tokens.refresh_token) not in str(info.value) and tokens.access_token not in str(info.value)


def test_client_credentials(dp: DataProxySandbox, env: IAMConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """A service account gets a token (kept until it nears expiry); a wrong secret is a clear error."""
    cc = ClientCredentials("svc", "s3cret", env.token_endpoint)
    token = cc()
    assert dp.iam.verify(token) == "service-account-svc" and cc() == token
    assert dp.iam.issued["client_credentials"] == 1 and "s3cret" not in repr(cc)
    with pytest.raises(AuthError, match="refused the client credentials") as info:
        ClientCredentials("svc", "wrong", env.token_endpoint)()
    assert "wrong" not in str(info.value)
    monkeypatch.setenv("EBRAINS_CLIENT_ID", "svc")
    monkeypatch.setenv("EBRAINS_CLIENT_SECRET", "s3cret")
    assert isinstance(default_provider(), ClientCredentials)
    assert [o.name for o in DataProxyClient(dp.api_url, token_provider=default_provider()).list("any")] == []


def test_default_provider_order(
    dp: DataProxySandbox, env: IAMConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KG_AUTH_TOKEN first, then a service account, then the login cache; else a sentence saying what to do."""
    with pytest.raises(AuthError, match="ebrains-curation login"):
        default_provider()
    TokenCache().path.parent.mkdir(parents=True)
    TokenCache().path.write_text("{not json")  # a corrupt cache counts as not logged in
    with pytest.raises(AuthError):
        default_provider()
    TokenCache().save(device_login(env))
    assert isinstance(default_provider(), UserLogin)
    monkeypatch.setenv("KG_AUTH_TOKEN", "abc")
    assert default_provider()() == "abc"


def test_one_login_serves_the_kg_and_the_data_proxy(
    kg_sandbox_factory, env: IAMConfig, dp: DataProxySandbox
) -> None:
    """The same provider authenticates the KG client and the Data Proxy client (and renews for both)."""
    from ebrains_curation.kg import KGClient

    kg = kg_sandbox_factory()
    dp.iam.on_issue = lambda user, token, ttl: kg.server.users.issue_token(user, token, ttl=ttl)
    TokenCache().save(device_login(env))
    login = UserLogin(env)
    assert KGClient(kg.url, token_provider=login).me()["http://schema.org/alternateName"] == "alice"
    assert list(DataProxyClient(dp.api_url, token_provider=login).list("both")) == []


def test_kg_cli_uses_the_login(kg_sandbox_factory, env: IAMConfig, dp: DataProxySandbox) -> None:
    """Without KG_AUTH_TOKEN, `kg whoami` and `bucket ls` use the `login` cache (one login for both)."""
    kg = kg_sandbox_factory()
    dp.iam.on_issue = lambda user, token, ttl: kg.server.users.issue_token(user, token, ttl=ttl)
    runner = CliRunner()
    assert runner.invoke(cli, ["login"]).exit_code == 0
    res = runner.invoke(cli, ["kg", "whoami", "--host", kg.url])
    assert res.exit_code == 0 and res.output.startswith("alice"), res.output
    res = runner.invoke(cli, ["bucket", "ls", "any", "--url", dp.api_url])
    assert res.exit_code == 0 and "0 objects" in res.output, res.output


def test_kg_auth_reexports_the_same_names() -> None:
    """Old imports keep working and name the same objects."""
    from ebrains_curation.kg import auth as kg_auth

    for name in ("ClientCredentials", "TokenManager", "env_token", "file_token"):
        assert getattr(kg_auth, name) is getattr(auth, name)


def test_cli_login_whoami_logout(
    dp: DataProxySandbox, env: IAMConfig, caplog: pytest.LogCaptureFixture
) -> None:
    """login prints the link and code, never a token; whoami names the user; logout deletes the cache."""
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    res = runner.invoke(cli, ["login"])
    assert res.exit_code == 0, res.output
    assert "user_code=" in res.output and "Logged in as alice" in res.output
    cached = json.loads(TokenCache().path.read_text())
    for secret in (cached["access_token"], cached["refresh_token"]):
        assert secret not in res.output and all(secret not in r.getMessage() for r in caplog.records)
    res = runner.invoke(cli, ["whoami"])
    assert res.exit_code == 0 and "user: alice" in res.output and cached["access_token"] not in res.output
    res = runner.invoke(cli, ["logout"])
    assert res.exit_code == 0 and not TokenCache().path.exists()
    res = runner.invoke(cli, ["whoami"])
    assert res.exit_code == 2 and "ebrains-curation login" in res.output and "Traceback" not in res.output


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300))
def test_any_cache_content_is_no_login_or_a_login(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    """A damaged or foreign cache file never raises: it is simply not a login."""
    path = tmp_path_factory.mktemp("cache") / "tokens.json"
    path.write_bytes(data)
    loaded = TokenCache(path).load(IAMConfig(url="http://127.0.0.1/x"))
    assert loaded is None or isinstance(loaded.access_token, str)
