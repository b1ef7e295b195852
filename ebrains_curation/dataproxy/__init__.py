"""The EBRAINS Data Proxy (collab buckets): a client, bucket descriptions as openMINDS, and a local sandbox.

A sibling of :mod:`ebrains_curation.kg`: it may import ``net``, ``graph`` and
``schemas``, never ``kg`` or ``inventory``.
"""

from __future__ import annotations

from .client import DEFAULT_URL, DataProxyClient, RemoteObject

__all__ = ["DEFAULT_URL", "DataProxyClient", "RemoteObject"]
