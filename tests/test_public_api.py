"""The public API: everything in ebrains_curation.__all__ exists, is documented, and nothing else is advertised."""

from __future__ import annotations

import inspect
import subprocess
import sys

import ebrains_curation


def test_every_public_name_resolves_and_has_a_docstring() -> None:
    """Each name in __all__ imports and carries a docstring (constants excepted)."""
    assert ebrains_curation.__all__ == sorted(ebrains_curation.__all__)
    for name in ebrains_curation.__all__:
        value = getattr(ebrains_curation, name)
        if name.isupper() or name == "__version__":
            continue
        doc = inspect.getdoc(value)
        assert doc and len(doc) > 15, f"{name} has no docstring"


def test_public_callables_document_their_methods() -> None:
    """Public classes document their public methods too."""
    for name in ebrains_curation.__all__:
        value = getattr(ebrains_curation, name)
        if not inspect.isclass(value) or issubclass(value, BaseException):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_") or not callable(member):
                continue
            assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_unknown_attribute_is_an_attribute_error() -> None:
    """Misspelled names fail like any module attribute."""
    try:
        ebrains_curation.valdiate  # noqa: B018
    except AttributeError as exc:
        assert "valdiate" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_dir_lists_the_public_api() -> None:
    """dir() shows the public API (tab completion in Jupyter)."""
    assert set(ebrains_curation.__all__) <= set(dir(ebrains_curation))


def test_every_cli_command_imports() -> None:
    """Every lazily registered CLI command exists and has help text."""
    from click.testing import CliRunner

    from ebrains_curation.cli import COMMANDS, cli

    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output


def test_python_dash_m_runs_the_cli() -> None:
    """`python -m ebrains_curation --version` works."""
    out = subprocess.run(
        [sys.executable, "-m", "ebrains_curation", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and ebrains_curation.__version__ in out.stdout
