"""Run every public loader, validator, writer and CLI command on one corpus case (a subprocess).

Usage: ``python worker.py CASE[,CASE…] WORKDIR [SECONDS_PER_TARGET]``; prints one JSON object
per target: ``{"case", "target", "outcome", "detail"}`` where outcome is ``ok``,
``clean-error``, ``traceback``, ``hang``, ``wrong-success`` or ``skipped``.

The process limits its own address space (so "read until memory runs out" ends in a
MemoryError, counted as a traceback) and blocks every socket connection (counted).
Only public names are used, so the same worker measures main before a fix and after.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Case, cases

MEMORY_LIMIT = 2 * 1024**3
SOCKETS: list[str] = []


class Hang(BaseException):
    """The target ran past its time (BaseException: nothing under test swallows it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang()


def _block_sockets() -> None:
    def refuse(self: socket.socket, address: Any, *args: Any) -> Any:
        SOCKETS.append(repr(address))
        raise OSError("hostile probe: no network")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]


def materialize(case: Case, workdir: Path) -> Path:
    """Write the case's file (or make the special file) in ``workdir``; returns its path."""
    path = workdir / case.name
    if path.exists() or path.is_symlink():
        return path
    if case.special == "fifo":
        os.mkfifo(path)
    elif case.special == "dev-zero":
        path.symlink_to("/dev/zero")
    elif case.special == "dev-null":
        path.symlink_to("/dev/null")
    elif case.special == "directory":
        path.mkdir()
    elif case.special == "symlink-loop":
        path.symlink_to(path)
    else:
        path.write_bytes(case.data)
    return path


def _good(workdir: Path) -> Path:
    return materialize(next(c for c in cases() if c.name == "good.jsonld"), workdir)


def _lib(fn: Callable[[], Any], validation: bool) -> tuple[str, str]:
    from ebrains_curation.errors import CurationError

    try:
        result = fn()
    except CurationError as exc:
        return "clean-error", f"{type(exc).__name__}: {str(exc)[:200]}"
    except (Exception, RecursionError, MemoryError) as exc:
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return "traceback", f"{type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}: {str(exc)[:160]}"
    if validation and getattr(result, "conforms", False):
        return "success", "conforms"
    return "ok", ""


def _cli(args: list[str]) -> tuple[str, str]:
    from click.testing import CliRunner

    from ebrains_curation.cli import cli

    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    out = result.output or ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return "traceback", f"{type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}: {str(exc)[:160]}"
    if "Traceback (most recent call last)" in out:
        return "traceback", out[-300:]
    if result.exit_code == 2:
        return "clean-error", out.strip().splitlines()[-1][:200] if out.strip() else "exit 2"
    if result.exit_code == 0:
        return "success", "exit 0"
    return "ok", f"exit {result.exit_code}"


def targets(path: Path, workdir: Path) -> list[tuple[str, bool, Callable[[], tuple[str, str]]]]:
    """(name, is_validation, run) for every target; validation targets may not succeed on must_fail."""
    import ebrains_curation as ec

    p = str(path)
    out = str(workdir / f"out-{path.name}")
    good = str(_good(workdir))
    loaded: list[Any] = []

    def load() -> Any:
        loaded.append(ec.load(p))
        return loaded[-1]

    def dumps(fmt: str) -> Callable[[], tuple[str, str]]:
        def run() -> tuple[str, str]:
            if not loaded:
                return "skipped", "load failed"
            return _lib(lambda: ec.dumps(loaded[0], fmt), False)

        return run

    return [
        ("lib.load", False, lambda: _lib(load, False)),
        ("lib.validate", True, lambda: _lib(lambda: ec.validate(p), True)),
        ("lib.validate-shacl", True, lambda: _lib(lambda: ec.validate(p, engine="shacl"), True)),
        ("lib.dumps-jsonld", False, dumps("jsonld")),
        ("lib.dumps-turtle", False, dumps("turtle")),
        ("lib.dumps-ntriples", False, dumps("ntriples")),
        ("cli.validate", True, lambda: _cli(["validate", p])),
        ("cli.validate-publication", True, lambda: _cli(["validate", p, "-p", "ebrains-publication"])),
        ("cli.validate-shacl", True, lambda: _cli(["validate", p, "--engine", "shacl"])),
        ("cli.validate-o", True, lambda: _cli(["validate", p, "-o", out + ".txt"])),
        ("cli.check", True, lambda: _cli(["check", p, "-o", out + ".check"])),
        ("cli.convert-turtle", False, lambda: _cli(["convert", p, "--to", "turtle", "-o", out + ".ttl"])),
        (
            "cli.convert-v5",
            False,
            lambda: _cli(
                ["convert", p, "--to", "v5", "-o", out + ".v5.jsonld", "--report", out + ".report.json"]
            ),
        ),
        ("cli.graph", False, lambda: _cli(["graph", p, "--format", "dot", "-o", out + ".dot"])),
        ("cli.descriptor", False, lambda: _cli(["descriptor", p, "-o", out + ".md"])),
        ("cli.datacite", False, lambda: _cli(["datacite", p])),
        ("cli.context-option", False, lambda: _cli(["validate", good, "--context", p])),
        ("cli.record-option", False, lambda: _cli(["check", good, "--record", p])),
    ]


def run_case(case: Case, workdir: Path, seconds: int) -> None:
    """Run every target on one case, printing one JSON line per target."""
    path = materialize(case, workdir)
    for target, validation, run in targets(path, workdir):
        before = len(SOCKETS)
        signal.alarm(seconds)
        try:
            outcome, detail = run()
        except Hang:
            outcome, detail = "hang", f"still running after {seconds} s"
        finally:
            signal.alarm(0)
        if outcome == "success":
            outcome = "wrong-success" if case.must_fail and validation else "ok"
        record = {"case": case.name, "target": target, "outcome": outcome, "detail": detail}
        if len(SOCKETS) > before:
            record["sockets"] = SOCKETS[before:]
        print(json.dumps(record), flush=True)


def main() -> None:
    names, workdir = sys.argv[1].split(","), Path(sys.argv[2])
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    _block_sockets()
    signal.signal(signal.SIGALRM, _on_alarm)
    by_name = {c.name: c for c in cases()}
    for name in names:
        case_dir = workdir / name.replace(".", "_")
        case_dir.mkdir(parents=True, exist_ok=True)
        run_case(by_name[name], case_dir, seconds)


if __name__ == "__main__":
    main()
