"""A thin, safe client for the EBRAINS KG core API v3.

::

    from ebrains_curation.kg import KGClient

    kg = KGClient.from_env()                      # KG_AUTH_TOKEN, pre-production host by default
    for doc in kg.search("Dataset", "hippocampus", limit=20):
        print(doc["@id"])

Design:

* no I/O in the constructor: the token provider is first asked on the first request;
* every request has a timeout; the token is sent only in the ``Authorization`` header
  and never appears in logs, reprs or exception text;
* plain ``http://`` is refused except for loopback hosts (a local sandbox);
* idempotent requests (GET, PUT, DELETE and the read-only bulk POSTs) are retried with
  exponential backoff and jitter on connection errors and 502/503/504, through
  ``urllib3.util.Retry``; creates and PATCHes are never retried here (a create with a
  client-chosen UUID is made safe to repeat by :func:`~ebrains_curation.kg.submit`);
* on 401 the token provider is asked once for a fresh token and the request repeated;
* listings are lazy :class:`~ebrains_curation.kg.paging.PageIterator` objects.
"""

from __future__ import annotations

import logging
import os
import re
import uuid as _uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import requests

from ..constants import KG_INSTANCE_NS as KG_NAMESPACE
from ..net.http import BearerToken, CircuitBreaker, HTTPTransport, RetryPolicy, ServiceURL
from ..net.urls import parse_service_url
from ..schemas import get_registry, get_version
from ..schemas.versions import VersionLike
from .auth import TokenManager, TokenProvider, env_token
from .errors import KGConfigurationError, KGConnectionError, error_for
from .labels import document_label
from .paging import Page, PageIterator
from .terms import TermIdCache, outside_links, rewrite_links

if TYPE_CHECKING:
    from ..graph.model import MetadataGraph

__all__ = ["DEFAULT_HOST", "KG_NAMESPACE", "KGClient", "kg_iri", "kg_uuid", "label_for"]

log = logging.getLogger("ebrains_curation.kg")

DEFAULT_HOST = "core.kg-ppd.ebrains.eu"  #: pre-production; production is core.kg.ebrains.eu
STAGES = ("IN_PROGRESS", "RELEASED")
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BULK = 500  # ids per bulk request


def kg_uuid(id_or_iri: str) -> str:
    """The bare UUID of a KG instance, given the UUID or its ``https://kg.ebrains.eu/api/instances/`` IRI."""
    text = str(id_or_iri).strip()
    tail = text.rsplit("/", 1)[-1]
    if not _UUID_RE.match(tail) or (text != tail and not text.startswith(KG_NAMESPACE)):
        raise KGConfigurationError(f"{id_or_iri!r} is not a KG instance id (a UUID or {KG_NAMESPACE}<uuid>)")
    return tail.lower()


def kg_iri(id_or_iri: str) -> str:
    """The full KG IRI of an instance."""
    return KG_NAMESPACE + kg_uuid(id_or_iri)


def _base_url(host_or_url: str, api: str) -> ServiceURL:
    base = parse_service_url(host_or_url, what="KG", error=KGConfigurationError)
    if not re.search(r"/v3(-beta)?$", base.path):
        base = base.with_path(f"{base.path}/{api}")
    return base


class KGClient:
    """Client for the KG core API v3 (``/v3/`` by default, ``api="v3-beta"`` for the deprecated prefix).

    ``host`` is a host name (``core.kg.ebrains.eu``), ``host:port`` or a base URL
    (``http://127.0.0.1:8000`` for a sandbox). Give either a fixed ``token`` or a
    ``token_provider`` (a callable returning a fresh token; asked again on a 401).
    ``timeout`` is (connect, read) seconds. ``retries``/``backoff``/``backoff_max`` set the
    one retry policy (idempotent requests only; or pass a whole ``retry_policy``), and
    ``breaker`` the circuit breaker that makes a run against an unreachable KG fail in
    seconds (see :mod:`ebrains_curation.net.retry`). ``openminds_version`` is used to turn
    short type names ("DatasetVersion") into type IRIs.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        *,
        token: str | None = None,
        token_provider: TokenProvider | None = None,
        api: str = "v3",
        timeout: float | tuple[float, float] = (10.0, 120.0),
        retries: int = 3,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        openminds_version: str = "v4",
        pool_size: int = 16,
        retry_policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        if api not in ("v3", "v3-beta"):
            raise KGConfigurationError(f"api must be 'v3' or 'v3-beta', not {api!r}")
        if token is not None and token_provider is not None:
            raise KGConfigurationError("give either token= or token_provider=, not both")
        if token is not None and not str(token).strip():
            raise KGConfigurationError("the KG token is empty")
        self._base = _base_url(host, api)
        self.base_url = str(self._base)
        self.openminds_version = get_version(openminds_version)
        self._auth = TokenManager(token.strip() if token else None, token_provider)
        if retry_policy is None:
            try:
                retry_policy = RetryPolicy(
                    attempts=retries + 1,
                    connect_attempts=min(3, retries + 1),
                    backoff=backoff,
                    backoff_max=backoff_max,
                )
            except (TypeError, ValueError) as exc:
                raise KGConfigurationError(f"bad retry settings: {exc}") from None
        self.retry_policy = retry_policy
        self._transport = HTTPTransport(
            self._base,
            service="the KG",
            timeout=timeout,
            retry=retry_policy,
            breaker=breaker,
            pool_size=pool_size,
            connection_error=KGConnectionError,
            config_error=KGConfigurationError,
        )
        self.timeout = self._transport.timeout
        #: KG id -> openMINDS IRIs of library instances (they never change); submit() adds what it resolved
        self.term_ids = TermIdCache()

    @property
    def retries(self) -> int:
        """Retries of an idempotent request (tries minus one)."""
        return self.retry_policy.attempts - 1

    @property
    def breaker(self) -> CircuitBreaker:
        """The circuit breaker shared by this client's requests."""
        return self._transport.breaker

    @classmethod
    def from_env(cls, host: str | None = None, **kwargs: Any) -> KGClient:
        """A client whose token comes from ``KG_AUTH_TOKEN`` (re-read on a 401) and host from ``KG_HOST``."""
        if not os.environ.get("KG_AUTH_TOKEN", "").strip() and "token" not in kwargs:
            raise KGConfigurationError(
                "No KG access token: set the KG_AUTH_TOKEN environment variable (an EBRAINS token, e.g. from "
                "the KG Editor or the EBRAINS Lab)"
            )
        kwargs.setdefault("token_provider", env_token("KG_AUTH_TOKEN"))
        return cls(host or os.environ.get("KG_HOST") or DEFAULT_HOST, **kwargs)

    def __repr__(self) -> str:
        return f"<KGClient {self.base_url} auth={self._auth!r}>"

    def close(self) -> None:
        """Close the pooled connections."""
        self._transport.close()

    def __enter__(self) -> KGClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        auth: bool = True,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request and return the parsed JSON body (None for an empty body); raise on errors.

        ``idempotent=True`` allows retries for a POST that only reads (bulk lookups).
        """
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        # the token stays inside a BearerToken (redacted repr): never a frame local that
        # error reporters capturing locals (Sentry, rich, --showlocals) would print
        bearer = self._bearer() if auth else None
        for attempt in (1, 2):
            resp = self._transport.send(
                method,
                path,
                params=clean,
                json=json,
                headers={"Accept": "application/json"},
                idempotent=idempotent,
                auth=bearer,
            )
            if resp.status_code == 401 and bearer and attempt == 1 and self._auth.refresh(bearer.token):
                log.info("KG answered 401; asked the token provider for a fresh token")
                bearer = self._bearer()
                continue
            break
        return _parse(resp, method, self._base.join(path))

    def _bearer(self) -> BearerToken | None:
        """The current token as a :class:`BearerToken`, or None without one."""
        return BearerToken(t) if (t := self._auth.get()) else None

    # -- setup and users ---------------------------------------------------------------------------
    def openid_configuration_url(self) -> str:
        """The EBRAINS IAM openid configuration URL the KG announces.

        HTTP: GET /setup/authentication (no token needed).
        """
        return str(self.request("GET", "setup/authentication", auth=False)["data"]["endpoint"])

    def me(self) -> dict[str, Any]:
        """The user the token belongs to (``http://schema.org/alternateName`` is the username).

        HTTP: GET /users/me
        """
        return self.request("GET", "users/me")["data"]

    def spaces(self, *, permissions: bool = False, page_size: int = 100) -> PageIterator[dict[str, Any]]:
        """The spaces you can see (lazily paged).

        HTTP: GET /spaces?permissions&from&size
        """
        return PageIterator(
            lambda f, s: self._page("spaces", {"permissions": permissions, "from": f, "size": s}), page_size
        )

    def space(self, name: str, *, permissions: bool = False) -> dict[str, Any]:
        """One space. HTTP: GET /spaces/{space}"""
        return self.request("GET", f"spaces/{name}", params={"permissions": permissions})["data"]

    def types(
        self,
        *,
        stage: str = "RELEASED",
        space: str | None = None,
        with_properties: bool = False,
        page_size: int = 100,
    ) -> PageIterator[dict[str, Any]]:
        """The types in the KG with their instance counts (``…/meta/occurrences``), lazily paged.

        HTTP: GET /types?stage&space&withProperties&from&size
        """
        stage = _stage(stage)
        return PageIterator(
            lambda f, s: self._page(
                "types",
                {"stage": stage, "space": space, "withProperties": with_properties, "from": f, "size": s},
            ),
            page_size,
        )

    # -- reading instances -------------------------------------------------------------------------
    def type_iri(self, type_: str) -> str:
        """The type IRI for a short name ("DatasetVersion") in the client's openMINDS version; IRIs pass through."""
        if "://" in type_:
            return type_
        spec = get_registry(self.openminds_version).find(type_)
        if spec is None:
            raise KGConfigurationError(f"No openMINDS {self.openminds_version} type called {type_!r}")
        return spec.iri

    def _page(self, path: str, params: dict[str, Any]) -> Page[Any]:
        return Page.from_envelope(self.request("GET", path, params=params))

    def list_instances(
        self,
        type_: str,
        *,
        stage: str = "RELEASED",
        space: str | None = None,
        search: str | None = None,
        filter_property: str | None = None,
        filter_value: str | None = None,
        from_: int = 0,
        size: int = 50,
        return_total: bool = True,
        return_payload: bool = True,
        return_embedded: bool = True,
    ) -> Page[dict[str, Any]]:
        """One page of the instances of a type (sorted by label).

        HTTP: GET /instances?stage&type&space&searchByLabel&filterProperty&filterValue&from&size
        """
        params = {
            "stage": _stage(stage),
            "type": self.type_iri(type_),
            "space": space,
            "searchByLabel": search or None,
            "filterProperty": filter_property,
            "filterValue": filter_value,
            "from": from_,
            "size": size,
            "returnTotalResults": return_total,
            "returnPayload": return_payload,
            "returnEmbedded": return_embedded,
        }
        return self._page("instances", params)

    def search(
        self,
        type_: str,
        text: str | None = None,
        *,
        space: str | None = None,
        stage: str = "RELEASED",
        filter_property: str | None = None,
        filter_value: str | None = None,
        page_size: int = 100,
        limit: int | None = None,
        return_embedded: bool = True,
    ) -> PageIterator[dict[str, Any]]:
        """Instances of a type whose label contains every word of ``text``, lazily paged.

        Each item is a KG document (expanded JSON-LD with ``…/meta/…`` fields); load them
        into a metadata graph with :meth:`to_graph`. ``type_`` is a short openMINDS name or a
        type IRI. ``iterator.total`` is the number of matches once the first page is in;
        ``.to_list()`` fetches them into a list that displays as a table in Jupyter.

        HTTP: GET /instances?stage&type&searchByLabel&space&from&size
        """

        def fetch(f: int, s: int) -> Page[Any]:
            return self.list_instances(
                type_,
                stage=stage,
                space=space,
                search=text,
                filter_property=filter_property,
                filter_value=filter_value,
                from_=f,
                size=s,
                return_embedded=return_embedded,
            )

        return PageIterator(fetch, page_size, limit)

    def get(self, id_: str, *, stage: str = "RELEASED", return_embedded: bool = True) -> dict[str, Any]:
        """One instance by UUID or KG IRI; :class:`KGNotFound` if it does not exist at that stage.

        New and changed data exist only at ``IN_PROGRESS`` until released.

        HTTP: GET /instances/{uuid}?stage
        """
        return self.request(
            "GET",
            f"instances/{kg_uuid(id_)}",
            params={"stage": _stage(stage), "returnEmbedded": return_embedded},
        )["data"]

    def get_many(self, ids: Iterable[str], *, stage: str = "RELEASED") -> dict[str, dict[str, Any] | None]:
        """Many instances in bulk: requested id → document, or None when missing or unreadable.

        HTTP: POST /instancesByIds?stage (500 ids per request)
        """
        wanted = list(dict.fromkeys(ids))
        uuids = {i: kg_uuid(i) for i in wanted}
        found = self._bulk("instancesByIds", list(dict.fromkeys(uuids.values())), stage)
        return {i: found.get(u) for i, u in uuids.items()}

    def resolve(
        self, identifiers: Iterable[str], *, stage: str = "RELEASED"
    ) -> dict[str, dict[str, Any] | None]:
        """Instances by any identifier (e.g. openMINDS term IRIs): identifier → document or None.

        HTTP: POST /instancesByIdentifiers?stage (500 per request)
        """
        return self._bulk("instancesByIdentifiers", list(dict.fromkeys(identifiers)), stage)

    def _bulk(self, path: str, keys: list[str], stage: str) -> dict[str, dict[str, Any] | None]:
        out: dict[str, dict[str, Any] | None] = {}
        for i in range(0, len(keys), _BULK):
            chunk = keys[i : i + _BULK]
            body = self.request("POST", path, params={"stage": _stage(stage)}, json=chunk, idempotent=True)
            data = body.get("data") or {}
            for key in chunk:
                item = data.get(key) or {}
                out[key] = item.get("data") if not item.get("error") else None
        return out

    def to_graph(
        self, documents: Iterable[dict[str, Any]], version: VersionLike = None, *, resolve_terms: bool = True
    ) -> MetadataGraph:
        """Load KG documents (from :meth:`search`, :meth:`get`, :meth:`get_many`…) into a :class:`MetadataGraph`.

        The KG links to openMINDS library instances (licences, species, content types…)
        by its own ids. With ``resolve_terms`` (the default) those links are rewritten to
        the openMINDS instance IRIs (``https://openminds.om-i.org/instances/licenses/CC-BY-4.0``),
        exactly as documents you write yourself hold them, so the graph validates and draws
        like any other. Links between KG instances that are not terms stay KG ids.

        The link targets that are not among ``documents`` are looked up in bulk (one
        ``POST /instancesByIds?stage=RELEASED`` per 500 ids); the answers are kept by the
        client (terms do not change), so loading more documents that link to the same
        instances sends no request. ``resolve_terms=False`` sends none at all.
        """
        from ..graph.readers import load_kg_response
        from .query import collapse_nested_terms

        docs = list(documents)
        if resolve_terms:  # query results may nest parts of term documents: keep them as links
            docs = collapse_nested_terms(docs, lambda ids: self.term_iris(ids, version))
        graph = load_kg_response({"data": docs}, version=version or self.openminds_version)
        if resolve_terms:
            targets = {
                t: kg_iri(t)
                for t in outside_links(graph, KG_NAMESPACE)
                if _UUID_RE.match(t[len(KG_NAMESPACE) :])
            }
            if targets:
                iris = self.term_iris(sorted(set(targets.values())), graph.version)
                rewrite_links(graph, {t: iris[k] for t, k in targets.items() if k in iris})
        return graph

    def term_iris(self, ids: Iterable[str], version: VersionLike = None) -> dict[str, str]:
        """KG id → openMINDS instance IRI (of ``version``) for those of ``ids`` that are library instances.

        Ids this client has not seen yet are fetched in bulk at ``RELEASED`` (library
        instances are released); every answer is remembered, so asking again is free.

        HTTP: POST /instancesByIds?stage=RELEASED (500 ids per request), only for new ids
        """
        v = get_version(version or self.openminds_version)
        kg_ids = [kg_iri(i) for i in ids]

        def fetch(todo: list[str]) -> dict[str, dict[str, Any] | None]:
            found = self._bulk("instancesByIds", [kg_uuid(i) for i in todo], "RELEASED")
            return {i: found.get(kg_uuid(i)) for i in todo}

        return self.term_ids.term_iris(kg_ids, v, fetch)

    # -- writing instances -------------------------------------------------------------------------
    def create(
        self, payload: dict[str, Any], space: str, *, uuid: str | None = None, return_payload: bool = True
    ) -> dict[str, Any]:
        """Create an instance (a random UUID, or ``uuid``); :class:`KGConflict` if it already exists.

        ``payload`` is expanded JSON-LD (full IRIs as keys, ``@type`` required). Not retried
        automatically: a create whose response was lost would otherwise be sent twice.

        HTTP: POST /instances?space  or  POST /instances/{uuid}?space
        """
        path = f"instances/{kg_uuid(uuid)}" if uuid else "instances"
        return self.request(
            "POST", path, params={"space": space, "returnPayload": return_payload}, json=payload
        )["data"]

    def replace(self, id_: str, payload: dict[str, Any], *, return_payload: bool = True) -> dict[str, Any]:
        """Replace an instance's document (keys left out are removed).

        HTTP: PUT /instances/{uuid}
        """
        return self.request(
            "PUT", f"instances/{kg_uuid(id_)}", params={"returnPayload": return_payload}, json=payload
        )["data"]

    def patch(self, id_: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some keys of an instance (``"https://core.kg.ebrains.eu/vocab/resetValue"`` removes one).

        HTTP: PATCH /instances/{uuid}
        """
        return self.request("PATCH", f"instances/{kg_uuid(id_)}", json=changes)["data"]

    def delete(self, id_: str) -> None:
        """Delete an instance (:class:`KGConflict` while it is released: unrelease it first).

        HTTP: DELETE /instances/{uuid}
        """
        self.request("DELETE", f"instances/{kg_uuid(id_)}")

    def release(self, id_: str, *, revision: str | None = None) -> None:
        """Release an instance (optionally only if it is still at ``revision``).

        HTTP: PUT /instances/{uuid}/release
        """
        self.request("PUT", f"instances/{kg_uuid(id_)}/release", params={"revision": revision})

    def unrelease(self, id_: str) -> None:
        """Withdraw a release. HTTP: DELETE /instances/{uuid}/release"""
        self.request("DELETE", f"instances/{kg_uuid(id_)}/release")

    def release_status(self, id_: str, *, scope: str = "TOP_INSTANCE_ONLY") -> str:
        """``"RELEASED"``, ``"UNRELEASED"`` or ``"HAS_CHANGED"``.

        HTTP: GET /instances/{uuid}/release/status?releaseTreeScope
        """
        return str(
            self.request(
                "GET", f"instances/{kg_uuid(id_)}/release/status", params={"releaseTreeScope": scope}
            )["data"]
        )

    def release_statuses(
        self, ids: Iterable[str], *, scope: str = "TOP_INSTANCE_ONLY"
    ) -> dict[str, str | None]:
        """Release status of many instances: id → status, or None when missing.

        HTTP: POST /instancesByIds/release/status?releaseTreeScope
        """
        wanted = list(dict.fromkeys(ids))
        uuids = {i: kg_uuid(i) for i in wanted}
        keys = list(dict.fromkeys(uuids.values()))
        out: dict[str, str | None] = {}
        for i in range(0, len(keys), _BULK):
            body = self.request(
                "POST",
                "instancesByIds/release/status",
                params={"releaseTreeScope": scope},
                json=keys[i : i + _BULK],
                idempotent=True,
            )
            for key, item in (body.get("data") or {}).items():
                out[key] = None if item.get("error") else item.get("data")
        return {i: out.get(u) for i, u in uuids.items()}

    # -- queries and links (the builder is in kg/query.py) ------------------------------------------
    def query_document(self, query: Any) -> dict[str, Any]:
        """The query JSON for a :class:`~ebrains_curation.kg.query.Query` (a dict passes through)."""
        if isinstance(query, dict):
            return query
        return query.to_json(get_version(self.openminds_version).vocab, self.type_iri)

    def query(
        self,
        query: Any,
        *,
        stage: str = "RELEASED",
        params: dict[str, str] | None = None,
        instance_id: str | None = None,
        spaces: Iterable[str] | None = None,
        page_size: int = 100,
        limit: int | None = None,
    ) -> PageIterator[dict[str, Any]]:
        """Run a query, lazily paged: a :class:`~ebrains_curation.kg.query.Query`, query JSON, or a stored query's id.

        ``params`` fill filters declared with ``parameter``; ``instance_id`` restricts the
        results to one instance; ``spaces`` to some spaces. Built with :class:`Query`, each
        result is a KG document: :meth:`to_graph` loads them as a metadata graph.

        HTTP: POST /queries (dynamic) or GET /queries/{id}/instances (stored), ?stage&from&size
        """
        base = {"stage": _stage(stage), "instanceId": kg_uuid(instance_id) if instance_id else None}
        extra = {k: v for k, v in (params or {}).items() if k not in ("stage", "from", "size", "instanceId")}
        restrict = ",".join(spaces) if spaces else None
        if isinstance(query, str):
            path = f"queries/{kg_uuid(query)}/instances"

            def fetch(f: int, s: int) -> Page[Any]:
                p = {**extra, **base, "from": f, "size": s, "restrictToSpaces": restrict}
                return Page.from_envelope(self.request("GET", path, params=p))

        else:
            doc = self.query_document(query)

            def fetch(f: int, s: int) -> Page[Any]:
                p = {**extra, **base, "from": f, "size": s, "restrictToSpaces": restrict}
                return Page.from_envelope(
                    self.request("POST", "queries", params=p, json=doc, idempotent=True)
                )

        return PageIterator(fetch, page_size, limit)

    def save_query(self, query: Any, query_id: str, *, space: str | None = None) -> dict[str, Any]:
        """Store a query under ``query_id`` (``space`` is needed the first time). HTTP: PUT /queries/{id}?space"""
        return self.request(
            "PUT", f"queries/{kg_uuid(query_id)}", params={"space": space}, json=self.query_document(query)
        )["data"]

    def get_query(self, query_id: str) -> dict[str, Any]:
        """A stored query. HTTP: GET /queries/{id}"""
        return self.request("GET", f"queries/{kg_uuid(query_id)}")["data"]

    def delete_query(self, query_id: str) -> None:
        """Remove a stored query. HTTP: DELETE /queries/{id}"""
        self.request("DELETE", f"queries/{kg_uuid(query_id)}")

    def incoming_links(
        self, id_: str, property_: str, type_: str, *, stage: str = "RELEASED", page_size: int = 50
    ) -> PageIterator[dict[str, Any]]:
        """The instances of ``type_`` linking to an instance by ``property_`` (short names or IRIs), lazily paged.

        HTTP: GET /instances/{uuid}/incomingLinks?stage&property&type&from&size
        """
        prop = property_ if "://" in property_ else get_version(self.openminds_version).vocab + property_
        params = {"stage": _stage(stage), "property": prop, "type": self.type_iri(type_)}
        path = f"instances/{kg_uuid(id_)}/incomingLinks"
        return PageIterator(lambda f, s: self._page(path, {**params, "from": f, "size": s}), page_size)

    def neighbors(self, id_: str, *, stage: str = "RELEASED") -> dict[str, Any]:
        """Who links to an instance and what it links to (two levels). HTTP: GET /instances/{uuid}/neighbors"""
        return self.request("GET", f"instances/{kg_uuid(id_)}/neighbors", params={"stage": _stage(stage)})[
            "data"
        ]

    def scope(self, id_: str, *, stage: str = "IN_PROGRESS", permissions: bool = False) -> dict[str, Any]:
        """The tree of instances a release of this one would cover (``id``, ``label``, ``types``, ``children``).

        HTTP: GET /instances/{uuid}/scope?stage&returnPermissions
        """
        return self.request(
            "GET",
            f"instances/{kg_uuid(id_)}/scope",
            params={"stage": _stage(stage), "returnPermissions": permissions},
        )["data"]

    def release_tree(self, id_: str) -> dict[str, Any]:
        """The scope tree of an instance with each element's ``status`` (RELEASED, UNRELEASED, HAS_CHANGED).

        HTTP: GET /instances/{uuid}/scope, then POST /instancesByIds/release/status (500 ids per request)
        """
        tree = self.scope(id_)
        ids: list[str] = []

        def collect(node: dict[str, Any]) -> None:
            ids.append(str(node["id"]))
            for child in node.get("children") or []:
                collect(child)

        collect(tree)
        statuses = self.release_statuses(ids)

        def annotate(node: dict[str, Any]) -> dict[str, Any]:
            children = [annotate(c) for c in node.get("children") or []]
            return {**node, "status": statuses.get(str(node["id"])), "children": children or None}

        return annotate(tree)


def label_for(doc: dict[str, Any]) -> str:
    """A human-readable name for a KG document (its full name, name, short name… or given + family name)."""
    return document_label(doc)


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _stage(stage: str) -> str:
    value = stage.upper().replace(" ", "_")
    if value not in STAGES:
        raise KGConfigurationError(f"stage must be IN_PROGRESS or RELEASED, not {stage!r}")
    return value


def _parse(resp: requests.Response, method: str, url: str) -> Any:
    payload: Any = None
    if resp.content and "json" in resp.headers.get("Content-Type", ""):
        try:
            payload = resp.json()
        except ValueError:
            payload = None
    if resp.status_code >= 400:
        raise error_for(method, url, resp.status_code, resp.content, payload)
    return payload


def new_uuid() -> str:
    """A random instance UUID."""
    return str(_uuid.uuid4())
