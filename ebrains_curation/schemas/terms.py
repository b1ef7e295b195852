"""Controlled terms (and other library instances) chosen by name.

``get_term("license", "CC-BY-4.0")`` returns the openMINDS instance
(``openminds.v4.core.License.cc_by_4_0``); ``get_term("species", "mouse")``
finds *Mus musculus* through its synonyms. Matching tries, in order: the exact
name or synonym, the same ignoring case and accents, the instance's IRI
segment ("freeAccess") or python attribute ("free_access"), and the same with
spaces, hyphens and underscores ignored. No match gives an
:class:`~ebrains_curation.errors.UnknownTermError` listing the closest names.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cache
from importlib import resources
from typing import Any

from ..errors import SchemaError, UnknownTermError
from .specs import TypeSpec, get_registry
from .versions import VersionLike, get_version

__all__ = [
    "TermIndex",
    "describe_choices",
    "get_term",
    "get_term_index",
    "iter_terms",
    "kind_phrase",
    "pick_label",
    "preferred_kind",
    "rank_suggestions",
    "resolve_kind",
    "split_kind_hint",
    "term_by_iri",
    "term_iri",
]


@cache
def _aliases() -> dict[str, Any]:
    text = resources.files("ebrains_curation.schemas").joinpath("term_aliases.json").read_text("utf-8")
    return json.loads(text)


def _squash(text: str) -> str:
    """Lower-case, strip accents and drop spaces, hyphens, underscores and dots."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\-_.]+", "", text.casefold())


_KINDS: dict[tuple[str, str], TypeSpec] = {}
_LIST_ALL = 15  # an unknown name of a kind with at most this many terms lists them all


def resolve_kind(kind: str | type | TypeSpec, version: VersionLike = None) -> TypeSpec:
    """Turn a kind ("license", "Species", "content type", a class or spec) into a controlled-term TypeSpec."""
    v = get_version(version)
    if isinstance(kind, str):
        cached = _KINDS.get((v, kind))
        if cached is not None:
            return cached
        spec = _resolve_kind(kind, v)
        _KINDS[(v, kind)] = spec
        return spec
    return _resolve_kind(kind, v)


def _resolve_kind(kind: str | type | TypeSpec, v: str) -> TypeSpec:
    reg = get_registry(v)
    if isinstance(kind, TypeSpec):
        return kind
    if not isinstance(kind, str):
        return reg.get(kind)
    spec = reg.find(kind)
    if spec is None:
        alias = _aliases()["kinds"].get(_squash(kind))
        if isinstance(alias, dict):
            alias = alias.get(v)
        if alias:
            spec = reg.find(alias)
    if spec is None:
        squashed = {_squash(n): n for n in reg.names()}
        name = squashed.get(_squash(kind))
        spec = reg.find(name) if name else None
    if spec is None:
        library = [t.name for t in reg if t.controlled_term]
        close = get_close_matches(kind, library, n=5, cutoff=0.5)
        hint = f" Closest: {', '.join(close)}." if close else ""
        raise SchemaError(f"No openMINDS {v} term kind {kind!r}.{hint}")
    return spec


@dataclass(frozen=True)
class _Entry:
    label: str
    instance: Any


class TermIndex:
    """Name index over the library instances of one type in one version."""

    def __init__(self, spec: TypeSpec):
        self.spec = spec
        cls = spec.openminds_class()
        self.instances: list[Any] = list(cls.instances()) if hasattr(cls, "instances") else []
        self._exact: dict[str, list[Any]] = {}
        self._folded: dict[str, list[Any]] = {}
        self._squashed: dict[str, list[Any]] = {}
        self.labels: list[str] = []
        attr_names = {id(v): k for k, v in vars(cls).items() if isinstance(v, cls)}
        extra = _aliases()["terms"].get(spec.version, {}).get(spec.name, {})
        by_segment = {}
        for inst in self.instances:
            labels = []
            for attr in ("name", "lookup_label", "short_name", "full_name", "abbreviation"):
                value = getattr(inst, attr, None)
                if isinstance(value, str) and value:
                    labels.append(value)
            labels.extend(s for s in (getattr(inst, "synonyms", None) or []) if isinstance(s, str))
            segment = inst.id.rsplit("/", 1)[-1]
            by_segment[segment] = inst
            labels.append(segment)
            if id(inst) in attr_names:
                labels.append(attr_names[id(inst)])
            for i, label in enumerate(labels):
                self._add(label, inst, primary=i == 0)
        for alias, segment in extra.items():
            if segment in by_segment:
                self._add(alias, by_segment[segment], primary=True)

    def _add(self, label: str, inst: Any, primary: bool) -> None:
        for table, key in (
            (self._exact, label),
            (self._folded, label.casefold()),
            (self._squashed, _squash(label)),
        ):
            bucket = table.setdefault(key, [])
            if inst not in bucket:
                bucket.append(inst)
        if primary and label not in self.labels:
            self.labels.append(label)

    def find(self, name: str) -> list[Any]:
        """All instances matching ``name`` at the strictest level that matches anything."""
        for table, key in (
            (self._exact, name),
            (self._folded, name.casefold()),
            (self._squashed, _squash(name)),
        ):
            if key in table:
                return table[key]
        return []

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """The closest names to ``name``: names holding its words first ("biophysical" →
        "spiking neurons: biophysical"), then names spelled alike."""
        return rank_suggestions(name, self.labels, n)

    def get(self, name: str) -> Any:
        """The one instance called ``name``; raises UnknownTermError with suggestions otherwise."""
        if not isinstance(name, str) or not name.strip():
            raise UnknownTermError(
                f"A {self.spec.name} name must be a non-empty string, got {name!r}",
                kind=self.spec.name,
                name=str(name),
            )
        found = self.find(name.strip())
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            picks = tuple(pick_label(i) for i in found)
            raise UnknownTermError(
                f"{name!r} fits several openMINDS {self.spec.version} {self.spec.name} terms. "
                f"{describe_choices(name, found)}",
                kind=self.spec.name,
                name=name,
                suggestions=picks,
            )
        close = self.suggest(name)
        if close:
            hint = f" Closest matches: {', '.join(repr(c) for c in close)}."
        elif len(self.labels) <= _LIST_ALL:
            hint = f" Choose one of: {', '.join(repr(c) for c in self.labels)}."
        else:
            hint = (
                f" There are {len(self.instances)} {self.spec.name} terms; list them with "
                f"`ebrains-curation terms {self.spec.name}`."
            )
        raise UnknownTermError(
            f"No openMINDS {self.spec.version} {self.spec.name} called {name!r}.{hint}",
            kind=self.spec.name,
            name=name,
            suggestions=tuple(close),
        )


def _has_words(label: str, words: list[str]) -> bool:
    tokens = _words(label)
    return all(any(t == w or (len(w) >= 4 and t.startswith(w)) for t in tokens) for w in words)


def rank_suggestions(name: str, labels: list[str], n: int = 5) -> list[str]:
    """The ``n`` names of ``labels`` closest to ``name``: those holding all its words (shortest
    first), then the most alike in spelling (difflib ratio, ignoring case and spacing)."""
    words = _words(name)
    hits = sorted(
        (label for label in labels if words and _has_words(label, words)),
        key=lambda label: (len(_words(label)), len(label), label),
    )
    close = get_close_matches(name, labels, n=n, cutoff=0.55)
    if not close:
        sq: dict[str, str] = {}
        for label in labels:
            sq.setdefault(_squash(label), label)
        close = [sq[c] for c in get_close_matches(_squash(name), list(sq), n=n, cutoff=0.4)]
    return list(dict.fromkeys(hits[:n] + close))[:n]


def _words(text: str) -> list[str]:
    """Lower-case words of a name, accents stripped: "Spiking neurons: biophysical" → [spiking, neurons, biophysical]."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return [w for w in re.split(r"[^0-9a-z]+", text.casefold()) if w]


def pick_label(inst: Any) -> str:
    """The label that picks exactly this instance: its lookup label when it has one, else its name."""
    return str(getattr(inst, "lookup_label", None) or getattr(inst, "name", None) or inst.id)


def kind_phrase(kind: str) -> tuple[str, str]:
    """(what it is, where it comes from) for a kind of term: ("the brain region", "in an atlas")."""
    words = _aliases().get("kind_words", {}).get(kind)
    if isinstance(words, list) and len(words) == 2:
        return str(words[0]), str(words[1])
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).lower()
    return f"the {spaced}", ""


def describe_choices(name: str, found: list[Any]) -> str:
    """An ambiguity in words, for a biologist: which terms ``name`` fits and how to pick one.

    "Which did you mean: the brain region 'hippocampus' in an atlas (ParcellationEntity:
    'AAL1_HIP' or 'AsegAtlas_hippocampus') or in one atlas version (ParcellationEntityVersion:
    'AAL1_SPM12-v4_HIP')? …"
    """
    by_kind: dict[str, list[Any]] = {}
    for inst in found:
        by_kind.setdefault(type(inst).__name__, []).append(inst)
    parts: list[str] = []
    last_what = ""
    for kind, insts in by_kind.items():
        what, where = kind_phrase(kind)
        picks = " or ".join(repr(pick_label(i)) for i in insts)
        head = f"{what} {name!r} " if what != last_what else ""
        parts.append(f"{head}{where + ' ' if where else ''}({kind}: {picks})")
        last_what = what
    example = pick_label(found[0])
    kinds = list(by_kind)
    hint = f"Give the exact label (e.g. {example!r})"
    if len(kinds) > 1:
        hint += f", or add the kind to the name: {name + ' (' + kinds[-1] + ')'!r}"
    return f"Which did you mean: {' or '.join(parts)}? {hint}."


def split_kind_hint(name: str, kinds: list[str], version: VersionLike = None) -> tuple[str, str | None]:
    """ "hippocampus (ParcellationEntity)" → ("hippocampus", "ParcellationEntity") when the part in
    brackets names one of ``kinds`` (also in friendly spelling); else (name, None)."""
    m = re.fullmatch(r"\s*(.*?)\s*\(([^()]+)\)\s*", name)
    if not m:
        return name, None
    try:
        spec = resolve_kind(m.group(2), version)
    except SchemaError:
        return name, None
    return (m.group(1), spec.name) if spec.name in kinds else (name, None)


def preferred_kind(prop_key: str, kinds: list[str]) -> str | None:
    """The kind that wins when a name fits several ``kinds`` of a property, or None.

    An entry in ``term_aliases.json`` ("preferred_kinds") first; else the kind named like the
    property (openMINDS names a property after its usual kind: species → Species).
    """
    table = _aliases().get("preferred_kinds", {})
    if isinstance(table.get(prop_key), str) and table[prop_key] in kinds:
        return str(table[prop_key])
    key = prop_key.casefold()
    for kind in kinds:
        if kind.casefold() in (key, key.rstrip("s")):
            return kind
    return None


_INDEXES: dict[tuple[str, str], TermIndex] = {}
_LOCK = threading.Lock()


def get_term_index(kind: str | type | TypeSpec, version: VersionLike = None) -> TermIndex:
    """The cached :class:`TermIndex` for a kind of term."""
    spec = resolve_kind(kind, version)
    key = (spec.version, spec.iri)
    with _LOCK:
        idx = _INDEXES.get(key)
    if idx is None:
        idx = TermIndex(spec)
        with _LOCK:
            _INDEXES.setdefault(key, idx)
    return idx


def get_term(kind: str | type | TypeSpec, name: str, version: VersionLike = None) -> Any:
    """Return the openMINDS library instance of ``kind`` called ``name`` (default version v4).

    >>> get_term("license", "CC-BY-4.0").id
    'https://openminds.om-i.org/instances/licenses/CC-BY-4.0'
    """
    if not isinstance(name, str) and hasattr(name, "id"):
        return name  # already an instance
    return get_term_index(kind, version).get(name)


def term_iri(kind: str | type | TypeSpec, name: str, version: VersionLike = None) -> str:
    """The instance IRI of the term (what a JSON-LD link to it carries)."""
    return str(get_term(kind, name, version).id)


def iter_terms(version: VersionLike = None, kinds: list[str] | None = None) -> Iterator[Any]:
    """Yield every library instance of the version (or only of ``kinds``), in a stable order."""
    reg = get_registry(version)
    specs = [resolve_kind(k, version) for k in kinds] if kinds else [t for t in reg if t.controlled_term]
    for spec in specs:
        cls = spec.openminds_class()
        if hasattr(cls, "instances"):
            yield from sorted(cls.instances(), key=lambda i: i.id)


_BY_IRI: dict[str, dict[str, Any]] = {}


def term_by_iri(iri: str, version: VersionLike = None) -> Any | None:
    """The library instance whose @id is ``iri`` in ``version``, or None (builds an index once)."""
    v = get_version(version)
    with _LOCK:
        table = _BY_IRI.get(v)
    if table is None:
        table = {str(inst.id): inst for inst in iter_terms(v)}
        with _LOCK:
            _BY_IRI[v] = table
    return table.get(iri)
