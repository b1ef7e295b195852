"""Version-aware type specs read from the installed ``openminds`` package.

A :class:`TypeSpec` describes one openMINDS type (its IRI, whether it is linked
or embedded, whether it is a controlled-term library type) and its
:class:`PropertySpec` list: short key, full IRI, required, multiple, item limits,
allowed value kinds and target types, instruction text, and the pattern/format
overlay that the ``openminds`` package drops (``overlay.json``).

The registry of a version is built the first time it is asked for and cached,
so ``import ebrains_curation`` imports no ``openminds`` version at all.
"""

from __future__ import annotations

import datetime as _dt
import json
import numbers
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

from ..errors import SchemaError
from .versions import OpenMINDSVersion, VersionLike, get_version

__all__ = [
    "VALUE_KINDS",
    "PropertySpec",
    "SchemaRegistry",
    "TypeSpec",
    "get_registry",
]

#: Kinds of literal values a property can take; links and embedded nodes are "link"/"embedded".
VALUE_KINDS: Final = ("string", "iri", "date", "datetime", "time", "number", "integer", "link", "embedded")


@dataclass(frozen=True)
class PropertySpec:
    """One property of an openMINDS type, as the chosen version defines it."""

    name: str  #: python attribute name in the openminds package, e.g. "digital_identifier"
    key: str  #: short JSON-LD key, e.g. "digitalIdentifier"
    iri: str  #: full property IRI
    required: bool
    multiple: bool
    min_items: int | None
    max_items: int | None
    unique_items: bool
    kinds: frozenset[str]  #: subset of VALUE_KINDS
    target_types: tuple[str, ...]  #: type IRIs allowed for links / embedded nodes
    linked_types: tuple[str, ...]  #: the subset of target_types that are linked (have an @id)
    embedded_types: tuple[str, ...]  #: the subset of target_types that are embedded
    description: str = ""
    instructions: str = ""
    formatting: str | None = None
    pattern: str | None = None  #: from our overlay
    pattern_label: str | None = None  #: plain-language description of the pattern
    formats: tuple[str, ...] = ()  #: "email", "iri", "date", "date-time", "time"

    @property
    def is_link(self) -> bool:
        """True if the property takes links to other (linked) nodes."""
        return "link" in self.kinds

    @property
    def is_embedded(self) -> bool:
        """True if the property takes embedded nodes."""
        return "embedded" in self.kinds

    @property
    def is_literal(self) -> bool:
        """True if the property takes only literal values (strings, numbers, dates, IRIs)."""
        return not (self.is_link or self.is_embedded)

    @property
    def target_names(self) -> tuple[str, ...]:
        """Short names of the allowed target types (for messages)."""
        return tuple(t.rsplit("/", 1)[-1] for t in self.target_types)


@dataclass(frozen=True)
class TypeSpec:
    """One openMINDS type of one version."""

    name: str  #: e.g. "DatasetVersion"
    iri: str  #: e.g. "https://openminds.om-i.org/types/DatasetVersion"
    version: OpenMINDSVersion  #: "v3", "v4", "v5" or "latest"
    module: str  #: openMINDS module: "core", "controlled_terms", "sands", ...
    class_path: str  #: e.g. "openminds.v4.core.DatasetVersion"
    embedded: bool  #: embedded types have no @id
    controlled_term: bool  #: a type whose values come from the instance library
    description: str = ""
    properties: dict[str, PropertySpec] = field(default_factory=dict)  #: by short key

    @property
    def linked(self) -> bool:
        """True for linked types (nodes with their own @id)."""
        return not self.embedded

    @property
    def required(self) -> tuple[PropertySpec, ...]:
        """The required properties."""
        return tuple(p for p in self.properties.values() if p.required)

    def property(self, name: str) -> PropertySpec:
        """Look a property up by short key, python attribute name or full IRI."""
        if name in self.properties:
            return self.properties[name]
        for p in self.properties.values():
            if name in (p.name, p.iri):
                return p
        raise SchemaError(
            f"{self.name} ({self.version}) has no property {name!r}; known: {', '.join(sorted(self.properties))}"
        )

    def openminds_class(self) -> Any:
        """The ``openminds`` class behind this spec (imports that version)."""
        return get_registry(self.version).openminds_class(self.iri)


@cache
def _overlay() -> dict[str, Any]:
    text = resources.files("ebrains_curation.schemas").joinpath("overlay.json").read_text("utf-8")
    return json.loads(text)


_LITERAL_KINDS: Final = {
    str: "string",
    _dt.date: "date",
    _dt.datetime: "datetime",
    _dt.time: "time",
    int: "integer",
    float: "number",
    numbers.Real: "number",
}


class SchemaRegistry:
    """All openMINDS types of one version, by short name, type IRI or openminds class.

    Use :func:`get_registry` rather than constructing one: registries are cached.
    """

    def __init__(self, version: VersionLike = None):
        self.version: OpenMINDSVersion = get_version(version)
        self._by_iri: dict[str, TypeSpec] = {}
        self._by_name: dict[str, TypeSpec] = {}
        self._classes: dict[str, Any] = {}
        self._built = False
        self._lock = threading.Lock()

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        with self._lock:
            if self._built:
                return
            from openminds.base import EmbeddedMetadata
            from openminds.registry import registry

            self.version.module()  # importing the package registers its classes
            pkg_key = self.version.package.split(".")[1]
            classes = registry["types"].get(pkg_key, {})
            embedded_iris = {iri for iri, cls in classes.items() if issubclass(cls, EmbeddedMetadata)}
            overlay = _overlay()
            for iri, cls in sorted(classes.items()):
                spec = self._spec_for(cls, iri, iri in embedded_iris, embedded_iris, overlay)
                self._by_iri[iri] = spec
                self._classes[iri] = cls
                # v3 has a few same-named types in different modules; the first (sorted) wins the name
                self._by_name.setdefault(spec.name, spec)
            self._built = True

    def _spec_for(
        self, cls: Any, iri: str, embedded: bool, embedded_iris: set[str], overlay: dict[str, Any]
    ) -> TypeSpec:
        name = cls.__name__
        parts = cls.__module__.split(".")
        module = parts[2] if len(parts) > 2 else "core"
        patterns = overlay["patterns"].get(name, {})
        formats = overlay["formats"].get(name, {})
        props: dict[str, PropertySpec] = {}
        for p in cls.properties:
            kinds: set[str] = set()
            targets: list[str] = []
            linked: list[str] = []
            emb: list[str] = []
            for t in p.types:
                if t in _LITERAL_KINDS:
                    kinds.add(_LITERAL_KINDS[t])
                elif t.__name__ == "IRI" and t.__module__ == "openminds.base":
                    kinds.add("iri")
                else:
                    t_iri = t.type_ if isinstance(t.type_, str) else t.type_[0]
                    targets.append(t_iri)
                    if t_iri in embedded_iris:
                        kinds.add("embedded")
                        emb.append(t_iri)
                    else:
                        kinds.add("link")
                        linked.append(t_iri)
            fmts: list[str] = []
            if "iri" in kinds:
                fmts.append("iri")
            if "date" in kinds:
                fmts.append("date")
            if "datetime" in kinds:
                fmts.append("date-time")
            if "time" in kinds:
                fmts.append("time")
            if p.path in formats:
                fmts.append(formats[p.path])
            pattern = patterns.get(p.path)
            props[p.path] = PropertySpec(
                name=p.name,
                key=p.path,
                iri=self.version.property_iri(p.path),
                required=bool(p.required),
                multiple=bool(p.multiple),
                min_items=p.min_items,
                max_items=p.max_items,
                unique_items=bool(p.unique_items),
                kinds=frozenset(kinds),
                target_types=tuple(targets),
                linked_types=tuple(linked),
                embedded_types=tuple(emb),
                description=p.description or "",
                instructions=p.instructions or "",
                formatting=p.formatting,
                pattern=pattern,
                pattern_label=overlay["pattern_labels"].get(f"{name}.{p.path}") if pattern else None,
                formats=tuple(fmts),
            )
        doc = (getattr(cls, "_base_docstring", "") or "").strip()
        return TypeSpec(
            name=name,
            iri=iri,
            version=self.version,
            module=module,
            class_path=f"{self.version.package}.{module}.{name}",
            embedded=embedded,
            controlled_term=module == "controlled_terms" or _has_library(cls),
            description=doc.splitlines()[0] if doc else "",
            properties=props,
        )

    # -- look-up ----------------------------------------------------------------------------------
    def _ensure(self) -> None:
        if not self._built:
            self._build()

    def __iter__(self) -> Iterator[TypeSpec]:
        self._ensure()
        return iter(self._by_iri.values())

    def __len__(self) -> int:
        self._ensure()
        return len(self._by_iri)

    def __contains__(self, item: object) -> bool:
        try:
            self.get(item)
        except SchemaError:
            return False
        return True

    def get(self, ref: str | type | Any) -> TypeSpec:
        """Return the spec for a short name ("DatasetVersion"), a type IRI, or an openminds class/object."""
        spec = self.find(ref)
        if spec is None:
            from difflib import get_close_matches

            text = ref if isinstance(ref, str) else repr(ref)
            short = text.rsplit("/", 1)[-1]
            close = get_close_matches(short, list(self._by_name), n=5, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise SchemaError(f"openMINDS {self.version.key} has no type {text!r}{hint}")
        return spec

    def find(self, ref: str | type | Any) -> TypeSpec | None:
        """Like :meth:`get` but returns None instead of raising."""
        self._ensure()
        if not isinstance(ref, str):
            cls = ref if isinstance(ref, type) else type(ref)
            type_ = getattr(cls, "type_", None)
            if not isinstance(type_, str):
                return None
            ref = type_
        return self._by_iri.get(ref) or self._by_name.get(ref)

    def openminds_class(self, ref: str | TypeSpec) -> Any:
        """The ``openminds`` class for a type name, IRI or spec."""
        spec = ref if isinstance(ref, TypeSpec) else self.get(ref)
        return self._classes[spec.iri]

    def names(self) -> list[str]:
        """All type short names, sorted."""
        self._ensure()
        return sorted(self._by_name)

    def property_keys(self) -> dict[str, str]:
        """Every property short key of the version mapped to its full IRI."""
        self._ensure()
        return {p.key: p.iri for t in self._by_iri.values() for p in t.properties.values()}

    def __repr__(self) -> str:
        state = f"{len(self._by_iri)} types" if self._built else "not built yet"
        return f"<SchemaRegistry openMINDS {self.version.key}: {state}>"


def _has_library(cls: Any) -> bool:
    try:
        return bool(cls.instances())
    except Exception:  # classes without an instance library
        return False


_REGISTRIES: dict[str, SchemaRegistry] = {}
_REG_LOCK = threading.Lock()


def get_registry(version: VersionLike = None) -> SchemaRegistry:
    """Return the cached :class:`SchemaRegistry` of an openMINDS version (default v4)."""
    key = get_version(version)
    with _REG_LOCK:
        reg = _REGISTRIES.get(key)
        if reg is None:
            reg = _REGISTRIES[key] = SchemaRegistry(key)
    return reg
