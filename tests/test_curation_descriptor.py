"""Data Descriptor draft: EBRAINS template sections, facts from the metadata, TODO markers."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest

import ebrains_curation as ec
from ebrains_curation import SubmissionRecord, data_descriptor
from ebrains_curation.cli import cli
from ebrains_curation.curation.descriptor import TEMPLATE_SECTIONS, TODO_MARK
from ebrains_curation.errors import ConfigurationError

FIX = Path(__file__).parent / "fixtures" / "ebrains"
SECTIONS = list(TEMPLATE_SECTIONS)
PUBLIC = Path(__file__).parent / "fixtures" / "public" / "bids2openminds-ds005.jsonld"


def _graph(name: str):
    return ec.load(FIX / "complete" / f"{name}.jsonld")


@pytest.mark.parametrize("name", ["dataset", "human-dataset", "model", "software"])
def test_sections_in_template_order(name):
    md = data_descriptor(_graph(name))
    heads = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert heads == SECTIONS
    assert md.count(TODO_MARK) >= 4  # methods, file naming, usage, references at least


def test_dataset_facts_come_from_the_metadata():
    md = data_descriptor(_graph("dataset"))
    assert md.startswith("# Data Descriptor: Whole-cell patch-clamp recordings of CA1 pyramidal neurons")
    title = md.split("## Title", 1)[1].split("## Authors", 1)[0]
    assert "Whole-cell patch-clamp recordings of CA1 pyramidal neurons" in title
    authors = md.split("## Authors", 1)[1].split("## Affiliations", 1)[0]
    assert "Alice Smith (1), Bob Jones (1), Carol Nguyen" in authors  # inherited from the Dataset, in order
    assert "1. University of Oslo" in md.split("## Affiliations", 1)[1].split("## Corresponding", 1)[0]
    assert "This is version v1.0 of this dataset." in md
    assert "Techniques: whole cell patch clamp" in md
    assert "Subject sub-01 (Mus musculus, male)" in md
    assert "    sub-01/\n        sub-01_ses-01_ephys.nwb  (48.0 MB)" in md  # file tree from the repository
    assert "Licence: CC-BY-4.0" in md
    assert "Smith, A., Jones, B. and Nguyen, C. (2025)." in md
    assert "https://doi.org/10.1038/s41586-020-2012-7" in md


def test_missing_narrative_is_marked():
    g = _graph("dataset")
    (ds,) = g.of_type("Dataset")
    ds.pop("description")
    md = data_descriptor(g)
    summary = md.split("## Summary", 1)[1].split("## Version specifications", 1)[0]
    assert f"**{TODO_MARK}:** Write a summary" in summary
    g2 = _graph("dataset")
    (v,) = g2.of_type("DatasetVersion")
    v.pop("repository")
    assert "Say where the data are stored" in data_descriptor(g2)


def test_ethics_section_with_a_human_data_record():
    rec = SubmissionRecord.load(FIX / "complete" / "human-dataset.record.json")
    md = data_descriptor(_graph("human-dataset"), rec)
    methods = md.split("## Materials and Methods", 1)[1].split("## Usage Notes", 1)[0]
    assert "### Ethics" in methods and "pseudonymised, legal basis: informed consent" in methods
    assert "Human Data Gateway" in md


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h2: list[str] = []
        self._in = False
        self.todo = 0

    def handle_starttag(self, tag, attrs):
        self._in = tag == "h2"
        if tag == "div" and ("class", "todo") in attrs:
            self.todo += 1

    def handle_data(self, data):
        if self._in:
            self.h2.append(data)
            self._in = False


def test_html_is_a_page_with_the_same_sections():
    page = data_descriptor(_graph("dataset"), format="html")
    assert page.startswith("<!DOCTYPE html>")
    p = _Collect()
    p.feed(page)
    assert p.h2 == SECTIONS
    assert p.todo == data_descriptor(_graph("dataset")).count(f"> **{TODO_MARK}:**")


def test_unknown_format():
    with pytest.raises(ConfigurationError, match="markdown"):
        data_descriptor(_graph("dataset"), format="odt")  # type: ignore[arg-type]


@pytest.mark.parametrize("path", [FIX / "complete" / "dataset.jsonld", PUBLIC])
def test_docx_follows_the_template_and_marks_what_is_left(path: Path) -> None:
    """Opened with python-docx: the template's sections in order, the TODO passages highlighted."""
    import docx
    from docx.enum.text import WD_COLOR_INDEX

    graph = ec.load(path)
    word = docx.Document(io.BytesIO(data_descriptor(graph, format="docx")))
    heads = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert heads == [s.upper() for s in SECTIONS]
    assert word.paragraphs[0].text == "DATA DESCRIPTOR"
    todos = [p for p in word.paragraphs if p.text.startswith(TODO_MARK)]
    assert len(todos) == data_descriptor(graph).count(f"> **{TODO_MARK}:**") >= 4
    assert all(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for p in todos for r in p.runs)
    header = word.sections[0].header.paragraphs[0].text
    assert header.startswith("Title: '") and "version:" in header
    assert abs(word.sections[0].page_width.cm - 21.0) < 0.01  # A4, as the template


@pytest.mark.parametrize("path", [FIX / "complete" / "dataset.jsonld", PUBLIC])
def test_pdf_has_the_sections_in_order(path: Path) -> None:
    """Read back with pypdf: every section heading, in template order, and the TODO passages."""
    from pypdf import PdfReader

    graph = ec.load(path)
    pdf = data_descriptor(graph, format="pdf")
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    lines = [line.strip() for line in text.splitlines()]
    where = [lines.index(s.upper()) for s in SECTIONS]
    assert where == sorted(where), where
    title = str(graph.of_type("Dataset")[0]["fullName"])
    assert title.split()[0] in lines[where[0] + 1]
    assert " ".join(text.split()).count(f"{TODO_MARK}:") == data_descriptor(graph).count(
        f"> **{TODO_MARK}:**"
    )
    assert reader.metadata.title == f"Data Descriptor: {title}"


def test_descriptor_command_writes_docx_and_pdf(tmp_path: Path) -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    for ext, magic in (("docx", b"PK"), ("pdf", b"%PDF-")):
        out = tmp_path / f"dd.{ext}"
        res = runner.invoke(cli, ["descriptor", str(PUBLIC), "-o", str(out)])  # format from the extension
        assert res.exit_code == 0, res.output
        assert out.read_bytes().startswith(magic)
    res = runner.invoke(cli, ["descriptor", str(PUBLIC), "--format", "pdf"])
    assert res.exit_code == 2 and "-o" in res.output
