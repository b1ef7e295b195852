"""Typed builders for openMINDS objects, with controlled terms chosen by name.

Every builder returns a plain ``openminds`` object of the chosen version (v4
by default), so the result works everywhere the ``openminds`` package does::

    from ebrains_curation import build

    alice = build.person("Alice", "Smith", orcid="https://orcid.org/0000-0002-1825-0097")
    dsv = build.dataset_version(
        short_name="demo", version_identifier="v1", version_innovation="first release",
        accessibility="free access", license="CC-BY-4.0", data_types=["raw data"],
        ethics_assessment="not required", experimental_approaches=["electrophysiology"],
        techniques=["patch clamp"], release_date="2024-05-01", authors=[alice],
    )

Properties are given by their openminds python name (``short_name``) or JSON-LD
key (``shortName``). A string given for a property that links to controlled
terms is looked up by name among the allowed term types ("mouse" → *Mus
musculus*); a string for a date becomes a ``date``; a single value for a
multi-valued property becomes a one-item list. Builders never validate: call
:func:`ebrains_curation.validate` for that.
"""

from __future__ import annotations

import datetime as _dt
from difflib import get_close_matches
from typing import Any

from ._generated.builder_methods import GeneratedBuilderMethods
from .errors import SchemaError, UnknownTermError
from .schemas import PropertySpec, TypeSpec, get_registry, get_term_index, get_version
from .schemas.identifiers import normalize_doi, normalize_orcid
from .schemas.terms import describe_choices, pick_label, preferred_kind, rank_suggestions, split_kind_hint
from .schemas.versions import VersionLike

__all__ = ["Builder", "build"]


def _with_property_docs(generated: Any) -> Any:
    """Append the generated per-property docs (openMINDS instruction texts) to a hand-written builder."""

    def decorate(func: Any) -> Any:
        gen_doc = generated.__doc__ or ""
        args = gen_doc[gen_doc.find("Args:") :] if "Args:" in gen_doc else ""
        rest = args.split("\n", 1)[1] if "\n" in args else ""
        func.__doc__ = (
            (func.__doc__ or "").rstrip()
            + "\n\n        Other keyword arguments (openMINDS v4 properties):\n"
            + rest
        )
        return func

    return decorate


G = GeneratedBuilderMethods


class Builder(GeneratedBuilderMethods):
    """Builders for one openMINDS version: ``Builder("v3").person("Ada", "Lovelace")``.

    Every common openMINDS type has a method named after it in snake case
    (``dataset_version``, ``file_repository`` …) whose keyword arguments are
    the type's properties; any other type is built with ``builder("TypeName", **props)``.
    """

    def __init__(self, version: VersionLike = None):
        self.version = get_version(version)

    def __repr__(self) -> str:
        return f"Builder(version={self.version!r})"

    # -- generic ----------------------------------------------------------------------------------
    def __call__(self, type_name: str, id: str | None = None, **props: Any) -> Any:
        """Build any openMINDS type by short name: ``build("Subject", lookup_label="sub-01", species="mouse")``."""
        spec = get_registry(self.version).get(type_name)
        return self._make(spec, id, props)

    def _build_named(self, type_name: str, id: str | None, props: dict[str, Any]) -> Any:
        # the generated methods (their signatures and openMINDS texts) end here; research product
        # versions first turn DOI-like strings into nodes
        spec = get_registry(self.version).get(type_name)
        if type_name in _PRODUCT_VERSIONS:
            props = self._product_version_props(spec, props)
        return self._make(spec, id, props)

    def _product_version_props(self, spec: TypeSpec, props: dict[str, Any]) -> dict[str, Any]:
        """A string ``digital_identifier`` becomes a DOI node, a string ``full_documentation`` a DOI or
        WebResource node (stored under ``documentation`` in v5)."""
        out = dict(props)
        if isinstance(out.get("digital_identifier"), str):
            out["digital_identifier"] = self.doi(out["digital_identifier"])
        doc = out.pop("full_documentation", None)
        if isinstance(doc, str):
            doc = self.doi(doc) if "doi" in doc.lower() or doc.startswith("10.") else self.web_resource(doc)
        if doc is not None:
            out["documentation" if "documentation" in spec.properties else "full_documentation"] = doc
        return out

    def term(self, kind: str, name: str) -> Any:
        """A controlled term (or other library instance) by kind and name: ``build.term("license", "CC-BY-4.0")``."""
        return get_term_index(kind, self.version).get(name)

    def _make(self, spec: TypeSpec, id: str | None, props: dict[str, Any]) -> Any:
        cls = spec.openminds_class()
        kwargs: dict[str, Any] = {}
        for key, value in props.items():
            if value is None:
                continue
            prop = self._prop(spec, key)
            kwargs[prop.name] = self._coerce(spec, prop, value)
        if id is not None:
            if spec.embedded:
                raise SchemaError(f"{spec.name} is embedded in other nodes and cannot have an id")
            kwargs["id"] = id
        return cls(**kwargs)

    def _prop(self, spec: TypeSpec, key: str) -> PropertySpec:
        for p in spec.properties.values():
            if key in (p.name, p.key):
                return p
        names = sorted(p.name for p in spec.properties.values())
        close = get_close_matches(key, names, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else f" Known: {', '.join(names)}."
        raise SchemaError(f"openMINDS {self.version} {spec.name} has no property {key!r}.{hint}")

    def _coerce(self, spec: TypeSpec, prop: PropertySpec, value: Any) -> Any:
        if prop.multiple:
            items = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            return [self._coerce_one(spec, prop, v) for v in items]
        if isinstance(value, (list, tuple)):
            raise SchemaError(f"{spec.name}.{prop.name} takes a single value, not a list")
        return self._coerce_one(spec, prop, value)

    def _coerce_one(self, spec: TypeSpec, prop: PropertySpec, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if prop.kinds & {"link", "embedded"} and not prop.kinds & {"string", "iri"}:
            return self._term_for(spec, prop, value)
        if "date" in prop.kinds and not prop.kinds & {"string"}:
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                raise SchemaError(
                    f"{spec.name}.{prop.name} must be a date written YYYY-MM-DD, got {value!r}"
                ) from None
        if "datetime" in prop.kinds and not prop.kinds & {"string"}:
            try:
                return _dt.datetime.fromisoformat(value)
            except ValueError:
                raise SchemaError(
                    f"{spec.name}.{prop.name} must be a date-time (ISO 8601), got {value!r}"
                ) from None
        if "iri" in prop.kinds and "string" not in prop.kinds:
            from openminds.base import IRI

            return IRI(value)
        return value

    def _term_for(self, spec: TypeSpec, prop: PropertySpec, name: str) -> Any:
        reg = get_registry(self.version)
        found: list[Any] = []
        suggestions: list[str] = []
        term_specs = [reg.get(t) for t in prop.target_types if reg.get(t).controlled_term]
        kinds: list[str] = [t.name for t in term_specs]
        # a kind hint in brackets picks the kind: "hippocampus (ParcellationEntityVersion)"
        name, hinted = split_kind_hint(name, kinds, self.version)
        for tspec in term_specs:
            if hinted is not None and tspec.name != hinted:
                continue
            index = get_term_index(tspec, self.version)
            matches = index.find(name)
            found.extend(m for m in matches if m not in found)
            if not matches:
                suggestions.extend(index.suggest(name, 3))
        suggestions = rank_suggestions(name, list(dict.fromkeys(suggestions)), 5)
        if len({type(m).__name__ for m in found}) > 1:  # the property's usual kind wins
            usual = preferred_kind(prop.key, kinds)
            found = [m for m in found if type(m).__name__ == usual] or found
        if len(found) == 1:
            return found[0]
        if not kinds:
            raise SchemaError(
                f"{spec.name}.{prop.name} links to {', '.join(prop.target_names)} nodes, which are not "
                f"controlled terms: pass an object (e.g. build.{_snake(prop.target_names[0])}(...)), not {name!r}"
            )
        if found:  # suggestions: the exact labels that pick each one
            raise UnknownTermError(
                f"{name!r} fits several terms for {spec.name}.{prop.name}. {describe_choices(name, found)}",
                kind="/".join(kinds),
                name=name,
                suggestions=tuple(pick_label(m) for m in found),
            )
        if not suggestions and len(kinds) == 1:
            labels = get_term_index(term_specs[0], self.version).labels
            hint = f" Choose one of: {', '.join(repr(x) for x in labels)}." if len(labels) <= 15 else ""
        else:
            hint = f" Closest matches: {', '.join(repr(x) for x in suggestions)}." if suggestions else ""
        what = (
            " or ".join(kinds)
            if len(kinds) <= 3
            else f"term ({len(kinds)} kinds fit, e.g. {', '.join(kinds[:3])})"
        )
        raise UnknownTermError(
            f"No openMINDS {self.version} {what} called {name!r} for {spec.name}.{prop.name}.{hint}",
            kind="/".join(kinds),
            name=name,
            suggestions=tuple(dict.fromkeys(suggestions)),
        )

    # -- actors -----------------------------------------------------------------------------------
    @_with_property_docs(G.person)
    def person(
        self,
        given_name: str | None = None,
        family_name: str | None = None,
        *,
        id: str | None = None,
        orcid: str | None = None,
        email: str | None = None,
        affiliations: Any = None,
        **props: Any,
    ) -> Any:
        """A Person; ``orcid`` becomes an ORCID node, ``email`` a ContactInformation node.

        In v5, ``given_name``/``family_name`` also fill the required ``preferred_name``.
        """
        if orcid is not None:
            props["digital_identifiers"] = [self.orcid(orcid)]
        if email is not None:
            props["contact_information"] = self.contact(email)
        if affiliations is not None:
            items = affiliations if isinstance(affiliations, (list, tuple)) else [affiliations]
            props["affiliations"] = [a if _is_type(a, "Affiliation") else self.affiliation(a) for a in items]
        spec = get_registry(self.version).get("Person")
        if "preferredName" in spec.properties and "preferred_name" not in props and given_name:
            props["preferred_name"] = " ".join(x for x in (given_name, family_name) if x)
        return self._make(spec, id, {"given_name": given_name, "family_name": family_name, **props})

    @_with_property_docs(G.organization)
    def organization(
        self, full_name: str, *, id: str | None = None, ror: str | None = None, **props: Any
    ) -> Any:
        """An Organization; ``ror`` ("https://ror.org/…") becomes a RORID node."""
        if ror is not None:
            props["digital_identifiers"] = [self("RORID", id=ror, identifier=ror)]
        spec = get_registry(self.version).get("Organization")
        key = "full_name" if "fullName" in spec.properties else "name"
        return self._make(spec, id, {key: full_name, **props})

    @_with_property_docs(G.consortium)
    def consortium(self, full_name: str, *, id: str | None = None, **props: Any) -> Any:
        """A Consortium."""
        return self("Consortium", id=id, full_name=full_name, **props)

    @_with_property_docs(G.affiliation)
    def affiliation(self, member_of: Any, **props: Any) -> Any:
        """An Affiliation (embedded) to an Organization or Consortium (or an organisation name)."""
        if isinstance(member_of, str):
            member_of = self.organization(member_of)
        spec = get_registry(self.version).get("Affiliation")
        key = "member_of" if "memberOf" in spec.properties else "organizations"
        return self._make(spec, None, {key: member_of, **props})

    @_with_property_docs(G.contact_information)
    def contact(self, email: str, *, id: str | None = None) -> Any:
        """A ContactInformation node holding an e-mail address."""
        spec = get_registry(self.version).get("ContactInformation")
        key = "email" if "email" in spec.properties else "emails"
        return self._make(spec, id or f"mailto:{email}", {key: email})

    @_with_property_docs(G.contribution)
    def contribution(self, contributor: Any, types: Any, **props: Any) -> Any:
        """A Contribution (embedded): who did what ("authoring", "data collection" …)."""
        spec = get_registry(self.version).get("Contribution")
        if any(p.name == "contributor" for p in spec.properties.values()):  # v3/v4
            return self._make(spec, None, {"contributor": contributor, "types": types, **props})
        return self._make(spec, None, {"contributors": contributor, "type": types, **props})

    # -- identifiers ------------------------------------------------------------------------------
    @_with_property_docs(G.doi)
    def doi(self, identifier: str) -> Any:
        """A DOI node; accepts "10.xxxx/…", "doi:10.…" or the https://doi.org/ form."""
        text = normalize_doi(identifier)
        return self("DOI", id=text, identifier=text)

    @_with_property_docs(G.orcid)
    def orcid(self, identifier: str) -> Any:
        """An ORCID node; accepts the bare 16-digit form or https://orcid.org/…; the check digit is verified."""
        text = normalize_orcid(identifier)
        return self("ORCID", id=text, identifier=text)

    @_with_property_docs(G.web_resource)
    def web_resource(self, iri: str, *, id: str | None = None, **props: Any) -> Any:
        """A WebResource pointing at ``iri``."""
        return self("WebResource", id=id or iri, iri=iri, **props)

    # -- licences, copyright, funding -------------------------------------------------------------
    def license(self, name: str) -> Any:
        """An openMINDS licence by name: "CC-BY-4.0", "CC BY 4.0", "Creative Commons Attribution 4.0 International"."""
        return self.term("License", name)

    @_with_property_docs(G.copyright)
    def copyright(self, holders: Any, years: Any) -> Any:
        """A Copyright (embedded): holders and four-digit years."""
        spec = get_registry(self.version).get("Copyright")
        yk = "years" if any(p.name == "years" for p in spec.properties.values()) else "year"
        hk = "holders" if any(p.name == "holders" for p in spec.properties.values()) else "holder"
        years = [str(y) for y in years] if isinstance(years, (list, tuple)) else str(years)
        return self._make(spec, None, {hk: holders, yk: years})

    @_with_property_docs(G.funding)
    def funding(
        self,
        funder: Any,
        *,
        id: str | None = None,
        award_title: str | None = None,
        award_number: str | None = None,
        **props: Any,
    ) -> Any:
        """A Funding node (funder is an Organization, Person or Consortium, or a name)."""
        if isinstance(funder, str):
            funder = self.organization(funder)
        return self(
            "Funding", id=id, funder=funder, award_title=award_title, award_number=award_number, **props
        )

    def term_or_obj(self, kind: str, value: Any) -> Any:
        """``value`` itself when it is an object, else the term of ``kind`` called ``value``."""
        return self.term(kind, value) if isinstance(value, str) else value

    # -- products ---------------------------------------------------------------------------------
    @_with_property_docs(G.dataset)
    def dataset(
        self,
        full_name: str,
        short_name: str,
        description: str,
        *,
        id: str | None = None,
        authors: Any = None,
        versions: Any = None,
        **props: Any,
    ) -> Any:
        """A Dataset (the version-independent record); ``versions`` are its DatasetVersions (v3/v4)."""
        spec = get_registry(self.version).get("Dataset")
        base = {"full_name": full_name, "short_name": short_name, "description": description}
        if authors is not None:
            base["authors"] = authors
        if versions is not None:
            base["has_versions"] = versions
        return self._make(spec, id, {**base, **props})

    @_with_property_docs(G.model)
    def model(
        self, full_name: str, short_name: str, description: str, *, id: str | None = None, **props: Any
    ) -> Any:
        """A Model (the version-independent record)."""
        return self(
            "Model", id=id, full_name=full_name, short_name=short_name, description=description, **props
        )

    @_with_property_docs(G.software)
    def software(
        self, full_name: str, short_name: str, description: str, *, id: str | None = None, **props: Any
    ) -> Any:
        """A Software (the version-independent record)."""
        return self(
            "Software", id=id, full_name=full_name, short_name=short_name, description=description, **props
        )

    # -- files ------------------------------------------------------------------------------------
    @_with_property_docs(G.file_repository)
    def file_repository(
        self, name: str, iri: str, hosted_by: Any, *, id: str | None = None, **props: Any
    ) -> Any:
        """A FileRepository (``hosted_by`` an Organization or its name; ``type`` e.g. "swift")."""
        if isinstance(hosted_by, str):
            hosted_by = self.organization(hosted_by)
        return self("FileRepository", id=id or iri, name=name, iri=iri, hosted_by=hosted_by, **props)

    @_with_property_docs(G.file)
    def file(
        self,
        name: str,
        iri: str,
        *,
        id: str | None = None,
        size: int | None = None,
        hashes: dict[str, str] | None = None,
        **props: Any,
    ) -> Any:
        """A File; ``size`` in bytes becomes a QuantitativeValue, ``hashes`` {"SHA256": digest} Hash nodes."""
        if size is not None:
            props["storage_size"] = self.quantity(size, "byte")
        if hashes:
            props["hashes"] = [self("Hash", algorithm=alg, digest=dig) for alg, dig in hashes.items()]
        return self("File", id=id or iri, name=name, iri=iri, **props)

    def quantity(self, value: float, unit: str | None = None) -> Any:
        """A QuantitativeValue such as ``quantity(1024, "byte")``."""
        return self("QuantitativeValue", value=value, unit=unit)

    def species(self, name: str) -> Any:
        """A species by Latin or common name ("Mus musculus", "mouse", "human")."""
        return self.term("Species", name)


#: types whose generated builders get DOI/documentation conveniences (Builder._product_version_props)
_PRODUCT_VERSIONS = frozenset({"DatasetVersion", "ModelVersion", "SoftwareVersion"})


def _is_type(obj: Any, name: str) -> bool:
    return type(obj).__name__ == name


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


#: Builders for the default version (v4). ``build.v3`` / ``build.v5`` give other versions.
build = Builder()
Builder.v3 = property(lambda self: Builder("v3"))  # type: ignore[attr-defined]
Builder.v4 = property(lambda self: Builder("v4"))  # type: ignore[attr-defined]
Builder.v5 = property(lambda self: Builder("v5"))  # type: ignore[attr-defined]
