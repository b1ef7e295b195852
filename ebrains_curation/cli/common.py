"""Helpers shared by CLI commands: version option, error handling, exit codes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ConfigurationError, CurationError, LoadError
from ..schemas.versions import VERSIONS

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

version_option = click.option(
    "--version",
    "om_version",
    type=click.Choice(sorted(VERSIONS)),
    default=None,
    help="openMINDS version (default: detected from the input, else v4).",
)


class InputError(click.ClickException):
    """A problem with the command's input or options: a one-line message and exit code 2."""

    exit_code = EXIT_USAGE


def handle_errors(func: F) -> F:
    """Turn library errors into clean one-line messages and exit code 2 (never a traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (LoadError, ConfigurationError, OSError) as exc:
            raise InputError(str(exc)) from None
        except CurationError as exc:
            raise InputError(f"{type(exc).__name__}: {exc}") from None

    return wrapper  # type: ignore[return-value]
