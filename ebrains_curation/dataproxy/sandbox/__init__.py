"""A local Data Proxy + IAM for tests and the demo (see :class:`DataProxySandbox`)."""

from __future__ import annotations

from .app import Bucket, DataProxyApp
from .server import DataProxySandbox, Faults
from .store import ObjectStore

__all__ = ["Bucket", "DataProxyApp", "DataProxySandbox", "Faults", "ObjectStore"]
