"""Rich displays in Jupyter (``_repr_html_``): validation reports, metadata graphs, search results, checklists.

Each display is parsed as HTML: the structure is checked (groups, rows, classes, collapsible
sections) and user-supplied text must come out escaped, never as markup.
"""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from typing import Any

import pytest

import ebrains_curation as ec
from ebrains_curation.examples import example_dataset_version
from ebrains_curation.kg.display import SearchResults
from ebrains_curation.kg.paging import Page, PageIterator
from ebrains_curation.validate.report import Issue, ValidationReport

EVIL = '<script>alert("x")</script>'
VOID = {"br", "img", "hr", "input", "meta", "link"}


class Tree(HTMLParser):
    """Parses an HTML fragment into a flat list of elements (tag, attrs, text, parents) and checks nesting."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, Any]] = []
        self.stack: list[dict[str, Any]] = []
        self.feed(text)
        self.close()
        assert not self.stack, f"unclosed tags: {[e['tag'] for e in self.stack]}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = {
            "tag": tag,
            "attrs": dict(attrs),
            "text": "",
            "parents": [e["tag"] for e in self.stack],
            "parent": self.stack[-1] if self.stack else None,
        }
        self.elements.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1]["tag"] == tag, (
            f"</{tag}> closes <{self.stack[-1]['tag'] if self.stack else None}>"
        )
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for el in self.stack:
            el["text"] += data

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.elements
            if e["tag"] == tag and (cls is None or cls in (e["attrs"].get("class") or "").split())
        ]

    def tags(self) -> set[str]:
        return {e["tag"] for e in self.elements}


# -- validation reports ---------------------------------------------------------------------------


def _report() -> ValidationReport:
    issues = [
        Issue(
            "required",
            "error",
            "DatasetVersion needs 'license', but it is missing.",
            node_id="https://ex.org/dsv",
            node_type="DatasetVersion",
            path=("license",),
            hint="Add the licence.",
        ),
        Issue(
            "email-format",
            "error",
            f"'email' value {EVIL!r} is not an e-mail address.",
            node_id="https://ex.org/contact",
            node_type="ContactInformation",
            path=("email",),
            value=EVIL,
        ),
        Issue(
            "date-format",
            "warning",
            "odd date",
            node_id="https://ex.org/dsv",
            node_type="DatasetVersion",
            path=("releaseDate",),
        ),
        Issue("unknown-property", "info", "a note", node_id=f"https://ex.org/{EVIL}", node_type="Person"),
        Issue("check-not-run", "warning", "a graph-level note"),
    ]
    return ValidationReport(tuple(issues), profile="ebrains-submission", nodes_checked=4)


def test_report_is_grouped_in_collapsible_sections_most_important_first() -> None:
    report = _report()
    tree = Tree(report._repr_html_())
    root = tree.elements[0]
    assert root["tag"] == "div" and root["attrs"]["class"] == "ebrains-curation-report"
    sections = tree.find("details", "ecr-group")
    assert len(sections) == 5  # each finding here is alone on its node and severity
    titles = [s["text"] for s in tree.find("summary")]
    # what blocks submission first: the error on the product version, then the other error
    assert "DatasetVersion" in titles[0] and "'license'" in titles[0] and "required" in titles[0]
    assert "ContactInformation" in titles[1] and "email-format" in titles[1]
    assert any("the metadata as a whole" in t for t in titles[2:4])
    assert EVIL in titles[4]
    # error blocks start open, the others folded
    assert ["open" in s["attrs"] for s in sections] == [True, True, False, False, False]
    assert [s["attrs"]["class"].split()[1] for s in sections] == [
        "ecr-error",
        "ecr-error",
        "ecr-warning",
        "ecr-warning",
        "ecr-info",
    ]
    headings = [h["text"] for h in tree.find("h4", "ecr-section")]
    assert headings == ["Errors: these block submission", "Warnings: worth fixing", "Notes"]


def test_report_groups_many_nodes_under_one_sentence_with_labels() -> None:
    """16 SubjectStates lacking ageCategory read as one expandable line, each node by name, type and @id."""
    issues = tuple(
        Issue(
            "required",
            "error",
            "SubjectState needs 'ageCategory', but it is missing.",
            node_id=f"_:s{n}",
            node_type="SubjectState",
            path=("ageCategory",),
            hint="Add the age category.",
        )
        for n in range(16)
    )
    labels = {f"_:s{n}": f"Studied state sub-{n:02d}" for n in range(16)}
    report = ValidationReport(issues, labels=labels)
    (group,) = report.groups()
    assert group.title == "16 SubjectStates lack 'ageCategory'" and group.count == 16
    tree = Tree(report._repr_html_())
    assert len(tree.find("details", "ecr-group")) == 1
    assert "16 SubjectStates lack 'ageCategory'" in tree.find("summary")[0]["text"]
    rows = tree.find("tr", "ecr-error")
    assert len(rows) == 16 and "Studied state sub-00" in rows[0]["text"] and "_:s0" in rows[0]["text"]
    text = report.render("text")
    assert (
        "16 SubjectStates lack 'ageCategory'" in text and "Studied state sub-00 (SubjectState, _:s0)" in text
    )
    assert "… and 11 more" in text and text.count("ageCategory") == 1
    summary = json.loads(report.to_json())["groups"][0]
    assert summary["count"] == 16 and summary["title"] == group.title
    assert summary["nodes"][3] == {"@id": "_:s3", "label": "Studied state sub-03", "value": None}


def test_report_rows_carry_severity_classes_and_colours() -> None:
    tree = Tree(_report()._repr_html_())
    # one finding alone on its node: the summary says it, the body says how to fix it
    fixes = [p for p in tree.find("p") if "ecr-hint" in (p["attrs"].get("class") or "")]
    assert [p["attrs"]["class"].split()[0] for p in fixes] == [
        "ecr-error",
        "ecr-error",
        "ecr-warning",
        "ecr-warning",
        "ecr-info",
    ]
    assert all("background:" in p["attrs"]["style"] for p in fixes)
    assert all(p["parents"][-1] == "details" for p in fixes)
    assert "Add the licence." in fixes[0]["text"] and "license" in tree.find("summary")[0]["text"]
    badges = tree.find("span", "ecr-badge")
    assert {b["attrs"]["class"].split()[1] for b in badges} == {"ecr-error", "ecr-warning", "ecr-info"}
    assert tree.find("p", "ecr-summary")[0]["text"] == _report().summary()
    assert "#c62828" in tree.find("p", "ecr-summary")[0]["attrs"]["style"]  # red: does not conform


def test_findings_on_one_node_read_as_one_block() -> None:
    issues = tuple(
        Issue(
            "required",
            "error",
            f"DatasetVersion needs {p!r}, but it is missing.",
            node_id="_:v",
            node_type="DatasetVersion",
            path=(p,),
            hint=f"Add {p}.",
        )
        for p in ("license", "accessibility", "ethicsAssessment")
    )
    report = ValidationReport(issues, labels={"_:v": "Mixed-gambles task"})
    tree = Tree(report._repr_html_())
    (block,) = tree.find("details", "ecr-group")
    assert "Mixed-gambles task" in block["text"] and "3 problems" in tree.find("summary")[0]["text"]
    lines = [li for li in tree.find("li") if "ecr-error" in (li["attrs"].get("class") or "")]
    assert len(lines) == 3 and all("How to fix" in li["text"] for li in lines)
    text = report.render("text")
    assert "Mixed-gambles task (DatasetVersion, _:v): 3 problems" in text


def test_report_escapes_user_values() -> None:
    text = _report()._repr_html_()
    assert "<script" not in text and "&lt;script&gt;" in text
    tree = Tree(text)
    assert "script" not in tree.tags()
    assert any(EVIL in e["text"] for e in tree.find("summary"))  # shown as text, verbatim


def test_report_html_of_a_conforming_report_and_a_long_one() -> None:
    ok = ValidationReport((), profile="openminds", nodes_checked=3)
    tree = Tree(ok._repr_html_())
    assert not tree.find("details") and "conforms" in tree.find("p", "ecr-summary")[0]["text"]
    assert "#2e7d32" in tree.find("p", "ecr-summary")[0]["attrs"]["style"]  # green

    many = ValidationReport(
        tuple(
            Issue(
                "required",
                "error",
                f"missing {n}",
                node_id=f"https://ex.org/n{n // 3}",
                node_type="File",
                path=("name",),
            )
            for n in range(60)
        )
    )
    from ebrains_curation.validate.render import to_html

    tree = Tree(to_html(many, max_issues=10))
    assert len([r for r in tree.find("tr") if r["attrs"].get("class") == "ecr-error"]) == 10
    assert "50 more issues not shown" in tree.elements[0]["text"]
    assert sum("open" in d["attrs"] for d in tree.find("details")) <= 10


def test_report_of_a_real_validation() -> None:
    graph = example_dataset_version()
    graph["https://example.org/ebrains-curation/demo/person/alice"]["givenName"] = EVIL
    del graph["https://example.org/ebrains-curation/demo/dataset-version/v1"]["license"]
    report = ec.validate(graph, profile="ebrains-submission")
    tree = Tree(report._repr_html_())
    assert len(tree.find("details", "ecr-group")) == len(report.groups()) >= 1
    assert "license" in tree.elements[0]["text"] and "<script" not in report._repr_html_()
    # the version is named by its title, not only by its @id
    title = graph["https://example.org/ebrains-curation/demo/dataset"]["fullName"]
    label = report.labels["https://example.org/ebrains-curation/demo/dataset-version/v1"]
    assert label != "https://example.org/ebrains-curation/demo/dataset-version/v1"
    assert label in tree.find("summary")[0]["text"] and title in label


# -- metadata graph -------------------------------------------------------------------------------


def test_graph_table_has_one_row_per_node_and_escapes_names() -> None:
    graph = example_dataset_version()
    graph.add_node(
        {"@id": "https://ex.org/evil", "@type": "https://openminds.om-i.org/types/Person", "familyName": EVIL}
    )
    text = graph._repr_html_()
    tree = Tree(text)
    rows = [r for r in tree.find("tr") if "tbody" in r["parents"]]
    assert len(rows) == len(graph)
    assert [h["text"] for h in tree.find("th")] == ["type", "@id", "name", "links out", "links in"]
    version = next(r for r in rows if "dataset-version/v1" in r["text"])
    cells = [c["text"] for c in tree.find("td") if c["parent"] is version]
    assert cells[0] == "DatasetVersion" and cells[2] == "Demo mouse ephys" and int(cells[3]) > 5
    assert "<script" not in text and any(EVIL in r["text"] for r in rows)


def test_graph_table_is_cut_for_large_graphs() -> None:
    graph = ec.MetadataGraph()
    for n in range(30):
        graph.add_node(
            {
                "@id": f"https://ex.org/f{n}",
                "@type": "https://openminds.om-i.org/types/File",
                "name": f"f{n}.nwb",
            }
        )
    tree = Tree(graph._repr_html_(max_rows=10))
    rows = [r for r in tree.find("tr") if "tbody" in r["parents"]]
    assert len(rows) == 11 and "20 more nodes" in rows[-1]["text"]


# -- search results -------------------------------------------------------------------------------

META = "https://core.kg.ebrains.eu/vocab/meta/"
KG = "https://kg.ebrains.eu/api/instances/"


def _doc(n: int, name: str) -> dict[str, Any]:
    return {
        "@id": f"{KG}00000000-0000-4000-8000-{n:012d}",
        "@type": ["https://openminds.om-i.org/types/DatasetVersion"],
        "https://openminds.om-i.org/props/shortName": name,
        META + "space": "collab-demo",
    }


def test_search_results_table() -> None:
    results = SearchResults([_doc(1, "Barrel cortex"), _doc(2, EVIL)], total=5)
    assert isinstance(results, list) and len(results) == 2 and results.total == 5
    assert repr(results) == "<SearchResults 2 of 5 results>"
    text = results._repr_html_()
    tree = Tree(text)
    assert tree.find("div", "ebrains-curation-search") and "2 of 5 results" in tree.find("strong")[0]["text"]
    assert [h["text"] for h in tree.find("th")] == ["#", "name", "type", "space", "KG id"]
    rows = [r for r in tree.find("tr") if "tbody" in r["parents"]]
    cells = [[c["text"] for c in tree.find("td") if c["parent"] is r] for r in rows]
    assert cells[0] == [
        "1",
        "Barrel cortex",
        "DatasetVersion",
        "collab-demo",
        "00000000-0000-4000-8000-000000000001",
    ]
    assert cells[1][1] == EVIL and "<script" not in text
    code = tree.find("code")[0]
    assert code["attrs"]["title"] == f"{KG}00000000-0000-4000-8000-000000000001"


def test_search_results_edge_cases() -> None:
    assert "Nothing found" in SearchResults([], total=0)._repr_html_()
    assert repr(SearchResults([_doc(1, "a")])) == "<SearchResults 1 result>"
    odd = Tree(SearchResults(["<b>not a document</b>"])._repr_html_())
    assert "b" not in odd.tags() and "<b>not a document</b>" in odd.find("td")[-1]["text"]
    big = Tree(SearchResults([_doc(n, f"d{n}") for n in range(600)])._repr_html_())
    rows = [r for r in big.find("tr") if "tbody" in r["parents"]]
    assert len(rows) == 501 and "100 more not shown" in rows[-1]["text"]


def test_page_iterator_to_list_keeps_the_total() -> None:
    docs = [_doc(n, f"d{n}") for n in range(7)]

    def fetch(start: int, size: int) -> Page[Any]:
        return Page(docs[start : start + size], len(docs), start, len(docs[start : start + size]))

    results = PageIterator(fetch, page_size=3, limit=5).to_list()
    assert isinstance(results, SearchResults) and len(results) == 5 and results.total == 7
    assert PageIterator(fetch, page_size=3).to_list() == docs


def test_search_results_from_the_sandbox(kg_sandbox_factory: Any) -> None:
    """kg.search(...).to_list() over real HTTP gives a displayable list the client can load back."""
    sandbox = kg_sandbox_factory()
    client = sandbox.client("alice")
    graph = example_dataset_version()
    version = graph["https://example.org/ebrains-curation/demo/dataset-version/v1"]
    version["fullName"] = "Demo <b>mouse</b> ephys"
    assert ec.submit(graph, client, "collab-demo", progress=False).ok
    found = client.search("DatasetVersion", "mouse", stage="IN_PROGRESS", space="collab-demo").to_list()
    assert isinstance(found, SearchResults) and len(found) == found.total == 1
    tree = Tree(found._repr_html_())
    row = next(r for r in tree.find("tr") if "tbody" in r["parents"])
    assert "Demo <b>mouse</b> ephys" in row["text"] and "collab-demo" in row["text"]
    assert "b" not in tree.tags()
    assert len(client.to_graph(found)) == 1


# -- readiness checklist --------------------------------------------------------------------------


def test_checklist_html_lists_the_steps_with_coloured_marks() -> None:
    graph = example_dataset_version()
    record = {
        "contact_person": {"given_name": "Alice", "family_name": "Smith", "email": "alice@example.org"},
        "data_custodian": {"confirmed": True},
        "human_data": {"involved": False},
    }
    checklist = ec.readiness_checklist(graph, record, stage="publication")
    tree = Tree(checklist._repr_html_())
    assert tree.find("div", "ebrains-checklist")
    # the overview strip: one pill per curation step with its state at a glance
    pills = tree.find("li", "ecl-pill")
    assert (
        len(pills) == 6
        and "General information" in pills[0]["text"]
        and "Preview and publish" in pills[-1]["text"]
    )
    assert all("ecl-done" in p["attrs"]["class"] and p["text"].startswith("✓") for p in pills)
    steps = tree.find("section", "ecl-step")
    assert len(steps) == 6 and all("ecl-done" in s["attrs"]["class"] for s in steps)
    marks = tree.find("span", "ecl-mark")
    assert marks and {m["text"] for m in marks} <= {"✓", "✗", "!", "·"}
    assert checklist.ready and "Ready for EBRAINS publication" in tree.elements[0]["text"]


def test_checklist_html_shows_what_is_missing_and_escapes() -> None:
    graph = example_dataset_version()
    dataset = copy.deepcopy(graph["https://example.org/ebrains-curation/demo/dataset"])
    dataset["fullName"] = f"Recordings {EVIL}"
    graph.add_node(dataset, replace=True)
    del graph["https://example.org/ebrains-curation/demo/dataset-version/v1"]["license"]
    checklist = ec.readiness_checklist(graph)
    text = checklist._repr_html_()
    assert "<script" not in text
    tree = Tree(text)
    red = [s for s in tree.find("span", "ecl-mark") if "#cf222e" in (s["attrs"].get("style") or "")]
    assert red and all(s["text"] == "✗" for s in red)
    licence = [li for li in tree.find("li", "ecl-missing") if "Licence" in li["text"]]
    assert licence and "'license'" in licence[0]["text"]
    assert [p["text"][0] for p in tree.find("li", "ecl-pill")][1] == "✗"  # ethics and compliance: to do
    assert not checklist.ready and "Not ready" in tree.elements[0]["text"]


@pytest.mark.parametrize("obj", ["report", "graph", "results", "checklist"])
def test_every_display_is_a_single_div(obj: str) -> None:
    """Jupyter front ends expect one self-contained fragment."""
    graph = example_dataset_version()
    value = {
        "report": lambda: ec.validate(graph),
        "graph": lambda: graph,
        "results": lambda: SearchResults([_doc(1, "x")]),
        "checklist": lambda: ec.readiness_checklist(graph),
    }[obj]()
    text = value._repr_html_().strip()
    tree = Tree(text)
    top = [e for e in tree.elements if e["parent"] is None]
    assert len(top) == 1 and top[0]["tag"] == "div"
