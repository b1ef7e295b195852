"""File usage roles by glob pattern: which FileUsageRole a file gets from its name or relative path."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

from ..schemas import get_term
from ..schemas.versions import OpenMINDSVersion

__all__ = ["RoleMatcher"]


class RoleMatcher:
    """Glob patterns per FileUsageRole; a pattern with '/' matches the relative path, else the name.

    :meth:`match` gives the role's ``{"@id": …}`` link dict, one per role and run (shared by its files).
    """

    def __init__(self, roles: Mapping[str, str | Iterable[str]] | None, version: OpenMINDSVersion):
        self.rules: list[tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[str, str]]] = []
        tails: list[str] = []
        for role, patterns in (roles or {}).items():
            iri = str(get_term("FileUsageRole", role, version).id)
            pats = [patterns] if isinstance(patterns, str) else list(patterns)
            full = [fnmatch.translate(p.lower()) for p in pats if "/" in p]
            base = [fnmatch.translate(p.lower()) for p in pats if "/" not in p]
            self.rules.append(
                (
                    re.compile("|".join(full)) if full else None,
                    re.compile("|".join(base)) if base else None,
                    {"@id": iri},
                )
            )
            tails += [_literal_tail(p.lower()) for p in pats]
        # a glob ending in a literal ("*descriptor*.pdf" → ".pdf") only matches names ending so: one
        # str.endswith rules out most files before any regex runs (when every pattern has such a tail)
        self.tails: tuple[str, ...] | None = tuple(tails) if tails and all(tails) else None

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(self, rel: str, name: str) -> dict[str, str] | None:
        """The role link of the file at ``rel`` (whose name is ``name``), or None."""
        lower_name = name.lower()
        if self.tails is not None and not lower_name.endswith(self.tails):
            return None
        lower = None
        for full, base, link in self.rules:
            if base is not None and base.match(lower_name):
                return link
            if full is not None:
                if lower is None:
                    lower = rel.lower()
                if full.match(lower):
                    return link
        return None


def _literal_tail(pattern: str) -> str:
    """The literal end of a glob after its last wildcard and last "/": what a matching file's name ends with."""
    cut = max(
        pattern.rfind("*"), pattern.rfind("?"), pattern.rfind("["), pattern.rfind("]"), pattern.rfind("/")
    )
    return pattern[cut + 1 :]
