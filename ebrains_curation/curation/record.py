"""The submission record: what EBRAINS curation asks for that openMINDS has no property for.

openMINDS describes the data; the curation request also asks *who to contact*,
*whether the data custodian agreed*, *which kind of human data* this is and on
which legal basis, whether an *embargo* is wanted, and whether the data
*already has a DOI*. None of these has an openMINDS property, and inventing one
would make the metadata invalid for the Knowledge Graph. So they live here, in
our own small, documented record, saved as JSON or YAML next to the metadata::

    # submission-record.yaml
    record_format: ebrains-curation/submission-record/1
    contact_person: {given_name: Alice, family_name: Smith, email: alice@uni.example}
    data_custodian: {confirmed: true, name: Prof. Bob Jones, email: bob@uni.example}
    human_data: {involved: true, category: pseudonymised, legal_basis: informed consent}
    embargo: {requested: false}
    existing_doi: null

``ebrains-curation check data.jsonld`` finds ``data.record.yaml`` (or ``.json``) or
``submission-record.yaml`` next to the metadata. Next to a *folder* of one-file-per-node
JSON-LD, use YAML: a ``.json`` file in that folder would be read as metadata.

The profile checks (``ebrains-submission``, ``ebrains-publication``) read it
through the validation context (:meth:`SubmissionRecord.to_context`); it is never
merged into the openMINDS graph.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from .._files import decode_text, read_input
from ..errors import ConfigurationError, LoadError

__all__ = [
    "HUMAN_DATA_CATEGORIES",
    "LEGAL_BASES",
    "RECORD_FORMAT",
    "ContactPerson",
    "DataCustodian",
    "EmbargoIntent",
    "HumanDataDeclaration",
    "SubmissionRecord",
]

#: Identifies the file format (bumped only on an incompatible change).
RECORD_FORMAT = "ebrains-curation/submission-record/1"

#: Human subject data that can be shared on EBRAINS (Data Curation wiki). "anonymised" is the
#: wording of the current wiki page; "pseudonymised" data goes through the Human Data Gateway.
HUMAN_DATA_CATEGORIES: tuple[str, ...] = ("post-mortem", "aggregated", "anonymised", "pseudonymised")

#: Usual legal bases for sharing pseudonymised data (free text is accepted too).
LEGAL_BASES: tuple[str, ...] = (
    "informed consent",
    "public interest",
    "scientific research exemption",
    "other",
)

_CATEGORY_ALIASES = {
    "postmortem": "post-mortem",
    "post mortem": "post-mortem",
    "aggregate": "aggregated",
    "anonymized": "anonymised",
    "anonymous": "anonymised",
    "pseudonymized": "pseudonymised",
    "pseudonymous": "pseudonymised",
    "pseudonymised": "pseudonymised",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _only(cls: type, data: Any, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise LoadError(f"{where} must be a mapping, got {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise LoadError(
            f"{where} has unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return dict(data)


@dataclass
class ContactPerson:
    """The person EBRAINS curators write to about this submission."""

    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None

    @property
    def complete(self) -> bool:
        """True when given name, family name and a plausible e-mail address are all there."""
        return bool(self.given_name and self.family_name and self.email and _EMAIL.match(self.email))


@dataclass
class DataCustodian:
    """The data custodian (usually the PI) and whether they confirmed the submission.

    The custodian itself should also be in the metadata (``custodian`` of the
    DatasetVersion); ``confirmed`` records that they agreed to share the data and
    obtained the contributors' consent to publish their names.
    """

    confirmed: bool = False
    name: str | None = None
    email: str | None = None


@dataclass
class HumanDataDeclaration:
    """Whether the data come from human subjects, and if so which shareable category.

    ``category`` is one of :data:`HUMAN_DATA_CATEGORIES`; ``legal_basis`` (e.g.
    "informed consent") is needed for pseudonymised data.
    """

    involved: bool | None = None
    category: str | None = None
    legal_basis: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.category, str):
            key = self.category.strip().casefold().replace("_", "-")
            self.category = _CATEGORY_ALIASES.get(key, _CATEGORY_ALIASES.get(key.replace("-", " "), key))
            if self.category not in HUMAN_DATA_CATEGORIES:
                raise ConfigurationError(
                    f"Unknown human-data category {self.category!r}; use one of {', '.join(HUMAN_DATA_CATEGORIES)}"
                )


@dataclass
class EmbargoIntent:
    """An embargo the authors ask for: the data stay hidden until ``release_date``."""

    requested: bool = False
    release_date: str | None = None  #: ISO date YYYY-MM-DD
    reason: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.release_date, (_dt.date, _dt.datetime)):
            self.release_date = self.release_date.isoformat()[:10]


@dataclass
class SubmissionRecord:
    """Our own, explicit record of the curation facts openMINDS cannot hold.

    Save it next to the metadata (:meth:`save` writes ``.json`` or ``.yaml``) and
    pass it to :func:`ebrains_curation.readiness_checklist` or
    ``ebrains-curation check PATH --record FILE``. ``product`` optionally names the
    @id of the DatasetVersion/ModelVersion/SoftwareVersion it belongs to.
    """

    contact_person: ContactPerson = field(default_factory=ContactPerson)
    data_custodian: DataCustodian = field(default_factory=DataCustodian)
    human_data: HumanDataDeclaration = field(default_factory=HumanDataDeclaration)
    embargo: EmbargoIntent = field(default_factory=EmbargoIntent)
    existing_doi: str | None = None
    product: str | None = None
    notes: str | None = None

    _PARTS: ClassVar[dict[str, type]] = {
        "contact_person": ContactPerson,
        "data_custodian": DataCustodian,
        "human_data": HumanDataDeclaration,
        "embargo": EmbargoIntent,
    }

    # -- conversion -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready dict (empty fields left out), with ``record_format`` first."""
        out: dict[str, Any] = {"record_format": RECORD_FORMAT}
        for name in self._PARTS:
            part = _clean(asdict(getattr(self, name)))
            if part:
                out[name] = part
        for name in ("existing_doi", "product", "notes"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionRecord:
        """Read a record from a dict; unknown fields are an error (typos would silently lose facts)."""
        if not isinstance(data, dict):
            raise LoadError(f"a submission record must be a mapping, got {type(data).__name__}")
        data = dict(data)
        fmt = data.pop("record_format", RECORD_FORMAT)
        if not str(fmt).startswith("ebrains-curation/submission-record/"):
            raise LoadError(f"not a submission record (record_format {fmt!r})")
        known = set(cls._PARTS) | {"existing_doi", "product", "notes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LoadError(
                f"the submission record has unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        kwargs: dict[str, Any] = {}
        for name, part_cls in cls._PARTS.items():
            kwargs[name] = part_cls(**_only(part_cls, data.get(name), name))
        for name in ("existing_doi", "product", "notes"):
            kwargs[name] = data.get(name)
        return cls(**kwargs)

    def to_json(self, indent: int = 2) -> str:
        """The record as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SubmissionRecord:
        """Parse a record from JSON text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(f"the submission record is not valid JSON: {exc}") from None
        except (ValueError, RecursionError) as exc:  # 5,000-digit numbers, 100,000 nested arrays
            raise LoadError(
                f"the submission record is not valid JSON: {exc or 'nested too deeply'}"
            ) from None
        return cls.from_dict(data)

    def to_yaml(self) -> str:
        """The record as YAML text."""
        import yaml

        data = self.to_dict()
        # YAML reads NEL and the Unicode line/paragraph separators as line breaks: escape them then
        raw = json.dumps(data, ensure_ascii=False)
        plain = not any(c in raw for c in "\x85\u2028\u2029")
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=plain)

    @classmethod
    def from_yaml(cls, text: str) -> SubmissionRecord:
        """Parse a record from YAML text (dates become ISO strings)."""
        import yaml

        try:
            data = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            raise LoadError(
                f"the submission record is not valid YAML: {exc or 'nested too deeply'}"
            ) from None
        return cls.from_dict(data or {})

    def save(self, path: str | Path) -> Path:
        """Write the record; ``.yaml``/``.yml`` gives YAML, anything else JSON."""
        path = Path(path)
        text = self.to_yaml() if path.suffix.lower() in (".yaml", ".yml") else self.to_json()
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> SubmissionRecord:
        """Read a record written by :meth:`save` (JSON or YAML, by extension)."""
        path = Path(path)
        text = decode_text(read_input(path, what="submission record"), str(path), "record")
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                return cls.from_yaml(text)
            return cls.from_json(text)
        except LoadError as exc:
            raise LoadError(exc.message, source=str(path)) from None

    @classmethod
    def coerce(cls, value: SubmissionRecord | dict[str, Any] | str | Path | None) -> SubmissionRecord | None:
        """A record from a record, a dict, or a file path (None stays None)."""
        if value is None or isinstance(value, SubmissionRecord):
            return value
        if isinstance(value, dict):
            return cls.from_dict(value)
        if isinstance(value, (str, Path)):
            return cls.load(value)
        raise ConfigurationError(
            f"expected a SubmissionRecord, a dict or a file path, got {type(value).__name__}"
        )

    @staticmethod
    def template_yaml() -> str:
        """A commented YAML template to fill in (save it as ``submission-record.yaml`` next to the metadata)."""
        return _TEMPLATE

    # -- validation context -----------------------------------------------------------------------
    def to_context(self) -> dict[str, Any]:
        """The values the EBRAINS profiles read, as the ``record`` entry of the validation context.

        Every field is present (None when not given), so a rule can tell "not
        declared" from "declared false".
        """
        return {
            "contact_person": asdict(self.contact_person) | {"complete": self.contact_person.complete},
            "data_custodian": asdict(self.data_custodian),
            "human_data": asdict(self.human_data),
            "embargo": asdict(self.embargo),
            "existing_doi": self.existing_doi,
            "product": self.product,
        }


_TEMPLATE = f"""\
# EBRAINS submission record: what the curation request asks for that openMINDS has no property for.
# Keep it next to the metadata as submission-record.yaml; `ebrains-curation check` reads it.
record_format: {RECORD_FORMAT}
contact_person:            # who the EBRAINS curators write to
  given_name:
  family_name:
  email:
data_custodian:            # usually the group leader / PI (also name them as custodian in the metadata)
  confirmed: false         # true once they agreed to share the data and the contributors' names
  name:
  email:
human_data:
  involved: false          # true if the data come from human subjects
  category:                # {" | ".join(HUMAN_DATA_CATEGORIES)}
  legal_basis:             # needed for pseudonymised data, e.g. informed consent
embargo:
  requested: false         # true to keep the files hidden until release_date
  release_date:            # YYYY-MM-DD
  reason:
existing_doi:              # a DOI these data already have (EBRAINS re-uses it instead of registering a new one)
"""
