"""Data Descriptor draft: EBRAINS template sections, facts from the metadata, TODO markers."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

import ebrains_curation as ec
from ebrains_curation import SubmissionRecord, data_descriptor
from ebrains_curation.curation.descriptor import TODO_MARK
from ebrains_curation.errors import ConfigurationError

FIX = Path(__file__).parent / "fixtures" / "ebrains"
SECTIONS = [
    "Summary",
    "Methods",
    "Data organisation and file structure",
    "Usage notes",
    "References and how to cite",
]


def _graph(name: str):
    return ec.load(FIX / "complete" / f"{name}.jsonld")


@pytest.mark.parametrize("name", ["dataset", "human-dataset", "model", "software"])
def test_sections_in_template_order(name):
    md = data_descriptor(_graph(name))
    heads = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert [h for h in heads if h in SECTIONS] == SECTIONS
    assert md.count(TODO_MARK) >= 4  # methods, file naming, usage, references at least


def test_dataset_facts_come_from_the_metadata():
    md = data_descriptor(_graph("dataset"))
    assert md.startswith("# Data Descriptor: Whole-cell patch-clamp recordings of CA1 pyramidal neurons")
    assert "Authors: Alice Smith, Bob Jones and Carol Nguyen" in md  # inherited from the Dataset, in order
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
    summary = md.split("## Summary", 1)[1].split("## Methods", 1)[0]
    assert f"**{TODO_MARK}:** Write a summary" in summary
    g2 = _graph("dataset")
    (v,) = g2.of_type("DatasetVersion")
    v.pop("repository")
    assert "Say where the data are stored" in data_descriptor(g2)


def test_ethics_section_with_a_human_data_record():
    rec = SubmissionRecord.load(FIX / "complete" / "human-dataset.record.json")
    md = data_descriptor(_graph("human-dataset"), rec)
    assert "## Ethics" in md and "pseudonymised, legal basis: informed consent" in md
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
        data_descriptor(_graph("dataset"), format="docx")  # type: ignore[arg-type]
