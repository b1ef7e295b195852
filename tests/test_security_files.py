"""Issue 18: a killed write leaves no temporary file for long, a terminated one none at all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ebrains_curation import _files
from ebrains_curation._files import atomic_write, remove_stale_temp_files

#: writes `out.txt` through atomic_write, says "ready" once the temp file holds data, then waits
_SLOW_WRITER = """
import sys, time
from ebrains_curation._files import atomic_write
def chunks():
    yield "half of the text" * 1000
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    time.sleep(120)
    yield "the rest"
atomic_write(sys.argv[1], chunks())
"""


def _temps(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".tmp"))


def _start_slow_writer(target: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def _age(path: Path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_the_temp_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path: Path) -> None:
    """A real SIGKILL mid-write leaves a temp file; once older than a minute, the next write removes it."""
    proc = _start_slow_writer(tmp_path / "out.txt")
    alive = _start_slow_writer(tmp_path / "other.txt")  # a write still running must be left alone
    try:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        leftovers = _temps(tmp_path)
        assert len(leftovers) == 2 and not (tmp_path / "out.txt").exists()
        dead = next(p for p in leftovers if f"-{proc.pid}-" in p.name)
        live = next(p for p in leftovers if f"-{alive.pid}-" in p.name)
        assert dead.stat().st_size > 0  # half a file, as a kill leaves it
        # younger than a minute: the PID may already be someone else's, so it stays
        assert remove_stale_temp_files(tmp_path) == []
        _age(dead, 120)
        _age(live, 120)
        _files._swept.discard(os.path.abspath(tmp_path))
        atomic_write(tmp_path / "next.txt", "new")
        assert _temps(tmp_path) == [live]
        assert (tmp_path / "next.txt").read_text() == "new"
    finally:
        alive.kill()
        alive.wait(timeout=30)


def test_stale_temp_files_of_this_process_and_other_files_are_kept(tmp_path: Path) -> None:
    """Only our own naming, a dead PID and this host count: look-alike files are never removed."""
    dead_pid = _dead_pid()
    tag = _files._host_tag()
    ours = tmp_path / f".a.json.~ec-{tag}-{os.getpid()}-x1.tmp"
    other_host = tmp_path / f".a.json.~ec-00000000-{dead_pid}-x2.tmp"
    user_file = tmp_path / ".a.json.backup.tmp"
    gone = tmp_path / f".a.json.~ec-{tag}-{dead_pid}-x3.tmp"
    for p in (ours, other_host, user_file, gone):
        p.write_text("x")
        _age(p, 3600)
    if tag == "00000000":  # pragma: no cover - one host in four billion
        other_host.unlink()
    assert remove_stale_temp_files(tmp_path) == [gone]
    assert not gone.exists() and ours.exists() and user_file.exists()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


#: the CLI's `convert -o`, held just before the temp file is renamed into place
_CLI_HELD_IN_WRITE = """
import os, sys, time
def held(src, dst):
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    time.sleep(120)
os.replace = held
from ebrains_curation.cli import main
main(sys.argv[1:])
"""


def test_sigterm_during_a_cli_write_leaves_nothing_behind(tmp_path: Path) -> None:
    """The CLI turns SIGTERM into a normal exit: the temp file is removed, no traceback is shown."""
    src = tmp_path / "in.jsonld"
    src.write_text(
        '{"@context": {"@vocab": "https://openminds.om-i.org/props/"}, "@id": "https://example.org/ada",'
        ' "@type": "https://openminds.om-i.org/types/Person", "givenName": "Ada"}'
    )
    out = tmp_path / "out" / "ada.ttl"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CLI_HELD_IN_WRITE, "convert", str(src), "--to", "turtle", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    assert len(_temps(out.parent)) == 1  # mid-write: the temp file is there
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in err
    assert list(out.parent.iterdir()) == []
