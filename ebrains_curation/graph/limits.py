"""Size limits on whole graphs, for the steps that slow down badly with size.

rdflib-based steps (the SHACL engine, Turtle and N-Triples output) need memory and time
per value far above the rest of the package: past a point they run for many minutes with
gigabytes of memory. Each such step has a limit on the number of values, read from an
environment variable (``0`` = no limit) and settable on the command line; over it, the
step refuses at once with a message that names the limit and how to raise it.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import ConfigurationError
from .model import MetadataGraph

__all__ = ["count_values", "over_value_limit", "value_limit"]


def value_limit(env: str, default: int) -> int | None:
    """The limit set by the environment variable ``env`` (else ``default``); None means no limit."""
    raw = os.environ.get(env, "").strip()
    try:
        limit = int(raw) if raw else default
    except ValueError:
        raise ConfigurationError(f"{env}={raw!r} is not a whole number (0 = no limit)") from None
    return None if limit <= 0 else limit


def count_values(graph: MetadataGraph, stop_above: int | None = None) -> int:
    """The number of values (strings, numbers, links, types) in the graph's nodes, embedded ones included.

    One per RDF triple the graph makes: a link or an embedded node counts as one value,
    plus the values inside. Counting stops once above ``stop_above``: a check on a huge
    graph costs no more than the limit.
    """
    values = 0
    stack: list[Any] = [v for node in graph.nodes.values() for k, v in node.items() if k != "@id"]
    while stack and (stop_above is None or values <= stop_above):
        item = stack.pop()
        if isinstance(item, dict):
            values += 1  # the link to it
            stack.extend(v for k, v in item.items() if k != "@id")
        elif isinstance(item, list):
            stack.extend(item)
        else:
            values += 1
    return values


def over_value_limit(graph: MetadataGraph, env: str, default: int) -> int | None:
    """The limit from ``env`` (see :func:`value_limit`) if the graph holds more values than it, else None."""
    limit = value_limit(env, default)
    if limit is None or count_values(graph, stop_above=limit) <= limit:
        return None
    return limit
