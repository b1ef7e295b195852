"""Pushing a folder to a bucket with a plan, over real HTTP to the sandbox: plan, faults, kill, expiry, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ebrains_curation.cli import cli
from ebrains_curation.curation.push import plan_push, push
from ebrains_curation.dataproxy import DataProxyClient
from ebrains_curation.dataproxy.sandbox import DataProxySandbox, Faults
from ebrains_curation.net.auth import IAMConfig, TokenCache, UserLogin, device_login
from ebrains_curation.net.iam_sandbox import IAMSandbox
from ebrains_curation.net.retry import RetryPolicy


def make_tree(root: Path, n: int, *, size: int = 64) -> Path:
    """``n`` small files with distinct content in a few folders (some awkward names)."""
    for i in range(n):
        folder = root / f"sub-{i % 7:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"file {i} #.dat" if i % 97 == 0 else f"file-{i:05d}.dat"
        (folder / name).write_bytes(i.to_bytes(4, "big") * (size // 4))
    return root


@pytest.fixture
def dp() -> Iterator[DataProxySandbox]:
    with DataProxySandbox() as server:
        yield server


def client_for(dp: DataProxySandbox, tmp_path: Path, **kwargs) -> DataProxyClient:
    kwargs.setdefault("token", dp.token("alice"))
    return DataProxyClient(
        dp.api_url, retry=RetryPolicy(attempts=10, backoff=0.01), state_dir=tmp_path / "state", **kwargs
    )


def test_plan_rerun_conflict_delete(dp: DataProxySandbox, tmp_path: Path) -> None:
    """First push uploads all; a re-run uploads nothing; a changed file is a conflict until --overwrite."""
    root = make_tree(tmp_path / "data", 40)
    client = client_for(dp, tmp_path)
    cache = tmp_path / "inv.sqlite"
    dry = push(root, client, "b", dry_run=True, cache=cache, progress=False)
    assert dry.plan.counts() == {"upload": 40, "skip": 0, "conflict": 0, "only-remote": 0}
    assert not dp.store.writes and dry.ok
    first = push(root, client, "b", cache=cache, progress=False, metadata=tmp_path / "files.jsonld")
    assert first.ok and len(first.uploaded) == 40 and first.verified == 40
    before = dp.requests_seen
    again = push(root, client, "b", cache=cache, progress=False)
    assert again.ok and again.uploaded == [] and again.plan.counts()["skip"] == 40
    assert dp.requests_seen - before == 2  # one listing (a page and the empty last page), nothing else
    (root / "sub-01" / "file-00001.dat").write_bytes(b"new content")
    client.upload("b", "stray.txt", b"only in the bucket")
    plan = plan_push(root, client, "b", cache=cache)
    assert plan.counts() == {"upload": 0, "skip": 39, "conflict": 1, "only-remote": 1}
    assert "conflict     sub-01/file-00001.dat" in plan.render()
    kept = push(root, client, "b", cache=cache, progress=False)
    assert not kept.ok and "sub-01/file-00001.dat" in kept.mismatches and client.find("b", "stray.txt")
    forced = push(root, client, "b", cache=cache, progress=False, overwrite=True, delete=True)
    assert forced.ok and forced.uploaded == ["sub-01/file-00001.dat"] and forced.deleted == ["stray.txt"]
    assert max(dp.store.writes.values()) <= 2 and dp.store.writes[("b", "sub-01/file-00001.dat")] == 2
    meta = json.loads((tmp_path / "files.jsonld").read_text())
    iris = [n["IRI"] for n in meta["@graph"] if n.get("@type", "").endswith("/File")]
    assert len(iris) == 40 and all(i.startswith(client.bucket_iri("b") + "/sub-") for i in iris)
    assert client.object_url("b", "sub-00/file 0 #.dat") in iris


def test_unreadable_file_fails_the_push(dp: DataProxySandbox, tmp_path: Path) -> None:
    """A file the inventory cannot read (a dangling link here) makes the push incomplete: exit code 1."""
    root = make_tree(tmp_path / "data", 3)
    (root / "broken-link.dat").symlink_to(tmp_path / "nowhere")
    result = push(root, client_for(dp, tmp_path), "b", cache=tmp_path / "c.sqlite", progress=False)
    assert not result.ok and "broken-link.dat" in result.failed and len(result.uploaded) == 3


def test_prefix_and_multipart_objects_verify(dp: DataProxySandbox, tmp_path: Path) -> None:
    """Under a prefix, a file uploaded in parts verifies by its multipart hash and is skipped next time."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "big.bin").write_bytes(os.urandom((11 << 20) + 5))
    (root / "small.txt").write_bytes(b"small")
    client = client_for(dp, tmp_path, chunk_size=5 << 20, multipart_threshold=6 << 20)
    first = push(root, client, "mp", prefix="raw/", cache=tmp_path / "c.sqlite", progress=False)
    assert first.ok and sorted(first.uploaded) == ["raw/big.bin", "raw/small.txt"]
    assert client.find("mp", "raw/big.bin").hash.endswith("-3")  # type: ignore[union-attr]
    again = plan_push(root, client, "mp", prefix="raw", cache=tmp_path / "c.sqlite")
    assert again.counts()["skip"] == 2


@pytest.mark.slow
def test_faults_lose_nothing_and_upload_nothing_twice(tmp_path: Path) -> None:
    """20% of requests answered 503 or dropped (half after the work was done): 1,000 files, each written once."""
    root = make_tree(tmp_path / "data", 1000)
    faults = Faults(rate_503=0.1, drop_rate=0.1, seed=7)
    with DataProxySandbox(faults=faults) as dp:
        client = client_for(dp, tmp_path)
        result = push(root, client, "faulty", cache=tmp_path / "c.sqlite", progress=False, workers=16)
        assert result.ok, (result.failed, result.mismatches)
        assert result.verified == 1000 and len(result.uploaded) == 1000
        assert len(dp.store.writes) == 1000 and set(dp.store.writes.values()) == {1}
        assert dp.requests_seen > 2000 * 1.15  # the faults really happened (and were retried)
        again = push(root, client, "faulty", cache=tmp_path / "c.sqlite", progress=False)
        assert again.ok and again.uploaded == [] and set(dp.store.writes.values()) == {1}


@pytest.mark.slow
def test_killed_push_completes_when_run_again(tmp_path: Path) -> None:
    """A push killed (SIGKILL) midway is completed by running it again; nothing is written twice."""
    root = make_tree(tmp_path / "data", 300)
    with DataProxySandbox(faults=Faults(latency_ms=15)) as dp:
        script = (
            "import sys\n"
            "from ebrains_curation.curation.push import push\n"
            "from ebrains_curation.dataproxy import DataProxyClient\n"
            "c = DataProxyClient(sys.argv[1], token=sys.argv[2], state_dir=sys.argv[4])\n"
            "push(sys.argv[3], c, 'killed', cache=sys.argv[5], progress=False, workers=4)\n"
        )
        args = [dp.api_url, dp.token("alice"), str(root), str(tmp_path / "st"), str(tmp_path / "c.sqlite")]
        proc = subprocess.Popen([sys.executable, "-c", script, *args])
        deadline = time.monotonic() + 60
        while len(dp.store.writes) < 60 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        time.sleep(0.5)  # let the server finish requests whose bodies had fully arrived
        done_before = len(dp.store.writes)
        assert 60 <= done_before < 300
        client = client_for(dp, tmp_path)
        result = push(root, client, "killed", cache=tmp_path / "c.sqlite", progress=False)
        assert result.ok and result.verified == 300
        assert len(result.uploaded) == 300 - done_before
        assert set(dp.store.writes.values()) == {1}


def test_expired_token_mid_push_is_renewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens that expire (and one revoked) during a push are renewed from the login; the user sees nothing."""
    monkeypatch.setenv("EBRAINS_CURATION_TOKEN_CACHE", str(tmp_path / "tokens.json"))
    # tokens live 2 s: with 1 s, a loaded 2-core machine (CI) sometimes took longer than a renewed token's
    # life between renewing it and the server reading the retried request, so it expired twice (flaky)
    iam = IAMSandbox(interval=0.01, auto_approve="alice", access_ttl=2)
    root = make_tree(tmp_path / "data", 120)
    with DataProxySandbox(iam=iam, faults=Faults(latency_ms=10)) as dp:
        config = IAMConfig(url=dp.iam_url)
        TokenCache().save(device_login(config))
        login = UserLogin(config, margin=0.3)
        client = client_for(dp, tmp_path, token=None, token_provider=login)
        seen = []

        def revoke_once(n: int) -> None:
            seen.append(n)
            if len(seen) == 30:
                iam.revoke(login.tokens().access_token)  # as if IAM had ended the session early
            if len(seen) == 80:  # let the renewed token expire too, however fast this machine is
                time.sleep(2.3)

        result = push(root, client, "renew", cache=tmp_path / "c.sqlite", progress=revoke_once, workers=4)
        assert result.ok and result.verified == 120
        assert iam.issued["refresh_token"] >= 2 and login.refreshes >= 2


def test_cli_bucket_push_ls_describe(
    dp: DataProxySandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands print the plan, push, list and describe; problems give exit 1, bad input exit 2."""
    monkeypatch.setenv("EBRAINS_DATAPROXY_URL", dp.api_url)
    monkeypatch.setenv("KG_AUTH_TOKEN", dp.token("alice"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = make_tree(tmp_path / "data", 12)
    runner = CliRunner()
    res = runner.invoke(cli, ["bucket", "push", str(root), "cli", "--dry-run"])
    assert res.exit_code == 0 and "12 to upload" in res.output and "dry run" in res.output
    assert not dp.store.writes
    res = runner.invoke(cli, ["bucket", "push", str(root), "cli", "--metadata", str(tmp_path / "m.jsonld")])
    assert res.exit_code == 0, res.output
    assert "uploaded 12 files" in res.output and "verified 12" in res.output
    res = runner.invoke(cli, ["bucket", "push", str(root), "cli"])
    assert res.exit_code == 0 and "uploaded 0 files" in res.output
    res = runner.invoke(cli, ["bucket", "ls", "cli", "--json"])
    assert (
        res.exit_code == 0 and len([line for line in res.output.splitlines() if line.startswith("{")]) == 12
    )
    res = runner.invoke(cli, ["bucket", "describe", "cli", "-o", str(tmp_path / "d.jsonld")])
    assert res.exit_code == 0 and "12 files" in res.output
    (root / "sub-00" / "file-00007.dat").write_bytes(b"changed")
    res = runner.invoke(cli, ["bucket", "push", str(root), "cli"])
    assert res.exit_code == 1 and "conflict" in res.output
    monkeypatch.setenv("KG_AUTH_TOKEN", "expired.or.wrong")
    res = runner.invoke(cli, ["bucket", "ls", "cli"])
    assert res.exit_code == 2 and "HTTP 401" in res.output and "Traceback" not in res.output
    assert "expired.or.wrong" not in res.output
