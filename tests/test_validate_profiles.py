"""Profiles are data: built-ins, user files, inheritance, severity overrides and load errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ebrains_curation.errors import ConfigurationError
from ebrains_curation.validate import get_profile, list_profiles, load_profile, validate

T = "https://openminds.om-i.org/types/"
PERSON = {"@id": "https://ex.org/p", "@type": T + "Person", "familyName": "Smith"}


def test_builtin_profiles() -> None:
    """draft and openminds exist; openminds extends draft and adds the schema's required properties."""
    names = {p.name for p in list_profiles()}
    assert {"draft", "openminds"} <= names
    om = get_profile("openminds")
    assert om.extends == "draft" and om.schema_required and not get_profile("draft").schema_required
    assert [i.rule_id for i in validate([PERSON], profile="openminds")] == ["required"]
    assert len(validate([PERSON], profile="draft")) == 0


def test_every_builtin_profile_resolves_for_its_versions() -> None:
    """Each built-in profile (EBRAINS ones included) loads and resolves for the versions it names."""
    for p in list_profiles():
        for v in p.versions or ("v4",):
            rp = p.resolve(v, {"today": "2026-11-25", "record": {}})
            assert rp.version == v


def test_unknown_profile_lists_the_known_ones() -> None:
    """A wrong profile name says which ones exist."""
    with pytest.raises(ConfigurationError, match="openminds"):
        get_profile("open-minds")


def _write(tmp_path: Path, data: dict, name: str = "p.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_user_profile_file_extends_and_overrides(tmp_path: Path) -> None:
    """A user file extends a built-in, relaxes severities and adds required properties."""
    path = _write(
        tmp_path,
        {
            "name": "my-lab",
            "extends": "openminds",
            "severity": {"required": "warning"},
            "types": {"Person": {"required": ["contactInformation"]}},
        },
    )
    r = validate([PERSON], profile=str(path))
    assert r.profile == "my-lab" and r.conforms
    assert {(i.path, i.severity.value) for i in r} == {
        (("givenName",), "warning"),
        (("contactInformation",), "warning"),
    }


def test_severity_off_disables_a_rule(tmp_path: Path) -> None:
    """'off' switches a rule off in both engines."""
    path = _write(tmp_path, {"name": "quiet", "extends": "openminds", "severity": {"required": "off"}})
    for engine in ("native", "shacl"):
        assert len(validate([PERSON], profile=path, engine=engine)) == 0


def test_profile_version_and_not_applicable_are_reported(tmp_path: Path) -> None:
    """A profile for other versions, and rules naming unknown types/properties, give info issues."""
    path = _write(
        tmp_path,
        {
            "name": "v5-only",
            "versions": ["v5"],
            "types": {"Person": {"required": ["nickname"]}, "Unicorn": {"required": ["horn"]}},
        },
    )
    r = validate([PERSON], profile=path, version="v4")
    rules = sorted(i.rule_id for i in r)
    assert rules == ["profile-not-applicable", "profile-not-applicable", "profile-version"]
    assert r.conforms


def test_extends_cycle_and_bad_fields(tmp_path: Path) -> None:
    """Cycles, unknown fields, bad ids, bad regexes and bad severities are clear errors naming the file."""
    a = _write(tmp_path, {"name": "a", "extends": "b.json"}, "a.json")
    _write(tmp_path, {"name": "b", "extends": "a.json"}, "b.json")
    with pytest.raises(ConfigurationError, match="cycle"):
        load_profile(a)
    bad = [
        ({"name": "x", "colour": 1}, "unknown field"),
        ({"name": "X Y"}, "name"),
        ({"name": "x", "rules": [{"id": "Bad Id", "check": "required", "type": "Person"}]}, "id"),
        (
            {
                "name": "x",
                "rules": [
                    {"id": "r", "check": "pattern", "type": "Person", "property": "givenName", "pattern": "("}
                ],
            },
            "regular expression",
        ),
        ({"name": "x", "severity": {"required": "fatal"}}, "severity"),
        (
            {
                "name": "x",
                "rules": [
                    {
                        "id": "r",
                        "check": "conditional",
                        "type": "Person",
                        "if": {"property": "givenName"},
                        "then": {"required": ["familyName"]},
                    }
                ],
            },
            "if",
        ),
        ({"name": "x", "rules": [{"id": "r", "check": "teleport", "type": "Person"}]}, "check"),
    ]
    for data, match in bad:
        with pytest.raises(ConfigurationError, match=match):
            load_profile(_write(tmp_path, data))
    with pytest.raises(ConfigurationError, match="Cannot read"):
        load_profile(tmp_path / "missing.json")
    (tmp_path / "broken.json").write_text("{", "utf-8")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        load_profile(tmp_path / "broken.json")


def test_custom_rule_message_and_hint(tmp_path: Path) -> None:
    """Custom rule ids carry their own message, hint and severity."""
    path = _write(
        tmp_path,
        {
            "name": "x",
            "rules": [
                {
                    "id": "lab.person.email",
                    "check": "required",
                    "type": "Person",
                    "properties": ["contactInformation"],
                    "severity": "warning",
                    "message": "{type} needs a contact ({property}).",
                    "hint": "Ask them.",
                }
            ],
        },
    )
    (issue,) = validate([PERSON], profile=path).issues
    assert issue.rule_id == "lab.person.email" and issue.severity.value == "warning"
    assert issue.message == "Person needs a contact (contactInformation)." and issue.hint == "Ask them."


def test_not_required_relaxes_schema_required(tmp_path: Path) -> None:
    """types.T.not_required drops openMINDS' own required flag; a child can put it back."""
    parent = _write(
        tmp_path,
        {"name": "relaxed", "extends": "openminds", "types": {"Person": {"not_required": ["givenName"]}}},
        "relaxed.json",
    )
    assert len(validate([PERSON], profile=parent)) == 0
    child = _write(
        tmp_path,
        {"name": "strict", "extends": "relaxed.json", "types": {"Person": {"required": ["givenName"]}}},
        "strict.json",
    )
    assert [i.rule_id for i in validate([PERSON], profile=child)] == ["required"]
