"""Format checks shared by both engines: the same regular expressions run in Python and in SHACL.

Dates are checked with a regular expression that knows month lengths and leap years, so
``sh:pattern`` in SHACL and ``re`` in the native engine agree exactly on "2024-02-30".
``[0-9]`` is used instead of ``\\d`` because ``\\d`` also matches non-ASCII digits.
"""

from __future__ import annotations

from typing import Final

from ..schemas.identifiers import orcid_checksum_ok as _checksum_ok

__all__ = ["DATE", "DATETIME", "DATETIME_OR_TIME", "EMAIL", "IRI", "TIME", "orcid_checksum_ok"]

_D: Final = (
    r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
_T: Final = (
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
)

#: a real calendar date, optionally with a time (openMINDS accepts date-times for dates)
DATE: Final = rf"^{_D}(?:T{_T})?$"
DATETIME: Final = rf"^{_D}T{_T}$"
TIME: Final = rf"^{_T}$"
DATETIME_OR_TIME: Final = rf"^(?:{_D}T{_T}|{_T})$"
EMAIL: Final = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
IRI: Final = r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$"

#: words for the "expected" field of format issues
LABELS: Final = {
    "date": "a real calendar date written YYYY-MM-DD",
    "date-time": "a date and time written YYYY-MM-DDThh:mm:ss",
    "time": "a time written hh:mm:ss",
    "date-time|time": "a date-time (YYYY-MM-DDThh:mm:ss) or a time (hh:mm:ss)",
    "email": "an e-mail address",
    "iri": "a web address (IRI)",
}
PATTERNS: Final = {
    "date": DATE,
    "date-time": DATETIME,
    "time": TIME,
    "date-time|time": DATETIME_OR_TIME,
    "email": EMAIL,
    "iri": IRI,
}
RULE_OF: Final = {
    "date": "date-format",
    "date-time": "date-format",
    "time": "date-format",
    "date-time|time": "date-format",
    "email": "email-format",
    "iri": "iri-format",
}


def orcid_checksum_ok(value: str) -> bool:
    """ISO 7064 mod 11-2 check of an ORCID iD (``https://orcid.org/0000-0002-1825-0097``).

    Only meaningful for values that already match the ORCID pattern; others return True
    (the pattern rule reports them).
    """
    digits = value.rsplit("/", 1)[-1].replace("-", "")
    if len(digits) != 16 or not digits[:15].isascii() or not digits[:15].isdigit():
        return True
    return _checksum_ok(value)
