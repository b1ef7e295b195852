"""JSON text in and out at C speed (msgspec), with the ``json`` module's results kept.

``loads`` and ``dumps`` give the same data and the same text as
``json.loads(text)`` and ``json.dumps(value, sort_keys=True, ensure_ascii=False,
indent=…)``, byte for byte (big integers stay exact). Whatever msgspec would treat
differently gives ``None``, and the caller uses the ``json`` module as before: a
document it refuses (so the error messages stay the ones people know, and ``NaN``
is still refused), a lone surrogate, a key that is not a string, values that would
come out as ``null`` (msgspec writes NaN and infinities so) and floats (msgspec
spells ``1e+16`` as ``1e16``: the same number, but not the same text).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

__all__ = ["dumps", "dumps_bytes", "dumps_bytes_checked", "has_float", "loads", "whole_numbers_only"]

_decoder = msgspec.json.Decoder()


class _Float(Exception):
    """Raised by the probe below at the first float literal."""


def _on_float(_text: str) -> Any:
    raise _Float


#: reads our own output again and stops at the first float (msgspec spells some floats otherwise)
_float_probe = msgspec.json.Decoder(float_hook=_on_float)
_encoder = msgspec.json.Encoder(order="sorted")
_ORJSON_OPTIONS = {None: orjson.OPT_SORT_KEYS, 2: orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2}


def loads(data: str | bytes) -> Any | None:
    """The JSON value of ``data``, or None when the json module must decide (errors, unusual input)."""
    try:
        return _decoder.decode(data)
    except (msgspec.DecodeError, UnicodeError, RecursionError):
        return None


def has_float(value: Any) -> bool:
    """Whether plain JSON data holds a float (or anything but str/int/bool/None/dict/list: maybe one).

    Most openMINDS graphs hold no float at all; then the text of the fast encoders is json's
    (see :func:`dumps`). Written for the shape of graph nodes (texts and numbers settled inline,
    one call per container); measured on 100,000 Files: 0.15 s CPU, where decoding the text again
    with the float probe took 0.26 s.
    """
    cls = value.__class__
    if cls is dict:
        value = value.values()
    elif cls is not list:
        return not (cls is str or cls is int or cls is bool or value is None)
    for v in value:
        c = v.__class__
        if c is str or c is int or c is bool or v is None:
            continue
        if (c is dict or c is list) and not has_float(v):
            continue
        return True
    return False


def dumps_bytes_checked(value: Any, indent: int | None, *, large: bool = True) -> bytes | None:
    """:func:`dumps_bytes` with the float check done here, the quickest way that is safe.

    orjson writes json's text for everything but fractional floats below 1e-4 (``0.00001``, not
    ``1e-05``), NaN and infinities; :func:`whole_numbers_only` (in Rust: 0.07 s for 100,000
    Files where the Python walk :func:`has_float` takes 0.16 s) clears most graphs of those at
    once, the walk judges the rest. ``large=False``: a small value, walked (no import for it).
    """
    if large and indent in (None, 2) and whole_numbers_only(value):
        return dumps_bytes(value, indent, floats=False)
    return dumps_bytes(value, indent, floats=has_float(value))


def whole_numbers_only(value: Any) -> bool:
    """Whether plain JSON data holds no float but whole numbers (``2.0``, ``1e+16``: orjson writes those
    as json does, which is checked once per process), in jsonschema-rs. False when it cannot tell."""
    check = _whole_numbers_check()
    if check is None:
        return False
    try:
        return check(value)
    except Exception:  # anything it cannot take (a lone surrogate, a key that is not text …)
        return False


#: floats written alike by orjson and repr() (in orjson 3.13), at the edges of its formats
_WHOLE_PROBES: tuple[float, ...] = (
    *(0.0, -0.0, 1.0, 123.0, 1e15, 999999999999999.0, 1e16, -1e16, 1.5e16, 2.0**53, 2.0**53 + 2),
    *(1e17, 1.2345678901234567e19, 1e21, 1e22, 1e23, 1e100, 1.7976931348623157e308),
)


#: the nesting the Rust check looks into (orjson's own limit is 255 levels)
_WHOLE_DEPTH = 256


@functools.cache
def _whole_numbers_check() -> Callable[[Any], bool] | None:
    if any(orjson.dumps(x) != repr(x).encode() for x in _WHOLE_PROBES):
        return None  # (another orjson spells whole floats otherwise: the walk decides everything)
    try:
        import jsonschema_rs
    except ImportError:
        return None
    # JSON Schema's "integer" is any number without a fractional part, 2.0 included. One definition per
    # level of nesting, none below the last: jsonschema-rs recurses on the machine stack and a value
    # nested a few 100,000 levels deep would crash the process; deeper values are refused here (and
    # orjson refuses them too), so the caller's json module path judges them.
    plain = ["string", "integer", "boolean", "null"]
    defs: dict[str, Any] = {}
    for level in range(_WHOLE_DEPTH, 0, -1):
        inner = {"$ref": f"#/$defs/v{level + 1}"} if level < _WHOLE_DEPTH else False
        defs[f"v{level}"] = {
            "type": [*plain, "array", "object"] if inner else plain,
            "items": inner,
            "additionalProperties": inner,
        }
    schema = {"$defs": defs, "$ref": "#/$defs/v1"}
    return jsonschema_rs.Draft202012Validator(schema).is_valid


def dumps(value: Any, indent: int | None, *, floats: bool = True) -> str | None:
    """Sorted-key JSON text of plain JSON data (compact, or indented), or None to leave it to the json module.

    ``floats=False`` (the caller checked with :func:`has_float`): no float to spell differently,
    no NaN or infinity to come out as null, so the probes are skipped.
    """
    out = dumps_bytes(value, indent, floats=floats)
    return None if out is None else out.decode("utf-8")


def dumps_bytes(value: Any, indent: int | None, *, floats: bool = True) -> bytes | None:
    """:func:`dumps` as UTF-8 bytes (what a file gets: no decoding and encoding again)."""
    if not floats and indent in (None, 2):
        # orjson writes sorted, indented text in one pass (about twice msgspec's encode + format);
        # without floats it is json's text, byte for byte (a test compares them on random data)
        try:
            return orjson.dumps(value, option=_ORJSON_OPTIONS[indent])
        except (TypeError, ValueError, OverflowError, RecursionError):
            return None  # big integers, lone surrogates, keys that are not text: the json module
    try:
        out = _encoder.encode(value)
    except (TypeError, ValueError, OverflowError, RecursionError, msgspec.EncodeError):
        return None
    if not floats:
        return out if indent is None else msgspec.json.format(out, indent=indent)
    if b"null" in out:  # a NaN or an infinity becomes null in msgspec: let the json module judge
        return None
    # msgspec spells some floats otherwise (1e16, not 1e+16): the same text or none. The probe builds
    # (and drops) a copy of the value: the cyclic GC would scan the whole heap for nothing meanwhile.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _float_probe.decode(out)
    except (_Float, RecursionError):
        return None
    finally:
        if gc_was_enabled:
            gc.enable()
    return out if indent is None else msgspec.json.format(out, indent=indent)
