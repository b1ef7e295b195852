"""``inventory()``: describe a data folder as an openMINDS FileRepository with one File per file.

::

    from ebrains_curation import inventory

    result = inventory("/data/my-dataset", "https://data-proxy.ebrains.eu/api/v1/buckets/my-dataset",
                       algorithms=("SHA-256", "MD5"), cache="inventory-cache.sqlite")
    print(result.summary())
    graph.add(result.graph)          # join the dataset's metadata graph
    result.save("files.jsonld")      # atomic: never a half-written file

Files are streamed in fixed-size chunks (all algorithms in one read). Large
files are hashed in a thread pool (hashlib releases the GIL); small files are
read in the calling thread, unless the storage turns out to be slow (network
file systems), when they go to the pool too so that their waits overlap. The
folder walk, the hashing and the node building run as one bounded pipeline,
so memory holds the node dicts and little else.
Per-file trouble becomes a :class:`~ebrains_curation.inventory.scan.Problem`,
never an exception.
"""

from __future__ import annotations

import fnmatch
import gc
import marshal
import os
import re
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ..errors import ConfigurationError
from ..graph.model import MetadataGraph, Node
from ..schemas import get_term, normalize_version
from .cache import InventoryCache
from .formats import FormatLinks, format_index
from .hashing import (
    ChangedWhileReading,
    FileDigest,
    NotARegularFile,
    Opener,
    default_opener,
    hash_file,
    normalize_algorithms,
)
from .hints import _AWKWARD, Hint, HintCollector, HintLimits
from .nodes import FileNodes, NodeFactory, root_name, structure_node
from .scan import DirInfo, FileEntry, Problem, walk

__all__ = ["DEFAULT_ROLES", "InventoryResult", "InventoryStats", "inventory"]

#: special usage roles given by default: FileUsageRole name → glob patterns (case-insensitive)
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {"data descriptor": ("*descriptor*.pdf",)}

#: version of the stored per-folder node blobs (bump when File nodes change shape)
_NODES_FORMAT = 1

#: a progress callback gets (bytes done, files done, total bytes or None while still counting)
ProgressCallback = Callable[[int, int, int | None], None]


@dataclass
class InventoryStats:
    """Figures of one run."""

    files: int = 0  #: files described
    bytes: int = 0  #: their total size
    folders: int = 0
    files_read: int = 0  #: files whose contents were read (the rest came from the cache)
    bytes_read: int = 0
    files_cached: int = 0
    files_in_threads: int = 0  #: files read by the worker threads (large files, or all on slow storage)
    problems: int = 0
    seconds: float = 0.0
    workers: int = 0

    @property
    def bytes_per_second(self) -> float:
        """Inventoried bytes per second of wall time (cached files count as inventoried)."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The figures as a plain dict (with ``bytes_per_second``)."""
        d = dict(vars(self))
        d["bytes_per_second"] = round(self.bytes_per_second, 1)
        d["seconds"] = round(self.seconds, 4)
        return d


@dataclass
class InventoryResult:
    """What :func:`inventory` found: the metadata graph, per-file problems, structure hints and figures."""

    graph: MetadataGraph  #: FileRepository, FileBundle, File (and Organization) nodes
    repository: str  #: @id of the FileRepository node
    algorithms: tuple[str, ...]
    problems: list[Problem] = field(default_factory=list)
    hints: list[Hint] = field(default_factory=list)
    unmatched_extensions: dict[str, int] = field(default_factory=dict)  #: extension → number of files
    stats: InventoryStats = field(default_factory=InventoryStats)

    @property
    def ok(self) -> bool:
        """True when every entry of the folder was inventoried (hints do not count)."""
        return not self.problems

    def files(self) -> list[Node]:
        """The File nodes, in walk order."""
        return self.graph.of_type("File")

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False, **kwargs: Any) -> Any:
        """Write the graph (JSON-LD by default) atomically with :func:`ebrains_curation.graph.writers.dump`."""
        from ..graph.writers import dump

        return dump(self.graph, path, overwrite=overwrite, **kwargs)

    def report(self) -> dict[str, Any]:
        """Problems, hints, unmatched extensions and figures as JSON-ready data."""
        return {
            "repository": self.repository,
            "algorithms": list(self.algorithms),
            "stats": self.stats.as_dict(),
            "problems": [{"path": p.path, "kind": p.kind, "message": p.message} for p in self.problems],
            "hints": [
                {
                    "code": h.code,
                    "severity": h.severity,
                    "message": h.message,
                    "hint": h.hint,
                    "count": h.count,
                    "examples": list(h.examples),
                }
                for h in self.hints
            ],
            "unmatched_extensions": dict(self.unmatched_extensions),
        }

    def summary(self, max_items: int = 10) -> str:
        """A few lines for people: figures, then problems and hints."""
        s = self.stats
        lines = [
            f"{s.files} file(s), {_human(s.bytes)} in {s.folders} folder(s); "
            f"{s.files_read} read ({_human(s.bytes_read)}), {s.files_cached} from the cache; "
            f"{s.seconds:.2f} s ({_human(s.bytes_per_second)}/s)"
        ]
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s):")
            lines += [f"  {p}" for p in self.problems[:max_items]]
            if len(self.problems) > max_items:
                lines.append(f"  … and {len(self.problems) - max_items} more")
        for h in self.hints:
            lines.append(f"{h.severity}: {h}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


# ------------------------------------------------------------------------------------------------
# roles
# ------------------------------------------------------------------------------------------------
class _RoleMatcher:
    """Glob patterns per FileUsageRole; a pattern with '/' matches the relative path, else the name.

    :meth:`match` gives the role's ``{"@id": …}`` link dict, one per role and run (shared by its files).
    """

    def __init__(self, roles: Mapping[str, str | Iterable[str]] | None, version: str):
        self.rules: list[tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[str, str]]] = []
        tails: list[str] = []
        for role, patterns in (roles or {}).items():
            iri = str(get_term("FileUsageRole", role, version).id)
            pats = [patterns] if isinstance(patterns, str) else list(patterns)
            full = [fnmatch.translate(p.lower()) for p in pats if "/" in p]
            base = [fnmatch.translate(p.lower()) for p in pats if "/" not in p]
            self.rules.append(
                (
                    re.compile("|".join(full)) if full else None,
                    re.compile("|".join(base)) if base else None,
                    {"@id": iri},
                )
            )
            tails += [_literal_tail(p.lower()) for p in pats]
        # a glob ending in a literal ("*descriptor*.pdf" → ".pdf") only matches names ending so: one
        # str.endswith rules out most files before any regex runs (when every pattern has such a tail)
        self.tails: tuple[str, ...] | None = tuple(tails) if tails and all(tails) else None

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(self, rel: str, name: str) -> dict[str, str] | None:
        """The role link of the file at ``rel`` (whose name is ``name``), or None."""
        lower_name = name.lower()
        if self.tails is not None and not lower_name.endswith(self.tails):
            return None
        lower = None
        for full, base, link in self.rules:
            if base is not None and base.match(lower_name):
                return link
            if full is not None:
                if lower is None:
                    lower = rel.lower()
                if full.match(lower):
                    return link
        return None


def _literal_tail(pattern: str) -> str:
    """The literal end of a glob after its last wildcard and last "/": what a matching file's name ends with."""
    cut = max(
        pattern.rfind("*"), pattern.rfind("?"), pattern.rfind("["), pattern.rfind("]"), pattern.rfind("/")
    )
    return pattern[cut + 1 :]


# ------------------------------------------------------------------------------------------------
# progress
# ------------------------------------------------------------------------------------------------
class _Progress:
    """tqdm bar (bytes/s and, once a background count of the folder's size finishes, an ETA)."""

    def __init__(self, progress: bool | ProgressCallback | None, root: str, follow: bool):
        self.callback: ProgressCallback | None = progress if callable(progress) else None
        show = progress if isinstance(progress, bool) else (progress is None and _stderr_is_tty())
        self.bar: Any = None
        self.total: int | None = None
        self._counted: int | None = None
        self.bytes = 0
        self.files = 0
        self._stop = threading.Event()
        if show or self.callback:
            threading.Thread(
                target=self._count, args=(root, follow), daemon=True, name="inventory-size"
            ).start()
        if show:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=None,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc="Inventory",
                file=sys.stderr,
                dynamic_ncols=True,
                leave=True,
            )

    def _count(self, root: str, follow: bool) -> None:
        total = 0
        for item in walk(root, follow_symlinks=follow, need_stat=True):
            if self._stop.is_set():
                return
            if isinstance(item, FileEntry) and item.size:
                total += item.size
        self._counted = total

    def update(self, nbytes: int, nfiles: int) -> None:
        self.bytes += nbytes
        self.files += nfiles
        if self.total is None and self._counted is not None:
            self.total = self._counted
            if self.bar is not None:
                self.bar.total = self.total
        if self.bar is not None:
            self.bar.update(nbytes)
        if self.callback is not None:
            self.callback(self.bytes, self.files, self.total)

    def close(self) -> None:
        self._stop.set()  # the background size count is of no use any more
        if self.bar is not None:
            self.bar.close()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# ------------------------------------------------------------------------------------------------
# the pipeline
# ------------------------------------------------------------------------------------------------
def _problem_for(entry: FileEntry, exc: OSError) -> Problem:
    if isinstance(exc, FileNotFoundError):
        return Problem(entry.rel, "vanished", "the file disappeared during the inventory")
    if isinstance(exc, PermissionError):
        return Problem(entry.rel, "unreadable", "permission denied: the file cannot be read")
    if isinstance(exc, (NotARegularFile, IsADirectoryError)):
        return Problem(
            entry.rel, "special-file", "not a regular file when opened (FIFO, socket, device or folder)"
        )
    if isinstance(exc, ChangedWhileReading):
        return Problem(
            entry.rel,
            "changed-while-reading",
            "the file changed while it was being read; run the inventory again once it is complete",
        )
    return Problem(entry.rel, "unreadable", f"cannot be read ({exc.strerror or exc})")


class _Latency:
    """Decides from the time small files take to read whether the storage is slow (then: use the pool).

    Inline, the median of 32 reads decides (one slow outlier does not); in pooled mode
    every 64th small file is still read inline as a probe, and the fastest of 4 probes
    decides (probes can be delayed by the busy worker threads, never sped up).
    """

    def __init__(self, threshold: float):
        self.threshold = threshold
        self.pooled = False
        self.decided = False
        self._samples: list[float] = []
        self._since_probe = 0
        self._count = 0

    def timing_due(self) -> bool:
        """Whether to time this inline read: all until the first decision, then every 8th (timing costs)."""
        self._count += 1
        return self.pooled or not self.decided or not self._count & 7

    def probe_due(self) -> bool:
        """In pooled mode, whether this small file should be read inline as a probe."""
        self._since_probe += 1
        if self._since_probe >= 64:
            self._since_probe = 0
            return True
        return False

    def observe(self, seconds: float) -> None:
        samples = self._samples
        samples.append(seconds)
        if self.pooled and len(samples) >= 4:
            self.pooled = min(samples) > self.threshold
            samples.clear()
        elif not self.pooled and len(samples) >= 32:
            self.pooled = sorted(samples)[16] > self.threshold
            self.decided = True
            samples.clear()


#: a file of a batch: its entry, its digest or error when already known, whether that came from the cache
_Item = tuple[FileEntry, FileDigest | OSError | None, bool]


def _hash_job(
    entries: list[FileEntry], algorithms: tuple[str, ...], opener: Opener
) -> list[FileDigest | OSError]:
    out: list[FileDigest | OSError] = []
    for entry in entries:
        try:
            out.append(hash_file(entry.path, algorithms, opener))
        except OSError as exc:
            out.append(exc)
    return out


def inventory(
    root: str | os.PathLike[str],
    repository_iri: str,
    *,
    name: str | None = None,
    hosted_by: Any = None,
    repository_type: str | None = None,
    algorithms: str | Iterable[str] = ("SHA-256",),
    workers: int | None = None,
    roles: Mapping[str, str | Iterable[str]] | None = None,
    cache: str | os.PathLike[str] | InventoryCache | None = None,
    follow_symlinks: bool = False,
    progress: bool | ProgressCallback | None = None,
    version: str | None = None,
    formats: Mapping[str, str | None] | None = None,
    structure_pattern: str | Mapping[str, str | list[str]] | None = None,
    id_prefix: str | None = None,
    hint_limits: HintLimits | None = None,
    opener: Opener | None = None,
    batch_files: int = 256,
    batch_bytes: int = 16 << 20,
    small_file: int = 256 << 10,
    slow_storage: float = 250e-6,
) -> InventoryResult:
    """Describe the folder ``root`` as an openMINDS FileRepository with one File node per file.

    Args:
        root: the data folder.
        repository_iri: where the files will be reachable; each File's IRI is this
            plus the file's relative path, percent-encoded.
        name: repository name (default: the folder's name).
        hosted_by: the hosting Organization: None (EBRAINS), a full name, the
            @id/IRI of an existing node, a node dict or an openminds object.
        repository_type: a FileRepositoryType term ("s3", "gitAnnex", "swift", …).
        algorithms: any of "SHA-256" (default), "MD5", "SHA-1"; all computed in one read.
        workers: hashing threads (default: 4 per CPU, 4 to 32; reading from network
            storage overlaps waits, hashing uses the cores).
        roles: FileUsageRole name → glob patterns, e.g. ``{"preview": ["*preview*.png"]}``;
            patterns without '/' match the file name, others the relative path
            (case-insensitive). Default :data:`DEFAULT_ROLES`; ``{}`` for none.
        cache: an SQLite cache file (or :class:`InventoryCache`); files whose size
            and modification time did not change are not read again.
        follow_symlinks: follow links to folders and to places outside ``root``.
        progress: None (a bar when stderr is a terminal), True/False, or a
            callback ``(bytes_done, files_done, total_bytes_or_None)``.
        version: openMINDS version ("v4" default, "v3", "v5").
        formats: extension → ContentType name overrides (None: leave unset).
        structure_pattern: a FileRepositoryStructure @id, or ``{regex: grouping type}``.
        id_prefix: None (default): stable, meaningful @ids that survive saving and
            reloading: each File's @id is its IRI, the FileRepository's the repository
            IRI, a FileBundle's the repository IRI + folder path + "/", the hosting
            Organization's a ``urn:uuid:`` UUIDv5 of its name. A prefix instead gives
            every node a deterministic UUIDv5 @id behind it
            ("https://kg.ebrains.eu/api/instances/" gives KG-style ids, "_:" blank nodes,
            which writers relabel, so they do not merge with a saved file).
        hint_limits: thresholds for the "deep tree" and "large folder" hints.
        opener: ``path -> file descriptor`` used to open files (tests, special file systems).
        batch_files, batch_bytes, small_file: pipeline tuning. Files smaller than
            ``small_file`` bytes are hashed in the calling thread (for them, thread
            hand-overs cost more than they save); larger ones go to the pool in
            batches of at most ``batch_files`` files or ``batch_bytes`` bytes.
        slow_storage: seconds per small file above which the storage counts as slow
            (network file systems, cold disks): small files then go to the pool too,
            so that their waits overlap.

    Returns:
        An :class:`InventoryResult`. Per-file problems are in ``result.problems``;
        only a missing root or bad arguments raise (a
        :class:`~ebrains_curation.errors.CurationError`).
    """
    # Hundreds of thousands of small node dicts (no reference cycles) make the cyclic garbage
    # collector rescan the growing heap again and again; pause it for the run.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _inventory(
            root,
            repository_iri,
            name=name,
            hosted_by=hosted_by,
            repository_type=repository_type,
            algorithms=algorithms,
            workers=workers,
            roles=roles,
            cache=cache,
            follow_symlinks=follow_symlinks,
            progress=progress,
            version=version,
            formats=formats,
            structure_pattern=structure_pattern,
            id_prefix=id_prefix,
            hint_limits=hint_limits,
            opener=opener,
            batch_files=batch_files,
            batch_bytes=batch_bytes,
            small_file=small_file,
            slow_storage=slow_storage,
        )
    finally:
        if gc_was_enabled:
            gc.enable()


def _inventory(
    root: str | os.PathLike[str],
    repository_iri: str,
    *,
    name: str | None,
    hosted_by: Any,
    repository_type: str | None,
    algorithms: str | Iterable[str],
    workers: int | None,
    roles: Mapping[str, str | Iterable[str]] | None,
    cache: str | os.PathLike[str] | InventoryCache | None,
    follow_symlinks: bool,
    progress: bool | ProgressCallback | None,
    version: str | None,
    formats: Mapping[str, str | None] | None,
    structure_pattern: str | Mapping[str, str | list[str]] | None,
    id_prefix: str | None,
    hint_limits: HintLimits | None,
    opener: Opener | None,
    batch_files: int,
    batch_bytes: int,
    small_file: int,
    slow_storage: float,
) -> InventoryResult:
    t0 = time.perf_counter()
    perf_counter = time.perf_counter
    v = normalize_version(version)
    algs = normalize_algorithms(algorithms)
    root_s = os.path.abspath(os.fspath(root))
    n_workers = workers if workers is not None else min(32, max(4, 4 * (os.cpu_count() or 1)))
    if n_workers < 1:
        raise ConfigurationError(f"workers must be 1 or more, got {workers}")
    factory = NodeFactory(v, repository_iri, id_prefix)
    fmt_index = format_index(v).with_overrides(formats) if formats else format_index(v)
    fmt_links = FormatLinks(fmt_index)
    role_map = DEFAULT_ROLES if roles is None else roles
    matcher = _RoleMatcher(role_map, v)
    type_iri = str(get_term("FileRepositoryType", repository_type, v).id) if repository_type else None
    open_fn = opener or default_opener

    graph = MetadataGraph(v)
    org_id = factory.organization(hosted_by, graph)
    structure_id = None
    if isinstance(structure_pattern, str):
        structure_id = structure_pattern
    elif structure_pattern:
        structure_id = graph.add_node(
            structure_node(factory, structure_pattern, f"{name or root_name(root_s)} layout")
        )
    repo = factory.repository(name or root_name(root_s), org_id, type_iri, structure_id)
    graph.add_node(repo)
    nodes = graph.nodes
    builder = FileNodes(factory, algs)

    own_cache = cache is not None and not isinstance(cache, InventoryCache)
    db: InventoryCache | None = InventoryCache(cache) if own_cache else cache  # type: ignore[arg-type]
    # what a folder's finished File nodes depend on besides its listing: a stored folder is reused only
    # when all of it is the same
    from .. import __version__  # the content-type library ships with the package

    settings = repr(
        (
            _NODES_FORMAT,
            __version__,
            v,
            repository_iri,
            id_prefix,
            algs,
            sorted((formats or {}).items()),
            sorted((k, sorted([p] if isinstance(p, str) else p)) for k, p in role_map.items()),
        )
    )

    result = InventoryResult(graph, factory.repo_id, algs)
    stats = result.stats
    stats.workers = n_workers
    hints = HintCollector(hint_limits)
    unmatched: Counter[str] = Counter()
    bundle_ids: dict[str, str] = {}
    dir_bytes: Counter[str] = Counter()
    progress_ = _Progress(progress, root_s, follow_symlinks)
    folder = [""]  # the folder the builder is set up for
    # incremental mode: folders whose nodes are to be stored (rel → (path, settings, listing)), their nodes,
    # and folders where a file could not be read (never stored: the problem must come back on a re-run)
    to_store: dict[str, tuple[str, str, bytes]] = {}
    folder_nodes: dict[str, list[Node]] = {}
    bad_folders: set[str] = set()
    ambiguous_count = hints.ambiguous_count
    file_list: list[Node] = []  # the File nodes in walk order (for the duplicates hint)

    def finish(items: list[_Item], results: list[FileDigest | OSError] | None) -> None:
        n_files = n_bytes = n_cached = n_read = bytes_read = folder_bytes = 0
        cur = folder[0]
        cur_nodes = folder_nodes.get(cur)
        match = matcher.match if matcher else None
        for i, (entry, early, from_cache) in enumerate(items):
            res = early if results is None or early is not None else results[i]
            if isinstance(res, OSError):
                result.problems.append(_problem_for(entry, res))
                bad_folders.add(entry.parent)
                continue
            assert res is not None
            rel = entry.rel
            parent = entry.parent
            if parent != cur:
                dir_bytes[cur] += folder_bytes
                folder_bytes = 0
                cur = folder[0] = parent
                builder.folder(parent, bundle_ids.get(parent))
                cur_nodes = folder_nodes.get(parent)
            fname = rel[len(parent) + 1 :] if parent else rel
            ext, fmt_link, ambiguous = fmt_links(fname)
            if fmt_link is None:
                unmatched[ext or "(none)"] += 1
            elif ambiguous:
                ambiguous_count[ext] += 1
            size = res.size
            node = builder.build(fname, size, res.digests, fmt_link, match(rel, fname) if match else None)
            nid = node["@id"]
            if nid in nodes:
                graph.add_node(
                    node
                )  # clashes with a node given from outside (hosted_by…): let the graph decide
            else:
                nodes[nid] = node
            file_list.append(node)
            if cur_nodes is not None:
                cur_nodes.append(node)
            if not size or _AWKWARD.search(fname) or fname != fname.strip():
                hints.file(rel, fname, size)
            n_files += 1
            n_bytes += size
            folder_bytes += size
            if from_cache:
                n_cached += 1
            else:
                n_read += 1
                bytes_read += size
                if db is not None:
                    db.put(entry.path, size, res.mtime_ns, dict(zip(algs, res.digests, strict=True)))
        dir_bytes[cur] += folder_bytes
        stats.files += n_files
        stats.bytes += n_bytes
        stats.files_cached += n_cached
        stats.files_read += n_read
        stats.bytes_read += bytes_read
        progress_.update(n_bytes, len(items))

    # Files are processed in walk order through a bounded queue of batches. Small files are
    # hashed right here: handing them to threads costs more in GIL hand-overs than it saves.
    # Large files go to the pool, where hashlib digests 1 MiB buffers without the GIL.
    pending: deque[tuple[list[_Item], Future[list[FileDigest | OSError]] | None]] = deque()
    max_inflight = 2 * n_workers
    executor = ThreadPoolExecutor(n_workers, thread_name_prefix="inventory-hash")
    batch: list[_Item] = []
    latency = _Latency(slow_storage)
    big: list[FileEntry] = []
    big_bytes = 0

    def submit() -> None:
        nonlocal batch, big, big_bytes
        if not batch:
            return
        fut = executor.submit(_hash_job, big, algs, open_fn) if big else None
        pending.append((batch, fut))
        batch, big, big_bytes = [], [], 0
        while len(pending) > max_inflight or (pending and pending[0][1] is None):
            drain_one()

    def drain_one() -> None:
        items, fut = pending.popleft()
        if fut is None:
            finish(items, None)
            return
        done = fut.result()
        stats.files_in_threads += len(done)
        results = iter(done)
        finish(items, [next(results) if early is None else early for _, early, _ in items])  # type: ignore[misc]

    def add_file(item: FileEntry) -> None:
        nonlocal big_bytes
        early: FileDigest | OSError | None = None
        if db is not None and item.size is not None and item.mtime_ns is not None:
            digests = db.get(item.path, item.size, item.mtime_ns, algs)
            if digests is not None:
                early = FileDigest(item.size, item.mtime_ns, digests)
        from_cache = early is not None
        if early is None:
            # Small files are read right here; a larger one is only opened and sized here (or
            # sized by the walk when a cache asked for stat) and then read by the pool. On slow
            # storage (network file systems, cold disks) small files go to the pool too, where
            # the waits overlap; a few files are still read here to notice when that changes.
            size = item.size
            to_pool = n_workers > 1 and latency.pooled and not latency.probe_due()
            if not to_pool:
                big_enough = n_workers > 1 and (size is None or size >= small_file)
                if size is None or not big_enough:
                    timed = latency.timing_due()
                    t = perf_counter() if timed else 0.0
                    try:
                        early = hash_file(item.path, algs, open_fn, small_file - 1 if big_enough else None)
                        if not early.digests:  # too large to read here
                            size, early = early.size, None
                    except OSError as exc:
                        early = exc
                    if timed:
                        latency.observe(perf_counter() - t)
                to_pool = early is None
            if to_pool:
                big.append(item)
                big_bytes += size or 0
        batch.append((item, early, from_cache))
        if (
            len(batch) >= batch_files
            or big_bytes >= batch_bytes
            or (latency.pooled and len(big) >= max(1, batch_files // 8))
        ):
            submit()

    def reuse(rel: str, payload: bytes) -> None:
        """Add a folder's stored nodes, after everything before it (walk order)."""
        submit()
        while pending:
            drain_one()
        file_nodes, nbytes, unmatched_f, ambiguous_f, awkward, empty = marshal.loads(payload)
        ids = [node["@id"] for node in file_nodes]
        if nodes.keys().isdisjoint(ids):
            nodes.update(zip(ids, file_nodes, strict=True))
        else:  # clashes with a node given from outside (hosted_by…): let the graph decide
            for node in file_nodes:
                graph.add_node(node)
        file_list.extend(file_nodes)
        unmatched.update(unmatched_f)
        ambiguous_count.update(ambiguous_f)
        for r in awkward:
            hints.awkward.add(r)
        for r in empty:
            hints.empty_files.add(r)
        dir_bytes[rel] += nbytes
        n = len(file_nodes)
        stats.files += n
        stats.files_cached += n
        stats.bytes += nbytes
        progress_.update(nbytes, n)

    def end_folder(rel: str, entries: list[FileEntry]) -> None:
        """Incremental mode: reuse the folder's stored nodes when its listing is unchanged, else queue its files."""
        assert db is not None
        if not entries:
            return
        cut = len(rel) + 1 if rel else 0
        if all(e.size is not None for e in entries):
            listing = marshal.dumps([(e.rel[cut:], e.size, e.mtime_ns) for e in entries])
            path = os.path.join(root_s, rel) if rel else root_s
            key = f"{settings}\n{rel}"
            payload = db.folder_get(path, key, listing)
            if payload is not None:
                reuse(rel, payload)
                return
            to_store[rel] = (path, key, listing)
            folder_nodes[rel] = []
        for e in entries:
            add_file(e)

    try:
        group_rel = ""
        group: list[FileEntry] = []
        for item in walk(root_s, follow_symlinks=follow_symlinks, need_stat=db is not None):
            if isinstance(item, FileEntry):
                if db is None:
                    add_file(item)
                else:
                    group.append(item)
            elif isinstance(item, DirInfo):
                if db is not None:
                    end_folder(group_rel, group)
                    group_rel, group = item.rel, []
                stats.folders += 1
                hints.folder(item.rel, item.depth, item.entries)
                if item.rel:
                    parent = item.rel.rsplit("/", 1)[0] if "/" in item.rel else ""
                    bundle = factory.bundle(item.rel, bundle_ids.get(parent))
                    bundle_ids[item.rel] = graph.add_node(bundle)
            else:
                result.problems.append(item)
        if db is not None:
            end_folder(group_rel, group)
        submit()
        while pending:
            drain_one()
        if db is not None:
            _store_folders(db, to_store, folder_nodes, bad_folders, fmt_links)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        progress_.close()
        if db is not None:
            if own_cache:
                db.close()
            else:
                db.commit()

    for ext in ambiguous_count:
        hints.ambiguous[ext] = fmt_index.candidates[ext]
    # folder sizes, rolled up from the deepest folders; the repository's total
    for rel in sorted(bundle_ids, key=lambda r: -r.count("/")):
        parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
        dir_bytes[parent] += dir_bytes[rel]
        graph.nodes[bundle_ids[rel]]["storageSize"] = factory.size(dir_bytes[rel])
    repo["storageSize"] = factory.size(stats.bytes)

    result.unmatched_extensions = dict(unmatched.most_common())
    result.hints = hints.hints(_duplicates(file_list, factory.base))
    if unmatched:
        shown = ", ".join(f"{e} ({n})" for e, n in unmatched.most_common(5))
        result.hints.append(
            Hint(
                "unknown-format",
                f"{sum(unmatched.values())} file(s) with an extension openMINDS has no content type for",
                "these files get no format; suggest the content type to openMINDS or describe it in the data descriptor",
                sum(unmatched.values()),
                (shown,),
                severity="info",
            )
        )
    result.problems.sort(key=lambda p: p.path)
    stats.problems = len(result.problems)
    stats.seconds = time.perf_counter() - t0
    return result


def _store_folders(
    db: InventoryCache,
    to_store: dict[str, tuple[str, str, bytes]],
    folder_nodes: dict[str, list[Node]],
    bad_folders: set[str],
    fmt_links: FormatLinks,
) -> None:
    """Incremental mode: store each fully inventoried folder's File nodes with what the hints need."""
    for rel, (path, key, listing) in to_store.items():
        file_nodes = folder_nodes.get(rel)
        if rel in bad_folders or not file_nodes:
            continue
        unmatched: Counter[str] = Counter()
        ambiguous: Counter[str] = Counter()
        awkward: list[str] = []
        empty: list[str] = []
        nbytes = 0
        prefix = f"{rel}/" if rel else ""
        for node in file_nodes:
            fname = node["name"]
            size = node["storageSize"]["value"]
            nbytes += size
            ext, fmt_link, is_ambiguous = fmt_links(fname)
            if fmt_link is None:
                unmatched[ext or "(none)"] += 1
            elif is_ambiguous:
                ambiguous[ext] += 1
            if _AWKWARD.search(fname) or fname != fname.strip():
                awkward.append(prefix + fname)
            if not size:
                empty.append(prefix + fname)
        db.folder_put(
            path,
            key,
            listing,
            marshal.dumps((file_nodes, nbytes, dict(unmatched), dict(ambiguous), awkward, empty)),
        )


def _duplicates(files: list[Node], base: str) -> list[tuple[str, ...]]:
    """Groups of relative paths whose files have the same size and first digest (empty files excluded)."""
    # first by digest alone (one look-up per file, counted in C); sizes only for the few candidates
    digests = [n["hash"][0]["digest"] for n in files]
    dup_digests = {d for d, c in Counter(digests).items() if c > 1}
    if not dup_digests:
        return []
    groups: dict[tuple[int, str], list[str]] = {}
    cut = len(base)
    for n, digest in zip(files, digests, strict=True):
        if digest in dup_digests:
            size = n["storageSize"]["value"]
            if size:
                rel = n["IRI"][cut:]
                groups.setdefault((size, digest), []).append(unquote(rel) if "%" in rel else rel)
    return sorted((tuple(g) for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))
