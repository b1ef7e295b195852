"""Two import-time mechanisms shared by the packages: lazy re-exports and callable packages."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_exports", "make_package_callable"]


def lazy_exports(
    package: str, mapping: dict[str, str], public: list[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__``/``__dir__`` that import ``name`` from ``mapping[name]`` on first access.

    Keeps ``import ebrains_curation`` (and its sub-packages) fast: nothing heavy,
    no openMINDS version, is imported until a name is used. A mapping value is a
    module path, absolute or relative to ``package`` (".writers").
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = mapping.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return list(public)

    return __getattr__, __dir__


class _CallablePackage(types.ModuleType):
    """A package that is also its main function (``ebrains_curation.validate(graph)``)."""

    __function__: Callable[..., Any]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__function__(*args, **kwargs)


def make_package_callable(package: str, function: Callable[..., Any]) -> None:
    """Make ``package`` callable as ``function``.

    ``ebrains_curation.validate`` and ``ebrains_curation.inventory`` are both a
    public function and a sub-package. Importing the sub-package binds it as the
    attribute of ``ebrains_curation``, shadowing the function, so whichever is
    imported first, the attribute must also work when called.
    """
    module = sys.modules[package]
    module.__class__ = _CallablePackage
    module.__function__ = function  # type: ignore[attr-defined]
