"""Screenshots of what a curator gets for a real public collection: the report, the checklist, the descriptor.

    .venv/bin/python tools/screenshots.py [METADATA.jsonld] [-o build/screenshots]

Default input: the bids2openminds output for BIDS ds005 vendored under tests/fixtures/public.
Writes report.png, checklist.png, descriptor.png (and the HTML beside them) with a real headless
Chromium from the Debian packages; see tests/_browser.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from _browser import browser, find_chromium, page_html, screenshot, show  # noqa: E402

import ebrains_curation as ec  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "path", nargs="?", default=str(ROOT / "tests/fixtures/public/bids2openminds-ds005.jsonld")
    )
    parser.add_argument("-o", "--output", default=str(ROOT / "build" / "screenshots"))
    parser.add_argument("--width", type=int, default=1100)
    args = parser.parse_args(argv)
    chromium, why = find_chromium()
    if chromium is None:
        print(f"no screenshots: {why}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    graph = ec.load(args.path)
    pages = {
        "report": ec.validate(graph, profile="ebrains-submission")._repr_html_(),
        "checklist": ec.readiness_checklist(graph)._repr_html_(),
        "descriptor": ec.data_descriptor(graph, format="html"),
    }
    with (
        tempfile.TemporaryDirectory() as profile,
        browser(Path(profile), width=args.width, height=900) as page,
    ):
        for name, html in pages.items():
            (out / f"{name}.html").write_text(page_html(html, name), encoding="utf-8")
            show(page, html)
            print(screenshot(page, out / f"{name}.png"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
