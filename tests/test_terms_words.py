"""Terms a biologist can use: closest matches by word, ambiguities explained in words, kind hints.

The names come from the openMINDS instance libraries shipped in the ``openminds`` package,
so these tests follow the libraries rather than a list we wrote.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ebrains_curation import build, get_term
from ebrains_curation.errors import UnknownTermError
from ebrains_curation.schemas.terms import get_term_index, preferred_kind, split_kind_hint

#: kinds with multi-word names, small enough to sample freely
KINDS = ["ModelAbstractionLevel", "ModelScope", "Technique", "ExperimentalApproach", "ContentType", "License"]


def test_a_word_inside_a_multi_word_name_is_suggested() -> None:
    """The issue's case: "biophysical" → "spiking neurons: biophysical", from the builder and get_term."""
    with pytest.raises(UnknownTermError) as exc:
        build.model("M", "M", "d", abstraction_level="biophysical")
    assert "spiking neurons: biophysical" in exc.value.suggestions
    assert "'spiking neurons: biophysical'" in str(exc.value)
    with pytest.raises(UnknownTermError) as exc2:
        get_term("ModelAbstractionLevel", "biophysical")
    assert exc2.value.suggestions[0] == "spiking neurons: biophysical"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_unknown_term_error_lists_close_names(data: st.DataObject) -> None:
    """A word of a real name, or the name with a typo, is never met with an error without suggestions."""
    kind = data.draw(st.sampled_from(KINDS))
    index = get_term_index(kind)
    label = data.draw(st.sampled_from([x for x in index.labels if len(x) > 4]))
    words = [w for w in label.replace(":", " ").replace(",", " ").split() if len(w) > 4]
    how = data.draw(st.sampled_from(["word", "typo"] if words else ["typo"]))
    if how == "word":
        name = data.draw(st.sampled_from(words))
    else:
        cut = data.draw(st.integers(1, len(label) - 2))
        name = label[:cut] + label[cut + 1 :]
    try:
        get_term(kind, name)
    except UnknownTermError as exc:
        assert exc.suggestions, f"no suggestion for {name!r} ({kind})"
        assert "Closest matches" in str(exc) or "Which did you mean" in str(exc) or "fits several" in str(exc)
        if how == "word":
            assert any(name.casefold() in s.casefold() for s in exc.suggestions), (name, exc.suggestions)


def test_ambiguity_across_kinds_is_explained_in_words() -> None:
    with pytest.raises(UnknownTermError) as exc:
        build.model("M", "M", "d", study_targets=["hippocampus"])
    text = str(exc.value)
    assert "the brain region 'hippocampus' in an atlas (ParcellationEntity:" in text
    assert "in one atlas version (ParcellationEntityVersion:" in text
    assert "Which did you mean" in text and "hippocampus (ParcellationEntityVersion)" in text
    # every choice offered in the message really picks one term
    for pick in exc.value.suggestions:
        model = build.model("M", "M", "d", study_targets=[pick])
        assert len(model.study_targets) == 1


def test_a_kind_hint_picks_the_kind() -> None:
    version = build.model("M", "M", "d", study_targets=["hippocampus (ParcellationEntityVersion)"])
    (target,) = version.study_targets
    assert type(target).__name__ == "ParcellationEntityVersion" and target.name == "hippocampus"
    friendly = build.model("M", "M", "d", study_targets=["hippocampus (atlas version region)"])
    assert friendly.study_targets[0] is target
    # a bracket that names no kind of the property stays part of the name
    assert split_kind_hint("DG (Hippocampus)", ["ParcellationEntity"]) == ("DG (Hippocampus)", None)
    assert split_kind_hint("x (License)", ["ParcellationEntity"]) == ("x (License)", None)


def test_the_usual_kind_wins_where_openminds_says_which() -> None:
    """ParcellationEntityVersion.hasParent: "parent structures (or version of the structures)"."""
    pe, pev = get_term_index("ParcellationEntity"), get_term_index("ParcellationEntityVersion")
    name = next(
        i.name
        for i in pe.instances
        if getattr(i, "name", None) and len(pe.find(i.name)) == 1 and pev.find(i.name)
    )
    node = build("ParcellationEntityVersion", name="x", version_identifier="1", has_parents=[name])
    assert [type(p).__name__ for p in node.has_parents] == ["ParcellationEntity"]
    hinted = build(
        "ParcellationEntityVersion",
        name="x",
        version_identifier="1",
        has_parents=[f"{name} (ParcellationEntityVersion)"],
    )
    assert type(hinted.has_parents[0]).__name__ == "ParcellationEntityVersion"
    # the kind named like the property is the usual one; no preference where openMINDS states none
    assert preferred_kind("technique", ["AnalysisTechnique", "Technique"]) == "Technique"
    assert preferred_kind("studyTarget", ["ParcellationEntity", "ParcellationEntityVersion"]) is None


def test_a_small_kind_lists_all_its_terms() -> None:
    with pytest.raises(UnknownTermError) as exc:
        build.model("M", "M", "d", scope="xyzzy")
    assert "Choose one of:" in str(exc.value) and "'single cell'" in str(exc.value)
