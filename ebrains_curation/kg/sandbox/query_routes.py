"""The sandbox's Query API and link endpoints, registered by :class:`~.app.SandboxApp`.

* ``POST /queries`` (dynamic query), ``GET /queries/{id}/instances`` (stored query), with
  ``stage``, ``from``, ``size``, ``returnTotalResults``, ``instanceId``, ``restrictToSpaces``
  and any other parameter as a filter ``parameter`` value;
* ``PUT|GET|DELETE /queries/{id}`` and ``GET /queries?type&search`` (stored queries are
  instances of ``…/meta/type/Query``, as in the KG);
* ``GET /instances/{id}/incomingLinks|neighbors|scope``, ``PUT /instances/{id}/spaces/{space}``
  (move) and ``POST /jsonld/normalizedPayload``.

As in the KG: an ``instanceId`` that does not resolve applies no restriction at all;
query results show spaces by their internal names (``private-<sub>`` rather than
``myspace``, which is how fairgraph filters on them), while stored queries, incoming
links and moved instances show ``myspace``. The query engine is :mod:`.queries`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .documents import IDENTIFIER, KG_NAMESPACE, META, new_revision
from .graphview import GraphView, Node, StageView
from .links import LABEL, incoming_links, neighbors, scope_ids, scope_tree
from .protocol import (
    NOT_FOUND,
    HTTPError,
    Request,
    Response,
    conflict,
    empty_response,
    envelope,
    json_response,
    paginated,
    spring_400,
    text_response,
)
from .queries import QUERY_TYPE, QUERY_VOCAB, Spec, execute, normalize_jsonld, read_spec

if TYPE_CHECKING:
    from .app import SandboxApp

__all__ = ["QueryRoutes"]

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NOT_FILTERS = {"stage", "instanceId", "from", "size"}
_INCOMING_PAGE = 10  # the KG's default page size for incoming links


class QueryRoutes:
    """The handlers; ``routes()`` lists (method, path pattern, handler, needs a token)."""

    def __init__(self, app: SandboxApp):
        self.app = app
        self.graph = GraphView(app.store)
        #: URL-decode ``parameter`` filter values a second time, as kg-core 3 does (fairgraph PR #143);
        #: False models MarmotGraph v4, where this is fixed.
        self.decode_parameters_twice = True

    def routes(self) -> list[tuple[str, str, Callable[..., Response], bool]]:
        u = r"(?P<uid>[^/]+)"
        return [
            ("POST", r"queries", self.run_dynamic, True),
            ("GET", r"queries", self.list_stored, True),
            ("GET", rf"queries/{u}", self.get_stored, True),
            ("PUT", rf"queries/{u}", self.save_stored, True),
            ("DELETE", rf"queries/{u}", self.delete_stored, True),
            ("GET", rf"queries/{u}/instances", self.run_stored, True),
            ("GET", rf"instances/{u}/incomingLinks", self.incoming, True),
            ("GET", rf"instances/{u}/neighbors", self.neighbors, True),
            ("GET", rf"instances/{u}/scope", self.scope, True),
            ("PUT", rf"instances/{u}/spaces/(?P<space>[^/]+)", self.move, True),
            ("POST", r"jsonld/normalizedPayload", self.normalized_payload, True),
        ]

    # -- helpers ---------------------------------------------------------------------------------
    def _visible(
        self, req: Request, stage: str, restrict: list[str] | None = None
    ) -> Callable[[Node], bool] | None:
        """Whether the user may see an instance at ``stage`` (None: everything is visible)."""
        assert req.user is not None
        readable = None if stage == "RELEASED" else req.user.readable_spaces()
        allowed = set(restrict) if restrict is not None else None
        if readable is None and allowed is None:
            return None

        def visible(node: Node) -> bool:
            return (readable is None or node.space in readable) and (allowed is None or node.space in allowed)

        return visible

    def _view(self, stage: str) -> StageView:
        return self.graph.stage(stage)

    def _node(self, req: Request, stage: str, uid: str) -> Node | None:
        return self._view(stage).nodes.get(self.app._uuid(req, uid))

    # -- queries ---------------------------------------------------------------------------------
    def run_dynamic(self, req: Request) -> Response:
        """POST /queries?stage[&from&size&returnTotalResults&instanceId&restrictToSpaces&<filter params>]."""
        stage = req.stage()
        spec = read_spec(normalize_jsonld(req.json()))
        return self._run(req, spec, stage)

    def run_stored(self, req: Request, uid: str) -> Response:
        """GET /queries/{id}/instances?stage… runs a stored query."""
        stage = req.stage()
        rec = self._stored(req, uid)
        if rec is None:
            return text_response(404, f"Query with id {uid} not found")
        return self._run(req, read_spec(rec.doc), stage)

    def _run(self, req: Request, spec: Spec, stage: str) -> Response:
        from_ = req.number("from", 0) or 0
        size = req.number("size", None)
        total_wanted = req.flag("returnTotalResults", True)
        instance = req.params.get("instanceId")
        if instance and not _UUID_RE.match(instance):
            raise HTTPError(spring_400(req.path, f"Invalid UUID string: {instance}"))
        restrict = req.list_param("restrictToSpaces") or None
        spaces = [self.app._space_in(req, s) for s in restrict] if restrict else None
        params = {k: v for k, v in req.params.items() if k not in _NOT_FILTERS}
        with self.app.store.lock:
            view = self._view(stage)
            roots = None
            if instance:
                node = view.nodes.get(instance.lower())
                if node is not None:  # as in the KG, an id that does not resolve restricts nothing
                    roots, from_, size, total_wanted = [node], 0, None, True
            outcome = execute(
                spec,
                view,
                params=params,
                visible=self._visible(req, stage, spaces),
                roots=roots,
                from_=from_,
                size=size,
                decode=None if self.decode_parameters_twice else str,
            )
        total = outcome.total if (total_wanted or size is None) else None
        return json_response(200, paginated(outcome.items, total, from_, start=req.start))

    # -- stored queries ----------------------------------------------------------------------------
    def _stored(self, req: Request, uid: str) -> Any:
        rec = self.app.store.get("IN_PROGRESS", self.app._uuid(req, uid))
        if rec is None or QUERY_TYPE not in rec.doc.get("@type", []):
            return None
        return rec

    def get_stored(self, req: Request, uid: str) -> Response:
        """GET /queries/{id} → the stored query, or 404."""
        rec = self._stored(req, uid)
        if rec is None:
            return NOT_FOUND
        return json_response(200, envelope(self.app._render(req, rec)))

    def delete_stored(self, req: Request, uid: str) -> Response:
        """DELETE /queries/{id} → 200 with no body, or 404."""
        with self.app.store.transaction():
            rec = self._stored(req, uid)
            if rec is None:
                return NOT_FOUND
            self.app._require(req, "DELETE", rec.space, "delete queries")
            self.app.store.delete("IN_PROGRESS", rec.uuid)
        return empty_response(200)

    def save_stored(self, req: Request, uid: str) -> Response:
        """PUT /queries/{id}[?space] stores a query (``space`` is needed only to create it)."""
        uuid = self.app._uuid(req, uid)
        doc = normalize_jsonld(req.json())
        space_param = req.params.get("space")
        space = self.app._space_in(req, space_param) if space_param else None
        with self.app.store.transaction():
            existing = self.app.store.get("IN_PROGRESS", uuid)
            if existing is not None:
                if space is not None and space != existing.space:
                    return conflict("The query with this UUID already exists in a different space", uuid)
                self.app._require(req, "WRITE", existing.space, "write queries")
                space = existing.space
                doc = {**existing.doc, **{k: v for k, v in doc.items() if k != "@type"}}
            elif space is None:
                return json_response(
                    400,
                    envelope(
                        None,
                        error={
                            "code": 400,
                            "message": "The query with this UUID doesn't exist yet. You therefore need to "
                            "specify the space where it should be stored.",
                            "instanceId": None,
                        },
                    ),
                )
            else:
                self.app._require(req, "CREATE", space, "create queries")
            self._put_query(uuid, space, doc)
        rec = self.app.store.get("IN_PROGRESS", uuid)
        assert rec is not None  # just written
        return json_response(200, envelope(self.app._render(req, rec), start=req.start))

    def _put_query(self, uuid: str, space: str, doc: dict[str, Any]) -> None:
        kg_id = KG_NAMESPACE + uuid
        types = [t for t in doc.get("@type", []) if isinstance(t, str)]
        if QUERY_TYPE not in types:
            types.append(QUERY_TYPE)
        out = {"@id": kg_id, "@type": types}
        out.update({k: v for k, v in doc.items() if k not in ("@id", "@type") and not k.startswith(META)})
        out[IDENTIFIER] = [kg_id]
        self.app.store.put(
            "IN_PROGRESS",
            uuid,
            space,
            out,
            revision=new_revision(),
            label=_query_label(out),
            types=types,
            identifiers=[kg_id],
        )

    def list_stored(self, req: Request) -> Response:
        """GET /queries[?type&search&from&size]: the stored queries you can read."""
        root_type = req.params.get("type")
        search = (req.params.get("search") or "").lower()
        visible = self._visible(req, "IN_PROGRESS") or _all
        with self.app.store.lock:
            nodes = [n for n in self._view("IN_PROGRESS").of_type(QUERY_TYPE) if visible(n)]
        items = []
        for node in nodes:
            meta = node.doc.get(QUERY_VOCAB + "meta") or {}
            if root_type and meta.get(QUERY_VOCAB + "type") != root_type:
                continue
            text = " ".join(str(meta.get(QUERY_VOCAB + k) or "") for k in ("name", "label", "description"))
            if search and search not in text.lower():
                continue
            assert node.record is not None
            items.append(self.app._render(req, node.record))
        return self.app._page(req, items)

    # -- links -----------------------------------------------------------------------------------
    def incoming(self, req: Request, uid: str) -> Response:
        """GET /instances/{id}/incomingLinks?stage&property&type[&from&size]."""
        stage = req.stage()
        prop, type_ = req.required("property"), req.required("type")
        from_ = req.number("from", 0) or 0
        size = req.number("size", None) or _INCOMING_PAGE
        with self.app.store.lock:
            node = self._node(req, stage, uid)
            if node is None:
                return NOT_FOUND
            found = incoming_links(self._view(stage), node, prop, type_, self._visible(req, stage) or _all)
        items = [
            {
                "@id": n.doc.get("@id"),
                META + "space": self.app._space_out(req, n.space),
                LABEL: n.label,
            }
            for n in found[from_ : from_ + size]
        ]
        out = paginated(items, len(found), from_)
        return json_response(200, out)

    def neighbors(self, req: Request, uid: str) -> Response:
        """GET /instances/{id}/neighbors?stage → the ``GraphEntity`` around the instance."""
        stage = req.stage()
        with self.app.store.lock:
            node = self._node(req, stage, uid)
            if node is None:
                return NOT_FOUND
            if not self.app._can_read(req, stage, node.space):
                return text_response(403, f"You don't have read rights for the instance {node.uuid}")
            data = neighbors(self._view(stage), node, self._visible(req, stage) or _all, str)
        return json_response(200, envelope(data, start=req.start))

    def scope(self, req: Request, uid: str) -> Response:
        """GET /instances/{id}/scope?stage[&returnPermissions&applyRestrictions] → the ``ScopeElement`` tree."""
        stage = req.stage()
        with_permissions = req.flag("returnPermissions", False)
        req.flag("applyRestrictions", False)
        assert req.user is not None
        user = req.user
        with self.app.store.lock:
            node = self._node(req, stage, uid)
            if node is None:
                return NOT_FOUND
            perms = (lambda s: sorted(user.permissions(s))) if with_permissions else None
            data = scope_tree(self._view(stage), node, str, perms)
        return json_response(200, envelope(data, start=req.start))

    def children_status(self, req: Request, uuid: str) -> str | None:
        """The release status of the children of an instance's scope (None when it has none)."""
        with self.app.store.lock:
            view = self._view("IN_PROGRESS")
            node = view.nodes.get(uuid)
            if node is None:
                return None
            tree = scope_tree(view, node, str)
        ids = scope_ids(tree) - {uuid}
        if not ids:
            return None
        statuses = {self.app._status(i) for i in ids}
        if "UNRELEASED" in statuses or None in statuses:
            return "UNRELEASED"
        return "HAS_CHANGED" if "HAS_CHANGED" in statuses else "RELEASED"

    def move(self, req: Request, uid: str, space: str) -> Response:
        """PUT /instances/{id}/spaces/{space}: move an unreleased instance to another space."""
        uuid = self.app._uuid(req, uid)
        target = self.app._space_in(req, space)
        assert req.user is not None
        with self.app.store.transaction():
            rec = self.app.store.get("IN_PROGRESS", uuid)
            if rec is None:
                return NOT_FOUND
            if self.app._status(uuid) != "UNRELEASED":
                return conflict("Was not able to move an instance because it is released still", uuid)
            self.app._require(req, "DELETE", rec.space, "move instances out")
            self.app._require(req, "CREATE", target, "create instances")
            if target not in self.app._known_spaces(req) and not req.user.can("MANAGE_SPACE", target):
                return text_response(
                    403,
                    f"The creation of this instance involves the creation of the non-existing space {target} - "
                    "you don't have the according rights to do so!",
                )
            self.app._store_doc(uuid, target, rec.doc)
        return self.app._written(req, uuid)

    def normalized_payload(self, req: Request) -> Response:
        """POST /jsonld/normalizedPayload → the payload as the KG normalises it (no envelope)."""
        return json_response(200, normalize_jsonld(req.json()))


def _all(node: Node) -> bool:
    return True


def _query_label(doc: dict[str, Any]) -> str:
    meta = doc.get(QUERY_VOCAB + "meta") or {}
    for key in ("name", "label", "description"):
        value = meta.get(QUERY_VOCAB + key) if isinstance(meta, dict) else None
        if isinstance(value, str) and value:
            return value
    return ""
