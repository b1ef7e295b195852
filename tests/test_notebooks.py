"""The notebooks in notebooks/ run top to bottom in a real Jupyter kernel, and are stored without outputs.

The kernel is this interpreter (``sys.executable``, through a kernel spec written to a
temporary folder), so the notebooks test the code of this checkout whatever kernels the
machine has installed. A first cell, added only here, stops the notebook from reaching
anything but 127.0.0.1 and reports the kernel's ``sys.prefix``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "ebrains-curation-tests"
NOTEBOOK_TIMEOUT = 120  # seconds for one whole notebook (kernel start included); they take 2-8 s
CELL_TIMEOUT = 90

#: what each notebook must show as rich output: (MIME type, text it contains)
EXPECTED_DISPLAYS: dict[str, list[tuple[str, str]]] = {
    "01-author-a-dataset-version": [("text/html", "<strong>MetadataGraph</strong>")],
    "02-validate-and-fix": [
        ("text/html", 'class="ebrains-curation-report"'),
        ("text/html", "<details"),
        ("text/html", 'class="ebrains-checklist"'),
        ("text/markdown", "# Data Descriptor:"),
    ],
    "03-submit-to-the-kg": [("text/html", 'class="ebrains-curation-search"')],
    "04-migrate-v3-record": [("text/html", 'class="ebrains-curation-report"')],
}

GUARD_CELL = """
import ipaddress as _ip, socket as _socket, sys as _sys

def _ec_loopback_only(host):
    if host in (None, "", "localhost", b"localhost"):
        return
    try:
        if _ip.ip_address(str(host).split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    raise OSError(f"the notebooks may not reach the network ({host!r}): only 127.0.0.1 is allowed")

def _ec_guard(real):
    def connect(self, address):
        if isinstance(address, tuple) and address:
            _ec_loopback_only(address[0])
        return real(self, address)
    return connect

def _ec_guard_lookup(real):
    def getaddrinfo(host, *args, **kwargs):
        _ec_loopback_only(host.decode() if isinstance(host, bytes) else host)
        return real(host, *args, **kwargs)
    return getaddrinfo

_socket.socket.connect = _ec_guard(_socket.socket.connect)
_socket.socket.connect_ex = _ec_guard(_socket.socket.connect_ex)
_socket.getaddrinfo = _ec_guard_lookup(_socket.getaddrinfo)
print(_sys.prefix, end="")
"""


def _load_tool() -> Any:
    spec = importlib.util.spec_from_file_location("strip_notebooks", ROOT / "tools" / "strip_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernel spec that runs ipykernel on this very interpreter."""
    kernels = tmp_path_factory.mktemp("jupyter") / "kernels"
    spec_dir = kernels / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ebrains-curation tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return kernels


@pytest.fixture
def jupyter_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep Jupyter's and IPython's files (connection files, history) in a temporary folder."""
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # no debugger warnings on stderr
    monkeypatch.delenv("KG_AUTH_TOKEN", raising=False)
    yield


def _files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if ".ipynb_checkpoints" not in p.parts}


def _execute(nb: Any, kernel_dir: Path) -> None:
    """Run ``nb`` (with the guard cell first) in a fresh kernel on this interpreter, in notebooks/."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    nb.cells.insert(0, nbformat.v4.new_code_cell(GUARD_CELL, id="test-guard"))
    km = KernelManager(
        kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    )
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        startup_timeout=60,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # run where a user would open it
    )
    client.execute()


def test_the_notebooks_are_found() -> None:
    """Guards against an empty parametrisation (a moved folder would otherwise pass silently)."""
    assert set(EXPECTED_DISPLAYS) <= {p.stem for p in NOTEBOOKS}


@pytest.mark.notebook
@pytest.mark.timeout(NOTEBOOK_TIMEOUT)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, kernel_dir: Path, jupyter_env: None) -> None:
    """Every cell runs without error in a fresh kernel on this interpreter; the rich displays appear."""
    nb = nbformat.read(path, as_version=4)
    before = _files_in(NOTEBOOK_DIR)
    _execute(nb, kernel_dir)

    guard_out = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert guard_out == sys.prefix, f"the kernel ran on {guard_out!r}, not on this interpreter ({sys.prefix})"
    assert _files_in(NOTEBOOK_DIR) == before, (
        "the notebook wrote files next to itself (use a temporary folder)"
    )

    shown = [
        (mime, str(data))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        for mime, data in out.get("data", {}).items()
    ]
    for mime, text in EXPECTED_DISPLAYS.get(path.stem, []):
        assert any(m == mime and text in d for m, d in shown), (
            f"{path.name}: no {mime} output containing {text!r}"
        )


@pytest.mark.notebook
@pytest.mark.timeout(NOTEBOOK_TIMEOUT)
def test_notebooks_cannot_reach_the_network(kernel_dir: Path, jupyter_env: None) -> None:
    """The guard cell really stops a notebook that tries to go out (and lets 127.0.0.1 through)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import socket\n"
            "try:\n"
            "    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
            "except OSError as exc:\n"
            "    print(exc)\n"
            "server = socket.create_server(('127.0.0.1', 0))\n"
            "socket.create_connection(server.getsockname(), timeout=1).close()\n"
            "print('loopback ok')",
            id="probe",
        )
    ]
    _execute(nb, kernel_dir)
    out = "".join(o.get("text", "") for o in nb.cells[1].outputs)
    assert "may not reach the network" in out and "loopback ok" in out


@pytest.mark.notebook
@pytest.mark.timeout(NOTEBOOK_TIMEOUT)
def test_notebook_1_without_graphviz(
    kernel_dir: Path, jupyter_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Graphviz's dot program, notebook 1 says so and draws a Mermaid diagram instead."""
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # the kernel is started by its absolute path
    nb = nbformat.read(NOTEBOOK_DIR / "01-author-a-dataset-version.ipynb", as_version=4)
    _execute(nb, kernel_dir)
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert any("dot program was not found" in out.get("text", "") for out in outputs)
    assert any(out.get("data", {}).get("text/markdown", "").startswith("```mermaid") for out in outputs)
    assert not any("image/svg+xml" in out.get("data", {}) for out in outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_stored_without_outputs(path: Path) -> None:
    """Outputs are stripped in git: run `python tools/strip_notebooks.py` before committing."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}, cell {cell.id} has outputs: run python tools/strip_notebooks.py"
            )
    assert _load_tool().problems(json.loads(path.read_text(encoding="utf-8"))) == []


def test_strip_tool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The tool removes outputs and run-time metadata, keeps the source, and --check reports dirty files."""
    tool = _load_tool()
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    cell = nbformat.v4.new_code_cell("print('hi')", id="c1")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    cell.execution_count = 3
    cell.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
    cell.metadata["tags"] = ["keep-me"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Title", id="m1"), cell]
    path = tmp_path / "dirty.ipynb"
    nbformat.write(nb, path)

    assert tool.main(["--check", str(path)]) == 1
    assert "needs stripping" in capsys.readouterr().out
    assert tool.main([str(path)]) == 0
    clean = nbformat.read(path, as_version=4)
    nbformat.validate(clean)
    code_cell = clean.cells[1]
    assert code_cell.outputs == [] and code_cell.execution_count is None
    assert code_cell.source == "print('hi')" and code_cell.metadata == {"tags": ["keep-me"]}
    assert clean.metadata["language_info"] == {"name": "python"}
    text = path.read_text(encoding="utf-8")
    assert tool.main(["--check", str(path)]) == 0
    assert tool.main([str(path)]) == 0 and path.read_text(encoding="utf-8") == text  # idempotent
