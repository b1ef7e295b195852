"""Validation of openMINDS metadata: one report model, a native engine and a SHACL engine.

>>> import ebrains_curation as ec
>>> report = ec.validate(graph, profile="openminds")        # doctest: +SKIP
>>> report.conforms, report.counts                          # doctest: +SKIP

Profiles are data files (``ebrains_curation/schemas/profiles/*.json``, format in
``FORMAT.md`` there); both engines report the same rule ids (:mod:`.rules`).
"""

import sys as _sys
import types as _types
from typing import Any as _Any

from .api import ENGINES, validate
from .profiles import Profile, get_profile, list_profiles, load_profile
from .report import Issue, Severity, ValidationReport
from .rules import RULES
from .shacl import shacl_shapes

__all__ = [
    "ENGINES",
    "RULES",
    "Issue",
    "Profile",
    "Severity",
    "ValidationReport",
    "get_profile",
    "list_profiles",
    "load_profile",
    "shacl_shapes",
    "validate",
]


class _CallableModule(_types.ModuleType):
    """``ebrains_curation.validate`` is both this package and the function.

    Importing the package binds it as ``ebrains_curation.validate``, shadowing the lazily
    exported function; making the module callable keeps ``ec.validate(graph)`` working
    whichever was imported first.
    """

    def __call__(self, *args: _Any, **kwargs: _Any) -> ValidationReport:
        return validate(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
