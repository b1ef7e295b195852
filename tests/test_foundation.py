"""The foundation: one openMINDS version value, constants defined once, an honest public API.

``ec.validate`` and ``ec.inventory`` are functions that share their names with
sub-packages; these tests import things in every order, each in a fresh
interpreter (import order is process state), and check what people
(``inspect.signature``, ``help``) and type checkers (mypy) see.
"""

from __future__ import annotations

import ast
import json
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ebrains_curation as ec
from ebrains_curation import constants
from ebrains_curation.errors import UnknownVersionError
from ebrains_curation.schemas.versions import (
    DEFAULT_VERSION,
    VERSIONS,
    OpenMINDSVersion,
    get_version,
    normalize_version,
)

PACKAGE = Path(ec.__file__).parent
ROOT = PACKAGE.parent


def _fresh(code: str) -> str:
    """Run ``code`` in a new interpreter and return its stdout (stderr shown on failure)."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


# -- one version value ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spelling", "member"),
    [
        ("v4", OpenMINDSVersion.V4),
        ("4", OpenMINDSVersion.V4),
        (" V4.0 ", OpenMINDSVersion.V4),
        ("v3.0", OpenMINDSVersion.V3),
        ("5", OpenMINDSVersion.V5),
        ("LATEST", OpenMINDSVersion.LATEST),
        (None, OpenMINDSVersion.V4),
        (OpenMINDSVersion.V5, OpenMINDSVersion.V5),
    ],
)
def test_every_spelling_gives_the_one_member(spelling: str | None, member: OpenMINDSVersion) -> None:
    """get_version and normalize_version return the member itself, whatever the spelling."""
    assert get_version(spelling) is member
    assert normalize_version(spelling) is member
    if spelling is not None:
        assert OpenMINDSVersion(spelling) is member


def test_a_member_reads_as_its_key() -> None:
    """Members are their key strings: comparisons, dict keys, JSON and str() read as before."""
    v4 = OpenMINDSVersion.V4
    assert v4 == "v4" and str(v4) == "v4" and f"{v4}" == "v4" and v4.key == "v4"
    assert {"v4": 1}[v4] == 1
    assert json.dumps({"version": v4}) == '{"version": "v4"}'
    assert pickle.loads(pickle.dumps(v4)) is v4
    assert type(str(v4)) is str
    assert DEFAULT_VERSION is v4 and ec.DEFAULT_VERSION == "v4"
    assert list(VERSIONS) == ["v3", "v4", "v5", "latest"]
    assert all(VERSIONS[k] is m for k, m in zip(VERSIONS, OpenMINDSVersion, strict=True))


def test_members_carry_the_namespaces() -> None:
    """Each member knows its namespaces and package; they come from the constants module."""
    v3, v4 = OpenMINDSVersion.V3, OpenMINDSVersion.V4
    assert v3.type_iri("Person") == constants.V3_NS + "core/Person"
    assert v4.type_iri("Person") == constants.OMI_NS + "types/Person"
    assert v4.property_iri("givenName") == constants.OMI_NS + "props/givenName"
    assert v3.instance_ns == constants.V3_NS + "instances/"
    assert v4.package == "openminds.v4" and not v4.experimental
    assert OpenMINDSVersion.V5.experimental and OpenMINDSVersion.LATEST.experimental
    assert v4.owns_type(v4.type_iri("Person")) and not v4.owns_type(v3.type_iri("Person"))
    assert not v3.owns_type(v3.vocab + "givenName")


@pytest.mark.parametrize("bad", ["v6", "", "openminds", "4.1", 6])
def test_an_unknown_version_is_a_clear_error(bad: object) -> None:
    """Unknown versions raise UnknownVersionError naming the choices (and it is a ValueError)."""
    with pytest.raises(UnknownVersionError, match="use one of v3, v4, v5, latest") as info:
        get_version(bad)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError) and repr(bad) in str(info.value)
    with pytest.raises(UnknownVersionError):
        OpenMINDSVersion(bad)


def test_public_entry_points_hand_down_the_member() -> None:
    """A version given as "4" at a public function arrives inside as the member."""
    graph = ec.MetadataGraph("4")
    assert graph.version is OpenMINDSVersion.V4
    report = ec.validate([{"@id": "_:p", "@type": constants.OMI_NS + "types/Person"}], version="4")
    assert report.version is OpenMINDSVersion.V4
    assert ec.get_registry("v3").version is OpenMINDSVersion.V3


# -- constants defined once ---------------------------------------------------------------------------
def _string_constants(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.value, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_namespaces_are_spelled_only_in_the_constants_module() -> None:
    """No module but constants.py spells a namespace or KG prefix as a value of its own."""
    spelled = {
        constants.V3_NS,
        constants.OMI_NS,
        constants.KG_INSTANCE_NS,
        constants.KG_META_PREFIX,
        constants.OMI_NS + "types/",
        constants.OMI_NS + "props/",
        constants.OMI_NS + "instances/",
    }
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "constants.py" and "_generated" not in path.parts
        for value, line in _string_constants(path)
        if value in spelled or value.rstrip("/") in {s.rstrip("/") for s in spelled}
    ]
    assert not found, "use ebrains_curation.constants instead:\n" + "\n".join(found)


# -- ec.validate and ec.inventory are the functions, in any import order --------------------------------
_ORDERS = [
    "import ebrains_curation as ec",
    "import ebrains_curation.validate.report, ebrains_curation.inventory.scan\nimport ebrains_curation as ec",
    "import ebrains_curation as ec\nimport ebrains_curation.validate\nimport ebrains_curation.inventory",
    "import ebrains_curation as ec\nec.validate\nimport ebrains_curation.validate.shacl\nimport ebrains_curation.inventory.hints",
    "from ebrains_curation.validate import report\nfrom ebrains_curation.inventory.api import InventoryStats\n"
    "import ebrains_curation as ec",
    "import ebrains_curation.cli.validate_cmd, ebrains_curation.cli.inventory_cmd\nimport ebrains_curation as ec",
    "import importlib\nimportlib.import_module('ebrains_curation.validate.native')\nimport ebrains_curation as ec",
]


@pytest.mark.slow
@pytest.mark.parametrize("order", _ORDERS)
def test_signature_and_help_are_the_functions_in_any_import_order(order: str) -> None:
    """inspect.signature and help() show the real functions however the packages were imported."""
    out = _fresh(
        order
        + textwrap.dedent(
            """
            import inspect, pydoc, types
            import ebrains_curation.validate.api as vapi, ebrains_curation.inventory.api as iapi
            assert ec.validate is vapi.validate and ec.inventory is iapi.inventory
            assert isinstance(ec.validate, types.FunctionType) and isinstance(ec.inventory, types.FunctionType)
            print(inspect.signature(ec.validate))
            print(inspect.signature(ec.inventory))
            print(pydoc.render_doc(ec.validate).splitlines()[0])
            from ebrains_curation import validate, inventory
            assert validate is ec.validate and inventory is ec.inventory
            """
        )
    )
    sig_v, sig_i, doc = out.splitlines()
    assert sig_v.startswith("(target: 'Any', profile: ")
    assert "version: 'VersionLike' = None" in sig_v
    assert sig_i.startswith("(root: ") and "repository_iri" in sig_i
    assert doc == "Python Library Documentation: function validate in module ebrains_curation.validate.api"


@pytest.mark.slow
def test_the_sub_packages_stay_importable_every_way() -> None:
    """The validate/ and inventory/ packages and their modules import in every spelling."""
    out = _fresh(
        """
        import sys
        import ebrains_curation.validate.report as r1
        from ebrains_curation.validate import report as r2, Issue
        import ebrains_curation.validate.report
        import ebrains_curation
        r3 = ebrains_curation.validate.report
        assert r1 is r2 is r3 is sys.modules["ebrains_curation.validate.report"] and Issue is r1.Issue
        import ebrains_curation.inventory.hashing as h
        assert h.ALGORITHMS and ebrains_curation.inventory.hashing is h
        from ebrains_curation.inventory import InventoryCache, inventory
        assert inventory is ebrains_curation.inventory
        pkg = sys.modules["ebrains_curation.validate"]
        assert pkg.validate is ebrains_curation.validate and pkg.__path__
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_the_function_wins_in_this_process_too() -> None:
    """In the test process (everything imported by now) the attributes are still the functions."""
    import ebrains_curation.inventory.api
    import ebrains_curation.validate.api
    import ebrains_curation.validate.report

    assert ec.validate is ebrains_curation.validate.api.validate
    assert ec.inventory is ebrains_curation.inventory.api.inventory
    assert callable(ec.validate) and ec.validate.__name__ == "validate"


# -- type checkers see every public name -----------------------------------------------------------------
def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.level == 1 and stmt.module
                for alias in stmt.names:
                    names[alias.asname or alias.name] = "ebrains_curation." + stmt.module
    return names


def test_every_lazy_name_is_visible_to_type_checkers() -> None:
    """Each lazily exported name is imported under TYPE_CHECKING from the module it is loaded from."""
    seen = _type_checking_imports()
    missing = sorted(set(ec._LAZY) - set(seen))
    assert not missing, f"add to the TYPE_CHECKING block of ebrains_curation/__init__.py: {missing}"
    assert {name: seen[name] for name in ec._LAZY} == ec._LAZY
    assert set(seen) <= set(ec.__all__)


@pytest.mark.slow
def test_mypy_sees_the_functions_not_the_packages(tmp_path: Path) -> None:
    """mypy types ec.validate / ec.inventory as the functions even after importing the sub-packages."""
    from mypy import api

    snippet = tmp_path / "uses_api.py"
    snippet.write_text(
        textwrap.dedent(
            """
            import ebrains_curation.validate.report
            import ebrains_curation.inventory.scan
            import ebrains_curation as ec
            reveal_type(ec.validate)
            reveal_type(ec.inventory)
            reveal_type(ec.submit)
            reveal_type(ec.load)
            report: ec.ValidationReport = ec.validate([])
            """
        )
    )
    stdout, stderr, status = api.run(
        [
            str(snippet),
            "--follow-imports=silent",
            "--no-incremental",
            "--config-file",
            str(ROOT / "pyproject.toml"),
        ]
    )
    assert status == 0, stdout + stderr
    revealed = [line for line in stdout.splitlines() if "Revealed type" in line]
    assert len(revealed) == 4
    returns = [line.rsplit("-> ", 1)[-1] for line in revealed]
    assert returns[0].endswith('.ValidationReport"') and "(target: Any, profile:" in revealed[0]
    assert returns[1].endswith('.InventoryResult"') and "(root: " in revealed[1]
    assert returns[2].endswith('.SubmissionResult"')
    assert returns[3].endswith('.MetadataGraph"')


# -- the generator owns the builder signatures, flagship types included ----------------------------------
@pytest.mark.parametrize(
    ("method", "type_name"),
    [
        ("dataset_version", "DatasetVersion"),
        ("model_version", "ModelVersion"),
        ("software_version", "SoftwareVersion"),
    ],
)
def test_flagship_builders_have_the_generated_signature_and_texts(method: str, type_name: str) -> None:
    """build.dataset_version & co. show every v4 property as a typed keyword and its openMINDS instructions."""
    import inspect

    from ebrains_curation._generated.builder_methods import GeneratedBuilderMethods

    func = getattr(ec.build, method)
    spec = ec.get_registry("v4").get(type_name)
    params = inspect.signature(func).parameters
    assert func.__func__ is getattr(GeneratedBuilderMethods, method)
    assert {p.name for p in spec.properties.values()} <= set(params)
    assert all(params[p.name].annotation != inspect.Parameter.empty for p in spec.properties.values())
    doc = inspect.getdoc(func) or ""
    short = next(p for p in spec.properties.values() if p.name == "short_name")
    assert " ".join((short.instructions or short.description).split()[:6]) in " ".join(doc.split())
    assert "digital_identifier becomes a DOI node" in " ".join(doc.split())


def test_flagship_builders_turn_doi_strings_into_nodes() -> None:
    """All three product versions take a DOI string for digital_identifier and full_documentation."""
    for method in ("dataset_version", "model_version", "software_version"):
        obj = getattr(ec.build, method)(
            short_name="x",
            digital_identifier="10.25493/ABCD-1234",
            full_documentation="https://example.org/doc",
        )
        assert type(obj.digital_identifier).__name__ == "DOI"
        assert obj.digital_identifier.identifier == "https://doi.org/10.25493/ABCD-1234"
        assert type(obj.full_documentation).__name__ == "WebResource"
    v5 = ec.build.v5.dataset_version(short_name="x", full_documentation="doi:10.25493/ABCD-1234")
    assert type(v5.documentation).__name__ == "DOI"


# -- one "anything → graph" ------------------------------------------------------------------------------
def test_as_graph_is_the_one_coercer(tmp_path: Path) -> None:
    """as_graph takes graphs, node dicts, @graph documents, openminds objects and paths; to_graph is its old name."""
    from ebrains_curation.graph import as_graph
    from ebrains_curation.validate.api import to_graph

    person = {"@id": "https://example.org/p", "@type": constants.OMI_NS + "types/Person", "givenName": "Ada"}
    graph = ec.MetadataGraph("v4", nodes=[person])
    assert as_graph(graph) is graph
    pid = person["@id"]
    assert as_graph([person])[pid] is person and as_graph({"@graph": [person]}).nodes == {pid: person}
    built = as_graph(ec.build.person("Ada", "Lovelace"))
    assert [graph.type_name(n) for n in built] == ["Person"]
    path = tmp_path / "g.jsonld"
    ec.dump(graph, path)
    assert as_graph(path)[pid]["givenName"] == "Ada"
    v3 = as_graph([{"@id": "_:x", "@type": constants.V3_NS + "core/Person"}])
    assert v3.version is OpenMINDSVersion.V3
    with pytest.warns(DeprecationWarning, match="as_graph"):
        assert to_graph([person]).nodes == {pid: person}
    with pytest.raises(ec.LoadError):
        as_graph(42)
