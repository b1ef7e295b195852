"""Conditions and requirements of profile rules: parsed from JSON, resolved per version and context.

A profile rule on a node is "when all *tests* hold, the *requirement* must hold". Tests
look at values along a property path (``["studiedSpecimen", "species"]``, ``^key`` for
an inverse step), at links from other nodes, or at the validation context (decided
before the run). Requirements are: values present (optionally inherited from a node
that links this one), all values among a set, a value equal to one, a date after/before
one, values absent, a context value given, or any of several of these.

Both engines compile the same resolved objects: the native engine walks node dicts,
the SHACL engine builds sequence paths, ``sh:or``/``sh:not`` and qualified value shapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["RPath", "Req", "Step", "Test", "after_pattern", "before_pattern"]


@dataclass(frozen=True)
class Step:
    """One step of a property path: a property key, forwards or (``^key``) backwards."""

    key: str
    iri: str
    inverse: bool = False


@dataclass(frozen=True)
class RPath:
    """A property path from the focus node."""

    steps: tuple[Step, ...]

    @property
    def label(self) -> str:
        return ".".join(("^" if s.inverse else "") + s.key for s in self.steps)


@dataclass(frozen=True)
class Inherit:
    """ "Or on a node of ``from_types`` that links the focus through ``via``"."""

    from_types: tuple[str, ...]
    via_iri: str
    via: str


@dataclass(frozen=True)
class Test:
    """A condition on the focus node.

    ``kind`` is ``values`` (some value along ``path`` is among ``values``; ``values`` None
    means "has a value"), ``linked`` (linked from a node of ``from_types`` through one of
    ``via``), or ``const`` (decided before the run, e.g. from the context: ``truth``).
    """

    kind: str
    path: RPath | None = None
    values: frozenset[str] | None = None
    from_types: tuple[str, ...] = ()
    via: tuple[tuple[str, str], ...] = ()  #: (key, iri)
    truth: bool = True


@dataclass(frozen=True)
class Req:
    """A requirement on the focus node.

    ``kind``: ``present`` (at least ``min_count`` values along ``path``, or along the same path
    from an ``inherit`` node), ``all_in`` (every text/IRI value matches ``pattern``),
    ``equals`` (some value, and every value, matches ``pattern``), ``has_value`` (some
    value matches ``pattern``), ``absent`` (no value), ``const`` (decided before the run),
    ``linked`` (see :class:`Test`), ``any_of`` (one of ``alternatives``).
    """

    kind: str
    path: RPath | None = None
    pattern: str | None = None
    values: frozenset[str] | None = None
    min_count: int = 1
    inherit: Inherit | None = None
    truth: bool = True
    alternatives: tuple[Req, ...] = ()
    from_types: tuple[str, ...] = ()
    via: tuple[tuple[str, str], ...] = ()


def one_of_pattern(values: frozenset[str] | set[str]) -> str:
    """A regex matching exactly one of ``values`` (IRIs or literal texts)."""
    return "^(?:" + "|".join(re.escape(v) for v in sorted(values)) + ")$"


def after_pattern(date: str) -> str:
    """A regex matching text whose first len(date) characters sort strictly after ``date``.

    Used for "releaseDate after today": the same regex runs in Python and as ``sh:pattern``.
    """
    alts = []
    for i, ch in enumerate(date):
        if ord(ch) < 0x10FFFF:
            alts.append(re.escape(date[:i]) + "[" + _cls(chr(ord(ch) + 1)) + "-\U0010ffff]")
    return "^(?:" + "|".join(alts) + ")" if alts else "(?!)"


def before_pattern(date: str) -> str:
    """A regex matching text whose first len(date) characters sort strictly before ``date``."""
    alts = []
    for i, ch in enumerate(date):
        if ord(ch) > 0:
            alts.append(re.escape(date[:i]) + "[\x00-" + _cls(chr(ord(ch) - 1)) + "]")
        alts.append(re.escape(date[:i]) + "$")
    return "^(?:" + "|".join(alts) + ")"


def _cls(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def context_value(context: dict[str, Any] | None, dotted: str) -> Any:
    """The value at a dotted path in the validation context (None when missing)."""
    cur: Any = context or {}
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur
