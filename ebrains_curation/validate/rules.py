"""The catalogue of built-in rule ids: default severity, message template, fix hint.

Both engines report these ids; messages are filled from the templates here so the
native and SHACL engines word an issue the same way. Templates may use
``{type}``, ``{property}``, ``{value}`` and ``{expected}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["RULES", "Rule", "rank", "rule"]


@dataclass(frozen=True)
class Rule:
    """One built-in rule: its id, default severity, message template and fix hint."""

    id: str
    severity: str
    message: str
    hint: str = ""
    #: False for rules the RDF data model cannot see (duplicates merge into one triple);
    #: the shacl engine checks those on the JSON with the same code.
    rdf: bool = True


_RULES: Final = [
    Rule(
        "invalid-node",
        "error",
        "This node is not a valid JSON-LD node: {expected}.",
        'Each node must be a JSON object with an "@id" string and an "@type".',
    ),
    Rule(
        "missing-type",
        "error",
        "This node has no @type, so it cannot be checked against openMINDS.",
        'Add "@type" with the full openMINDS type IRI, e.g. {expected}.',
    ),
    Rule(
        "unknown-type",
        "error",
        "{value!s} is not an openMINDS {expected} type.",
        "Check the spelling and the openMINDS version (v3 type IRIs start with "
        "https://openminds.ebrains.eu/, v4 and v5 with https://openminds.om-i.org/types/).",
    ),
    Rule(
        "unknown-property",
        "error",
        "{type} has no property {property!r} in this openMINDS version.",
        "Remove it, or fix its spelling: {expected}.",
    ),
    Rule("required", "error", "{type} needs {property!r}, but it is missing.", ""),
    Rule(
        "single-value",
        "error",
        "{property!r} takes a single value, but {value} were given.",
        "Keep only one value (or check whether another property takes lists).",
    ),
    Rule("min-items", "error", "{property!r} needs at least {expected} values, but has {value}.", ""),
    Rule("max-items", "error", "{property!r} takes at most {expected} values, but has {value}.", ""),
    Rule(
        "unique-items",
        "error",
        "{property!r} lists {value!r} more than once.",
        "Remove the duplicate.",
        rdf=False,
    ),
    Rule("value-kind", "error", "{property!r} expects {expected}, but got {value!r}.", ""),
    Rule("link-target-type", "error", "{property!r} links to a {value}, but it must link to {expected}.", ""),
    Rule(
        "embedded-type",
        "error",
        "{property!r} contains an embedded {value}, but it must be {expected}.",
        'Embedded nodes need an "@type" naming one of the allowed types.',
    ),
    Rule(
        "term-kind",
        "error",
        "{property!r} points to the controlled term {value}, which is the wrong "
        "kind of term: expected {expected}.",
        "List the right terms with `ebrains-curation terms KIND`.",
    ),
    Rule(
        "unknown-term",
        "error",
        "{property!r} points to {value}, which looks like an openMINDS library "
        "instance but is not one in this version.",
        "Check the spelling, or pick the term by name with ebrains_curation.get_term().",
    ),
    Rule(
        "term-needs-kg",
        "warning",
        "{property!r} gives its controlled term as the KG id {value}, which cannot be checked without the KG.",
        "Validate with a KG client (validate(..., kg=client)), or fetch the records with "
        "KGClient.to_graph(), which turns the KG ids of terms into openMINDS IRIs.",
    ),
    Rule(
        "missing-link-target",
        "warning",
        "{property!r} links to {value}, which is not in this graph (it may exist in the Knowledge Graph).",
        "Add the linked node to the submission, or check the @id if it should already exist in the KG.",
    ),
    Rule("pattern", "error", "{property!r} value {value!r} is not {expected}.", ""),
    Rule(
        "orcid-checksum",
        "error",
        "{value!r} is not a valid ORCID iD: its last character (the ISO 7064 "
        "mod 11-2 check digit) does not match.",
        "Copy the ORCID iD from the person's ORCID record; a digit was probably mistyped.",
    ),
    Rule(
        "email-format",
        "error",
        "{property!r} value {value!r} is not an e-mail address.",
        "Write it as name@example.org.",
    ),
    Rule(
        "date-format",
        "error",
        "{property!r} value {value!r} is not {expected}.",
        "Dates are written YYYY-MM-DD (e.g. 2024-05-01) and must exist in the calendar.",
    ),
    Rule(
        "iri-format",
        "error",
        "{property!r} value {value!r} is not a web address (IRI).",
        "Write a full address starting with https://.",
    ),
    Rule("min-length", "error", "{property!r} is shorter than {expected} characters.", ""),
    Rule("max-length", "error", "{property!r} is longer than {expected} characters.", ""),
    Rule(
        "not-allowed-value",
        "error",
        "{property!r} value {value} is not allowed here; use one of {expected}.",
        "",
    ),
    Rule("conditional-required", "error", "{property!r} is required here ({expected}).", ""),
    Rule("conditional-value", "error", "{property!r} value {value} is not allowed here ({expected}).", ""),
    Rule("conditional-absent", "error", "{property!r} must be left out here ({expected}).", ""),
    Rule("date-order", "error", "{property!r} must be {expected}, but is {value!r}.", ""),
    Rule("path-required", "error", "{type} needs {expected} (following {property}), but none was found.", ""),
    Rule("path-value", "error", "{property} must be {expected}.", ""),
    Rule("any-of", "error", "{type} needs one of: {expected}.", ""),
    Rule("context-required", "error", "The submission record must give {property} here.", ""),
    Rule("must-be-linked", "error", "No {expected} links to this {type}.", ""),
    Rule("check-not-run", "warning", "A check could not run: {expected}.", ""),
    Rule(
        "empty-metadata",
        "error",
        "There is no metadata to check: the input holds no openMINDS nodes.",
        "An empty file, a Turtle file with only prefixes, [] or a document without nodes never conforms; "
        "check that the right file was given and that it was not truncated.",
    ),
    Rule(
        "invalid-id",
        "error",
        "The @id {value} is not an IRI, so the node cannot be written as RDF or linked to.",
        'Use an absolute IRI such as "https://example.org/my-dataset" (or a blank node id "_:name").',
        rdf=False,
    ),
    Rule("profile-version", "info", "The profile was written for openMINDS {expected}, not {value}.", ""),
    Rule(
        "profile-not-applicable",
        "info",
        "A profile rule does not apply to this openMINDS version: {expected}.",
        "Fix the profile, or ignore this if the rule is meant for another version.",
    ),
]

#: rule id -> Rule, in the order used to rank issues (structural problems first)
RULES: Final[dict[str, Rule]] = {r.id: r for r in _RULES}
_RANK: Final = {r.id: i for i, r in enumerate(_RULES)}


def rule(rule_id: str) -> Rule | None:
    """The built-in rule with this id, or None for a profile's custom rule."""
    return RULES.get(rule_id)


def rank(rule_id: str) -> int:
    """Ranking position of a rule id (custom profile rules come after the built-in ones)."""
    return _RANK.get(rule_id, len(_RANK))


def format_message(template: str, **fields: object) -> str:
    """Fill a message template; missing or odd fields never raise."""
    try:
        return template.format_map(_Safe(fields))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


class _Safe(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
