"""Two import-time mechanisms shared by the packages: lazy re-exports, and functions that win over sub-packages."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "FunctionsFirstModule",
    "SubmodulesOnFunction",
    "functions_win_over_subpackages",
    "lazy_exports",
    "submodules_on_function",
]


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
        namespace[name] = value  # straight into the dict: later lookups never reach __getattr__
        return value

    def __dir__() -> list[str]:
        return list(public)

    return __getattr__, __dir__


class FunctionsFirstModule(types.ModuleType):
    """A package whose public functions keep their names when same-named sub-packages are imported.

    When Python imports a sub-package ``pkg.validate`` it ends with
    ``setattr(pkg, "validate", <module>)`` (``importlib._bootstrap._find_and_load_unlocked``),
    which would replace the public function ``pkg.validate``. This class drops exactly
    that binding: for the names in ``__function_names__`` a *module* value is not stored,
    so the attribute stays (or lazily becomes) the function. The sub-package itself stays
    importable (``from pkg.validate import report``; it lives in ``sys.modules``).
    """

    __function_names__: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__function_names__ and isinstance(value, types.ModuleType):
            return  # the import system binding the sub-package: the function keeps the name
        super().__setattr__(name, value)


def functions_win_over_subpackages(package: str, names: Iterable[str]) -> None:
    """Make the public functions ``names`` of ``package`` win over its same-named sub-packages.

    ``ebrains_curation.validate`` and ``ebrains_curation.inventory`` are both a public
    function and a sub-package; after this call the attribute is always the function,
    whatever was imported first (see :class:`FunctionsFirstModule`).
    """
    module = sys.modules[package]
    module.__class__ = FunctionsFirstModule
    # the class attribute is shared; each package keeps its own set in its __dict__
    module.__dict__["__function_names__"] = frozenset(names)
    for name in names:
        # a sub-package imported before this call (python -c "import pkg.validate") is already bound
        if isinstance(module.__dict__.get(name), types.ModuleType):
            del module.__dict__[name]


class SubmodulesOnFunction(types.ModuleType):
    """A sub-package that mirrors its submodules onto its same-named function.

    ``import ebrains_curation.validate.report as r`` compiles to attribute lookups
    ``ebrains_curation`` → ``.validate`` → ``.report``; as ``.validate`` is the function,
    the function must carry ``report`` for that (and ``ebrains_curation.validate.report.X``)
    to keep working. Only submodules are mirrored, nothing else of the package.
    """

    __function__: Any = None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if _is_child(self, name, value) and self.__dict__.get("__function__") is not None:
            setattr(self.__dict__["__function__"], name, value)


def _is_child(package: types.ModuleType, name: str, value: Any) -> bool:
    return isinstance(value, types.ModuleType) and value.__name__ == f"{package.__name__}.{name}"


def submodules_on_function(package: str, function: Callable[..., Any]) -> None:
    """Mirror the submodules of ``package`` onto ``function``, now and when imported later.

    Call it at the end of the sub-package's ``__init__`` (see :class:`SubmodulesOnFunction`).
    """
    module = sys.modules[package]
    module.__class__ = SubmodulesOnFunction
    module.__dict__["__function__"] = function
    for name, value in list(module.__dict__.items()):
        if _is_child(module, name, value):
            setattr(function, name, value)
