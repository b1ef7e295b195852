"""Validation of openMINDS metadata: one report model, a native engine and a SHACL engine.

>>> import ebrains_curation as ec
>>> report = ec.validate(graph, profile="openminds")        # doctest: +SKIP
>>> report.conforms, report.counts                          # doctest: +SKIP

Profiles are data files (``ebrains_curation/schemas/profiles/*.json``, format in
``FORMAT.md`` there); both engines report the same rule ids (:mod:`.rules`).
"""

from .._lazy import submodules_on_function
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


# ``ebrains_curation.validate`` is the function (see ebrains_curation/__init__.py); it carries this
# package's submodules so that ``import ebrains_curation.validate.<module> as m`` keeps working.
submodules_on_function(__name__, validate)
