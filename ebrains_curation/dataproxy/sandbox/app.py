"""The Data Proxy sandbox as a WSGI app: the ``/api/v1/buckets`` routes and the temporary URLs.

What it implements (data-proxy-api.md §10): bucket list/create/stat, object
listing with ``prefix``/``delimiter``/``marker``/``limit`` (marker exclusive, names
in code-point order, an empty page after the end), temporary upload and download
URLs (HMAC-signed, expiring, used without Authorization), multipart upload
(``uploadId``, presigned part URLs answering with a quoted ``ETag``, completion with
``{"n": etag}``; the object is kept as its segments behind a manifest, as Swift does),
object delete. Request bodies are streamed to disk, never held
in memory. Object names are percent-decoded from the path, as the Data Proxy does.

Simplified or assumed (UNCERTAIN upstream; see the README): a missing bucket gives
404 (the real service may say 401); a multipart object's hash is
``md5(concatenated part md5s)-<parts>`` (S3 style); the maximum ``limit`` is
``max_limit`` (default 10,000).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from .store import ObjectStore

__all__ = ["Bucket", "DataProxyApp"]

Response = tuple[int, list[tuple[str, str]], Any]  # body: bytes or an iterator of bytes
_ROLES = ("viewer", "editor", "administrator")


@dataclass
class Bucket:
    """A bucket: public or not, and who may do what (user → viewer/editor/administrator; "*": anyone logged in)."""

    name: str
    is_public: bool = False
    members: dict[str, str] = field(default_factory=lambda: {"*": "administrator"})

    def role(self, user: str | None) -> str | None:
        if user is None:
            return "viewer" if self.is_public else None
        return self.members.get(user) or self.members.get("*") or ("viewer" if self.is_public else None)


def _json(status: int, body: Any) -> Response:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


def _detail(status: int, text: str) -> Response:
    return _json(status, {"detail": text})


class DataProxyApp:
    """The Data Proxy imitation. ``verify`` turns a bearer token into a user name (None: invalid).

    ``url_ttl`` is the life of temporary URLs in seconds; ``auto_create`` creates a
    bucket on first use by a logged-in user (as a collab's bucket that exists).
    """

    def __init__(
        self,
        verify: Callable[[str], str | None],
        store: ObjectStore | None = None,
        *,
        url_ttl: float = 300.0,
        max_limit: int = 10_000,
        auto_create: bool = True,
    ):
        self.verify = verify
        self.store = store or ObjectStore()
        self.url_ttl = url_ttl
        self.max_limit = max_limit
        self.auto_create = auto_create
        self.buckets: dict[str, Bucket] = {}
        self._uploads: dict[str, tuple[str, str]] = {}  # uploadId -> (bucket, name)
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()

    def add_bucket(
        self, name: str, *, is_public: bool = False, members: dict[str, str] | None = None
    ) -> Bucket:
        """Create (or replace) a bucket."""
        bucket = Bucket(name, is_public, dict(members) if members is not None else {"*": "administrator"})
        self.buckets[name] = bucket
        return bucket

    # -- signed temporary URLs ----------------------------------------------------------------------
    def _sign(self, *fields: str) -> str:
        return hmac.new(self._key, "\n".join(fields).encode(), hashlib.sha256).hexdigest()

    def _temp_url(self, base: str, op: str, bucket: str, name: str, extra: str = "") -> str:
        exp = str(int(time.time() + self.url_ttl))
        sig = self._sign(op, bucket, name, extra, exp)
        query = urlencode({"op": op, "extra": extra, "expires": exp, "X-Amz-Signature": sig})
        return f"{base}/store/{quote(bucket, safe='')}/{quote(name, safe='/')}?{query}"

    # -- routing ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        status, headers, body = self.handle(environ)
        if isinstance(body, bytes):
            headers = [*headers, ("Content-Length", str(len(body)))]
            body = iter([body])
        start_response(f"{status} X", headers)
        return body

    def handle(self, environ: dict[str, Any]) -> Response:
        """Answer one request."""
        method = environ["REQUEST_METHOD"]
        raw = environ.get("RAW_PATH") or quote(environ.get("PATH_INFO", ""))
        params = {
            k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()
        }
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        base = f"http://{host}"
        if raw.startswith("/store/"):
            return self._store_route(method, raw, params, environ)
        if not raw.startswith("/api/v1/buckets"):
            return _detail(404, "Not Found")
        auth = environ.get("HTTP_AUTHORIZATION", "")
        user = None
        if auth:
            user = self.verify(auth[7:]) if auth.startswith("Bearer ") else None
            if user is None:
                return _detail(401, "Invalid or expired token")
        segments = raw[len("/api/v1/buckets") :].split("/")[1:]
        return self._api(method, [unquote(s) for s in segments], segments, params, user, base, environ)

    def _bucket(self, name: str, user: str | None, need: str) -> Bucket | Response:
        bucket = self.buckets.get(name)
        if bucket is None and self.auto_create and user is not None:
            bucket = self.add_bucket(name)
        if bucket is None:
            return _detail(404, f"Bucket {name} not found")
        role = bucket.role(user)
        if role is None:
            return _detail(401 if user is None else 403, f"You have no access to bucket {name}")
        if _ROLES.index(role) < _ROLES.index(need):
            return _detail(403, f"Your role in bucket {name} is {role}; this needs {need}")
        return bucket

    def _api(
        self,
        method: str,
        seg: list[str],
        raw: list[str],
        params: dict[str, str],
        user: str | None,
        base: str,
        environ: dict[str, Any],
    ) -> Response:
        if not seg or seg == [""]:
            if method == "GET":
                return _json(
                    200,
                    [
                        {"name": b.name, "role": b.role(user), "is_public": b.is_public}
                        for b in self.buckets.values()
                        if b.role(user)
                    ],
                )
            if method == "POST" and user is not None:
                try:
                    name = json.loads(_read_all(environ) or b"{}")["bucket_name"]
                except (ValueError, TypeError, KeyError, UnicodeDecodeError):
                    name = None
                if not isinstance(name, str) or not name or "/" in name:
                    return _json(
                        422,
                        {
                            "detail": [
                                {
                                    "loc": ["body", "bucket_name"],
                                    "msg": "field required",
                                    "type": "value_error.missing",
                                }
                            ]
                        },
                    )
                self.add_bucket(name, members={user: "administrator"})
                return _json(201, {"name": name})
            return _detail(401 if user is None else 405, "Method Not Allowed")
        need = "viewer" if method == "GET" else "editor"
        found = self._bucket(seg[0], user, need)
        if not isinstance(found, Bucket):
            return found
        bucket = found
        rest = seg[1:]
        if not rest or rest == [""]:
            if method == "GET":
                return self._listing(bucket, params)
            return _detail(405, "Method Not Allowed")
        if rest == ["stat"] and method == "GET":
            n, size, last = self.store.stats(bucket.name)
            return _json(
                200,
                {
                    "name": bucket.name,
                    "objects_count": n,
                    "bytes": size,
                    "last_modified": last,
                    "is_public": bucket.is_public,
                    "role": bucket.role(user),
                    "is_initialized": True,
                },
            )
        return self._object(method, bucket, rest, raw[1:], params, base, environ)

    def _listing(self, bucket: Bucket, params: dict[str, str]) -> Response:
        try:
            limit = int(params.get("limit") or 50)
        except ValueError:
            return _json(
                422,
                {
                    "detail": [
                        {
                            "loc": ["query", "limit"],
                            "msg": "value is not a valid integer",
                            "type": "type_error.integer",
                        }
                    ]
                },
            )
        limit = max(1, min(limit, self.max_limit))
        prefix, marker, delim = (
            params.get("prefix", ""),
            params.get("marker", ""),
            params.get("delimiter", ""),
        )
        objects: list[dict[str, Any]] = []
        if not delim:
            objects = self.store.listing(bucket.name, prefix, marker, limit)
        else:
            seen: set[str] = set()
            while len(objects) < limit:
                page = self.store.page(bucket.name, prefix, marker, limit)
                if not page:
                    break
                for o in page:
                    marker = o.name
                    cut = o.name.find(delim, len(prefix))
                    if cut < 0:
                        objects.append(o.as_listing())
                    else:
                        sub = o.name[: cut + len(delim)]
                        if sub not in seen:
                            seen.add(sub)
                            objects.append({"subdir": sub})
                    if len(objects) >= limit:
                        break
        return _json(
            200,
            {
                "objects": objects,
                "container": bucket.name,
                "prefix": prefix or None,
                "delimiter": delim or None,
                "marker": params.get("marker") or None,
                "limit": limit,
            },
        )

    def _object(
        self,
        method: str,
        bucket: Bucket,
        rest: list[str],
        raw: list[str],
        params: dict[str, str],
        base: str,
        environ: dict[str, Any],
    ) -> Response:
        redirect = params.get("redirect", "true").lower() not in ("false", "0")
        # multipart routes, recognised on the raw (still encoded) segments
        if method == "PUT" and len(raw) >= 2 and raw[-1] == "multipart":
            upload_id = secrets.token_hex(12)
            with self._lock:
                self._uploads[upload_id] = (bucket.name, "/".join(rest[:-1]))
            return _json(200, {"uploadId": upload_id})
        if method == "PUT" and len(raw) >= 4 and raw[-3] == "multipart" and raw[-1].isdigit():
            name = "/".join(rest[:-3])
            if self._uploads.get(raw[-2]) != (bucket.name, name):
                return _detail(404, "No such upload")
            return _json(
                200, {"url": self._temp_url(base, "part", bucket.name, name, f"{raw[-2]}/{raw[-1]}")}
            )
        if method == "PUT" and len(raw) >= 3 and raw[-2] == "multipart":
            return self._complete(bucket, "/".join(rest[:-2]), raw[-1], environ)
        name = "/".join(rest)
        if method == "PUT":
            return _json(200, {"url": self._temp_url(base, "put", bucket.name, name)})
        if method == "GET":
            if self.store.get(bucket.name, name) is None:
                return _detail(404, f"Object {name} not found")
            if redirect and environ.get("HTTP_AUTHORIZATION"):
                return _detail(400, "redirect=true is not allowed with an Authorization header")
            url = self._temp_url(base, "get", bucket.name, name)
            if redirect:
                return 307, [("Location", url)], b""
            return _json(200, {"url": url})
        if method == "DELETE":
            n = self.store.delete(bucket.name, name, folder=name.endswith("/"))
            if not n:
                return _detail(404, f"Object {name} not found")
            return _json(200, {"failures": [], "number_of_removals": n})
        return _detail(405, "Method Not Allowed")

    def _complete(self, bucket: Bucket, name: str, upload_id: str, environ: dict[str, Any]) -> Response:
        with self._lock:
            target = self._uploads.get(upload_id)
        if target != (bucket.name, name):
            # a completion retried after its answer was lost: the object is there already
            if target is None and self.store.get(bucket.name, name) is not None:
                return _json(200, {"status": "completed"})
            return _detail(404, "No such upload")
        try:
            etags = json.loads(_read_all(environ) or b"{}")
            order = sorted(etags, key=int)
        except (ValueError, TypeError):
            return _detail(400, "The body must map part numbers to ETags")
        folder = self.store.root / "parts" / upload_id
        parts = [folder / str(n) for n in order]
        md5s = b""
        for n, p in zip(order, parts, strict=True):
            sidecar = p.with_name(f"{p.name}.md5")
            if not p.exists() or not sidecar.exists() or sidecar.read_text() != str(etags[n]).strip('"'):
                return _detail(400, f"Part {n} is missing or its ETag does not match")
            md5s += bytes.fromhex(str(etags[n]).strip('"'))
        digest = f"{hashlib.md5(md5s).hexdigest()}-{len(parts)}"
        self.store.commit_segments(bucket.name, name, parts, digest)
        shutil.rmtree(folder, ignore_errors=True)
        with self._lock:
            self._uploads.pop(upload_id, None)
        return _json(200, {"status": "completed"})

    # -- temporary URLs ----------------------------------------------------------------------------
    def _store_route(
        self, method: str, raw: str, params: dict[str, str], environ: dict[str, Any]
    ) -> Response:
        bucket_raw, _, name_raw = raw[len("/store/") :].partition("/")
        bucket, name = unquote(bucket_raw), unquote(name_raw)
        op, extra, exp = params.get("op", ""), params.get("extra", ""), params.get("expires", "0")
        sig = params.get("X-Amz-Signature", "")
        if not hmac.compare_digest(sig, self._sign(op, bucket, name, extra, exp)):
            return _detail(403, "SignatureDoesNotMatch")
        if float(exp) < time.time():
            return _detail(403, "Request has expired")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if method == "PUT" and op == "put":
            tmp, digest, got = self.store.receive(environ["wsgi.input"], length)
            if got != length:
                tmp.unlink()
                return _detail(400, "Incomplete body")
            self.store.commit(bucket, name, tmp, digest, got, environ.get("CONTENT_TYPE") or "")
            return 201, [("ETag", f'"{digest}"')], b""
        if method == "PUT" and op == "part":
            upload_id, _, n = extra.partition("/")
            folder = self.store.root / "parts" / upload_id
            tmp, digest, got = self.store.receive(environ["wsgi.input"], length, folder)
            if got != length:
                tmp.unlink()
                return _detail(400, "Incomplete body")
            tmp.replace(folder / n)
            (folder / f"{n}.md5").write_text(digest)
            return 200, [("ETag", f'"{digest}"')], b""
        if method == "GET" and op == "get":
            obj = self.store.get(bucket, name)
            if obj is None:
                return _detail(404, "NoSuchKey")
            fh = self.store.open(bucket, name)
            headers = [
                ("Content-Type", obj.content_type),
                ("Content-Length", str(obj.bytes)),
                ("ETag", f'"{obj.hash}"'),
            ]
            return 200, headers, _stream(fh)
        return _detail(405, "Method Not Allowed")


def _read_all(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _stream(fh: Any) -> Iterator[bytes]:
    with fh:
        while chunk := fh.read(1 << 20):
            yield chunk
