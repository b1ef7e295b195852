"""The pre-commit hook, the way a lab uses it: ``pre-commit try-repo`` on a temporary git repository.

pre-commit installs the hook as it would for any lab (a virtualenv, then this repository
installed into it), in a ``PRE_COMMIT_HOME`` inside the test's folder, but offline: see
``_OFFLINE``. Only the metadata files
staged in a commit are checked, so a committed bad file does not block an unrelated change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"
GOOD = ROOT / "tests" / "fixtures" / "ebrains" / "complete" / "dataset.jsonld"
BAD_PERSON = {"@id": "_:p", "@type": "https://openminds.om-i.org/types/Person", "familyName": "Smith"}


def test_hook_definition_reads_like_check_jsonschema() -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text("utf-8"))
    assert hook["id"] == "ebrains-curation-validate" and hook["language"] == "python"
    assert hook["entry"] == "ebrains-curation validate" and hook["args"][:1] == ["--profile"]
    assert hook["files"] == r"\.jsonld$" and hook.get("pass_filenames", True)


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "lab", "GIT_AUTHOR_EMAIL": "lab@example.org"}
    env |= {"GIT_COMMITTER_NAME": "lab", "GIT_COMMITTER_EMAIL": "lab@example.org"}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


# pre-commit builds the hook's environment as it would for a lab (a virtualenv, then `pip install .`
# of this repository), but offline: pip may use no index, builds with the setuptools already
# installed here, and the hook finds the dependencies in this environment's site-packages. So the
# test needs no network and takes seconds instead of minutes of downloads.
_OFFLINE = {
    "PIP_NO_INDEX": "1",
    "PIP_NO_DEPS": "1",
    "PIP_NO_BUILD_ISOLATION": "0",  # pip reads this store_false option inverted: "0" means no isolation
    "PYTHONPATH": os.pathsep.join(p for p in sys.path if p.endswith("site-packages")),
}


def _try_repo(repo: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # the committed head: with uncommitted changes try-repo would make a new shadow commit, and so
    # a new hook environment, on every call
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", **_OFFLINE}
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "ebrains-curation-validate"]
    cmd += ["--ref", head.stdout.strip(), *extra]
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=900)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_try_repo_checks_only_the_staged_metadata(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    (lab / "metadata").mkdir(parents=True)
    _git(lab, "init", "-q")
    # already committed and invalid: not part of the next commit, so not checked
    (lab / "metadata" / "old.jsonld").write_text(json.dumps(BAD_PERSON), "utf-8")
    (lab / "notes.json").write_text("{not json", "utf-8")  # not metadata: never read
    _git(lab, "add", ".")
    _git(lab, "commit", "-qm", "start")
    shutil.copy(GOOD, lab / "metadata" / "dataset.jsonld")
    _git(lab, "add", "metadata/dataset.jsonld")
    home = tmp_path / "pre-commit-home"

    ok = _try_repo(lab, home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "openMINDS metadata (ebrains-curation validate)" in ok.stdout and "Passed" in ok.stdout

    (lab / "metadata" / "person.jsonld").write_text(json.dumps(BAD_PERSON), "utf-8")
    _git(lab, "add", "metadata/person.jsonld")
    bad = _try_repo(lab, home)  # the same hook environment, reused
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and "Person needs 'givenName'" in bad.stdout
    nodes = len(json.loads(GOOD.read_text("utf-8"))["@graph"]) + 1
    assert f"{nodes} nodes" in bad.stdout  # the two staged files, not the committed old.jsonld
