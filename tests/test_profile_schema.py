"""The profile file format is a JSON Schema shipped with the package (schemas/profiles/profile.schema.json).

Every profile file, built-in or user, is checked against it before it is parsed; FORMAT.md's field tables
are generated from it (tools/gen_profile_format.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ebrains_curation.errors import ConfigurationError
from ebrains_curation.validate.profiles import SCHEMA_FILE, Profile, list_profiles, load_profile

ROOT = Path(__file__).resolve().parents[1]
FOLDER = resources.files("ebrains_curation.schemas").joinpath("profiles")


def _schema() -> dict[str, Any]:
    return json.loads(FOLDER.joinpath(SCHEMA_FILE).read_text("utf-8"))


def _shipped() -> list[str]:
    return sorted(p.name for p in FOLDER.iterdir() if p.name.endswith(".json") and p.name != SCHEMA_FILE)


def test_the_schema_is_a_valid_2020_12_schema_and_every_shipped_profile_meets_it() -> None:
    schema = _schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    assert len(_shipped()) >= 4
    for name in _shipped():
        errors = list(validator.iter_errors(json.loads(FOLDER.joinpath(name).read_text("utf-8"))))
        assert not errors, f"{name}: {errors[0].message}"
    # the schema file sits beside the profiles but is not one
    assert SCHEMA_FILE[:-5] not in {p.name for p in list_profiles()}


def _rule_examples() -> list[dict[str, Any]]:
    text = (ROOT / "ebrains_curation/schemas/profiles/FORMAT.md").read_text("utf-8")
    out = []
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        for chunk in block.strip().split("\n\n"):
            data = json.loads(chunk) if chunk.startswith("{") else None
            if isinstance(data, dict) and "check" in data:
                out.append(data)
    return out


def test_every_rule_example_in_format_md_meets_the_schema() -> None:
    examples = _rule_examples()
    assert len(examples) >= 10
    validator = Draft202012Validator(_schema())
    for ex in examples:
        assert not list(validator.iter_errors({"name": "x", "rules": [ex]})), ex["id"]


def test_format_md_is_generated_from_the_schema() -> None:
    proc = subprocess.run([sys.executable, "tools/gen_profile_format.py", "--check"], cwd=ROOT, check=False)
    assert proc.returncode == 0, "FORMAT.md is stale: run python tools/gen_profile_format.py"


_RULE = {"id": "r", "type": "Person"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "the file must hold a JSON object"),
        ({"name": "x", "colour": 1}, "unknown field(s) colour"),
        ({"name": "x", "schema_required": "yes"}, "schema_required: 'yes' is not of type 'boolean'"),
        ({"name": "x", "severity": {"required": "fatal"}}, "severity.required: 'fatal' is not one of"),
        (
            {"name": "x", "rules": [{**_RULE, "check": "required", "properties": ["a"], "x": 2}]},
            "rules[0]: unknown field(s) x for check 'required'",
        ),
        (
            {"name": "x", "rules": [{**_RULE, "check": "items", "property": "givenName"}]},
            "rules[0]: expected min_items and/or max_items",
        ),
        (
            {"name": "x", "rules": [{**_RULE, "check": "items", "property": "a", "min_items": -1}]},
            "rules[0].min_items: -1 is less than",
        ),
        (
            {
                "name": "x",
                "rules": [
                    {**_RULE, "check": "conditional", "if": {"property": "a"}, "then": {"required": ["b"]}}
                ],
            },
            "rules[0].if: expected",
        ),
        (
            {
                "name": "x",
                "rules": [
                    {
                        **_RULE,
                        "check": "conditional",
                        "if": {"property": "a", "present": True},
                        "then": {"required": "b"},
                    }
                ],
            },
            "rules[0].then.required: 'b' is not of type 'array'",
        ),
        (
            {
                "name": "x",
                "rules": [
                    {
                        **_RULE,
                        "check": "conditional",
                        "if": {"property": "a", "present": True},
                        "then": {"colour": 1},
                    }
                ],
            },
            "rules[0].then: expected one of the forms",
        ),
        (
            {
                "name": "x",
                "rules": [
                    {
                        **_RULE,
                        "check": "any_of",
                        "any_of": [{"absent": ["a"], "inherit": {"from_types": ["A"], "via": "b"}}],
                    }
                ],
            },
            "rules[0].any_of[0]: unknown field(s) inherit",
        ),
        (
            {
                "name": "x",
                "types": {"Person": {"properties": {"givenName": {"one_of": [{"term": "a", "x": 1}]}}}},
            },
            "types.Person.properties.givenName.one_of[0]: expected a JSON literal",
        ),
        (
            {"name": "x", "types": {"Person": {"properties": {"givenName": {"pattern": "("}}}}},
            "types.Person.properties.givenName.pattern: '(' is not a valid regular expression",
        ),
        (
            {"name": "x", "rules": [{**_RULE, "check": "path", "paths": [["^"]]}]},
            "rules[0].paths[0]: expected a list of property keys",
        ),
    ],
)
def test_errors_name_the_file_and_the_field(tmp_path: Path, data: Any, expected: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ConfigurationError) as info:
        load_profile(path)
    assert str(info.value).startswith(f"Profile file {path}: ")
    assert expected in str(info.value)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["", "a", "^", "(", "v4", "Person", "error"]),
    lambda kids: (
        st.lists(kids, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "rules",
                    "types",
                    "id",
                    "check",
                    "type",
                    "if",
                    "then",
                    "property",
                    "properties",
                    "path",
                    "paths",
                    "one_of",
                    "values",
                    "present",
                    "required",
                    "absent",
                    "via",
                    "from_types",
                    "inherit",
                    "min_items",
                    "pattern",
                    "severity",
                    "versions",
                    "extends",
                    "any_of",
                    "equals",
                    "term",
                ]
            ),
            kids,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_checks = st.sampled_from(
    [
        "required",
        "items",
        "length",
        "pattern",
        "one_of",
        "conditional",
        "linked_from",
        "when_linked_from",
        "path",
        "any_of",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rule=st.fixed_dictionaries(
        {"id": st.just("r"), "check": _checks, "type": st.just("Person")},
        optional={
            k: _json
            for k in (
                "if",
                "then",
                "properties",
                "property",
                "paths",
                "any_of",
                "from_types",
                "via",
                "values",
                "min_items",
                "inherit",
            )
        },
    ),
    top=_json,
)
def test_any_json_gives_a_profile_or_a_clear_error(tmp_path: Path, rule: dict[str, Any], top: Any) -> None:
    """Whatever the schema lets through, the parser can build (and nothing else escapes as a traceback)."""
    for data in ({"name": "x", "rules": [rule]}, top):
        path = tmp_path / "p.json"
        path.write_text(json.dumps(data), "utf-8")
        try:
            assert isinstance(load_profile(path), Profile)
        except ConfigurationError as exc:
            assert str(exc).startswith("Profile file ") or "profile" in str(exc).lower()
