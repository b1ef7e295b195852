"""What the JSON-LD reader needs to know of the openMINDS schemas, as data shipped with the package.

The reader needs two small facts about the schemas: which keys hold IRI literals
(``homepage``, ``IRI`` …) and what tells openMINDS v4 from v5 (types and properties
only one of them has). Computing them builds the schema registries from the
``openminds`` package, which took 0.7 s and about 80 MB (v4 and v5) the first time a
file was loaded, for a few hundred names. They are kept in ``schema_facts.json``
instead, written by :func:`write` from the registries; a test checks the file equals
what the installed ``openminds`` package gives, so it cannot drift unnoticed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

__all__ = ["compute", "iri_keys", "iri_keys_any", "version_markers", "write"]

_FILE = Path(__file__).with_name("schema_facts.json")


@functools.cache
def _facts() -> dict[str, Any]:
    with open(_FILE, encoding="utf-8") as fh:
        facts: dict[str, Any] = json.load(fh)
    return facts


def iri_keys(version: str) -> frozenset[str]:
    """Keys that hold IRI literals (not links) in at least one type of ``version`` ("v3", "v4", "v5")."""
    return frozenset(_facts()["iri_keys"][str(version)])


@functools.cache
def iri_keys_any() -> frozenset[str]:
    """Keys that hold IRI literals in some type of some version."""
    return frozenset(k for keys in _facts()["iri_keys"].values() for k in keys)


@functools.cache
def version_markers() -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(type name → the only version of v4/v5 having it, (type name, key) → the only version having it)."""
    m = _facts()["version_markers"]
    return dict(m["types"]), {(t, k): v for t, k, v in m["properties"]}


def compute() -> dict[str, Any]:
    """The facts, from the schema registries (what :func:`write` stores)."""
    from ..schemas.specs import get_registry
    from ..schemas.versions import VERSIONS

    iris = {
        str(v): sorted({p.key for t in get_registry(v) for p in t.properties.values() if "iri" in p.kinds})
        for v in VERSIONS.values()
    }
    t4 = {t.name: t for t in get_registry("v4")}
    t5 = {t.name: t for t in get_registry("v5")}
    types = {n: "v4" for n in t4.keys() - t5.keys()} | {n: "v5" for n in t5.keys() - t4.keys()}
    props = []
    for name in sorted(t4.keys() & t5.keys()):
        k4, k5 = set(t4[name].properties), set(t5[name].properties)
        props += [[name, k, "v4"] for k in sorted(k4 - k5)] + [[name, k, "v5"] for k in sorted(k5 - k4)]
    return {
        "iri_keys": iris,
        "version_markers": {"types": dict(sorted(types.items())), "properties": props},
    }


def write(path: Path = _FILE) -> None:
    """Write the facts of the installed ``openminds`` package to ``schema_facts.json`` (after an upgrade)."""
    path.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
