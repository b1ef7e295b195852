"""Lazy paging over the KG's ``from``/``size``/``total`` envelopes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .display import SearchResults  # display imports nothing of kg but labels: no cycle

__all__ = ["Page", "PageIterator"]

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page: its items, the total (None when the KG was asked not to count) and its offset."""

    items: list[T]
    total: int | None
    from_: int
    size: int  #: number of items the KG returned (not the requested page size)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_envelope(cls, body: dict[str, Any]) -> Page[Any]:
        """Build from a KG ``PaginatedResult`` body."""
        items = body.get("data") or []
        return cls(
            list(items),
            body.get("total"),
            int(body.get("from") or 0),
            int(body.get("size") or len(items)),
            body,
        )

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class PageIterator(Iterator[T]):
    """Iterate every item of a paged listing, fetching one page at a time as needed.

    ``fetch(from_, size)`` returns a :class:`Page`. The next offset is ``from + returned size``
    (as the KG's own SDK does); iteration stops at ``total``, on an empty page, on a
    short page when the total is unknown, or after ``limit`` items. ``total`` is known
    once the first page has been fetched.
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Page[Any]],
        page_size: int = 100,
        limit: int | None = None,
        transform: Callable[[Any], T] | None = None,
        start: int = 0,
    ):
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self._fetch = fetch
        self.page_size = page_size
        self.limit = limit
        self._transform = transform
        self._next_from = start
        self._buffer: list[Any] = []
        self._done = False
        self._yielded = 0
        self.total: int | None = None
        self.pages_fetched = 0
        self.last_page: Page[Any] | None = None

    def __iter__(self) -> PageIterator[T]:
        return self

    def _more(self) -> None:
        size = self.page_size
        if self.limit is not None:
            size = min(size, self.limit - self._yielded)
        page = self._fetch(self._next_from, size)
        self.pages_fetched += 1
        self.last_page = page
        if page.total is not None:
            self.total = page.total
        self._buffer = list(page.items)
        returned = page.size if page.size else len(page.items)
        self._next_from = page.from_ + returned
        if (
            returned == 0
            or (self.total is not None and self._next_from >= self.total)
            or (self.total is None and returned < size)
        ):
            self._done = True

    def __next__(self) -> T:
        if self.limit is not None and self._yielded >= self.limit:
            raise StopIteration
        while not self._buffer:
            if self._done:
                raise StopIteration
            self._more()
        item = self._buffer.pop(0)
        self._yielded += 1
        return self._transform(item) if self._transform else item

    def to_list(self) -> SearchResults:
        """Fetch the remaining items (up to ``limit``) into a list that displays as a table in Jupyter."""
        items = list(self)
        return SearchResults(items, total=self.total)
