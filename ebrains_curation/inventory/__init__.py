"""File inventory: describe a data folder as openMINDS FileRepository / File metadata.

:func:`inventory` walks a folder safely, hashes every file (streaming, in
parallel, several algorithms in one read, optionally incremental with a cache)
and returns an :class:`InventoryResult` whose ``graph`` joins the dataset's
metadata graph. See :mod:`ebrains_curation.inventory.api`.
"""

import sys
import types
from typing import Any

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


class _CallableModule(types.ModuleType):
    """``ebrains_curation.inventory`` is both this package and the function: make the package callable.

    Once this package is imported, the attribute ``ebrains_curation.inventory``
    may be the package rather than the function, depending on import order;
    calling it then still runs :func:`inventory`.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> InventoryResult:
        return inventory(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
