"""An offline pyld document loader: shipped openMINDS contexts only, never the network.

Pass it to every pyld call (never installed globally)::

    from pyld import jsonld
    jsonld.expand(doc, {"documentLoader": offline_loader})

or use :func:`pyld_options`. The shipped contexts are served under the URLs in
:data:`ebrains_curation.graph.context.CONTEXT_URLS` (for example
``https://openminds.om-i.org/contexts/v4.jsonld``). Any other remote context
raises a :class:`~ebrains_curation.errors.LoadError` instead of a network call.
"""

from __future__ import annotations

from typing import Any

from ..errors import LoadError
from .context import context_for, version_for_context_url

__all__ = ["offline_loader", "pyld_options"]


def offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader serving the shipped contexts; anything else is a :class:`LoadError`."""
    version = version_for_context_url(str(url).split("#", 1)[0])
    if version is None:
        raise LoadError(
            f"the document refers to the remote JSON-LD context {url!r}, which is not one of the shipped "
            "openMINDS contexts; ebrains-curation never fetches contexts over the network. "
            "Replace it by an inline context or one of: https://openminds.om-i.org/contexts/v3.jsonld, "
            "…/v4.jsonld, …/v5.jsonld"
        )
    return {"contextUrl": None, "documentUrl": url, "document": context_for(version)}


def pyld_options(**extra: Any) -> dict[str, Any]:
    """Options for a pyld call with the offline loader installed (plus any ``extra`` options)."""
    return {"documentLoader": offline_loader, **extra}
