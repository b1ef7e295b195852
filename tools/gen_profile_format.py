"""Regenerate the field reference of schemas/profiles/FORMAT.md from profile.schema.json, so they cannot drift.

The JSON Schema is what profile files are checked against (``validate/profiles.py``); FORMAT.md's
tables of fields are rendered from it, the prose and examples around them stay hand-written.

Run: python tools/gen_profile_format.py   (tests/test_profile_schema.py fails when FORMAT.md is stale;
``--check`` exits 1 in that case).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parents[1] / "ebrains_curation" / "schemas" / "profiles"
FORMAT = FOLDER / "FORMAT.md"
SCHEMA = FOLDER / "profile.schema.json"
START = "<!-- profile-fields:start (generated from profile.schema.json by tools/gen_profile_format.py; do not edit) -->"
END = "<!-- profile-fields:end -->"

#: how a reference to a shared definition reads in a table
_REF_WORDS = {
    "keys": "list of property keys",
    "nonNegative": "integer ≥ 0",
    "regex": "regular expression",
    "value": "value",
    "values": "list of values",
    "path": "path",
    "typeNames": "name or list of names",
    "inherit": '`{"from_types": [...], "via": KEY}`',
    "typeEntry": "type entry",
    "shorthand": "shorthand object",
    "rule": "rule object",
    "if": "`if` test",
    "then": "`then` requirement",
}


def kind(s: dict[str, Any]) -> str:
    """A few words for the JSON type a schema accepts."""
    if "$ref" in s:
        return _REF_WORDS[s["$ref"].rsplit("/", 1)[-1]]
    if "enum" in s:
        return " / ".join(f"`{json.dumps(v)}`" for v in s["enum"])
    if "const" in s:
        return f"`{json.dumps(s['const'])}`"
    t = s.get("type")
    if t == "string":
        return f"string `{s['pattern']}`".replace("|", "\\|") if "pattern" in s else "string"
    if t == "boolean":
        return "bool"
    if t == "array":
        return f"list of {kind(s['items'])}" if "items" in s else "list"
    if t == "object" and isinstance(s.get("additionalProperties"), dict):
        return f"object → {kind(s['additionalProperties'])}"
    return str(t or "any")


def _meaning(s: dict[str, Any], defs: dict[str, Any]) -> str:
    text = s.get("description")
    if text is None and "$ref" in s:
        text = defs[s["$ref"].rsplit("/", 1)[-1]].get("description", "")
    return (text or "").replace("|", "\\|")


def table(schema: dict[str, Any], defs: dict[str, Any], required: list[str] | None = None) -> list[str]:
    """A Markdown table of the properties of an object schema."""
    req = set(schema.get("required", []) if required is None else required)
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, sub in schema["properties"].items():
        rows.append(f"| `{name}` | {kind(sub)} | {'yes' if name in req else ''} | {_meaning(sub, defs)} |")
    return rows


def _checks(rule: dict[str, Any]) -> list[str]:
    rows = ["| `check` | required fields | optional fields |", "|---|---|---|"]
    for part in rule["allOf"]:
        check = part["if"]["properties"]["check"]["const"]
        then = part["then"]
        req = list(then.get("required", []))
        alt = [" or ".join(f"`{k}`" for a in then.get("anyOf", []) for k in a["required"])]
        opt = [
            k
            for k in then["properties"]
            if k not in req and not any(k in a["required"] for a in then.get("anyOf", []))
        ]
        required = ", ".join([f"`{k}`" for k in req] + [a for a in alt if a])
        rows.append(f"| `{check}` | {required} | {', '.join(f'`{k}`' for k in opt)} |")
    return rows


def render(schema: dict[str, Any]) -> str:
    """The generated part of FORMAT.md."""
    defs = schema["$defs"]
    parts = [START, "", "### Top-level fields", "", *table(schema, defs), ""]
    parts += ["### `types.<TypeName>`: per-type shorthand", "", *table(defs["typeEntry"], defs), ""]
    parts += ["`types.<TypeName>.properties.<key>`:", "", *table(defs["shorthand"], defs), ""]
    parts += ["### Fields of every rule", "", *table(defs["rule"], defs), ""]
    parts += ["### Fields of each `check`", "", *_checks(defs["rule"]), "", END]
    return "\n".join(parts)


def updated(text: str, schema: dict[str, Any]) -> str:
    start, end = text.index(START), text.index(END) + len(END)
    return text[:start] + render(schema) + text[end:]


if __name__ == "__main__":
    current = FORMAT.read_text(encoding="utf-8")
    new = updated(current, json.loads(SCHEMA.read_text(encoding="utf-8")))
    if "--check" in sys.argv:
        sys.exit(0 if new == current else 1)
    FORMAT.write_text(new, encoding="utf-8")
    print(f"updated {FORMAT}")
