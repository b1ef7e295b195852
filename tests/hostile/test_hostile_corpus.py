"""The hostile-input probe of issue 18, kept in the suite.

* the corpus (:mod:`corpus`) runs through every public loader, validator, writer and CLI
  command, each case in a subprocess with an address-space limit and a time limit per
  target (:mod:`probe`, :mod:`worker`): no traceback, no hang, no silent success on empty
  or conflicting input, no socket;
* hypothesis adds generated documents, in process: whatever the shape, a result or a
  :class:`~ebrains_curation.errors.CurationError`, never another exception.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ebrains_curation as ec
from ebrains_curation.errors import CurationError

sys.path.insert(0, str(Path(__file__).parent))
from corpus import cases
from probe import N_TARGETS, run_all, summarize


@pytest.mark.slow
def test_corpus_gives_no_traceback_hang_wrong_success_or_socket() -> None:
    """Every case through every target ends in a result or a clear error, in time, offline."""
    records = run_all(seconds=30, workers=2, batch=8)
    counts = summarize(records)
    bad = [r for r in records if r["outcome"] in ("traceback", "hang", "wrong-success") or r.get("sockets")]
    shown = "\n".join(f"{r['outcome']} {r['case']} {r['target']}: {r['detail'][:150]}" for r in bad)
    assert not bad, f"{counts}\n{shown}"
    assert counts["cases"] == len(cases()) and counts["runs"] > len(cases()) * (N_TARGETS - 4)
    # the probe can fail: special files and empty inputs really are errors, the controls really pass
    by = {(r["case"], r["target"]): r["outcome"] for r in records}
    assert by[("fifo.jsonld", "cli.validate")] == "clean-error"
    assert by[("empty-list.jsonld", "lib.validate")] in ("ok", "clean-error")
    assert by[("good.jsonld", "cli.validate")] == "ok"


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["https://openminds.om-i.org/types/Person", "_:b0", "not an iri", "@id", "@type", ""]),
)
_KEYS = st.one_of(
    st.sampled_from(["@id", "@type", "@context", "@graph", "@value", "@list", "givenName", "familyName",
                     "https://openminds.om-i.org/props/givenName", "affiliation", "memberOf"]),
    st.text(max_size=8),
)  # fmt: skip
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
                     max_leaves=25)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_JSON)
def test_generated_documents_load_validate_and_write_or_raise_clean_errors(doc: Any) -> None:
    """load → validate (both engines) → dumps (every format): results or CurationErrors only."""
    try:
        graph = ec.load(doc) if isinstance(doc, (dict, list)) else ec.loads(json.dumps(doc))
    except CurationError:
        return
    for engine in ("native", "shacl"):
        report = ec.validate(graph, engine=engine)
        if not graph.nodes:
            assert not report.conforms  # empty metadata never conforms
    for fmt in ("jsonld", "expanded", "turtle", "ntriples"):
        with contextlib.suppress(CurationError):
            ec.dumps(graph, fmt)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), fmt=st.sampled_from(["json-ld", "turtle", "ntriples"]))
def test_random_bytes_in_every_format_raise_clean_errors(data: bytes, fmt: str) -> None:
    """Random bytes as JSON-LD, Turtle or N-Triples: a graph or a LoadError, never another exception."""
    with contextlib.suppress(CurationError):
        ec.loads(data, format=fmt)
