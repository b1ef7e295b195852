"""`ebrains-curation kg …` against the sandbox (CliRunner in-process; the sandbox on 127.0.0.1)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests
from click.testing import CliRunner

from ebrains_curation.cli import cli

OM = "https://openminds.om-i.org/"
KG = "https://kg.ebrains.eu/api/instances/"


@pytest.fixture
def env(kg_sandbox) -> dict[str, str]:
    return {"KG_AUTH_TOKEN": kg_sandbox.tokens["alice"], "KG_HOST": kg_sandbox.url}


def run(args: list[str], env: dict[str, str] | None = None) -> object:
    return CliRunner().invoke(cli, args, env=env or {}, catch_exceptions=False)


def test_token_is_not_a_command_line_option() -> None:
    """There is no --token option: tokens come from KG_AUTH_TOKEN or --token-file."""
    result = run(["kg", "whoami", "--help"])
    assert "--token-file" in result.output and "--token " not in result.output


def test_whoami_from_env_and_from_file(env, kg_sandbox, tmp_path) -> None:
    """whoami works with KG_AUTH_TOKEN and with a token file; with neither it explains what to set."""
    assert run(["kg", "whoami"], env).output.startswith("alice")
    token_file = tmp_path / "tok"
    token_file.write_text(kg_sandbox.tokens["bob"])
    result = run(
        ["kg", "whoami", "--token-file", str(token_file), "--host", kg_sandbox.url], {"KG_AUTH_TOKEN": ""}
    )
    assert result.output.startswith("bob")
    result = run(["kg", "whoami", "--host", kg_sandbox.url], {"KG_AUTH_TOKEN": ""})
    assert result.exit_code == 2 and "KG_AUTH_TOKEN" in result.output


def test_search_and_get(env) -> None:
    """search prints id and label per hit (or JSON); get prints one instance as JSON."""
    result = run(["kg", "search", "License", "attribution 4.0", "--limit", "5"], env)
    assert result.exit_code == 0 and "Creative Commons Attribution 4.0 International" in result.output
    result = run(["kg", "search", "Species", "--limit", "2", "--json"], env)
    docs = json.loads(result.stdout)
    assert len(docs) == 2
    result = run(["kg", "get", docs[0]["@id"]], env)
    assert json.loads(result.output)["@id"] == docs[0]["@id"]
    result = run(["kg", "get", str(uuid.uuid4())], env)
    assert result.exit_code == 2 and "404" in result.output


def test_submit_dry_run_then_real_then_again(env, tmp_path) -> None:
    """submit --dry-run shows the plan and writes nothing; the real run creates; a re-run is all unchanged."""
    from ebrains_curation import MetadataGraph
    from ebrains_curation.graph.writers import dump

    tag = uuid.uuid4().hex[:8]
    g = MetadataGraph("v4")
    g.add_node({"@id": f"https://example.org/{tag}/p", "@type": OM + "types/Person", "givenName": "Cli"})
    g.add_node(
        {
            "@id": f"https://example.org/{tag}/d",
            "@type": OM + "types/DatasetVersion",
            "shortName": "cli",
            "license": {"@id": OM + "instances/licenses/CC-BY-4.0"},
            "author": [{"@id": f"https://example.org/{tag}/p"}],
        }
    )
    path = tmp_path / "g.jsonld"
    dump(g, path)
    # a bare Person and DatasetVersion fail the submission profile (tests/test_submit_seam.py): skip the check
    submit = ["kg", "submit", str(path), "--no-validate", "--space"]
    result = run([*submit, "myspace", "--dry-run"], env)
    assert result.exit_code == 0 and result.output.count("create ") == 2 and "dry run" in result.output
    result = run([*submit, "myspace"], env)
    assert result.exit_code == 0 and "2 created" in result.output
    result = run([*submit, "myspace", "--json"], env)
    assert json.loads(result.output)["counts"]["unchanged"] == 2
    result = run([*submit, "dataset"], env)
    assert result.exit_code == 1 and "2 failed" in result.output


def test_release_status_and_release(kg_sandbox) -> None:
    """release --status lists statuses; curators can release and --undo."""
    kg = kg_sandbox.client("curator")
    iri = kg.create({"@type": OM + "types/Person", OM + "props/givenName": "Rel"}, "collab-cli")["@id"]
    env = {"KG_AUTH_TOKEN": kg_sandbox.tokens["curator"], "KG_HOST": kg_sandbox.url}
    assert "UNRELEASED" in run(["kg", "release", iri, "--status"], env).output
    assert f"{iri}\tRELEASED" in run(["kg", "release", iri], env).output
    assert "UNRELEASED" in run(["kg", "release", iri, "--undo"], env).output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_a_real_server(tmp_path) -> None:
    """`kg serve` starts a sandbox with a users file and a database file, and stops on SIGTERM/kill."""
    users = tmp_path / "users.json"
    users.write_text(
        json.dumps({"users": [{"username": "u", "token": "tok-u", "spaces": {"collab-s": "editor"}}]})
    )
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ebrains_curation",
            "kg",
            "serve",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "kg.db"),
            "--users",
            str(users),
            "--latency-ms",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}/v3/"
        for _ in range(1200):  # start-up seeds the terms: slow on a loaded machine
            try:
                r = requests.get(base + "users/me", headers={"Authorization": "Bearer tok-u"}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert r.status_code == 200 and r.json()["data"]["http://schema.org/alternateName"] == "u"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert b"KG sandbox on" in err and b"tok-u" not in err
    assert f'host="localhost:{port}"'.encode() in err  # the form kg_core and fairgraph need


def test_get_and_search_write_graph_files_that_validate(kg_sandbox_factory, tmp_path) -> None:
    """kg get/search -o FILE write JSON-LD graphs (terms as openMINDS IRIs) that `validate FILE` checks."""
    from ebrains_curation.examples import example_dataset_version
    from ebrains_curation.graph.readers import load
    from ebrains_curation.graph.writers import dump

    sandbox = kg_sandbox_factory()
    env = {"KG_AUTH_TOKEN": sandbox.tokens["alice"], "KG_HOST": sandbox.url}
    source = tmp_path / "example.jsonld"
    dump(example_dataset_version(), source)
    result = run(["kg", "submit", str(source), "--space", "collab-demo", "--json"], env)
    ids = json.loads(result.stdout)["ids"]
    assert result.exit_code == 0 and len(ids) == 20
    licence = {"@id": OM + "instances/licenses/CC-BY-4.0"}
    dsv = ids["https://example.org/ebrains-curation/demo/dataset-version/v1"]

    out = tmp_path / "fetched.jsonld"
    result = run(["kg", "get", *ids.values(), "--stage", "IN_PROGRESS", "-o", str(out)], env)
    assert result.exit_code == 0 and "wrote 20 nodes" in result.output
    assert load(out)[dsv]["license"] == licence
    result = run(["validate", str(out)])
    assert result.exit_code == 0 and "missing-link-target" not in result.output, result.output
    result = run(["kg", "get", dsv, "--stage", "IN_PROGRESS", "-o", str(out)], env)
    assert result.exit_code == 2 and "exist" in result.output  # never a silent overwrite
    result = run(
        ["kg", "get", dsv, "--stage", "IN_PROGRESS", "-o", str(out), "--overwrite", "--kg-term-ids"], env
    )
    assert result.exit_code == 0 and load(out)[dsv]["license"]["@id"].startswith(KG)

    hits = tmp_path / "hits.jsonld"
    args = ["kg", "search", "DatasetVersion", "mouse", "--stage", "IN_PROGRESS", "--space", "collab-demo"]
    result = run([*args, "-o", str(hits)], env)
    assert result.exit_code == 0 and dsv in result.stdout and "wrote 1 node " in result.output
    assert load(hits)[dsv]["license"] == licence
    result = run(["validate", str(hits), "--format", "json"])
    issues = json.loads(result.stdout)["issues"]
    missing = [i for i in issues if i["rule_id"] == "missing-link-target"]
    assert missing and all(str(i["value"]).startswith(KG) for i in missing)  # only the nodes not fetched

    result = run(["kg", "get", dsv, str(uuid.uuid4()), "--stage", "IN_PROGRESS"], env)
    assert result.exit_code == 2 and "not found" in result.output
    result = run(["kg", "get", *list(ids.values())[:2], "--stage", "IN_PROGRESS"], env)
    assert [d["@id"] for d in json.loads(result.stdout)] == list(ids.values())[:2]
