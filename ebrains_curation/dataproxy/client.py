"""Client for the EBRAINS Data Proxy (collab buckets): list, upload, multipart upload, download, delete.

::

    from ebrains_curation.dataproxy import DataProxyClient

    dp = DataProxyClient(token_provider=default_provider())   # https://data-proxy.ebrains.eu/api
    for obj in dp.list("my-collab", prefix="raw/"):
        print(obj.name, obj.bytes, obj.md5)
    dp.upload("my-collab", "raw/sub-01.nii.gz", "/data/raw/sub-01.nii.gz")

Object names are percent-encoded in the path (``#``, ``?``, ``%``, spaces,
non-ASCII), keeping ``/``. Temporary URLs are used without the Authorization
header and never appear with their signature in an error. API calls are retried
by the session's policy (idempotent routes only); the upload of the bytes
themselves is not retried blindly: after a lost answer the listing is checked
first, so an object is never uploaded twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import quote, urlsplit

import requests

from ..errors import ConfigurationError, DataProxyError
from ..net.auth import TokenManager, TokenProvider
from ..net.http import BearerToken, make_session
from ..net.retry import RetryPolicy
from ..net.urls import parse_service_url

__all__ = ["DEFAULT_URL", "DataProxyClient", "RemoteObject"]

#: the production Data Proxy API root
DEFAULT_URL = "https://data-proxy.ebrains.eu/api"
_MD5 = re.compile(r"[0-9a-f]{32}")
_URL_SAFE = re.compile(r"[A-Za-z0-9/._~-]*")  # needs no percent-encoding

ProgressCallback = Callable[[int], None]


class RemoteObject(NamedTuple):
    """One object of a bucket listing."""

    name: str
    bytes: int
    hash: str
    content_type: str
    last_modified: str

    @property
    def md5(self) -> str | None:
        """The content MD5 when the listing's hash is one (not for multipart or segmented objects)."""
        h = self.hash
        return h if h and len(h) == 32 and _MD5.fullmatch(h) else None

    @classmethod
    def from_listing(cls, entry: dict[str, Any]) -> RemoteObject:
        """From one entry of a listing page."""
        try:  # the common case, fast: every field present with its documented type
            name, size, h, ct, lm = (
                entry["name"],
                entry["bytes"],
                entry["hash"],
                entry["content_type"],
                entry["last_modified"],
            )
            if (
                type(name) is str
                and type(size) is int
                and type(h) is str
                and type(ct) is str
                and type(lm) is str
            ):
                return cls(name, size, h if h.islower() else h.lower(), ct, lm)
        except KeyError:
            pass
        return cls(
            str(entry["name"]),
            int(entry.get("bytes") or 0),
            str(entry.get("hash") or "").lower(),
            str(entry.get("content_type") or ""),
            str(entry.get("last_modified") or ""),
        )


def _redact(url: str) -> str:
    """A URL without its query string (temporary URLs carry their signature there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class _HideSignatures(logging.Filter):
    """Drops the query string (the signature) of temporary URLs from urllib3's debug lines."""

    _SIGNED = re.compile(r"\?[^\s\"']*Signature=[^\s\"']*")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and any("Signature=" in str(a) for a in record.args):
            record.args = tuple(self._SIGNED.sub("?…", a) if isinstance(a, str) else a for a in record.args)
        return True


_FILTER = _HideSignatures()


def _hide_signatures_in_logs() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def _check_base(url: str) -> str:
    return str(parse_service_url(url, what="Data Proxy", default_path="/api")).rstrip("/")


def md5_of(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """The MD5 of a file (hex)."""
    h = hashlib.md5()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class DataProxyClient:
    """Client for one Data Proxy (``url`` is the API root, e.g. ``https://data-proxy.ebrains.eu/api``).

    Give a ``token``, a ``token_provider`` (asked again after a 401: an expired token
    is renewed mid-run), or neither for anonymous access to public buckets.
    ``page_size`` is the listing ``limit`` (the service's maximum is not documented;
    EBRAINS-MATLAB uses 10,000, the default here).
    ``multipart_threshold`` and ``chunk_size`` (bytes) choose multipart uploads,
    ``part_workers`` uploads that many parts at once. ``retry`` is the package's one
    retry policy (default: 8 attempts, ``backoff`` s doubling, at most 8 s between tries);
    its attempts also bound the re-sending of bytes whose answer was lost.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        token: str | None = None,
        token_provider: TokenProvider | None = None,
        timeout: float | tuple[float, float] = (10.0, 300.0),
        retry: RetryPolicy | None = None,
        backoff: float = 0.5,
        pool_size: int = 32,
        page_size: int = 10_000,
        multipart_threshold: int = 1 << 30,
        chunk_size: int = 64 << 20,
        part_workers: int = 4,
        state_dir: str | os.PathLike[str] | None = None,
    ):
        if token is not None and token_provider is not None:
            raise ConfigurationError("give either token= or token_provider=, not both")
        if chunk_size < 5 << 20:
            raise ConfigurationError("the multipart chunk size must be at least 5 MiB (a Data Proxy limit)")
        self.url = _check_base(url)
        _hide_signatures_in_logs()
        self.timeout = timeout if isinstance(timeout, tuple) else (float(timeout), float(timeout))
        self._auth = TokenManager(token, token_provider)
        self.page_size = page_size
        self.multipart_threshold = max(multipart_threshold, chunk_size + 1)
        self.chunk_size = chunk_size
        self.part_workers = part_workers
        self.retry = retry or RetryPolicy(attempts=8, backoff=backoff)
        self.attempts = self.retry.attempts
        self.backoff = self.retry.backoff
        self.state_dir = Path(state_dir) if state_dir else _default_state_dir()
        # API calls are all idempotent (GET, PUT of a URL request, DELETE): retried by the policy;
        # the bytes only when the connection could not be opened (see _single for the rest)
        agent = "ebrains-curation"
        self._api = make_session(self.retry, idempotent=True, pool_size=pool_size, user_agent=agent)
        self._data = make_session(self.retry, idempotent=False, pool_size=pool_size, user_agent=agent)

    def __repr__(self) -> str:
        return f"<DataProxyClient {self.url} auth={self._auth!r}>"

    def close(self) -> None:
        """Close the pooled connections."""
        self._api.close()
        self._data.close()

    def __enter__(self) -> DataProxyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- addresses --------------------------------------------------------------------------------
    def bucket_iri(self, bucket: str) -> str:
        """The FileRepository IRI of a bucket: ``{url}/v1/buckets/<bucket>``."""
        return f"{self.url}/v1/buckets/{quote(bucket, safe='')}"

    def object_url(self, bucket: str, name: str) -> str:
        """The API URL (and File IRI) of an object; the name is percent-encoded, "/" kept."""
        path = name if _URL_SAFE.fullmatch(name) else quote(name, safe="/")
        return f"{self.bucket_iri(bucket)}/{path}"

    # -- the API ----------------------------------------------------------------------------------
    def _bearer(self) -> BearerToken | None:
        """The current token inside a :class:`BearerToken` (redacted repr), never a frame local."""
        return BearerToken(t) if (t := self._auth.get()) else None

    def _call(self, method: str, url: str, *, what: str, **kwargs: Any) -> Any:
        """One API call with the bearer token (renewed once on a 401); the JSON answer."""
        for attempt in (1, 2):
            bearer = self._bearer()
            try:
                resp = self._api.request(method, url, auth=bearer, timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                raise DataProxyError(
                    f"Cannot reach the Data Proxy to {what} ({type(exc).__name__})",
                    method=method,
                    url=_redact(url),
                ) from None
            if resp.status_code == 401 and attempt == 1 and bearer and self._auth.refresh(bearer.token):
                continue
            if resp.status_code >= 300:
                raise _error(resp, method, url, what)
            try:
                return resp.json()
            except ValueError:
                return None
        raise AssertionError("unreachable")

    def stat(self, bucket: str) -> dict[str, Any]:
        """The bucket's stat (objects_count, bytes, role, is_public…)."""
        return dict(self._call("GET", f"{self.bucket_iri(bucket)}/stat", what=f"read bucket {bucket!r}"))

    def list(self, bucket: str, prefix: str = "", *, page_size: int | None = None) -> Iterator[RemoteObject]:
        """Every object whose name starts with ``prefix``, by name, page by page (marker = last name).

        The next page is fetched while the caller works on this one. Stops at the
        first empty page, as the Data Proxy's clients do.
        """
        url = self.bucket_iri(bucket)
        limit = str(page_size or self.page_size)

        def fetch(marker: str) -> list[dict[str, Any]]:
            params = {"limit": limit, "prefix": prefix}
            if marker:
                params["marker"] = marker
            page = self._call("GET", url, params=params, what=f"list bucket {bucket!r}") or {}
            return [e for e in page.get("objects", []) if "name" in e]

        last = ""
        with ThreadPoolExecutor(1, thread_name_prefix="dp-list") as pool:
            entries = fetch("")
            while entries:
                ahead = pool.submit(fetch, entries[-1]["name"])
                make = RemoteObject.from_listing
                for e in entries:
                    obj = make(e)
                    if obj.name <= last and last:
                        ahead.cancel()
                        raise DataProxyError(
                            f"The listing of bucket {bucket!r} went backwards at {obj.name!r}; paging is unreliable"
                        )
                    last = obj.name
                    yield obj
                entries = ahead.result()

    def find(self, bucket: str, name: str) -> RemoteObject | None:
        """The listing entry of one object, or None (there is no per-object stat in the API)."""
        for obj in self.list(bucket, prefix=name, page_size=10):
            if obj.name == name:
                return obj
            if obj.name > name:
                break
        return None

    # -- upload -----------------------------------------------------------------------------------
    def upload(
        self,
        bucket: str,
        name: str,
        source: str | os.PathLike[str] | bytes,
        *,
        md5: str | None = None,
        content_type: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> str:
        """Upload a file (path) or bytes as ``name``; returns the object's MD5 (or multipart hash).

        Files above ``multipart_threshold`` go in parts, resumable after an interruption.
        ``md5`` (known from an inventory) saves a read when a lost answer must be checked.
        """
        if isinstance(source, bytes):
            size = len(source)
        else:
            size = os.stat(source).st_size
            if size > self.multipart_threshold:
                return self.multipart_upload(bucket, name, source, progress=progress)
            if size <= 8 << 20:  # small files: one read, and a body that can be resent as is
                with open(source, "rb") as fh:
                    source = fh.read()
        if md5 is None and isinstance(source, bytes):
            md5 = hashlib.md5(source).hexdigest()
        return self._single(bucket, name, source, size, md5, content_type, progress)

    def _single(
        self,
        bucket: str,
        name: str,
        source: str | os.PathLike[str] | bytes,
        size: int,
        md5: str | None,
        content_type: str | None,
        progress: ProgressCallback | None,
    ) -> str:
        what = f"upload {name!r} to bucket {bucket!r}"
        for attempt in range(1, self.attempts + 1):
            url = self._call("PUT", self.object_url(bucket, name), what=what)["url"]
            try:
                self._put_bytes(url, source, size, content_type)
                if progress:
                    progress(size)
                return md5 or ""
            except _Lost as lost:
                # the answer was lost: maybe the object arrived; look before sending it again
                if md5 is None and not isinstance(source, bytes):
                    md5 = md5_of(source)
                found = self.find(bucket, name)
                if found is not None and found.bytes == size and found.md5 == md5:
                    if progress:
                        progress(size)
                    return md5 or ""
                if attempt == self.attempts:
                    raise DataProxyError(
                        f"Could not {what}: {lost}", method="PUT", url=_redact(url)
                    ) from None
                time.sleep(min(self.backoff * 2 ** (attempt - 1), self.retry.backoff_max))
        raise AssertionError("unreachable")

    def _put_bytes(
        self, url: str, source: str | os.PathLike[str] | bytes, size: int, content_type: str | None
    ) -> requests.Response:
        """PUT the bytes to a temporary URL (no Authorization); raises _Lost when the outcome is unknown."""
        headers = {"Content-Length": str(size)}
        if content_type:
            headers["Content-Type"] = content_type
        fh: IO[bytes] | None = None
        try:
            body: Any = source if isinstance(source, bytes) else (fh := open(source, "rb"))  # noqa: SIM115
            resp = self._data.put(url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise _Lost(type(exc).__name__) from None
        finally:
            if fh is not None:
                fh.close()
        if resp.status_code >= 500:
            raise _Lost(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise _error(resp, "PUT", url, "upload to the temporary URL", temporary=True)
        return resp

    def multipart_upload(
        self,
        bucket: str,
        name: str,
        path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
    ) -> str:
        """Upload a large file in parts; an interrupted upload resumes where it stopped (see :mod:`.multipart`)."""
        from .multipart import MultipartUpload

        return MultipartUpload(self, bucket, name, Path(path), progress).run()

    # -- download and delete ----------------------------------------------------------------------
    def download(
        self, bucket: str, name: str, dest: str | os.PathLike[str], *, expected_md5: str | None = None
    ) -> str:
        """Download an object to ``dest`` and check its MD5 (given, or the listing's); returns the MD5."""
        if expected_md5 is None:
            found = self.find(bucket, name)
            if found is None:
                raise DataProxyError(f"Bucket {bucket!r} has no object {name!r}", status=404)
            expected_md5 = found.md5
        url = self._call(
            "GET", self.object_url(bucket, name), params={"redirect": "false"}, what=f"download {name!r}"
        )["url"]
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        h = hashlib.md5()
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    resp = self._data.get(url, stream=True, timeout=self.timeout)
                    if resp.status_code >= 300:
                        raise _error(resp, "GET", url, f"download {name!r}", temporary=True)
                    for chunk in resp.iter_content(1 << 20):
                        h.update(chunk)
                        out.write(chunk)
                except requests.RequestException as exc:
                    raise DataProxyError(
                        f"Download of {name!r} failed ({type(exc).__name__})", url=_redact(url)
                    ) from None
            if expected_md5 and h.hexdigest() != expected_md5:
                raise DataProxyError(
                    f"Downloaded {name!r} does not match its MD5 ({h.hexdigest()} instead of {expected_md5}); "
                    "nothing was written"
                )
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return h.hexdigest()

    def delete(
        self, bucket: str, name: str, *, expected_md5: str | None = None, recursive: bool = False
    ) -> int:
        """Delete one object (guarded): it must exist and, when ``expected_md5`` is given, still match it.

        A name ending in "/" deletes a whole folder and needs ``recursive=True``. Returns the number removed.
        """
        if name.endswith("/") and not recursive:
            raise ConfigurationError(
                f"{name!r} is a folder: pass recursive=True to delete everything under it"
            )
        if not name.endswith("/"):
            found = self.find(bucket, name)
            if found is None:
                raise DataProxyError(f"Bucket {bucket!r} has no object {name!r}", status=404)
            if expected_md5 is not None and found.md5 != expected_md5:
                raise DataProxyError(f"Not deleting {name!r}: it changed in the bucket since it was planned")
        try:
            answer = self._call("DELETE", self.object_url(bucket, name), what=f"delete {name!r}") or {}
        except DataProxyError as exc:
            if exc.status == 404 and not name.endswith("/"):
                return 1  # a retried DELETE whose first answer was lost: it is gone
            raise
        return int(answer.get("number_of_removals", 1))


class _Lost(Exception):
    """A data transfer whose outcome is unknown (connection dropped, 5xx)."""


def _error(
    resp: requests.Response, method: str, url: str, what: str, temporary: bool = False
) -> DataProxyError:
    try:
        detail = resp.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    text = f": {detail}" if isinstance(detail, str) and detail else ""
    hint = ""
    if temporary:
        hint = " The temporary URL was refused (expired or invalid); run the command again for a fresh one."
    elif resp.status_code == 401:
        hint = " Check that you are logged in ('ebrains-curation login') and that the bucket name is right."
    elif resp.status_code == 403:
        hint = " Your role in the collab does not allow this (editors and administrators can upload)."
    return DataProxyError(
        f"The Data Proxy refused to {what} (HTTP {resp.status_code}{text}).{hint}",
        status=resp.status_code,
        method=method,
        url=_redact(url),
    )


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ebrains-curation" / "multipart"
