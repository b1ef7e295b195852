"""The inventory pipeline: walk → hash (inline or in a thread pool) → File nodes, as one bounded stream.

Files are processed in walk order through a bounded queue of batches. Small
files are hashed in the calling thread: handing them to threads costs more in
GIL hand-overs than it saves. Large files go to the pool, where hashlib
digests 1 MiB buffers without the GIL. On slow storage (network file systems)
small files go to the pool too, so that their waits overlap. Past the first
few thousand small files on fast storage, a helper process (:mod:`.hashproc`)
reads and hashes them while this thread walks and builds the nodes: the two
halves of the work then run on two cores. With a cache,
a folder whose listing (names and stamps: size, mtime, ctime, inode,
device) and settings are unchanged reuses
its stored File nodes as they are.
"""

from __future__ import annotations

import marshal
import os
import time
import warnings
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..errors import CurationWarning, InventoryError
from ..graph.model import MetadataGraph, Node
from ..schemas import get_term
from ..schemas.versions import OpenMINDSVersion
from .cache import InventoryCache
from .duplicates import duplicate_groups
from .formats import FormatLinks, format_index
from .hashing import ChangedWhileReading, FileDigest, NotARegularFile, Opener, default_opener, hash_file
from .hashproc import HashProcess, available
from .hints import AWKWARD_NAME, Hint, HintCollector, HintLimits
from .nodes import FileNodes, NodeFactory, root_name, structure_node
from .progress import Progress, ProgressCallback
from .result import InventoryResult
from .roles import RoleMatcher
from .scan import DirInfo, FileEntry, FolderFiles, OwnFiles, Problem, walk, walk_folders

__all__ = ["Options", "Pipeline"]

#: version of the stored per-folder node blobs (bump when File nodes change shape)
_NODES_FORMAT = 4


@dataclass(frozen=True)
class Options:
    """The arguments of :func:`~ebrains_curation.inventory.inventory`, checked and normalised once."""

    root: str  #: absolute path of the data folder
    repository_iri: str
    version: OpenMINDSVersion
    algorithms: tuple[str, ...]
    workers: int
    opener: Opener
    roles: Mapping[str, str | Iterable[str]]
    name: str | None = None
    hosted_by: Any = None
    repository_type: str | None = None
    cache: str | os.PathLike[str] | InventoryCache | None = None
    exclude: tuple[str, ...] = ()  #: paths to leave out (the inventory's own output)
    follow_symlinks: bool = False
    progress: bool | ProgressCallback | None = None
    formats: Mapping[str, str | None] | None = None
    structure_pattern: str | Mapping[str, str | list[str]] | None = None
    id_prefix: str | None = None
    hint_limits: HintLimits | None = None
    batch_files: int = 256
    batch_bytes: int = 16 << 20
    small_file: int = 256 << 10
    slow_storage: float = 250e-6
    process_after: int | None = 2000

    def own_files(self) -> OwnFiles:
        """The inventory's own files under the root: its cache (when a path) and the ``exclude`` paths."""
        paths: list[str | os.PathLike[str]] = list(self.exclude)
        if self.cache is not None:
            paths.append(self.cache.path if isinstance(self.cache, InventoryCache) else self.cache)
        return OwnFiles(self.root, paths)


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
#: batches the helper process may have in hand before the calling thread reads the next one itself
_HELPER_DEPTH = 8
#: marks the items of a batch read by the helper process (their results come from it)
_HELPER = FileDigest(-1, 0, (), (-1, 0, 0, 0, 0))
#: a batch in flight: its items, the pool's job (files read by threads), the files sent to the helper
#: process and whether they were sent (else they are read here when the batch is drained)
_Pending = tuple[list[_Item], "Future[list[FileDigest | OSError]] | None", list[FileEntry], bool]


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


class Pipeline:
    """One inventory run: set up from :class:`Options`, then :meth:`run` once.

    The per-file methods (:meth:`_add_file`, :meth:`_finish`) are the hot path:
    they copy the attributes they use into locals first (cheaper in a loop).
    """

    def __init__(self, opts: Options):
        self.t0 = time.perf_counter()
        self.opts = opts
        v, algs = opts.version, opts.algorithms
        self.algs = algs
        self.factory = factory = NodeFactory(v, opts.repository_iri, opts.id_prefix)
        fmt_index = format_index(v).with_overrides(opts.formats) if opts.formats else format_index(v)
        self.fmt_index = fmt_index
        self.fmt_links = FormatLinks(fmt_index)
        self.matcher = RoleMatcher(opts.roles, v)
        self.graph = graph = MetadataGraph(v)
        self.repo = self._repository_node()
        graph.add_node(self.repo)
        self.nodes = graph.nodes
        self.builder = FileNodes(factory, algs)
        cache = opts.cache
        self.own_cache = cache is not None and not isinstance(cache, InventoryCache)  # ours to close
        self.db: InventoryCache | None = (
            cache if isinstance(cache, InventoryCache) else None if cache is None else _open_cache(cache)
        )
        self.own_cache = self.own_cache and self.db is not None
        self.settings = self._settings_key()
        self.result = InventoryResult(graph, factory.repo_id, algs)
        self.stats = self.result.stats
        self.stats.workers = opts.workers
        self.hints = HintCollector(opts.hint_limits)
        self.ambiguous_count = self.hints.ambiguous_count
        self.unmatched: Counter[str] = Counter()
        self.bundle_ids: dict[str, str] = {}
        self.dir_bytes: Counter[str] = Counter()
        self.progress = Progress(opts.progress, opts.root, opts.follow_symlinks)
        self.folder = ""  # the folder the builder is set up for
        # incremental mode: folders whose nodes are to be stored (rel → (path, settings, listing)), their
        # nodes, and folders where a file could not be read (never stored: the problem must come back)
        self.to_store: dict[str, tuple[str, str, bytes]] = {}
        self.folder_nodes: dict[str, list[Node]] = {}
        self.bad_folders: set[str] = set()
        self.file_list: list[Node] = []  # the File nodes in walk order (for the duplicates hint)
        self.first_digests: list[str] = []  # their first digests, collected on the way (not looked up again)
        self.sizes: list[int] = []  # and their sizes (the duplicates hint needs both, not the nodes)
        # the bounded queue of batches between the walk and the graph
        self.pending: deque[_Pending] = deque()
        self.max_inflight = 2 * opts.workers
        self.executor = ThreadPoolExecutor(opts.workers, thread_name_prefix="inventory-hash")
        self.batch: list[_Item] = []
        self.latency = _Latency(opts.slow_storage)
        self.big: list[FileEntry] = []
        self.big_bytes = 0
        # the helper process: started after ``process_after`` small files read here (never for a
        # custom opener: it would not run in the helper), used once it answers
        self.helper: HashProcess | None = None
        self.use_helper = False
        self.to_helper: list[FileEntry] = []
        self.inline_small = 0
        self.helper_after = (
            opts.process_after
            if opts.process_after is not None
            and opts.workers > 1
            and opts.opener is default_opener
            and available()
            else None
        )

    def _repository_node(self) -> Node:
        opts, factory, graph = self.opts, self.factory, self.graph
        type_iri = (
            str(get_term("FileRepositoryType", opts.repository_type, opts.version).id)
            if opts.repository_type
            else None
        )
        org_id = factory.organization(opts.hosted_by, graph)
        structure_id = None
        if isinstance(opts.structure_pattern, str):
            structure_id = opts.structure_pattern
        elif opts.structure_pattern:
            structure_id = graph.add_node(
                structure_node(factory, opts.structure_pattern, f"{opts.name or root_name(opts.root)} layout")
            )
        return factory.repository(opts.name or root_name(opts.root), org_id, type_iri, structure_id)

    def _settings_key(self) -> str:
        """What a folder's finished File nodes depend on besides its listing: stored nodes are reused only when all of it is the same."""
        from .. import __version__  # the content-type library ships with the package

        opts = self.opts
        return repr(
            (
                _NODES_FORMAT,
                __version__,
                opts.version,
                opts.repository_iri,
                opts.id_prefix,
                self.algs,
                sorted((opts.formats or {}).items()),
                sorted((k, sorted([p] if isinstance(p, str) else p)) for k, p in opts.roles.items()),
            )
        )

    # -- the run -------------------------------------------------------------------------------------
    def run(self) -> InventoryResult:
        """Walk, hash and build; then roll up folder sizes and collect the hints."""
        db = self.db
        try:
            self._walk()
            self._submit()
            while self.pending:
                self._drain_one()
            if db is not None:
                _store_folders(db, self.to_store, self.folder_nodes, self.bad_folders, self.fmt_links)
        finally:
            if self.helper is not None:
                self.helper.close()
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.progress.close()
            if db is not None:
                if self.own_cache:
                    db.close()
                else:
                    db.commit()
        self._conclude()
        return self.result

    def _walk(self) -> None:
        opts, db, stats, hints = self.opts, self.db, self.stats, self.hints
        add_file, bundle_ids, problems = self._add_file, self.bundle_ids, self.result.problems
        own = opts.own_files()
        # with a cache, each folder's files come as one listing, compared with the stored one at once
        items: Iterable[DirInfo | FileEntry | FolderFiles | Problem] = (
            walk(opts.root, follow_symlinks=opts.follow_symlinks, own_files=own)
            if db is None
            else walk_folders(opts.root, follow_symlinks=opts.follow_symlinks, own_files=own)
        )
        # the @ids a File could clash with: the nodes made before the walk (the FileBundles' end with "/")
        self.outside_ids = set(self.nodes)
        for item in items:
            if isinstance(item, FileEntry):
                add_file(item)
            elif isinstance(item, FolderFiles):
                self._end_folder(item)
            elif isinstance(item, DirInfo):
                stats.folders += 1
                hints.folder(item.rel, item.depth, item.entries)
                if item.rel:
                    parent = item.rel.rsplit("/", 1)[0] if "/" in item.rel else ""
                    bundle = self.factory.bundle(item.rel, bundle_ids.get(parent))
                    bundle_ids[item.rel] = self.graph.add_node(bundle)
            else:
                problems.append(item)

    def _add_file(self, item: FileEntry) -> None:
        db, algs, latency, n_workers = self.db, self.algs, self.latency, self.opts.workers
        early: FileDigest | OSError | None = None
        if db is not None and item.stamp is not None:
            digests = db.get(item.path, item.stamp, algs)
            if digests is not None:
                early = FileDigest(item.stamp[0], item.stamp[1], digests, item.stamp)
        from_cache = early is not None
        if early is None:
            # Small files are read right here; a larger one is only opened and sized here (or
            # sized by the walk when a cache asked for stat) and then read by the pool. On slow
            # storage (network file systems, cold disks) small files go to the pool too, where
            # the waits overlap; a few files are still read here to notice when that changes.
            size = item.size
            small_file = self.opts.small_file
            if self.use_helper and (size is None or size < small_file):
                self.to_helper.append(item)
                self.batch.append((item, _HELPER, False))
                if len(self.batch) >= self.opts.batch_files:
                    self._submit()
                return
            to_pool = n_workers > 1 and latency.pooled and not latency.probe_due()
            if not to_pool:
                big_enough = n_workers > 1 and (size is None or size >= small_file)
                if size is None or not big_enough:
                    timed = latency.timing_due()
                    t = time.perf_counter() if timed else 0.0
                    try:
                        early = hash_file(
                            item.path, algs, self.opts.opener, small_file - 1 if big_enough else None
                        )
                        if not early.digests:  # too large to read here
                            size, early = early.size, None
                    except OSError as exc:
                        early = exc
                    if timed:
                        latency.observe(time.perf_counter() - t)
                    self.inline_small += 1
                    if (
                        self.helper_after is not None
                        and self.inline_small >= self.helper_after
                        and self.helper is None
                        and latency.decided
                        and not latency.pooled
                    ):
                        self.helper = HashProcess(algs, small_file - 1)
                to_pool = early is None
            if to_pool:
                self.big.append(item)
                self.big_bytes += size or 0
        batch = self.batch
        batch.append((item, early, from_cache))
        if (
            len(batch) >= self.opts.batch_files
            or self.big_bytes >= self.opts.batch_bytes
            or (latency.pooled and len(self.big) >= max(1, self.opts.batch_files // 8))
        ):
            self._submit()

    def _submit(self) -> None:
        if not self.batch:
            return
        batch, big, to_helper, helper = self.batch, self.big, self.to_helper, self.helper
        fut = self.executor.submit(_hash_job, big, self.algs, self.opts.opener) if big else None
        sent = False
        if to_helper:
            # The helper gets the batch unless it is behind (busy with _HELPER_DEPTH batches, no answer
            # yet: no free core, say): then it is read right here, rather than waited for later.
            if helper is not None and (helper.in_flight < _HELPER_DEPTH or helper.answered()):
                sent = helper.submit([e.path for e in to_helper])
            if not sent:
                done = iter(_hash_job(to_helper, self.algs, self.opts.opener))
                batch = [(e, next(done) if early is _HELPER else early, c) for e, early, c in batch]
                to_helper = []
        self.pending.append((batch, fut, to_helper, sent))
        self.batch, self.big, self.big_bytes, self.to_helper = [], [], 0, []
        if helper is not None:
            self.use_helper = helper.poll_ready() and not self.latency.pooled
        pending = self.pending
        # with the helper, batches read here wait behind its batches: a few more may wait
        limit = self.max_inflight if helper is None else max(self.max_inflight, 4 * _HELPER_DEPTH)
        while len(pending) > limit or (pending and self._front_ready()):
            self._drain_one()

    def _front_ready(self) -> bool:
        """Whether the oldest batch in flight can be finished without waiting."""
        _, fut, _, sent = self.pending[0]
        if fut is not None and not fut.done():
            return False
        return not sent or (self.helper is not None and self.helper.answered())

    def _drain_one(self) -> None:
        items, fut, to_helper, sent = self.pending.popleft()
        if fut is None and not to_helper:
            self._finish(items, None)
            return
        done = fut.result() if fut is not None else []
        self.stats.files_in_threads += len(done)
        pooled = iter(done)
        helped = iter(self._helper_results(to_helper, sent) if to_helper else ())
        self._finish(
            items,
            [
                next(pooled) if early is None else next(helped) if early is _HELPER else early
                for _, early, _ in items
            ],
        )

    def _helper_results(self, entries: list[FileEntry], sent: bool) -> list[FileDigest | OSError]:
        """The helper's results for a batch; read here when it is gone, larger files read by the pool."""
        helper = self.helper
        res = helper.result() if sent and helper is not None else None
        if res is None:  # never sent, or the helper died: only speed is lost
            return _hash_job(entries, self.algs, self.opts.opener)
        self.stats.files_in_process += len(res)
        # a file too large for the helper's batches (its size unknown when sent) goes to the threads
        large = [i for i, r in enumerate(res) if isinstance(r, FileDigest) and not r.digests]
        if large:
            again = self.executor.submit(_hash_job, [entries[i] for i in large], self.algs, self.opts.opener)
            for i, r in zip(large, again.result(), strict=True):
                res[i] = r
            self.stats.files_in_process -= len(large)
            self.stats.files_in_threads += len(large)
        return res

    def _finish(self, items: list[_Item], results: list[FileDigest | OSError] | None) -> None:
        """Build the File nodes of a batch whose digests are all known, in walk order."""
        n_files = n_bytes = n_cached = n_read = bytes_read = folder_bytes = 0
        builder, graph, nodes, db, algs = self.builder, self.graph, self.nodes, self.db, self.algs
        fmt_links, unmatched, ambiguous_count = self.fmt_links, self.unmatched, self.ambiguous_count
        file_list, first_digests, sizes, hints, dir_bytes, folder_nodes = (
            self.file_list,
            self.first_digests,
            self.sizes,
            self.hints,
            self.dir_bytes,
            self.folder_nodes,
        )
        cur = self.folder
        cur_nodes = folder_nodes.get(cur)
        match = self.matcher.match if self.matcher else None
        for i, (entry, early, from_cache) in enumerate(items):
            res = early if results is None else results[i]
            if isinstance(res, OSError):
                self.result.problems.append(_problem_for(entry, res))
                self.bad_folders.add(entry.parent)
                continue
            assert res is not None
            rel = entry.rel
            parent = entry.parent
            if parent != cur:
                dir_bytes[cur] += folder_bytes
                folder_bytes = 0
                cur = self.folder = parent
                builder.folder(parent, self.bundle_ids.get(parent))
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
            first_digests.append(res.digests[0])
            sizes.append(size)
            if cur_nodes is not None:
                cur_nodes.append(node)
            if not size or AWKWARD_NAME.search(fname) or fname != fname.strip():
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
                    db.put(entry.path, res.stamp, dict(zip(algs, res.digests, strict=True)))
        dir_bytes[cur] += folder_bytes
        self._count(n_files, n_bytes, n_cached, n_read, bytes_read, len(items))

    def _count(self, files: int, nbytes: int, cached: int, read: int, bytes_read: int, items: int) -> None:
        stats = self.stats
        stats.files += files
        stats.bytes += nbytes
        stats.files_cached += cached
        stats.files_read += read
        stats.bytes_read += bytes_read
        self.progress.update(nbytes, items)

    # -- incremental mode ----------------------------------------------------------------------------
    def _end_folder(self, files: FolderFiles) -> None:
        """Reuse the folder's stored nodes when its listing is unchanged, else queue its files."""
        db = self.db
        assert db is not None
        rel = files.rel
        # names and stamps (size, mtime, ctime, inode, device) of every file: what says nothing changed
        listing = files.listing()
        path = os.path.join(self.opts.root, rel) if rel else self.opts.root
        key = f"{self.settings}\n{rel}"
        payload = db.folder_get(path, key, listing)
        if payload is not None and self._reuse(rel, payload, len(files.names)):
            return
        self.to_store[rel] = (path, key, listing)
        self.folder_nodes[rel] = []
        for e in files.entries():
            self._add_file(e)

    def _reuse(self, rel: str, payload: bytes, n: int) -> bool:
        """Add a folder's ``n`` stored nodes, after everything before it (walk order); False if unreadable."""
        stored = _decode_folder(payload, n)
        if stored is None:
            warnings.warn(
                f"The inventory cache holds unreadable data for the folder {rel or '(the root)'!r}: "
                "it is ignored and the folder's files are read again",
                CurationWarning,
                stacklevel=2,
            )
            return False
        self._submit()
        while self.pending:
            self._drain_one()
        ids, digests, sizes, file_nodes, unmatched_f, ambiguous_f, awkward, empty = stored
        nbytes = sum(sizes)
        if self.outside_ids.isdisjoint(ids):
            self.nodes.update(zip(ids, file_nodes, strict=True))
        else:  # clashes with a node given from outside (hosted_by…): let the graph decide
            for node in file_nodes:
                self.graph.add_node(node)
        self.file_list.extend(file_nodes)
        self.first_digests.extend(digests)
        self.sizes.extend(sizes)
        if unmatched_f:
            self.unmatched.update(unmatched_f)
        if ambiguous_f:
            self.ambiguous_count.update(ambiguous_f)
        for r in awkward:
            self.hints.awkward.add(r)
        for r in empty:
            self.hints.empty_files.add(r)
        self.dir_bytes[rel] += nbytes
        self._count(n, nbytes, n, 0, 0, n)
        return True

    # -- the end -------------------------------------------------------------------------------------
    def _conclude(self) -> None:
        """Folder sizes rolled up from the deepest folders, the repository's total, the hints, the figures."""
        result, stats, factory, dir_bytes, unmatched = (
            self.result,
            self.stats,
            self.factory,
            self.dir_bytes,
            self.unmatched,
        )
        for ext in self.ambiguous_count:
            self.hints.ambiguous[ext] = self.fmt_index.candidates[ext]
        for rel in sorted(self.bundle_ids, key=lambda r: -r.count("/")):
            parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
            dir_bytes[parent] += dir_bytes[rel]
            self.graph.nodes[self.bundle_ids[rel]]["storageSize"] = factory.size(dir_bytes[rel])
        self.repo["storageSize"] = factory.size(stats.bytes)
        result.unmatched_extensions = dict(unmatched.most_common())
        result.hints = self.hints.hints(
            duplicate_groups(self.file_list, self.first_digests, self.sizes, factory.base)
        )
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
        stats.seconds = time.perf_counter() - self.t0


def _open_cache(path: str | os.PathLike[str]) -> InventoryCache | None:
    """The cache file, or None (with a warning) when it cannot be used: the run then reads every file."""
    try:
        return InventoryCache(path)
    except InventoryError as exc:
        warnings.warn(f"{exc}. This run reads every file.", CurationWarning, stacklevel=4)
        return None


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
        sizes: list[int] = []
        prefix = f"{rel}/" if rel else ""
        for node in file_nodes:
            fname = node["name"]
            size = node["storageSize"]["value"]
            sizes.append(size)
            ext, fmt_link, is_ambiguous = fmt_links(fname)
            if fmt_link is None:
                unmatched[ext or "(none)"] += 1
            elif is_ambiguous:
                ambiguous[ext] += 1
            if AWKWARD_NAME.search(fname) or fname != fname.strip():
                awkward.append(prefix + fname)
            if not size:
                empty.append(prefix + fname)
        db.folder_put(
            path,
            key,
            listing,
            # the @ids, first digests and sizes too (marshal stores each string once): no pass over
            # the nodes to find them again
            marshal.dumps(
                (
                    [n["@id"] for n in file_nodes],
                    [n["hash"][0]["digest"] for n in file_nodes],
                    sizes,
                    file_nodes,
                    dict(unmatched),
                    dict(ambiguous),
                    awkward,
                    empty,
                )
            ),
        )


def _decode_folder(payload: bytes, n: int) -> tuple[Any, ...] | None:
    """A folder's stored nodes and hint data (see :func:`_store_folders`), or None if not what was stored."""
    try:
        stored = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if not (type(stored) is tuple and len(stored) == 8):
        return None
    ids, digests, sizes, file_nodes, unmatched, ambiguous, awkward, empty = stored
    if not (
        type(ids) is list
        and type(digests) is list
        and type(sizes) is list
        and type(file_nodes) is list
        and len(ids) == len(digests) == len(sizes) == len(file_nodes) == n
        and type(unmatched) is dict
        and type(ambiguous) is dict
        and type(awkward) is list
        and type(empty) is list
    ):
        return None
    return stored
