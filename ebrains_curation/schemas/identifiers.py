"""Normalise and check persistent identifiers (ORCID, DOI, ROR) written the many ways people write them."""

from __future__ import annotations

import re

from ..errors import SchemaError

__all__ = ["normalize_doi", "normalize_orcid", "orcid_checksum_ok"]

_ORCID_BARE = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_DOI_BARE = re.compile(r"^10\.[0-9]{4,9}/[-._;()/:<>\[\]A-Za-z0-9]+$")


def orcid_checksum_ok(orcid: str) -> bool:
    """True when the last character of an ORCID iD matches its ISO 7064 MOD 11-2 checksum."""
    digits = re.sub(r"[^0-9X]", "", orcid.rsplit("/", 1)[-1].upper())
    if len(digits) != 16:
        return False
    total = 0
    for ch in digits[:-1]:
        if not ch.isdigit():
            return False
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def normalize_orcid(value: str) -> str:
    """Return ``https://orcid.org/NNNN-NNNN-NNNN-NNNX`` from a bare, spaced or URL form; reject bad ones.

    >>> normalize_orcid("0000 0002 1825 0097")
    'https://orcid.org/0000-0002-1825-0097'
    """
    text = value.strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid.org/", "orcid:", "ORCID:"):
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix) :]
    text = text.replace(" ", "").upper()
    m = _ORCID_BARE.match(text)
    if not m:
        raise SchemaError(
            f"{value!r} is not an ORCID iD: expected 16 digits (the last may be X) such as "
            "0000-0002-1825-0097 or https://orcid.org/0000-0002-1825-0097"
        )
    iri = "https://orcid.org/" + "-".join(m.groups())
    if not orcid_checksum_ok(iri):
        raise SchemaError(
            f"{value!r} is not a valid ORCID iD: its check digit does not match (a typo?). "
            "Copy it from your ORCID profile page."
        )
    return iri


def normalize_doi(value: str) -> str:
    """Return ``https://doi.org/10.…`` from ``10.…``, ``doi:10.…`` or a doi.org URL; reject non-DOIs.

    >>> normalize_doi("doi:10.25493/ABCD-1234")
    'https://doi.org/10.25493/ABCD-1234'
    """
    text = value.strip()
    lowered = text.lower()
    for prefix in (
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ):
        if lowered.startswith(prefix):
            text = text[len(prefix) :]
            break
    if not _DOI_BARE.match(text):
        raise SchemaError(
            f"{value!r} is not a DOI: expected 10.<registrant>/<suffix>, e.g. 10.25493/ABCD-1234 "
            "or https://doi.org/10.25493/ABCD-1234"
        )
    return "https://doi.org/" + text
