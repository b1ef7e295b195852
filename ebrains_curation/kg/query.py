"""A small Pythonic builder for KG Query API queries, so nobody has to hand-write query JSON.

::

    from ebrains_curation.kg import KGClient, Query

    q = (
        Query("DatasetVersion")
        .field("shortName", contains="hippocampus")
        .field("versionIdentifier")
        .link("author", "givenName", "familyName")             # follow a link, keep some fields
        .link("isVersionOf", "fullName", reverse=False)
        .reverse("describedIn", "name", type="Dataset")        # instances linking *to* these
    )
    for doc in kg.query(q, stage="IN_PROGRESS"):                # lazily paged
        print(doc["@id"])
    graph = kg.to_graph(kg.query(q))                            # results load as a metadata graph

Property names are openMINDS short names (``"shortName"``) or full IRIs; types are short
names or IRIs. Every level of the result carries ``@id`` and ``@type`` and is keyed by the
full property IRIs (no ``propertyName`` unless you give ``name=``), so each result is a
KG document like those ``GET /instances`` returns, nested links included.

Filters: ``equals``, ``contains``, ``starts_with``, ``ends_with``, ``regex``, ``is_empty=True``,
or ``parameter="name"`` to take the value from the request (``kg.query(q, params={"name": …})``).
As in the KG, matching ignores case, and a filtered property is required.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..constants import KG_INSTANCE_NS
from ..errors import ConfigurationError

__all__ = ["QUERY_CONTEXT", "Query", "QueryField"]

QUERY_CONTEXT: dict[str, Any] = {
    "@vocab": "https://core.kg.ebrains.eu/vocab/query/",
    "query": "https://schema.hbp.eu/myQuery/",
    "propertyName": {"@id": "propertyName", "@type": "@id"},
    "path": {"@id": "path", "@type": "@id"},
}
_OPS = {
    "equals": "EQUALS",
    "contains": "CONTAINS",
    "starts_with": "STARTS_WITH",
    "ends_with": "ENDS_WITH",
    "regex": "REGEX",
}


@dataclass
class QueryField:
    """One structure item: a property (or a path of them), optionally filtered or followed."""

    path: str | list[str]
    name: str | None = None
    fields: list[QueryField] = field(default_factory=list)
    op: str | None = None
    value: str | None = None
    parameter: str | None = None
    required: bool = False
    sort: bool = False
    reverse: bool = False
    type: str | None = None
    single: bool = False
    ensure_order: bool = False

    def to_json(self, prop_iri: Any, type_iri: Any) -> dict[str, Any]:
        """The query-language form (IRIs resolved with the given functions)."""
        steps = [self.path] if isinstance(self.path, str) else list(self.path)
        iris: list[Any] = [prop_iri(s) for s in steps]
        if self.reverse or self.type:
            first: dict[str, Any] = {"@id": iris[0]}
            if self.reverse:
                first["reverse"] = True
            if self.type:
                first["typeFilter"] = {"@id": type_iri(self.type)}
            iris[0] = first
        out: dict[str, Any] = {"path": iris[0] if len(iris) == 1 else iris}
        if self.name:
            out["propertyName"] = self.name
        if self.op:
            flt: dict[str, Any] = {"op": self.op}
            if self.value is not None:
                flt["value"] = self.value
            if self.parameter is not None:
                flt["parameter"] = self.parameter
            out["filter"] = flt
        for key, flag in (
            ("required", self.required),
            ("sort", self.sort),
            ("ensureOrder", self.ensure_order),
        ):
            if flag:
                out[key] = True
        if self.single:
            out["singleValue"] = "FIRST"
        if self.fields:
            out["structure"] = [{"path": "@id"}, {"path": "@type"}] + [
                f.to_json(prop_iri, type_iri) for f in self.fields
            ]
        return out


def _filter_of(
    kwargs: dict[str, Any], parameter: str | None, is_empty: bool
) -> tuple[str | None, str | None]:
    given = {k: v for k, v in kwargs.items() if v is not None}
    unknown = set(given) - set(_OPS)
    if unknown:
        raise ConfigurationError(f"unknown filter {', '.join(sorted(unknown))}; use one of {', '.join(_OPS)}")
    if len(given) + is_empty > 1:
        raise ConfigurationError(
            "give at most one filter (equals, contains, starts_with, ends_with, regex, is_empty)"
        )
    if is_empty:
        return "IS_EMPTY", None
    if given:
        ((op, value),) = given.items()
        return _OPS[op], str(value)
    if parameter is not None:
        return "EQUALS", None
    return None, None


def _as_field(spec: str | QueryField) -> QueryField:
    return spec if isinstance(spec, QueryField) else QueryField(spec)


class Query:
    """A query for the instances of one type (a short openMINDS name or a type IRI); methods chain."""

    def __init__(self, type_: str, *, name: str | None = None, description: str | None = None):
        self.type = type_
        self.name = name
        self.description = description
        self.fields: list[QueryField] = []

    def __repr__(self) -> str:
        return f"<Query {self.type}: {', '.join(str(f.path) for f in self.fields) or 'ids'}>"

    def field(
        self,
        path: str | list[str],
        *,
        name: str | None = None,
        required: bool = False,
        sort: bool = False,
        parameter: str | None = None,
        is_empty: bool = False,
        op: str | None = None,
        **filters: Any,
    ) -> Query:
        """Return a property (``path`` may be a list: a flattened path). Keyword filters: see the module."""
        found_op, value = _filter_of(filters, parameter, is_empty)
        if op is not None:
            found_op = op.upper()
        self.fields.append(
            QueryField(
                path, name, op=found_op, value=value, parameter=parameter, required=required, sort=sort
            )
        )
        return self

    def link(
        self,
        path: str,
        *fields: str | QueryField,
        name: str | None = None,
        reverse: bool = False,
        type: str | None = None,
        required: bool = False,
        single: bool = False,
    ) -> Query:
        """Follow a link (``reverse=True``: the instances linking here by ``path``) and return ``fields`` of the targets."""
        self.fields.append(
            QueryField(
                path,
                name,
                [_as_field(f) for f in fields],
                reverse=reverse,
                type=type,
                required=required,
                single=single,
                ensure_order=not reverse,
            )
        )
        return self

    def reverse(
        self, path: str, *fields: str | QueryField, type: str | None = None, name: str | None = None
    ) -> Query:
        """The instances (of ``type``) that link to these by ``path``, with their ``fields``.

        The result key is ``https://schema.hbp.eu/myQuery/<path>_reverse`` unless ``name`` is
        given (the KG would use the property IRI itself, which reads as a forward link).
        """
        short = path.rstrip("/").rsplit("/", 1)[-1]
        return self.link(path, *fields, name=name or f"query:{short}_reverse", reverse=True, type=type)

    def to_json(self, vocab: str, type_iri: Any) -> dict[str, Any]:
        """The query document: ``vocab`` expands short property names, ``type_iri`` short type names."""

        def prop_iri(p: str) -> str:
            return p if p.startswith("@") or "://" in p else vocab + p

        meta: dict[str, Any] = {"type": type_iri(self.type)}
        if self.name:
            meta["name"] = self.name
        if self.description:
            meta["description"] = self.description
        structure = [{"path": "@id"}, {"path": "@type"}]
        structure += [f.to_json(prop_iri, type_iri) for f in self.fields]
        return {"@context": dict(QUERY_CONTEXT), "meta": meta, "structure": structure}


def collapse_nested_terms(documents: list[dict[str, Any]], term_iris: Any) -> list[dict[str, Any]]:
    """Replace nested library-term objects in query results by plain links (``{"@id": …}``).

    A query that follows a link to a licence or a species returns part of that term's
    document; loaded as a node it would be an incomplete copy of a library instance.
    As a link, :meth:`KGClient.to_graph` rewrites it to the openMINDS IRI like any other.
    ``term_iris(ids)`` maps the KG ids that are library terms to their IRIs.
    """
    nested: set[str] = set()

    def collect(value: Any, top: bool) -> None:
        if isinstance(value, list):
            for item in value:
                collect(item, False)
        elif isinstance(value, dict):
            if not top and isinstance(value.get("@id"), str) and len(value) > 1:
                nested.add(value["@id"])
            for key, item in value.items():
                if not key.startswith("@"):
                    collect(item, False)

    for doc in documents:
        collect(doc, True)
    kg_ids = sorted(i for i in nested if i.startswith(KG_INSTANCE_NS))
    terms = set(term_iris(kg_ids)) if kg_ids else set()
    if not terms:
        return documents

    def collapse(value: Any, top: bool) -> Any:
        if isinstance(value, list):
            return [collapse(item, False) for item in value]
        if isinstance(value, dict):
            if not top and value.get("@id") in terms:
                return {"@id": value["@id"]}
            return {k: (v if k.startswith("@") else collapse(v, False)) for k, v in value.items()}
        return value

    return [collapse(doc, True) for doc in documents]
