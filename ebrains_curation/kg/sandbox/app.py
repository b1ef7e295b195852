"""The sandbox's WSGI application: the KG core API v3 instance endpoints, served from SQLite.

It answers under both ``/v3/`` and ``/v3-beta/`` with the KG's envelopes and status
codes (see ``kg-core-api.md``): 200 on create, empty-body 401 and 404, the 409
envelope, Spring's JSON 400 for a missing parameter and plain-text 400 for an
invalid payload.

Simplifications (on purpose):

* one contribution per instance: PUT replaces the whole document and PATCH merges into it
  (the KG keeps one contribution per user and infers the instance from all of them);
* links are stored as sent (the KG resolves ``{"@id": …}`` to KG ids lazily; clients
  that want KG ids, like :func:`ebrains_curation.kg.submit`, send KG ids);
* ``searchByLabel`` matches a label made of the first of fullName, name, lookupLabel,
  shortName, givenName + familyName…;
* a payload that fails validation is expanded and compacted with an empty context (pyld),
  as the KG does, so ``@context`` payloads and fully expanded ones are accepted; remote
  contexts are refused (the sandbox works offline);
* no suggestions or review invitations; queries, links, scope and move are in :mod:`.query_routes`.
"""

from __future__ import annotations

import re
import uuid as _uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from .documents import (
    IDENTIFIER,
    KG_NAMESPACE,
    META,
    RESET_VALUE,
    PayloadError,
    identifiers_of,
    label_of,
    new_revision,
    normalize_doc,
    now_iso,
    strip_embedded,
)
from .protocol import (
    NOT_FOUND,
    UNAUTHORIZED,
    HTTPError,
    Request,
    Response,
    conflict,
    empty_response,
    envelope,
    json_response,
    paginated,
    reason,
    spring_400,
    text_response,
)
from .store import STAGES, Record, Store
from .users import CONTROLLED_SPACE, UserDirectory

__all__ = ["KG_NAMESPACE", "META", "OPENID_CONFIGURATION", "SandboxApp", "label_of", "normalize_doc"]

OPENID_CONFIGURATION = "https://iam.ebrains.eu/auth/realms/hbp/.well-known/openid-configuration"
_IAM = "https://iam.ebrains.eu/auth/realms/hbp/protocol/openid-connect/"
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SCOPES = {"TOP_INSTANCE_ONLY", "CHILDREN_ONLY", "CHILDREN_ONLY_RESTRICTED"}


# -- the application -------------------------------------------------------------------------------


class SandboxApp:
    """A WSGI application that behaves like the KG core API v3 (see the module docstring).

    ``store`` holds the data, ``users`` the bearer tokens; ``openid_configuration``
    is what ``/setup/authentication`` announces.
    """

    def __init__(
        self,
        store: Store,
        users: UserDirectory,
        *,
        openid_configuration: str = OPENID_CONFIGURATION,
        terms_of_use_version: str = "sandbox-1",
    ):
        self.store = store
        self.users = users
        self.openid_configuration = openid_configuration
        self.terms_of_use_version = terms_of_use_version
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response], bool]] = []
        u = r"(?P<uid>[^/]+)"
        routes: list[tuple[str, str, Callable[..., Response], bool]] = [
            ("GET", r"setup/authentication", self.setup_authentication, False),
            ("GET", r"users/authorization", self.auth_endpoint, False),
            ("GET", r"users/authorization/config", self.auth_config, False),
            ("GET", r"users/authorization/tokenEndpoint", self.auth_token_endpoint, False),
            ("GET", r"users/termsOfUse", self.terms_of_use, False),
            ("POST", r"users/termsOfUse/(?P<version>[^/]+)/accept", self.accept_terms, True),
            ("GET", r"users/me", self.me, True),
            ("GET", r"users/me/roles", self.my_roles, True),
            ("GET", r"instances", self.list_instances, True),
            ("POST", r"instances", self.create_instance, True),
            ("GET", rf"instances/{u}", self.get_instance, True),
            ("POST", rf"instances/{u}", self.create_instance, True),
            ("PUT", rf"instances/{u}", self.replace_instance, True),
            ("PATCH", rf"instances/{u}", self.patch_instance, True),
            ("DELETE", rf"instances/{u}", self.delete_instance, True),
            ("PUT", rf"instances/{u}/release", self.release, True),
            ("DELETE", rf"instances/{u}/release", self.unrelease, True),
            ("GET", rf"instances/{u}/release/status", self.release_status, True),
            ("POST", r"instancesByIds", self.instances_by_ids, True),
            ("POST", r"instancesByIdentifiers", self.instances_by_identifiers, True),
            ("POST", r"instancesByIds/release/status", self.bulk_release_status, True),
            ("GET", r"types", self.types, True),
            ("POST", r"typesByName", self.types_by_name, True),
            ("GET", r"spaces", self.spaces, True),
            ("GET", r"spaces/(?P<space>[^/]+)", self.space, True),
        ]
        for method, pattern, handler, auth in routes:
            self._routes.append((method, re.compile(pattern + "/?$"), handler, auth))
        from .query_routes import QueryRoutes  # queries, stored queries, links, move, normalizedPayload

        self.queries = QueryRoutes(self)
        for method, pattern, handler, auth in self.queries.routes():
            self._routes.append((method, re.compile(pattern + "/?$"), handler, auth))
        self._terms_accepted: dict[str, str] = {}  # username -> accepted terms-of-use version

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        auth = environ.get("HTTP_AUTHORIZATION", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        status, headers, data = self.handle(method, path, query, body, token)
        start_response(f"{status} {reason(status)}", [*headers, ("Content-Length", str(len(data)))])
        return [data]

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes, token: str | None
    ) -> Response:
        """Route one request; returns (status, headers, body)."""
        m = re.match(r"^/(v3|v3-beta)/(.*)$", path)
        if not m:
            return NOT_FOUND
        api, rest = m.group(1), m.group(2)
        req = Request(method, path, api, query, body, token)
        allowed = False
        for route_method, pattern, handler, needs_auth in self._routes:
            match = pattern.match(rest)
            if not match:
                continue
            if (
                handler
                in (
                    self.auth_endpoint,
                    self.auth_config,
                    self.auth_token_endpoint,
                    self.terms_of_use,
                    self.accept_terms,
                )
                and api != "v3-beta"
            ):
                continue
            allowed = True
            if route_method != method:
                continue
            if needs_auth:
                req.user = self.users.authenticate(token)
                if req.user is None:
                    return UNAUTHORIZED
            try:
                return handler(req, **match.groupdict())
            except HTTPError as exc:
                return exc.response
            except PayloadError as exc:
                return text_response(400, str(exc))
        return empty_response(405) if allowed else NOT_FOUND

    # -- helpers ---------------------------------------------------------------------------------
    def _space_in(self, req: Request, space: str) -> str:
        assert req.user is not None
        name = space.strip().lower().replace("_", "-")
        return req.user.private_space if name == "myspace" else name

    def _space_out(self, req: Request, space: str) -> str:
        return "myspace" if req.user is not None and space == req.user.private_space else space

    def _uuid(self, req: Request, uid: str) -> str:
        if not _UUID_RE.match(uid):
            raise HTTPError(spring_400(req.path, f"Invalid UUID string: {uid}"))
        return uid.lower()

    def _can_read(self, req: Request, stage: str, space: str) -> bool:
        assert req.user is not None
        return stage == "RELEASED" or req.user.can("READ", space)

    def _require(self, req: Request, permission: str, space: str, what: str) -> None:
        assert req.user is not None
        if not req.user.can(permission, space):
            raise HTTPError(
                text_response(
                    403, f"You don't have the rights to {what} in the space {self._space_out(req, space)}"
                )
            )

    def _render(
        self,
        req: Request,
        rec: Record,
        *,
        payload: bool = True,
        embedded: bool = True,
        permissions: bool = False,
    ) -> dict[str, Any]:
        space = self._space_out(req, rec.space)
        if not payload:
            return {"@id": KG_NAMESPACE + rec.uuid, META + "space": space}
        doc = rec.doc if embedded else strip_embedded(rec.doc)
        out = dict(doc)
        out[META + "revision"] = rec.revision
        out[META + "space"] = space
        if rec.first_released_at:
            out[META + "firstReleasedAt"] = rec.first_released_at
            out[META + "lastReleasedAt"] = rec.last_released_at
        if permissions and req.user is not None:
            out[META + "permissions"] = sorted(req.user.permissions(rec.space))
        return out

    def _render_flags(self, req: Request) -> dict[str, bool]:
        return {
            "payload": req.flag("returnPayload", True),
            "embedded": req.flag("returnEmbedded", True),
            "permissions": req.flag("returnPermissions", False),
        }

    def _read_one(self, req: Request, stage: str, uuid: str) -> Record | None:
        rec = self.store.get(stage, uuid)
        if rec is None:
            return None
        if not self._can_read(req, stage, rec.space):
            raise HTTPError(text_response(403, f"You don't have read rights for the instance {uuid}"))
        return rec

    # -- setup and users -------------------------------------------------------------------------
    def setup_authentication(self, req: Request) -> Response:
        """GET /setup/authentication → the openid configuration URL (no token needed)."""
        return json_response(200, envelope({"endpoint": self.openid_configuration}))

    def auth_endpoint(self, req: Request) -> Response:
        """GET /v3-beta/users/authorization (deprecated; no token needed)."""
        return json_response(200, envelope({"endpoint": _IAM + "auth"}))

    def auth_config(self, req: Request) -> Response:
        """GET /v3-beta/users/authorization/config (deprecated; no token needed)."""
        return json_response(200, envelope({"endpoint": self.openid_configuration}))

    def auth_token_endpoint(self, req: Request) -> Response:
        """GET /v3-beta/users/authorization/tokenEndpoint, which kg_core calls while it builds a client."""
        return json_response(200, envelope({"endpoint": _IAM + "token"}))

    def terms_of_use(self, req: Request) -> Response:
        """GET /v3-beta/users/termsOfUse → ``{"version", "data", "accepted"}`` (no envelope, as the KG)."""
        user = self.users.authenticate(req.token) if req.token else None
        accepted = user is not None and self._terms_accepted.get(user.username) == self.terms_of_use_version
        return json_response(
            200, {"version": self.terms_of_use_version, "data": "Sandbox terms of use.", "accepted": accepted}
        )

    def accept_terms(self, req: Request, version: str) -> Response:
        """POST /v3-beta/users/termsOfUse/{version}/accept → 200 with no body (400 for another version)."""
        assert req.user is not None
        if version != self.terms_of_use_version:
            return text_response(
                400,
                f"The terms of use version {version} is not the current one ({self.terms_of_use_version})",
            )
        self._terms_accepted[req.user.username] = version
        return empty_response(200)

    def me(self, req: Request) -> Response:
        """GET /users/me."""
        assert req.user is not None
        return json_response(200, envelope(req.user.to_jsonld()))

    def my_roles(self, req: Request) -> Response:
        """GET /users/me/roles."""
        user = req.user
        assert user is not None
        perms = [
            {"functionality": p, "space": self._space_out(req, s), "id": None}
            for s in sorted({*user.spaces, user.private_space})
            for p in sorted(user.permissions(s) if s != "*" else user.spaces[s])
        ]
        data = {
            "user": user.to_jsonld(),
            "clientRoles": [],
            "userRoles": [],
            "invitations": [],
            "clientId": None,
            "permissions": perms,
        }
        return json_response(200, envelope(data))

    # -- instances: read -------------------------------------------------------------------------
    def list_instances(self, req: Request) -> Response:
        """GET /instances?stage&type[&space&searchByLabel&filterProperty&filterValue&from&size…]."""
        assert req.user is not None
        stage = req.stage()
        type_ = req.required("type")
        space = req.params.get("space")
        space = self._space_in(req, space) if space else None
        from_ = req.number("from", 0) or 0
        size = req.number("size", None)
        total_wanted = req.flag("returnTotalResults", True)
        flags = self._render_flags(req)
        readable = None if stage == "RELEASED" else req.user.readable_spaces()
        if space is not None and readable is not None and space not in readable:
            return json_response(
                200, paginated([], 0 if total_wanted or size is None else None, from_, start=req.start)
            )
        search = (req.params.get("searchByLabel") or "").strip()
        if search and _UUID_RE.match(search):
            rec = self.store.get(stage, search.lower())
            ok = (
                rec is not None
                and type_ in rec.doc.get("@type", [])
                and (space is None or rec.space == space)
                and (readable is None or rec.space in readable)
            )
            items = [self._render(req, rec, **flags)] if ok and rec is not None and from_ == 0 else []
            return json_response(200, paginated(items, 1 if ok else 0, from_, start=req.start))
        records, total = self.store.list(
            stage,
            type_,
            spaces=readable,
            space=space,
            label_terms=search.split(),
            filter_property=req.params.get("filterProperty") or None,
            filter_value=req.params.get("filterValue"),
            offset=from_,
            limit=size,
            count=total_wanted or size is None,
        )
        items = [self._render(req, r, **flags) for r in records]
        return json_response(200, paginated(items, total, from_, start=req.start))

    def get_instance(self, req: Request, uid: str) -> Response:
        """GET /instances/{id}?stage → the instance, or 404 with an empty body."""
        stage = req.stage()
        rec = self._read_one(req, stage, self._uuid(req, uid))
        if rec is None:
            return NOT_FOUND
        return json_response(
            200, envelope(self._render(req, rec, **self._render_flags(req)), start=req.start)
        )

    def _bulk(
        self, req: Request, stage: str, keys: list[str], resolved: dict[str, str | None], bad: dict[str, str]
    ) -> Response:
        records = self.store.get_many(stage, [u for u in resolved.values() if u])
        flags = self._render_flags(req)
        data: dict[str, Any] = {}
        for key in keys:
            if key in bad:
                data[key] = envelope(None, error={"code": 400, "message": bad[key], "instanceId": None})
                continue
            rec = records.get(resolved.get(key) or "")
            if rec is None:
                data[key] = envelope(None, error={"code": 404, "message": "Not Found", "instanceId": None})
            elif not self._can_read(req, stage, rec.space):
                data[key] = envelope(
                    None, error={"code": 403, "message": "Forbidden", "instanceId": rec.uuid}
                )
            else:
                data[key] = envelope(self._render(req, rec, **flags))
        return json_response(200, envelope(data, start=req.start))

    def _key_list(self, req: Request) -> list[str]:
        body = req.json()
        if not isinstance(body, list) or not all(isinstance(k, str) for k in body):
            raise HTTPError(text_response(400, "The payload needs to be a list of strings"))
        return body

    def instances_by_ids(self, req: Request) -> Response:
        """POST /instancesByIds?stage with a list of UUIDs → a map of nested envelopes."""
        stage = req.stage()
        keys = self._key_list(req)
        bad = {k: k for k in keys if not _UUID_RE.match(k)}
        resolved: dict[str, str | None] = {k: k.lower() for k in keys if k not in bad}
        return self._bulk(req, stage, keys, resolved, bad)

    def instances_by_identifiers(self, req: Request) -> Response:
        """POST /instancesByIdentifiers?stage with any identifiers → a map of nested envelopes."""
        stage = req.stage()
        keys = self._key_list(req)
        found = self.store.resolve(stage, keys)
        resolved = {k: (found[k][0] if k in found else None) for k in keys}
        return self._bulk(req, stage, keys, resolved, {})

    # -- instances: write ------------------------------------------------------------------------
    def _clash(self, uuid: str, doc: dict[str, Any], *, own: bool) -> Response | None:
        """The 409 for an id or identifier that already resolves (``own``: the uuid itself may exist)."""
        idents = [KG_NAMESPACE + uuid, *identifiers_of(doc)]
        if isinstance(doc.get("@id"), str):
            idents.append(doc["@id"])
        for stage in STAGES:
            hits = self.store.resolve(stage, idents)
            others = sorted({u for us in hits.values() for u in us if not (own and u == uuid)})
            if others:
                other = others[0]
                space = self.store.space_of(stage, other) or "?"
                return conflict(
                    f"The payload you're providing is pointing to the instance {space}/{other} (either by the @id "
                    "or the http://schema.org/identifier field it contains). Please do a PUT or a PATCH to the "
                    "mentioned id instead.",
                    other,
                )
        return None

    def _store_doc(self, uuid: str, space: str, doc: dict[str, Any]) -> None:
        kg_id = KG_NAMESPACE + uuid
        given = doc.get("@id")
        idents = identifiers_of(doc)
        if isinstance(given, str) and given != kg_id and given not in idents:
            idents.append(given)  # the KG keeps a foreign @id as an identifier
        if kg_id not in idents:
            idents.insert(0, kg_id)
        out = {"@id": kg_id, "@type": doc.get("@type", [])}
        out.update({k: v for k, v in doc.items() if k not in ("@id", "@type", "@context")})
        out[IDENTIFIER] = idents
        self.store.put(
            "IN_PROGRESS",
            uuid,
            space,
            out,
            revision=new_revision(),
            label=label_of(out),
            types=out["@type"],
            identifiers=idents,
        )

    def create_instance(self, req: Request, uid: str | None = None) -> Response:
        """POST /instances?space=S (random UUID) or POST /instances/{uuid}?space=S (client-chosen)."""
        space = self._space_in(req, req.required("space"))
        uuid = self._uuid(req, uid) if uid else str(_uuid.uuid4())
        doc = normalize_doc(req.json(), require_type=True)
        self._require(req, "CREATE", space, "create instances")
        assert req.user is not None
        if space not in self._known_spaces(req) and not req.user.can("MANAGE_SPACE", space):
            return text_response(
                403,
                f"The creation of this instance involves the creation of the non-existing space {space} - "
                "you don't have the according rights to do so!",
            )
        with self.store.transaction():
            clash = self._clash(uuid, doc, own=False)
            if clash is not None:
                return clash
            self._store_doc(uuid, space, doc)
        return self._written(req, uuid)

    def _written(self, req: Request, uuid: str) -> Response:
        rec = self.store.get("IN_PROGRESS", uuid)
        assert rec is not None
        return json_response(
            200, envelope(self._render(req, rec, **self._render_flags(req)), start=req.start)
        )

    def replace_instance(self, req: Request, uid: str) -> Response:
        """PUT /instances/{uuid}: replace the document (needs @type)."""
        uuid = self._uuid(req, uid)
        doc = normalize_doc(req.json(), require_type=True)
        with self.store.transaction():
            space = self.store.space_of("IN_PROGRESS", uuid)
            if space is None:
                return NOT_FOUND
            self._require(req, "WRITE", space, "write instances")
            clash = self._clash(uuid, doc, own=True)
            if clash is not None:
                return clash
            self._store_doc(uuid, space, doc)
        return self._written(req, uuid)

    def patch_instance(self, req: Request, uid: str) -> Response:
        """PATCH /instances/{uuid}: change the given keys; the resetValue IRI removes a key."""
        uuid = self._uuid(req, uid)
        patch = normalize_doc(req.json(), require_type=False)
        with self.store.transaction():
            rec = self.store.get("IN_PROGRESS", uuid)
            if rec is None:
                return NOT_FOUND
            self._require(req, "WRITE", rec.space, "write instances")
            clash = self._clash(uuid, patch, own=True)
            if clash is not None:
                return clash
            doc = dict(rec.doc)
            for key, value in patch.items():
                if key == "@id":
                    continue
                if value == RESET_VALUE:
                    doc.pop(key, None)
                elif key == IDENTIFIER:
                    doc[key] = [
                        *identifiers_of(doc),
                        *(i for i in identifiers_of(patch) if i not in identifiers_of(doc)),
                    ]
                else:
                    doc[key] = value
            self._store_doc(uuid, rec.space, doc)
        return self._written(req, uuid)

    def delete_instance(self, req: Request, uid: str) -> Response:
        """DELETE /instances/{uuid}: 409 while released."""
        uuid = self._uuid(req, uid)
        with self.store.transaction():
            space = self.store.space_of("IN_PROGRESS", uuid)
            if space is None:
                return NOT_FOUND
            self._require(req, "DELETE", space, "delete instances")
            if self.store.space_of("RELEASED", uuid) is not None:
                return conflict("Was not able to remove instance because it is released still", uuid)
            self.store.delete("IN_PROGRESS", uuid)
        return json_response(200, envelope(None, start=req.start))

    # -- release ---------------------------------------------------------------------------------
    def release(self, req: Request, uid: str) -> Response:
        """PUT /instances/{uuid}/release[?revision=…]."""
        uuid = self._uuid(req, uid)
        with self.store.transaction():
            space = self.store.space_of("IN_PROGRESS", uuid)
            if space is None:
                return NOT_FOUND
            self._require(req, "RELEASE", space, "release instances")
            revision = req.params.get("revision")
            if revision and revision != self.store.revision_of("IN_PROGRESS", uuid):
                return conflict("The revision you want to release is not the current one", uuid)
            self.store.release(uuid, now_iso())
        return json_response(200, envelope(None, start=req.start))

    def unrelease(self, req: Request, uid: str) -> Response:
        """DELETE /instances/{uuid}/release."""
        uuid = self._uuid(req, uid)
        with self.store.transaction():
            space = self.store.space_of("IN_PROGRESS", uuid)
            if space is None:
                return NOT_FOUND
            self._require(req, "UNRELEASE", space, "unrelease instances")
            self.store.unrelease(uuid)
        return json_response(200, envelope(None, start=req.start))

    def _status(self, uuid: str) -> str | None:
        current = self.store.revision_of("IN_PROGRESS", uuid)
        if current is None:
            return None
        released = self.store.revision_of("RELEASED", uuid)
        if released is None:
            return "UNRELEASED"
        return "RELEASED" if released == current else "HAS_CHANGED"

    def _scope(self, req: Request) -> str:
        scope = req.required("releaseTreeScope")
        if scope not in _SCOPES:
            raise HTTPError(spring_400(req.path, f"Invalid releaseTreeScope {scope!r}"))
        return scope

    def release_status(self, req: Request, uid: str) -> Response:
        """GET /instances/{uuid}/release/status?releaseTreeScope=… → RELEASED | UNRELEASED | HAS_CHANGED."""
        scope = self._scope(req)
        uuid = self._uuid(req, uid)
        space = self.store.space_of("IN_PROGRESS", uuid)
        if space is None:
            return NOT_FOUND
        self._require(req, "RELEASE_STATUS", space, "see the release status")
        if scope != "TOP_INSTANCE_ONLY":  # the status of everything the instance's scope holds
            return json_response(200, envelope(self.queries.children_status(req, uuid)))
        return json_response(200, envelope(self._status(uuid)))

    def bulk_release_status(self, req: Request) -> Response:
        """POST /instancesByIds/release/status?releaseTreeScope=… with a list of UUIDs."""
        self._scope(req)
        assert req.user is not None
        data: dict[str, Any] = {}
        for key in self._key_list(req):
            uuid = key.lower()
            space = self.store.space_of("IN_PROGRESS", uuid) if _UUID_RE.match(key) else None
            if space is None:
                data[key] = envelope(None, error={"code": 404, "message": "Not Found", "instanceId": None})
            elif not req.user.can("RELEASE_STATUS", space):
                data[key] = envelope(None, error={"code": 403, "message": "Forbidden", "instanceId": uuid})
            else:
                data[key] = envelope(self._status(uuid))
        return json_response(200, envelope(data))

    # -- types and spaces ------------------------------------------------------------------------
    def _type_items(
        self, req: Request, stage: str, space: str | None, with_properties: bool, only: set[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        assert req.user is not None
        readable = None if stage == "RELEASED" else req.user.readable_spaces()
        counts: dict[str, dict[str, int]] = {}
        for type_, sp, n in self.store.type_counts(stage, readable, space):
            if only is None or type_ in only:
                counts.setdefault(type_, {})[sp] = n
        items: dict[str, dict[str, Any]] = {}
        for type_, per_space in counts.items():
            item: dict[str, Any] = {
                "http://schema.org/identifier": type_,
                "http://schema.org/name": type_.rstrip("/").rsplit("/", 1)[-1],
                "http://schema.org/description": None,
                META + "occurrences": sum(per_space.values()),
                META + "spaces": [
                    {META + "space": self._space_out(req, s), META + "occurrences": n}
                    for s, n in sorted(per_space.items())
                ],
            }
            if with_properties:
                item[META + "properties"] = [
                    {"http://schema.org/identifier": k, META + "occurrences": n}
                    for k, n in self.store.property_counts(stage, type_, readable)
                    if not k.startswith("@")
                ]
            items[type_] = item
        return items

    def types(self, req: Request) -> Response:
        """GET /types?stage[&space&withProperties&from&size&returnTotalResults] → types with counts."""
        stage = req.stage()
        space = req.params.get("space")
        items = list(
            self._type_items(
                req, stage, self._space_in(req, space) if space else None, req.flag("withProperties", False)
            ).values()
        )
        return self._page(req, items)

    def types_by_name(self, req: Request) -> Response:
        """POST /typesByName?stage with a list of type IRIs → a map of nested envelopes."""
        stage = req.stage()
        names = self._key_list(req)
        items = self._type_items(req, stage, None, req.flag("withProperties", False), set(names))
        data = {
            n: envelope(items[n])
            if n in items
            else envelope(None, error={"code": 404, "message": "Not Found", "instanceId": None})
            for n in names
        }
        return json_response(200, envelope(data))

    def _page(self, req: Request, items: list[Any]) -> Response:
        from_ = req.number("from", 0) or 0
        size = req.number("size", None)
        total_wanted = req.flag("returnTotalResults", True)
        page = items[from_:] if size is None else items[from_ : from_ + size]
        total = len(items) if (total_wanted or size is None) else None
        return json_response(200, paginated(page, total, from_))

    def _known_spaces(self, req: Request) -> set[str]:
        assert req.user is not None
        spaces = (
            {CONTROLLED_SPACE, req.user.private_space}
            | self.users.known_spaces()
            | self.store.spaces_in_use()
        )
        return {s for s in spaces if not s.startswith("private-") or s == req.user.private_space}

    def _space_item(self, req: Request, space: str, permissions: bool) -> dict[str, Any]:
        assert req.user is not None
        name = self._space_out(req, space)
        item: dict[str, Any] = {
            "http://schema.org/identifier": name,
            "http://schema.org/name": name,
            META + "space/autorelease": False,
            META + "space/clientSpace": False,
            META + "space/deferCache": False,
        }
        if permissions:
            item[META + "permissions"] = sorted(req.user.permissions(space))
        return item

    def _visible_spaces(self, req: Request) -> list[str]:
        user = req.user
        assert user is not None
        if "*" in user.spaces:
            spaces = self._known_spaces(req)
        else:
            spaces = {CONTROLLED_SPACE, user.private_space, *user.spaces}
        return sorted(spaces, key=lambda s: (s != user.private_space, s))

    def spaces(self, req: Request) -> Response:
        """GET /spaces[?permissions&from&size&returnTotalResults]."""
        perms = req.flag("permissions", False)
        return self._page(req, [self._space_item(req, s, perms) for s in self._visible_spaces(req)])

    def space(self, req: Request, space: str) -> Response:
        """GET /spaces/{space} → the space, or 404 (plain text)."""
        name = self._space_in(req, space)
        if name not in self._visible_spaces(req):
            return text_response(404, f"Space {space} was not found")
        return json_response(200, envelope(self._space_item(req, name, req.flag("permissions", False))))
