"""A real headless Chromium for checking our HTML: layout, collapsible parts, screenshots.

Chromium comes from the Debian packages (``apt-get install chromium``; ``make test`` installs it
when run as root) and is driven by playwright's Python package over its own pipe: no browser
is downloaded, and every request that is not the page itself is refused, so nothing reaches
the network. :func:`find_chromium` says why when there is no browser, and the tests skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: JavaScript: elements of the fragment wider than their root, or than the viewport
_OVERFLOW_JS = """(sel) => {
  const root = document.querySelector(sel);
  const box = root.getBoundingClientRect();
  const bad = [];
  for (const el of root.querySelectorAll('*')) {
    if (el.tagName === 'STYLE' || el.closest('details:not([open]) > :not(summary)')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > box.right + 1 || r.left < box.left - 1) {
      bad.push(el.tagName + '.' + el.className + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
    }
  }
  const page = document.documentElement.scrollWidth > window.innerWidth + 1;
  return {bad: bad.slice(0, 10), count: bad.length, pageScrolls: page,
          rootWidth: box.width, viewport: window.innerWidth};
}"""


def find_chromium() -> tuple[str | None, str]:
    """(path to Chromium, "") or (None, the reason it cannot be used)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None, "playwright's Python package is not installed (pip install -e '.[test]')"
    for candidate in (os.environ.get("EBRAINS_CURATION_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate:
            path = shutil.which(candidate)
            if path:
                return path, ""
    return None, "Chromium is not installed (as root: apt-get install chromium; `make test` does it)"


def page_html(fragment: str, title: str = "ebrains-curation") -> str:
    """A fragment (what Jupyter shows) as a stand-alone page; whole documents pass unchanged."""
    if fragment.lstrip().lower().startswith("<!doctype"):
        return fragment
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body style="margin:16px">{fragment}</body></html>'
    )


@contextmanager
def browser(user_data_dir: Path, width: int = 1024, height: int = 768) -> Iterator[Any]:
    """A fresh headless Chromium (its own profile in ``user_data_dir``) with one page; offline."""
    from playwright.sync_api import sync_playwright

    path, why = find_chromium()
    if path is None:
        raise RuntimeError(why)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=path,
            headless=True,
            args=FLAGS,
            viewport={"width": width, "height": height},
            offline=True,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            # the page is set from a string: any fetch (fonts, images, scripts) would be a defect
            page.route("**/*", lambda route: route.abort())
            yield page
        finally:
            context.close()


def show(page: Any, html: str) -> None:
    """Load ``html`` (a fragment or a page) into ``page``."""
    page.set_content(page_html(html), wait_until="load")


def overflow(page: Any, selector: str) -> dict[str, Any]:
    """What sticks out of the element ``selector`` (and whether the page scrolls sideways)."""
    result: dict[str, Any] = page.evaluate(_OVERFLOW_JS, selector)
    return result


def open_collapsibles(page: Any, selector: str, limit: int = 12) -> list[tuple[bool, float]]:
    """Click the summary of up to ``limit`` closed ``<details>``; return (open?, content height) for each."""
    out = []
    closed = page.locator(f"{selector} details:not([open])")
    for _ in range(min(closed.count(), limit)):
        details = closed.first.element_handle()  # a handle: the locator would move on once it opens
        details.query_selector("summary").click()
        is_open = details.evaluate("d => d.open")
        height = details.evaluate(
            "d => Array.from(d.children).filter(c => c.tagName !== 'SUMMARY')"
            ".reduce((h, c) => h + c.getBoundingClientRect().height, 0)"
        )
        out.append((bool(is_open), float(height)))
        if not is_open:  # do not loop on the same one
            break
    return out


def screenshot(page: Any, path: Path) -> Path:
    """A full-page PNG of what the page shows now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
