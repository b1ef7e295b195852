"""Garbage in, issues out: generated nonsense never makes a validator raise."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ebrains_curation.validate import ValidationReport, validate

T = "https://openminds.om-i.org/types/"
TYPES = [
    T + n
    for n in (
        "DatasetVersion",
        "Person",
        "File",
        "Contribution",
        "QuantitativeValue",
        "Hash",
        "ORCID",
        "ContactInformation",
        "Nope",
    )
] + ["https://openminds.ebrains.eu/core/Person", ""]
KEYS = [
    "@id",
    "@type",
    "@value",
    "givenName",
    "familyName",
    "author",
    "hash",
    "storageSize",
    "value",
    "email",
    "identifier",
    "releaseDate",
    "license",
    "IRI",
    "otherContribution",
    "contributor",
    "x",
    "",
    "@list",
]
BASE = json.loads(
    (Path(__file__).parent / "fixtures" / "validation" / "valid-dataset.json").read_text("utf-8")
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(TYPES),
    st.just("2024-02-30"),
    st.just("_:n1"),
    st.just("a" * 100_000),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)
nodes = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8).map(
    lambda d: {**d, "@type": d.get("@type", T + "Person")}
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(report: ValidationReport) -> None:
    json.dumps(report.to_dict(), default=str)  # always serialisable
    str(report)


@SETTINGS
@given(st.lists(st.one_of(nodes, json_values), max_size=6))
def test_random_json_native(items: list) -> None:
    """Random JSON (nodes or not) yields a report, never a traceback."""
    _check(validate(items, profile="openminds"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(nodes, max_size=3))
def test_random_json_shacl(items: list) -> None:
    """The shacl engine also turns garbage into issues (or a check-not-run issue), never a traceback."""
    _check(validate(items, profile="openminds", engine="shacl"))


@SETTINGS
@given(st.sampled_from(range(len(BASE["nodes"]))), st.sampled_from(KEYS), json_values)
def test_wrong_types_everywhere(index: int, key: str, value: object) -> None:
    """Any property of a valid graph replaced by any JSON value gives issues, not errors."""
    graph = json.loads(json.dumps(BASE["nodes"]))
    graph[index][key] = value
    _check(validate(graph, profile="openminds"))


@SETTINGS
@given(st.integers(min_value=1, max_value=3000))
def test_deep_nesting(depth: int) -> None:
    """Values nested thousands deep (lists and objects) are reported, not recursed into a crash."""
    value: object = "x"
    for i in range(depth):
        value = [value] if i % 2 else {"@type": T + "Contribution", "contributor": value}
    _check(
        validate(
            [
                {
                    "@id": "_:a",
                    "@type": T + "DatasetVersion",
                    "otherContribution": value,
                    "author": value,
                    "shortName": value,
                }
            ],
            profile="draft",
        )
    )


def test_link_cycles() -> None:
    """Nodes linking each other in a cycle are fine."""
    a = {
        "@id": "https://ex.org/a",
        "@type": T + "DatasetVersion",
        "isNewVersionOf": {"@id": "https://ex.org/b"},
    }
    b = {
        "@id": "https://ex.org/b",
        "@type": T + "DatasetVersion",
        "isAlternativeVersionOf": [{"@id": "https://ex.org/a"}],
    }
    for engine in ("native", "shacl"):
        r = validate([a, b], profile="draft", engine=engine)
        assert r.conforms


small_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 5),
        st.floats(-3, 3, allow_nan=False),
        st.sampled_from(
            [
                "",
                "x",
                "2024-02-30",
                "2024-05-01",
                "https://ex.org/a",
                "not an iri",
                "_:n1",
                "https://openminds.om-i.org/instances/licenses/MIT",
                "https://example.org/alice",
            ]
        ),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.fixed_dictionaries(
            {
                "@id": st.sampled_from(
                    [
                        "https://example.org/alice",
                        "https://example.org/doi",
                        "https://ex.org/zz",
                        "https://openminds.om-i.org/instances/licenses/MIT",
                    ]
                )
            }
        ),
        st.dictionaries(
            st.sampled_from(["@type", "value", "algorithm", "contributor", "type", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(range(len(BASE["nodes"]))), st.sampled_from([k for k in KEYS if k != "@id"]), small_values
)
def test_engines_agree_on_random_damage(index: int, key: str, value: object) -> None:
    """Both engines find the same (node, path, rule) set when a valid graph is damaged at random."""
    graph = json.loads(json.dumps(BASE["nodes"]))
    graph[index][key] = value
    assert validate(graph).keys() == validate(graph, engine="shacl").keys()


KG_ID = "https://kg.ebrains.eu/api/instances/0b7c8c7e-4a9a-4d3e-9f35-123456789abc"
kg_values = st.recursive(
    st.one_of(
        scalars,
        st.just({"@id": KG_ID}),
        st.just({"@id": KG_ID, "@type": T + "License"}),
        st.just(KG_ID),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["@id", "@type", "value", "unit", "x"]), inner, max_size=3),
    ),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from([1, 1, 1, 8, 8, 2]),  # the DatasetVersion and the File have term properties
    st.sampled_from(["license", "accessibility", "format", "dataType", "storageSize", "author", "x"]),
    kg_values,
)
@example(1, "license", {"@id": KG_ID})
@example(8, "format", [{"@id": KG_ID, "@type": T + "ContentType"}])
def test_skipping_the_kg_id_scan_changes_nothing(index: int, key: str, value: object) -> None:
    """validate() looks for unresolved KG-id terms only when the native engine met a KG-id link:
    the same findings as always looking (KG ids put anywhere, in every form)."""
    from ebrains_curation.graph import as_graph
    from ebrains_curation.validate import kgterms

    graph = json.loads(json.dumps(BASE["nodes"]))
    graph[index][key] = value
    report = validate(graph)
    always = kgterms.term_needs_kg_issues(
        as_graph(graph), [i for i in report.issues if i.rule_id != "term-needs-kg"]
    )
    assert sorted(map(repr, report.issues)) == sorted(map(repr, always))
