"""Regression tests for issue 18, items 2-6: input files, silent wrong success, tracebacks, file integrity."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import ebrains_curation as ec
from ebrains_curation._files import MAX_INPUT_ENV, atomic_write, read_input
from ebrains_curation.cli import cli
from ebrains_curation.errors import LoadError, SerializationError

OM = "https://openminds.om-i.org/"
CTX = {"@vocab": OM + "props/"}
PERSON = {
    "@id": "https://example.org/ada",
    "@type": OM + "types/Person",
    "givenName": "Ada",
    "familyName": "L",
}
TTL = (
    "@prefix om: <https://openminds.om-i.org/props/> .\n"
    '<https://example.org/ada> a <https://openminds.om-i.org/types/Person> ; om:givenName "Ada" .\n'
)
NT = (
    "<https://example.org/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://openminds.om-i.org/types/Person> .\n"
)


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def _good(tmp_path: Path) -> Path:
    return _write(tmp_path, "good.jsonld", json.dumps({"@context": CTX, "@graph": [PERSON]}))


# -- input files: regular files only, within a size limit ------------------------------------------


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/null", "folder"])
def test_special_files_are_refused_at_once(tmp_path: Path, special: str) -> None:
    """A FIFO blocked forever and /dev/zero filled the memory: now a clear LoadError in no time."""
    path = tmp_path / "in.jsonld"
    if special == "fifo":
        os.mkfifo(path)
    elif special == "folder":
        path.mkdir()
    else:
        path.symlink_to(special)
    started = time.perf_counter()
    with pytest.raises(LoadError, match=r"regular file|folder"):
        read_input(path)
    if special != "folder":  # load() reads a folder as a folder of JSON-LD files
        with pytest.raises(LoadError, match="not a regular file"):
            ec.load(path)
    assert time.perf_counter() - started < 2


def test_cli_refuses_fifos_as_input_record_and_context(tmp_path: Path) -> None:
    """`validate FIFO`, `--record FIFO` and `--context FIFO` end with exit 2 and a sentence."""
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    good = str(_good(tmp_path))
    for args in (["validate", str(fifo)], ["check", good, "--record", str(fifo)],
                 ["validate", good, "--context", str(fifo)]):  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "named pipe" in result.output and "Traceback" not in result.output


def test_size_limit_can_be_raised_by_env_and_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files over the limit are refused, naming the limit and how to raise it (env var or --max-input-mb)."""
    path = _good(tmp_path)
    monkeypatch.setenv(MAX_INPUT_ENV, str(100 / 1048576))  # 100 bytes
    with pytest.raises(LoadError, match=f"over the input limit.*{MAX_INPUT_ENV}"):
        ec.load(path)
    monkeypatch.setenv(MAX_INPUT_ENV, "0")  # no limit
    assert len(ec.load(path)) == 1
    monkeypatch.setenv(MAX_INPUT_ENV, "lots")
    with pytest.raises(LoadError, match="not a number"):
        ec.load(path)
    monkeypatch.delenv(MAX_INPUT_ENV)
    result = CliRunner().invoke(cli, ["--max-input-mb", "0.0001", "validate", str(path)])
    assert result.exit_code == 2 and "--max-input-mb" in result.output
    result = CliRunner().invoke(cli, ["--max-input-mb", "1", "validate", str(path)])
    assert result.exit_code == 0, result.output


def test_a_utf8_bom_is_read_the_same_in_every_format(tmp_path: Path) -> None:
    """JSON-LD, Turtle and N-Triples all accept a UTF-8 BOM; other BOMs are named in the message."""
    bom = b"\xef\xbb\xbf"
    for name, text in (("a.jsonld", json.dumps(PERSON)), ("a.ttl", TTL), ("a.nt", NT)):
        assert len(ec.load(_write(tmp_path, name, bom + text.encode()))) == 1
    for name, text in (("b.jsonld", json.dumps(PERSON)), ("b.ttl", TTL), ("b.nt", NT)):
        path = _write(tmp_path, name, text.encode("utf-16"))
        with pytest.raises(LoadError, match=r"UTF-16 \(little-endian\) byte-order mark \(FF FE\)"):
            ec.load(path)
    with pytest.raises(LoadError, match=r"bytes EB .* at offset"):
        ec.load(_write(tmp_path, "c.jsonld", json.dumps(PERSON).replace("Ada", "Zoë").encode("latin-1")))


# -- no silent wrong success --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.jsonld", ""),
        ("list.jsonld", "[]"),
        ("null-id.jsonld", '{"@id": null}'),
        ("graph.jsonld", json.dumps({"@context": CTX, "@graph": []})),
        ("prefixes.ttl", "@prefix om: <https://openminds.om-i.org/props/> .\n"),
        ("empty.nt", ""),
    ],
)
@pytest.mark.parametrize("profile", ["draft", "ebrains-publication"])
def test_empty_input_never_conforms(tmp_path: Path, name: str, data: str, profile: str) -> None:
    """Empty or truncated-to-nothing input is a clear error or an error finding, never exit 0."""
    path = _write(tmp_path, name, data)
    try:
        report = ec.validate(path, profile=profile)
    except LoadError as exc:
        assert "empty" in str(exc)
    else:
        assert not report.conforms and "empty-metadata" in {i.rule_id for i in report.issues}
    for engine in ("native", "shacl"):
        result = CliRunner().invoke(cli, ["validate", str(path), "-p", profile, "--engine", engine])
        assert result.exit_code in (1, 2) and "Traceback" not in result.output
        assert "no openMINDS nodes" in result.output or "empty" in result.output


def test_conflicting_values_and_types_are_errors_not_silent_picks() -> None:
    """givenName next to its full IRI with another value, or one @id with two types: a LoadError."""
    doc = {"@context": CTX, "@graph": [{**PERSON, OM + "props/givenName": "Augusta"}]}
    with pytest.raises(LoadError, match="givenName is given twice"):
        ec.load(doc)
    same = {"@context": CTX, "@graph": [{**PERSON, OM + "props/givenName": "Ada"}]}
    assert ec.load(same).nodes["https://example.org/ada"]["givenName"] == "Ada"
    stubs = {"@context": CTX, "@graph": [
        {"@id": "https://example.org/x", "@type": OM + "types/Person"},
        {"@id": "https://example.org/x", "@type": OM + "types/Organization"},
    ]}  # fmt: skip
    with pytest.raises(LoadError, match="different types"):
        ec.load(stubs)


def test_an_id_that_is_not_an_iri_is_a_finding_and_a_clear_writer_error() -> None:
    """Both engines report invalid-id; Turtle/N-Triples writing says which @id, never a bare Exception."""
    graph = ec.load({"@context": CTX, "@graph": [{**PERSON, "@id": "ada lovelace"}]})
    for engine in ("native", "shacl"):
        report = ec.validate(graph, engine=engine)
        assert [i.rule_id for i in report.issues] == ["invalid-id"] and not report.conforms
    for fmt in ("turtle", "ntriples"):
        with pytest.raises(SerializationError, match=r"'ada lovelace' .*is not an IRI"):
            ec.dumps(graph, fmt)


# -- tracebacks become clear errors -------------------------------------------------------------------


def test_lone_surrogates_are_refused_on_load_and_never_written_as_question_marks(tmp_path: Path) -> None:
    """A JSON "\\ud800" escape is a LoadError; a graph holding one cannot be written as Turtle ("?")."""
    path = _write(
        tmp_path, "s.jsonld", json.dumps({"@context": CTX, "@graph": [PERSON]}).replace("Ada", "A\\ud800")
    )
    with pytest.raises(LoadError, match="unpaired UTF-16 surrogate"):
        ec.load(path)
    result = CliRunner().invoke(cli, ["convert", str(path), "--to", "turtle"])
    assert result.exit_code == 2 and "surrogate" in result.output
    graph = ec.MetadataGraph("v4")
    graph.add_node({**PERSON, "givenName": "A\ud800"})
    for fmt in ("turtle", "ntriples", "jsonld", "expanded"):
        with pytest.raises(SerializationError, match="surrogate"):
            ec.dumps(graph, fmt)
        with pytest.raises(SerializationError, match="surrogate"):
            ec.dumps(graph, fmt, indent=None)
    with pytest.raises(SerializationError, match="surrogate"):
        ec.dump(graph, tmp_path / "out.jsonld")


def test_deeply_embedded_nodes_are_a_clear_writer_error(tmp_path: Path) -> None:
    """Embedded nodes nested deeper than Python recurses: SerializationError, never RecursionError.

    (The depth follows the recursion limit, which some libraries raise: 300 levels failed on main.)
    """
    inner: dict = {"@type": OM + "types/Affiliation", "memberOf": {"@id": "https://example.org/o"}}
    for _ in range(sys.getrecursionlimit() + 50):
        inner = {"@type": OM + "types/Affiliation", "memberOf": {"@id": "https://example.org/o"}, "x": inner}
    graph = ec.MetadataGraph("v4")
    graph.add_node({**PERSON, "affiliation": inner})
    for fmt in ("turtle", "expanded"):
        with pytest.raises(SerializationError, match="nested too deeply"):
            ec.dumps(graph, fmt)


# -- integrity of written files --------------------------------------------------------------------------


def test_atomic_write_keeps_the_mode_and_uses_the_umask(tmp_path: Path) -> None:
    """An overwrite keeps the file's mode; a new file gets 0666 minus the umask (not 0600)."""
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        atomic_write(new, "x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        shared = tmp_path / "shared.txt"
        shared.write_text("old")
        shared.chmod(0o664)
        atomic_write(shared, "new")
        assert stat.S_IMODE(shared.stat().st_mode) == 0o664 and shared.read_text() == "new"
    finally:
        os.umask(old)


def test_atomic_write_leaves_no_temporary_file_on_failure(tmp_path: Path) -> None:
    """A writer that fails half-way (here: text that cannot be encoded) leaves the old file and no temp."""
    target = tmp_path / "out.json"
    target.write_text("old")

    def chunks():
        yield "part one"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, chunks())
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "{in}", "-o", "{out}"],
        ["check", "{in}", "-o", "{out}"],
        ["descriptor", "{in}", "-o", "{out}"],
        ["convert", "{in}", "--to", "v5", "-o", "{other}", "--report", "{out}"],
    ],
    ids=["validate", "check", "descriptor", "convert-report"],
)
def test_cli_outputs_are_atomic_and_keep_the_mode(tmp_path: Path, args: list[str]) -> None:
    """validate/check/descriptor -o and convert --report replace the file whole, keeping its mode."""
    fixture = Path(__file__).parent / "fixtures" / "validation" / "valid-dataset.json"
    nodes = json.loads(fixture.read_text("utf-8"))["nodes"]  # a dataset version with people and files
    good = _write(tmp_path, "dataset.jsonld", json.dumps({"@graph": nodes}))
    out = tmp_path / "report.out"
    out.write_text("previous")
    out.chmod(0o640)
    filled = [a.format(**{"in": good, "out": out, "other": tmp_path / "o.jsonld"}) for a in args]
    result = CliRunner().invoke(cli, filled)
    assert result.exit_code in (0, 1), result.output
    assert out.read_text() != "previous" and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# -- minor items -------------------------------------------------------------------------------------


def test_an_unreadable_folder_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be listed is "cannot read the folder", not "holds no .jsonld files".

    (Tests run as root here, so the permission error is injected into os.scandir.)
    """
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(str(path)) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(LoadError, match="cannot read the folder: Permission denied"):
        ec.load(tmp_path)


def test_a_newline_in_a_file_name_keeps_the_inventory_summary_one_line_per_item(tmp_path: Path) -> None:
    """File names are shown with control characters escaped, so one item stays one line."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "evil\nname.txt").write_text("x")
    (data / "ok.txt").write_text("y")
    result = ec.inventory(data, "https://data-proxy.ebrains.eu/api/v1/buckets/demo")
    summary = result.summary()
    assert "evil\\nname.txt" in summary or "evil" not in summary
    assert not any(line.startswith("name.txt") for line in summary.splitlines())


def test_the_shacl_engine_refuses_graphs_too_big_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above EBRAINS_CURATION_SHACL_MAX_VALUES values the SHACL engine refuses, pointing to the native one."""
    nodes = [{**PERSON, "@id": f"https://example.org/p{i}", "givenName": f"A{i}"} for i in range(30)]
    graph = ec.load({"@context": CTX, "@graph": nodes})
    monkeypatch.setenv("EBRAINS_CURATION_SHACL_MAX_VALUES", "50")
    with pytest.raises(ec.ConfigurationError, match=r"more than 50 values .30 nodes.*engine='native'"):
        ec.validate(graph, engine="shacl")
    assert ec.validate(graph, engine="native").nodes_checked == 30  # the native engine has no such limit
    monkeypatch.setenv("EBRAINS_CURATION_SHACL_MAX_VALUES", "0")
    assert ec.validate(graph, engine="shacl").nodes_checked == 30
