"""The fixed strings of the outside world, defined once: openMINDS namespaces and EBRAINS KG prefixes.

Every module that needs one of these imports it from here (this module imports
nothing), so a namespace is never spelled twice. The openMINDS *versions* built on
these namespaces live in :mod:`ebrains_curation.schemas.versions`.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "DEFAULT_VERSION_KEY",
    "KG_INSTANCE_NS",
    "KG_META_PREFIX",
    "KG_META_PREFIXES",
    "OMI_NS",
    "OPENMINDS_CONTEXT_URL",
    "V3_NS",
]

#: openMINDS v3 namespace (types ``…/core/Person``, properties ``…/vocab/``)
V3_NS: Final = "https://openminds.ebrains.eu/"
#: openMINDS v4 and later namespace (``…/types/``, ``…/props/``, ``…/instances/``)
OMI_NS: Final = "https://openminds.om-i.org/"
#: the published JSON-LD context of an openMINDS version: ``OPENMINDS_CONTEXT_URL.format("v4")``
OPENMINDS_CONTEXT_URL: Final = OMI_NS + "contexts/{}.jsonld"

#: the version used when none is given or detected: what the EBRAINS KG serves today
DEFAULT_VERSION_KEY: Final = "v4"

#: the IRI prefix of every instance stored in the EBRAINS KG (``…/<uuid>``)
KG_INSTANCE_NS: Final = "https://kg.ebrains.eu/api/instances/"
#: the KG's bookkeeping properties (``…/vocab/meta/revision``, ``…/space``, …)
KG_META_PREFIX: Final = "https://core.kg.ebrains.eu/vocab/meta/"
#: every prefix of KG bookkeeping fields (the old HBP schema namespace included)
KG_META_PREFIXES: Final = (KG_META_PREFIX, "https://schema.hbp.eu/")
