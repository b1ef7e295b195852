"""HTTP sessions of the Data Proxy client.

The retry policy is the KG client's (exponential backoff with jitter on connection
errors and 502/503/504, idempotent methods only). TODO(net/http): build these from
``ebrains_curation.net.http`` once it lands on main, so the two clients share one policy.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = ["make_session", "transfer_session"]

_RETRY_STATUS = frozenset({502, 503, 504})


def _session(retry: Retry, pool_size: int) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no netrc credentials or proxies picked up behind the user's back
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = "ebrains-curation"
    return session


def make_session(retries: int, backoff: float, pool_size: int) -> requests.Session:
    """For API calls: idempotent methods are retried on connection errors and 502/503/504."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}),
        status_forcelist=_RETRY_STATUS,
        backoff_factor=backoff,
        backoff_max=30.0,
        backoff_jitter=backoff,
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=True,
    )
    return _session(retry, pool_size)


def transfer_session(retries: int, backoff: float, pool_size: int) -> requests.Session:
    """For the bytes themselves: only failures to connect are retried here (nothing was sent).

    When the connection drops after the body went out, the caller checks the bucket
    before sending again, so that an object is never uploaded twice.
    """
    retry = Retry(
        total=retries,
        connect=retries,
        read=0,
        status=0,
        other=0,
        backoff_factor=backoff,
        backoff_max=30.0,
        backoff_jitter=backoff,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    return _session(retry, pool_size)
