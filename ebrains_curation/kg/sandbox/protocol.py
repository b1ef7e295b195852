"""HTTP plumbing of the sandbox: request parameters and the KG's response envelopes and error bodies."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from .documents import now_iso
from .store import STAGES

if TYPE_CHECKING:
    from .users import User

__all__ = [
    "NOT_FOUND",
    "UNAUTHORIZED",
    "HTTPError",
    "Request",
    "Response",
    "conflict",
    "empty_response",
    "envelope",
    "json_response",
    "paginated",
    "reason",
    "spring_400",
    "text_response",
]

_MAX_LONG = 2**63 - 1
#: deepest JSON body accepted (openMINDS documents are a few levels deep)
MAX_BODY_DEPTH = 100
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}

Response = tuple[int, list[tuple[str, str]], bytes]


class HTTPError(Exception):
    """Short-circuits a handler with a ready response."""

    def __init__(self, response: Response):
        self.response = response


def _bool(params: dict[str, str], name: str, default: bool) -> bool:
    value = params.get(name)
    if value is None:
        return default
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(name)


def _int(params: dict[str, str], name: str, default: int | None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    # ASCII digits only, and within a Java long (the KG's from/size): anything else is a 400
    if not (value.isascii() and value.isdigit()) or int(value) > _MAX_LONG:
        raise ValueError(name)
    return int(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN/Infinity would be stored and served as non-JSON


def _depth_over(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def json_response(status: int, body: Any) -> Response:
    data = json.dumps(body, separators=(",", ":")).encode()
    return status, [("Content-Type", "application/json")], data


def text_response(status: int, text: str) -> Response:
    return status, [("Content-Type", "text/plain;charset=UTF-8")], text.encode()


def empty_response(status: int) -> Response:
    return status, [], b""


def envelope(data: Any, *, start: float | None = None, error: dict[str, Any] | None = None) -> dict[str, Any]:
    """The KG ``Result`` envelope (``startTime``/``durationInMs`` only for timed endpoints)."""
    return {
        "data": data,
        "message": None,
        "error": error,
        "startTime": int(start * 1000) if start is not None else None,
        "durationInMs": int((time.time() - start) * 1000) if start is not None else None,
        "transactionId": None,
    }


def paginated(
    items: list[Any], total: int | None, from_: int, *, start: float | None = None
) -> dict[str, Any]:
    """The KG ``PaginatedResult`` envelope (``size`` is the number of items returned)."""
    out = envelope(items, start=start)
    out.update({"total": total, "size": len(items), "from": from_})
    return out


def spring_400(path: str, message: str = "") -> Response:
    body = {
        "timestamp": now_iso(),
        "status": 400,
        "error": "Bad Request",
        "message": message,
        "path": path,
    }
    return json_response(400, body)


def conflict(message: str, instance_id: str | None) -> Response:
    return json_response(
        409, envelope(None, error={"code": 409, "message": message, "instanceId": instance_id})
    )


NOT_FOUND = empty_response(404)
UNAUTHORIZED = empty_response(401)


class Request:
    """What a handler needs to know about one request."""

    def __init__(
        self, method: str, path: str, api: str, params: dict[str, list[str]], body: bytes, token: str | None
    ):
        self.method = method
        self.path = path
        self.api = api
        self.multi = params
        self.params = {k: v[-1] for k, v in params.items()}
        self.body = body
        self.token = token
        self.user: User | None = None
        self.start = time.time()

    def json(self) -> Any:
        try:
            value = json.loads(self.body or b"null", parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise HTTPError(text_response(400, "The payload is not valid JSON")) from None
        if _depth_over(value, MAX_BODY_DEPTH):
            raise HTTPError(
                text_response(400, f"The payload is nested more than {MAX_BODY_DEPTH} levels deep")
            )
        return value

    def required(self, name: str) -> str:
        value = self.params.get(name)
        if value is None or value == "":
            raise HTTPError(
                spring_400(
                    self.path,
                    f"Required request parameter '{name}' for method parameter type String is not present",
                )
            )
        return value

    def stage(self) -> str:
        stage = self.required("stage")
        if stage not in STAGES:
            raise HTTPError(spring_400(self.path, f"Invalid stage {stage!r}"))
        return stage

    def flag(self, name: str, default: bool) -> bool:
        try:
            return _bool(self.params, name, default)
        except ValueError:
            raise HTTPError(spring_400(self.path, f"Invalid boolean for '{name}'")) from None

    def number(self, name: str, default: int | None) -> int | None:
        try:
            return _int(self.params, name, default)
        except ValueError:
            raise HTTPError(spring_400(self.path, f"Invalid number for '{name}'")) from None

    def list_param(self, name: str) -> list[str]:
        out: list[str] = []
        for v in self.multi.get(name, []):
            out.extend(p for p in v.split(",") if p)
        return out


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def reason(status: int) -> str:
    """The reason phrase of an HTTP status."""
    return _REASONS.get(status, "Unknown")
