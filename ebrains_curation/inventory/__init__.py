"""File inventory: describe a data folder as openMINDS FileRepository / File metadata.

:func:`inventory` walks a folder safely, hashes every file (streaming, in
parallel, several algorithms in one read, optionally incremental with a cache)
and returns an :class:`InventoryResult` whose ``graph`` joins the dataset's
metadata graph. See :mod:`ebrains_curation.inventory.api`.
"""

from .._lazy import submodules_on_function
from .api import DEFAULT_ROLES, InventoryResult, InventoryStats, inventory
from .cache import InventoryCache
from .hashing import ALGORITHMS
from .hints import Hint, HintLimits
from .scan import Problem

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ROLES",
    "Hint",
    "HintLimits",
    "InventoryCache",
    "InventoryResult",
    "InventoryStats",
    "Problem",
    "inventory",
]


# ``ebrains_curation.inventory`` is the function (see ebrains_curation/__init__.py); it carries this
# package's submodules so that ``import ebrains_curation.inventory.<module> as m`` keeps working.
submodules_on_function(__name__, inventory)
