"""Push a dataset folder to its EBRAINS bucket with a plan, then verify it against the inventory.

::

    from ebrains_curation.curation.push import push
    from ebrains_curation.dataproxy import DataProxyClient

    result = push("/data/my-dataset", DataProxyClient(token_provider=...), "my-collab")
    print(result.plan.render(), result.summary())

The local side is our inventory (its hash cache is reused, so a re-run reads
nothing that did not change); the remote side is the bucket listing. For every
file the plan says **upload** (not in the bucket), **skip** (same size and MD5),
**conflict** (different content under the same name) or **only-remote** (in the
bucket, not in the folder). Conflicts are overwritten only with ``overwrite=True``
and only-remote objects deleted only with ``delete=True`` (and never after a
failed upload). Uploads run in parallel with a progress bar; then the bucket is
listed again and every inventoried file must be there with the right size and
digest. The inventory's FileRepository/File metadata, whose IRIs are the
bucket's, can be written for validation and submission.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from ..dataproxy.client import DataProxyClient, RemoteObject
from ..errors import ConfigurationError, DataProxyError
from ..inventory import inventory

__all__ = ["PlanItem", "PushPlan", "PushResult", "plan_push", "push"]

ACTIONS = ("upload", "skip", "conflict", "only-remote")


@dataclass(frozen=True)
class PlanItem:
    """What to do with one name: ``action`` in :data:`ACTIONS`, and why."""

    name: str  #: the object name in the bucket (prefix + relative path)
    action: str
    reason: str
    size: int = 0
    md5: str | None = None
    path: str | None = None  #: the local file
    remote: RemoteObject | None = None


@dataclass
class PushPlan:
    """The comparison of a folder's inventory with a bucket listing."""

    bucket: str
    prefix: str
    items: list[PlanItem]
    inventory: Any = field(repr=False, default=None)  #: the InventoryResult (its graph has the bucket IRIs)
    listing: dict[str, RemoteObject] = field(repr=False, default_factory=dict)  #: the bucket when planned

    def counts(self) -> dict[str, int]:
        c = Counter(i.action for i in self.items)
        return {a: c.get(a, 0) for a in ACTIONS}

    def of(self, action: str) -> list[PlanItem]:
        """The items with this action."""
        return [i for i in self.items if i.action == action]

    def bytes_to_upload(self, overwrite: bool = False) -> int:
        todo = ("upload", "conflict") if overwrite else ("upload",)
        return sum(i.size for i in self.items if i.action in todo)

    def render(self, max_items: int = 50) -> str:
        """The plan as text: one line per file that is not skipped, then the counts."""
        lines = []
        shown = [i for i in self.items if i.action != "skip"]
        for item in shown[:max_items]:
            lines.append(f"{item.action:<12} {item.name}  ({item.reason})")
        if len(shown) > max_items:
            lines.append(f"… and {len(shown) - max_items} more")
        c = self.counts()
        lines.append(
            f"plan for bucket {self.bucket!r}: {c['upload']} to upload ({_human(self.bytes_to_upload())}), "
            f"{c['skip']} unchanged, {c['conflict']} conflicts, {c['only-remote']} only in the bucket"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "counts": self.counts(),
            "items": [
                {"name": i.name, "action": i.action, "reason": i.reason, "size": i.size} for i in self.items
            ],
        }


@dataclass
class PushResult:
    """What a push did: the plan, what was uploaded/deleted, failures, and the verification."""

    plan: PushPlan
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  #: name → error message
    mismatches: dict[str, str] = field(default_factory=dict)  #: name → what the verification found
    verified: int = 0
    bytes_uploaded: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """No failure, and (unless a dry run) every inventoried file verified in the bucket."""
        return not self.failed and not self.mismatches

    def summary(self) -> str:
        if self.dry_run:
            return "dry run: nothing was uploaded or deleted"
        text = (
            f"uploaded {len(self.uploaded)} files ({_human(self.bytes_uploaded)}) in {self.seconds:.1f} s, "
            f"deleted {len(self.deleted)}; verified {self.verified} files in bucket {self.plan.bucket!r}"
        )
        if self.failed:
            text += f"; {len(self.failed)} FAILED"
        if self.mismatches:
            text += f"; {len(self.mismatches)} do NOT match"
        return text


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def _default_cache(root: Path) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(base) / "ebrains-curation" / "push" / f"{key}.sqlite"


def multipart_hash(path: str | os.PathLike[str], chunk_size: int) -> str:
    """The ``<md5 of part md5s>-<parts>`` hash a multipart upload of ``path`` in ``chunk_size`` parts gets."""
    md5s = b""
    parts = 0
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            md5s += hashlib.md5(block).digest()
            parts += 1
    return f"{hashlib.md5(md5s).hexdigest()}-{max(parts, 1)}"


def _same(local_md5: str, size: int, path: str, remote: RemoteObject, chunk_size: int) -> tuple[bool, str]:
    """Whether the remote object holds the local content; and why (not)."""
    if remote.bytes != size:
        return False, f"size {size} here, {remote.bytes} in the bucket"
    remote_md5 = remote.md5
    if remote_md5 is not None:
        return (remote_md5 == local_md5, "same MD5" if remote_md5 == local_md5 else "different MD5")
    if remote.hash.rpartition("-")[2].isdigit():  # a multipart upload: recompute its hash locally
        same = multipart_hash(path, chunk_size) == remote.hash
        return same, "same multipart hash" if same else "different multipart hash"
    return True, "same size (the bucket gives no usable hash)"


def _local_files(result: Any, repository_iri: str, root: Path) -> list[tuple[str, int, str]]:
    """(relative path, size, MD5) of every inventoried file."""
    base = repository_iri.rstrip("/") + "/"
    out = []
    for node in result.files():
        rel = unquote(node["IRI"][len(base) :])
        md5 = next(h["digest"] for h in node["hash"] if h["algorithm"] == "MD5")
        out.append((rel, int(node["storageSize"]["value"]), md5))
    return out


def plan_push(
    root: str | os.PathLike[str],
    client: DataProxyClient,
    bucket: str,
    *,
    prefix: str = "",
    cache: str | os.PathLike[str] | None = None,
    version: str | None = None,
    progress: bool | None = False,
    **inventory_options: Any,
) -> PushPlan:
    """Inventory ``root`` (MD5 + SHA-256, cached) and compare it with the bucket's listing under ``prefix``."""
    root_path = Path(root)
    if not root_path.is_dir():
        raise ConfigurationError(f"{root_path} is not a folder")
    prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
    repository_iri = client.bucket_iri(bucket) + ("/" + quote(prefix.rstrip("/"), safe="/") if prefix else "")
    cache_path = Path(cache) if cache is not None else _default_cache(root_path)
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(1, thread_name_prefix="dp-plan") as pool:
        # the listing (network waits) overlaps the inventory (local disk and hashing)
        listed = pool.submit(lambda: {o.name: o for o in client.list(bucket, prefix)})
        result = inventory(
            root_path,
            repository_iri,
            algorithms=("MD5", "SHA-256"),
            cache=cache_path,
            version=version,
            progress=progress,
            **inventory_options,
        )
        listing = listed.result()
    remote = dict(listing)
    items: list[PlanItem] = []
    base = str(root_path)
    for rel, size, md5 in _local_files(result, repository_iri, root_path):
        name = prefix + rel
        path = os.path.join(base, rel)
        obj = remote.pop(name, None)
        if obj is None:
            items.append(PlanItem(name, "upload", "not in the bucket", size, md5, path))
            continue
        same, why = _same(md5, size, path, obj, client.chunk_size)
        items.append(PlanItem(name, "skip" if same else "conflict", why, size, md5, path, obj))
    items.extend(
        PlanItem(n, "only-remote", "not in the folder", o.bytes, o.md5, None, o) for n, o in remote.items()
    )
    items.sort(key=lambda i: i.name)
    return PushPlan(bucket, prefix, items, result, listing)


def push(
    root: str | os.PathLike[str],
    client: DataProxyClient,
    bucket: str,
    *,
    prefix: str = "",
    dry_run: bool = False,
    overwrite: bool = False,
    delete: bool = False,
    workers: int = 16,
    progress: bool | Callable[[int], None] | None = None,
    cache: str | os.PathLike[str] | None = None,
    metadata: str | os.PathLike[str] | None = None,
    version: str | None = None,
    plan: PushPlan | None = None,
) -> PushResult:
    """Plan, upload (in parallel), delete if asked, verify; see the module docs.

    ``progress``: None (a bar when stderr is a terminal), True/False, or a callback
    receiving byte counts. ``metadata``: write the inventory's FileRepository/File
    JSON-LD there (IRIs in the bucket). Per-file failures are in ``result.failed``.
    """
    plan = plan or plan_push(root, client, bucket, prefix=prefix, cache=cache, version=version)
    result = PushResult(plan, dry_run=dry_run)
    for problem in getattr(plan.inventory, "problems", []):
        # a file the inventory could not read is not uploaded: the push is not complete
        result.failed[plan.prefix + problem.path] = f"not inventoried ({problem.kind}): {problem.message}"
    if dry_run:
        return result
    start = time.perf_counter()
    todo = plan.of("upload") + (plan.of("conflict") if overwrite else [])
    _upload_all(client, bucket, todo, result, workers, progress, plan.bytes_to_upload(overwrite))
    if delete and not result.failed:
        for item in plan.of("only-remote"):
            try:
                client.delete(bucket, item.name, expected_md5=item.md5)
                result.deleted.append(item.name)
            except DataProxyError as exc:
                result.failed[item.name] = str(exc)
    result.seconds = time.perf_counter() - start
    _verify(client, plan, result)
    if metadata is not None and plan.inventory is not None:
        plan.inventory.save(metadata, overwrite=True)
    return result


def _upload_all(
    client: DataProxyClient,
    bucket: str,
    todo: list[PlanItem],
    result: PushResult,
    workers: int,
    progress: bool | Callable[[int], None] | None,
    total: int,
) -> None:
    lock = threading.Lock()
    bar: Any = None
    if callable(progress):
        tick: Callable[[int], None] = progress
    else:
        import sys

        from tqdm import tqdm

        show = progress if progress is not None else sys.stderr.isatty()
        bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc="upload", disable=not show)

        def tick(n: int) -> None:
            with lock:
                bar.update(n)

    def one(item: PlanItem) -> int:
        assert item.path is not None
        client.upload(bucket, item.name, item.path, md5=item.md5, progress=tick)
        return item.size

    try:
        with ThreadPoolExecutor(max(1, workers), thread_name_prefix="dp-push") as pool:
            futures = {pool.submit(one, item): item for item in todo}
            for fut in as_completed(futures):
                item = futures[fut]
                try:
                    result.bytes_uploaded += fut.result()
                    result.uploaded.append(item.name)
                except (DataProxyError, ConfigurationError, OSError) as exc:
                    result.failed[item.name] = str(exc)
    finally:
        if bar is not None:
            bar.close()


def _verify(client: DataProxyClient, plan: PushPlan, result: PushResult) -> None:
    """List the bucket again: every inventoried file present with the right size and digest."""
    if not (result.uploaded or result.deleted or result.failed):
        # nothing was sent: the plan compared this very listing already (a no-change re-run lists once)
        result.verified = sum(1 for i in plan.items if i.action == "skip")
        for item in plan.of("conflict"):
            result.mismatches[item.name] = "conflict left in place (use overwrite to replace it)"
        return
    remote = {o.name: o for o in client.list(plan.bucket, plan.prefix)}
    for item in plan.items:
        if item.action == "only-remote" or item.name in result.failed:
            continue
        if item.action == "conflict" and item.name not in result.uploaded:
            result.mismatches[item.name] = "conflict left in place (use overwrite to replace it)"
            continue
        obj = remote.get(item.name)
        if obj is None:
            result.mismatches[item.name] = "missing from the bucket"
            continue
        same, why = _same(item.md5 or "", item.size, item.path or "", obj, client.chunk_size)
        if same:
            result.verified += 1
        else:
            result.mismatches[item.name] = why
