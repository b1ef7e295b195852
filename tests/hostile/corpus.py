"""The hostile-input corpus of issue 18: what an attacker or a careless user hands the tools.

Each :class:`Case` is an input file (or a special file: FIFO, device, folder…) and an
expectation. ``must_fail`` cases (empty, truncated-to-nothing or conflicting metadata)
may never *conform*: a clear error or an error finding is required. Every case, of any
kind, must end in a result or a clear error: never a traceback, a hang or a socket.

The corpus is data only; :mod:`worker` runs it and :mod:`probe` counts the outcomes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

OM = "https://openminds.om-i.org/"
CTX = {"@vocab": OM + "props/"}
PERSON = OM + "types/Person"


@dataclass(frozen=True)
class Case:
    """One hostile input: ``name`` (also the file name), ``data`` or a ``special`` kind."""

    name: str
    data: bytes = b""
    special: str = ""  # "fifo", "dev-zero", "dev-null", "directory", "symlink-loop"
    must_fail: bool = False  # may never conform (empty or conflicting metadata)
    note: str = ""


def _doc(*nodes: dict, ctx: object = CTX) -> bytes:
    return json.dumps({"@context": ctx, "@graph": list(nodes)}, ensure_ascii=False).encode()


def _person(given: str = "Ada", node_id: str = "https://example.org/ada", **extra: object) -> dict:
    return {"@id": node_id, "@type": PERSON, "givenName": given, "familyName": "Lovelace", **extra}


def _nested(depth: int) -> bytes:
    inner: dict = {"@type": OM + "types/Affiliation", "memberOf": {"@id": "https://example.org/org"}}
    for _ in range(depth):
        inner = {"@type": OM + "types/Affiliation", "memberOf": {"@type": OM + "types/Organization",
                 "fullName": "o", "hasParent": inner}}  # fmt: skip
    return _doc(_person(affiliation=inner))


def cases() -> list[Case]:
    """All cases, in a stable order."""
    good = _doc(_person())
    ttl_prefix = b"@prefix om: <https://openminds.om-i.org/props/> .\n@prefix ex: <https://example.org/> .\n"
    ttl_good = ttl_prefix + (
        b'ex:ada a <https://openminds.om-i.org/types/Person> ; om:givenName "Ada" ; om:familyName "L" .\n'
    )
    nt_good = (
        b"<https://example.org/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<https://openminds.om-i.org/types/Person> .\n"
        b'<https://example.org/ada> <https://openminds.om-i.org/props/givenName> "Ada" .\n'
    )
    return [
        Case("good.jsonld", good, note="control: a valid person"),
        Case("good.ttl", ttl_good, note="control"),
        Case("good.nt", nt_good, note="control"),
        # -- empty or truncated to nothing: must never conform
        Case("empty.jsonld", b"", must_fail=True),
        Case("blank.jsonld", b"  \n\t\n", must_fail=True),
        Case("empty-list.jsonld", b"[]", must_fail=True),
        Case("empty-object.jsonld", b"{}", must_fail=True),
        Case("id-null.jsonld", b'{"@id": null}', must_fail=True),
        Case("empty-graph.jsonld", json.dumps({"@context": CTX, "@graph": []}).encode(), must_fail=True),
        Case("context-only.jsonld", json.dumps({"@context": CTX}).encode(), must_fail=True),
        Case("empty.ttl", b"", must_fail=True),
        Case("prefixes-only.ttl", ttl_prefix, must_fail=True),
        Case("comment-only.nt", b"# nothing here\n", must_fail=True),
        Case("dev-null.jsonld", special="dev-null", must_fail=True),
        # -- conflicting metadata: a finding, not a silent pick
        Case(
            "conflicting-values.jsonld",
            _doc(_person(given="Ada", **{OM + "props/givenName": "Augusta"})),
            must_fail=True,
            note="givenName and its full IRI with different values",
        ),
        Case(
            "conflicting-stub-types.jsonld",
            _doc(
                {"@id": "https://example.org/x", "@type": PERSON},
                {"@id": "https://example.org/x", "@type": OM + "types/Organization"},
            ),
            must_fail=True,
            note="two stubs with one @id and different types",
        ),
        Case(
            "non-iri-id.jsonld",
            _doc(_person(node_id="not an iri")),
            must_fail=True,
            note="an @id that is not an IRI",
        ),
        Case("non-iri-id2.jsonld", _doc(_person(node_id='<x>"{}|^`')), must_fail=True),
        # -- encodings and odd text
        Case("bom.jsonld", b"\xef\xbb\xbf" + good),
        Case("bom.ttl", b"\xef\xbb\xbf" + ttl_good),
        Case("bom.nt", b"\xef\xbb\xbf" + nt_good),
        Case("latin1.jsonld", _doc(_person(given="Zoë")).replace("ë".encode(), b"\xeb")),
        Case("utf16.jsonld", good.decode().encode("utf-16")),
        Case("lone-surrogate.jsonld", good.replace(b'"Ada"', b'"A\\ud800da"')),
        Case("nul-and-controls.jsonld", good.replace(b'"Ada"', b'"A\\u0000\\u001bda"')),
        Case("binary.jsonld", bytes(range(256)) * 4),
        Case("truncated.jsonld", good[: len(good) // 2]),
        Case("truncated.ttl", ttl_good[:-20]),
        # -- numbers JSON does not have, and numbers too big
        Case("nan.jsonld", good.replace(b'"Ada"', b"NaN")),
        Case("infinity.jsonld", good.replace(b'"Ada"', b"-Infinity")),
        Case("huge-float.jsonld", good.replace(b'"Ada"', b"1e999")),
        Case("huge-int.jsonld", good.replace(b'"Ada"', b"9" * 5000)),
        # -- shapes that break recursive code
        Case("deep-embedded-300.jsonld", _nested(150), note="300 levels of embedded nodes"),
        Case("deep-embedded-600.jsonld", _nested(300), note="600 levels of embedded nodes"),
        Case("deep-json-100k.jsonld", b"[" * 100_000 + b"]" * 100_000),
        Case("deep-dict-5k.jsonld", b'{"a":' * 5000 + b"1" + b"}" * 5000),
        Case("duplicate-keys.jsonld", b'{"@id": "https://example.org/a", "@id": "https://example.org/b"}'),
        Case("remote-context.jsonld", _doc(_person(), ctx="https://example.org/context.jsonld")),
        Case("type-not-iri.jsonld", _doc({"@id": "https://example.org/a", "@type": "Person thing"})),
        Case("list-of-scalars.jsonld", b"[1, 2, 3]"),
        Case("scalar.jsonld", b'"just a string"'),
        Case("ttl-bad-iri.ttl", ttl_prefix + b'<not an iri> om:givenName "x" .\n'),
        # -- special files: must be refused quickly, never read forever
        Case("fifo.jsonld", special="fifo"),
        Case("zero.jsonld", special="dev-zero"),
        Case("folder.jsonld", special="directory"),
        Case("loop.jsonld", special="symlink-loop"),
    ]
