"""Our HTML in a real headless Chromium: reports, checklist, graph tables, search results, descriptor.

For each output: nothing sticks out of its box or makes the page scroll sideways (at a laptop
width and a narrow one), the collapsible parts open when clicked and show their content, and
a screenshot is written into the test's temporary folder. Skips, saying why, without Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _browser import browser, find_chromium, open_collapsibles, overflow, screenshot, show

import ebrains_curation as ec
from ebrains_curation.examples import example_dataset_version
from ebrains_curation.kg.display import SearchResults

PUBLIC = Path(__file__).parent / "fixtures" / "public" / "bids2openminds-ds005.jsonld"
KG = "https://kg.ebrains.eu/api/instances/"

_PATH, _WHY = find_chromium()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_PATH is None, reason=_WHY)]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with browser(tmp_path_factory.mktemp("chromium-profile")) as p:
        yield p


def _search_results() -> SearchResults:
    docs = [
        {
            "@id": f"{KG}00000000-0000-4000-8000-{n:012d}",
            "@type": ["https://openminds.om-i.org/types/DatasetVersion"],
            "https://openminds.om-i.org/props/shortName": name,
            "https://core.kg.ebrains.eu/vocab/meta/space": "collab-demo",
        }
        for n, name in enumerate(["Mixed-gambles task", "A very long title " * 12, "x" * 300], 1)
    ]
    return SearchResults(docs, total=40)


def _outputs() -> dict[str, tuple[str, str]]:
    """name -> (HTML, CSS selector of its root)."""
    graph = ec.load(PUBLIC)
    report = ec.validate(graph, profile="ebrains-submission")
    checklist = ec.readiness_checklist(graph)
    return {
        "report": (report._repr_html_(), ".ebrains-curation-report"),
        "checklist": (checklist._repr_html_(), ".ebrains-checklist"),
        "graph-table": (graph._repr_html_(), ".ebrains-curation-graph"),
        "search-results": (_search_results()._repr_html_(), ".ebrains-curation-search"),
        "descriptor": (ec.data_descriptor(example_dataset_version(), format="html"), "body"),
    }


OUTPUTS = ["report", "checklist", "graph-table", "search-results", "descriptor"]


@pytest.mark.parametrize("name", OUTPUTS)
@pytest.mark.parametrize("width", [1024, 600])
def test_html_fits_and_its_collapsible_parts_open(page: Any, tmp_path: Path, name: str, width: int) -> None:
    html, root = _outputs()[name]
    page.set_viewport_size({"width": width, "height": 800})
    show(page, html)
    before = overflow(page, root)
    assert before["count"] == 0 and not before["pageScrolls"], before
    opened = open_collapsibles(page, root)
    assert all(is_open and height > 0 for is_open, height in opened), opened
    after = overflow(page, root)
    assert after["count"] == 0 and not after["pageScrolls"], after
    shot = screenshot(page, tmp_path / f"{name}-{width}.png")
    assert shot.stat().st_size > 5000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_groups_open_to_the_named_nodes(page: Any, tmp_path: Path) -> None:
    """The group "16 SubjectStates lack 'ageCategory'" opens to 16 rows naming each state."""
    page.set_viewport_size({"width": 1024, "height": 800})
    html, _root = _outputs()["report"]
    show(page, html)
    group = page.locator("details.ecr-group", has_text="16 SubjectStates lack 'ageCategory'")
    assert group.count() == 1
    if not group.evaluate("d => d.open"):
        group.locator("summary").click()
    rows = group.locator("tr.ecr-error")
    assert rows.count() == 16 and rows.first.is_visible()
    assert "Studied state sub-01" in rows.first.inner_text() and "_:000000" in rows.first.inner_text()
    screenshot(page, tmp_path / "report-group.png")


def test_checklist_shows_each_step_state_at_a_glance(page: Any, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1024, "height": 800})
    html, _root = _outputs()["checklist"]
    show(page, html)
    pills = page.locator(".ecl-overview .ecl-pill")
    assert pills.count() == 6
    # every pill is on screen without scrolling, and coloured by state
    colours = {pills.nth(i).evaluate("e => getComputedStyle(e).backgroundColor") for i in range(6)}
    assert len(colours) >= 2  # the public collection has steps to do and a step done
    assert all(pills.nth(i).bounding_box()["y"] < 300 for i in range(6))  # type: ignore[index]
    licence = page.locator("li.ecl-item", has_text="Licence")
    assert "ecl-missing" in (licence.get_attribute("class") or "")
    screenshot(page, tmp_path / "checklist-top.png")
