"""Search results that display as a table in Jupyter.

::

    results = kg.search("DatasetVersion", "barrel cortex", stage="IN_PROGRESS").to_list()
    results            # in Jupyter: a table of name, type, space and KG id
    results.total      # how many instances matched in the KG (may be more than were fetched)

:class:`SearchResults` is a plain ``list`` of the KG documents, so everything that
works on a list (``len``, indexing, ``client.to_graph(results)``) keeps working.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from ..constants import KG_INSTANCE_NS, KG_META_PREFIX
from .labels import document_label

__all__ = ["SearchResults"]

_MAX_ROWS = 500  # rows drawn in Jupyter; the list itself keeps every item


class SearchResults(list[Any]):
    """A list of KG documents (from a search or listing) with a Jupyter table view.

    ``total`` is the number of matches the KG reported (``None`` when it did not count),
    which can exceed ``len(results)`` when a ``limit`` was given.
    """

    def __init__(self, items: Iterable[Any] = (), *, total: int | None = None, title: str | None = None):
        super().__init__(items)
        self.total = total
        self.title = title

    def __repr__(self) -> str:
        return f"<SearchResults {self._count_text()}>"

    def _count_text(self) -> str:
        shown = len(self)
        if self.total is not None and self.total != shown:
            return f"{shown} of {self.total} results"
        return f"{shown} result{'s' * (shown != 1)}"

    def _repr_html_(self) -> str:
        e = html.escape
        head = e(self.title + ": " if self.title else "") + e(self._count_text())
        rows = []
        for n, item in enumerate(self[:_MAX_ROWS], 1):
            if isinstance(item, dict):
                name, types, space, ident = _describe(item)
                uuid = ident[len(KG_INSTANCE_NS) :] if ident.startswith(KG_INSTANCE_NS) else ident
                rows.append(
                    f"<tr><td>{n}</td><td>{e(name)}</td><td>{e(types)}</td><td>{e(space)}</td>"
                    f'<td><code title="{e(ident)}">{e(uuid)}</code></td></tr>'
                )
            else:
                rows.append(f"<tr><td>{n}</td><td colspan='4'>{e(str(item))}</td></tr>")
        if len(self) > _MAX_ROWS:
            rows.append(f"<tr><td colspan='5'><em>… {len(self) - _MAX_ROWS:,} more not shown</em></td></tr>")
        table = (
            '<table class="ebrains-search-results"><thead><tr><th>#</th><th>name</th><th>type</th>'
            f"<th>space</th><th>KG id</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            if rows
            else "<p><em>Nothing found.</em></p>"
        )
        # long names and ids wrap inside their cells instead of pushing the table off the page
        style = (
            "<style>.ebrains-search-results{border-collapse:collapse;max-width:100%}"
            ".ebrains-search-results td,.ebrains-search-results th{overflow-wrap:anywhere;padding:.1em .4em;"
            "text-align:left;vertical-align:top}</style>"
        )
        return f'<div class="ebrains-curation-search">{style}<p><strong>{head}</strong></p>{table}</div>'


def _describe(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    """(name, short type names, space, @id) of one KG document."""
    raw_types = doc.get("@type") or []
    types = [raw_types] if isinstance(raw_types, str) else list(raw_types)
    short = ", ".join(str(t).rstrip("/").rsplit("/", 1)[-1] for t in types)
    space = doc.get(KG_META_PREFIX + "space") or ""
    return document_label(doc), short, str(space), str(doc.get("@id") or "")
