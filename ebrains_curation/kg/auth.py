"""Token providers for the KG client: they live in :mod:`ebrains_curation.net.auth` (shared with the
Data Proxy client); this module keeps the old import path working with the same names."""

from __future__ import annotations

from ..net.auth import (
    IAM_TOKEN_ENDPOINT,
    ClientCredentials,
    TokenManager,
    TokenProvider,
    UserLogin,
    default_provider,
    env_token,
    file_token,
)

__all__ = [
    "IAM_TOKEN_ENDPOINT",
    "ClientCredentials",
    "TokenManager",
    "TokenProvider",
    "UserLogin",
    "default_provider",
    "env_token",
    "file_token",
]
