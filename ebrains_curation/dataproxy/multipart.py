"""Multipart upload of one large file, resumable after an interruption.

The protocol is ebrains-drive 0.7's (data-proxy-api.md §6): ``PUT …/{object}/multipart``
→ ``uploadId``; per part ``PUT …/multipart/{id}/{n}?redirect=false`` → a presigned
URL, then the chunk to it (its quoted ``ETag`` is the part's MD5); completion
``PUT …/multipart/{id}?redirect=false`` with ``{"n": etag}``.

Unlike ebrains-drive, the resume state is kept outside the data folder (the
client's ``state_dir``, never uploaded), is only reused when the file's size,
modification time and the chunk size are unchanged, parts are sent several at a
time, a failed part is retried, and each part's ETag is checked against its MD5.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import atomic_write
from ..errors import DataProxyError

if TYPE_CHECKING:
    from .client import DataProxyClient, ProgressCallback

__all__ = ["MultipartUpload"]


class MultipartUpload:
    """One multipart upload of ``path`` as ``name`` in ``bucket`` (call :meth:`run`)."""

    def __init__(
        self,
        client: DataProxyClient,
        bucket: str,
        name: str,
        path: Path,
        progress: ProgressCallback | None = None,
    ):
        self.client = client
        self.bucket = bucket
        self.name = name
        self.path = path
        self.progress = progress
        st = path.stat()
        self.size = st.st_size
        self.chunk = client.chunk_size
        self.parts = max(1, -(-self.size // self.chunk))
        self.fingerprint = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "chunk_size": self.chunk}
        key = hashlib.sha1(f"{client.url}\n{bucket}\n{name}\n{path.resolve()}".encode()).hexdigest()
        self.state_path = client.state_dir / f"{key}.json"
        self._lock = threading.Lock()
        self._abort = threading.Event()
        self.upload_id = ""
        self.etags: dict[str, str] = {}
        #: parts sent by this run (a resumed upload sends only the missing ones)
        self.parts_sent = 0

    # -- state ------------------------------------------------------------------------------------
    def _load(self) -> bool:
        try:
            state = json.loads(self.state_path.read_text("utf-8"))
        except (OSError, ValueError):
            return False
        if state.get("file") != self.fingerprint or not state.get("upload_id"):
            return False
        self.upload_id = str(state["upload_id"])
        self.etags = {str(k): str(v) for k, v in state.get("etags", {}).items()}
        return True

    def _save(self) -> None:
        state = {"upload_id": self.upload_id, "file": self.fingerprint, "etags": self.etags}
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.state_path, json.dumps(state))

    def _forget(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_path.unlink()

    # -- the upload -------------------------------------------------------------------------------
    def run(self) -> str:
        """Upload the missing parts and complete; returns the object's hash (``<md5 of md5s>-<parts>``)."""
        base = self.client.object_url(self.bucket, self.name)
        for fresh in (False, True):
            if fresh or not self._load():
                self._forget()
                answer = self.client._call("PUT", f"{base}/multipart", what=f"start uploading {self.name!r}")
                self.upload_id, self.etags = str(answer["uploadId"]), {}
                self._save()
            elif self.progress:
                done = sum(self._part_len(int(n)) for n in self.etags)
                self.progress(done)
            todo = [n for n in range(1, self.parts + 1) if str(n) not in self.etags]
            workers = max(1, min(self.client.part_workers, len(todo)))
            with ThreadPoolExecutor(workers, thread_name_prefix="dp-part") as pool:
                list(pool.map(self._send_part, todo))
            try:
                self.client._call(
                    "PUT",
                    f"{base}/multipart/{self.upload_id}",
                    params={"redirect": "false"},
                    json=self.etags,
                    what=f"complete the upload of {self.name!r}",
                )
            except DataProxyError as exc:
                if exc.status == 404 and not fresh:
                    continue  # the server forgot the upload (expired): start again
                raise
            self._forget()
            md5s = b"".join(bytes.fromhex(self.etags[str(n)]) for n in range(1, self.parts + 1))
            return f"{hashlib.md5(md5s).hexdigest()}-{self.parts}"
        raise AssertionError("unreachable")

    def _part_len(self, n: int) -> int:
        return min(self.chunk, self.size - (n - 1) * self.chunk)

    def _send_part(self, n: int) -> None:
        if self._abort.is_set():
            return  # another part failed: stop sending; a re-run resumes
        try:
            self._send_part_now(n)
        except BaseException:
            self._abort.set()
            raise

    def _send_part_now(self, n: int) -> None:
        with open(self.path, "rb") as fh:
            data = os.pread(fh.fileno(), self._part_len(n), (n - 1) * self.chunk)
        md5 = hashlib.md5(data).hexdigest()
        client = self.client
        base = client.object_url(self.bucket, self.name)
        for attempt in range(1, client.attempts + 1):
            answer: Any = client._call(
                "PUT",
                f"{base}/multipart/{self.upload_id}/{n}",
                params={"redirect": "false"},
                what=f"upload part {n} of {self.name!r}",
            )
            try:
                resp = client._put_bytes(answer["url"], data, len(data), None)
            except Exception as exc:
                if type(exc).__name__ != "_Lost" or attempt == client.attempts:
                    raise
                time.sleep(min(client.backoff * 2 ** (attempt - 1), client.retry.backoff_max))
                continue  # re-sending a part only replaces it
            etag = resp.headers.get("ETag", "").strip('"')
            if etag and etag != md5:
                raise DataProxyError(f"Part {n} of {self.name!r} arrived damaged (ETag {etag}, MD5 {md5})")
            with self._lock:
                self.etags[str(n)] = etag or md5
                self.parts_sent += 1
                self._save()
            if self.progress:
                self.progress(len(data))
            return
