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

import gc
import os
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ConfigurationError
from ..schemas import get_version
from ..schemas.versions import VersionLike
from .cache import InventoryCache
from .hashing import Opener, default_opener, normalize_algorithms
from .hints import HintLimits
from .pipeline import Options, Pipeline
from .progress import ProgressCallback
from .result import InventoryResult, InventoryStats

__all__ = ["DEFAULT_ROLES", "InventoryResult", "InventoryStats", "inventory"]

#: special usage roles given by default: FileUsageRole name → glob patterns (case-insensitive)
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {"data descriptor": ("*descriptor*.pdf",)}


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
    exclude: Iterable[str | os.PathLike[str]] = (),
    follow_symlinks: bool = False,
    progress: bool | ProgressCallback | None = None,
    version: VersionLike = None,
    formats: Mapping[str, str | None] | None = None,
    structure_pattern: str | Mapping[str, str | list[str]] | None = None,
    id_prefix: str | None = None,
    hint_limits: HintLimits | None = None,
    opener: Opener | None = None,
    batch_files: int = 256,
    batch_bytes: int = 16 << 20,
    small_file: int = 256 << 10,
    slow_storage: float = 250e-6,
    process_after: int | None = 2000,
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
        cache: an SQLite cache file (or :class:`InventoryCache`); files whose size,
            modification and status-change times, inode and device did not change
            (what git and rsync compare) are not read again. A cache file
            inside ``root`` is left out of the inventory (with its journal files).
        exclude: files to leave out of the inventory, such as the output and report
            files when they are written inside ``root`` (their temporary files too).
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
        process_after: with 2 or more ``workers``, after this many small files read in
            the calling thread a helper process starts and reads and hashes the next
            ones, while the calling thread builds the File nodes (two cores at work;
            the helper applies the same checks). None: never (as with a custom ``opener``).

    Returns:
        An :class:`InventoryResult`. Per-file problems are in ``result.problems``;
        only a missing root or bad arguments raise (a
        :class:`~ebrains_curation.errors.CurationError`).
    """
    opts = Options(
        root=os.path.abspath(os.fspath(root)),
        repository_iri=repository_iri,
        version=get_version(version),
        algorithms=normalize_algorithms(algorithms),
        workers=_workers(workers),
        opener=opener or default_opener,
        roles=DEFAULT_ROLES if roles is None else roles,
        name=name,
        hosted_by=hosted_by,
        repository_type=repository_type,
        cache=cache,
        exclude=tuple(os.fspath(p) for p in exclude),
        follow_symlinks=follow_symlinks,
        progress=progress,
        formats=formats,
        structure_pattern=structure_pattern,
        id_prefix=id_prefix,
        hint_limits=hint_limits,
        batch_files=batch_files,
        batch_bytes=batch_bytes,
        small_file=small_file,
        slow_storage=slow_storage,
        process_after=process_after,
    )
    # Hundreds of thousands of small node dicts (no reference cycles) make the cyclic garbage
    # collector rescan the growing heap again and again; pause it for the run.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return Pipeline(opts).run()
    finally:
        if gc_was_enabled:
            gc.enable()


def _workers(workers: int | None) -> int:
    """Hashing threads: as given, or 4 per CPU (4 to 32): reading from network storage overlaps waits."""
    n = workers if workers is not None else min(32, max(4, 4 * (os.cpu_count() or 1)))
    if n < 1:
        raise ConfigurationError(f"workers must be 1 or more, got {workers}")
    return n
