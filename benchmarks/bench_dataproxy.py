"""Benchmark: pushing to a bucket and describing a bucket, against the local Data Proxy sandbox.

Run::

    .venv/bin/python benchmarks/bench_dataproxy.py                    # the issue's sizes (2 GiB file)
    .venv/bin/python benchmarks/bench_dataproxy.py --files 2000 --big-mib 256 --objects 20000

The sandbox runs in its own process (``python -m ebrains_curation.dataproxy.sandbox``),
so client and server do not share a GIL; every request goes over real HTTP on
127.0.0.1. Loopback has no round-trip time while the real Data Proxy is remote, so
the small-file comparison adds ``--latency-ms`` (default 5 ms, a short LAN-like RTT)
to every request on the server, for both sides alike; ``--latency-ms 0`` shows the
CPU-bound case.

Reported, side by side in one run:

1. ``push()`` of ``--files`` small files (inventory with MD5+SHA-256, plan, parallel
   upload, verification) against a plain sequential loop (one ``requests`` session:
   ask for the upload URL, PUT the bytes; no check), the loop timed on ``--naive-files``
   files and compared per file;
2. the no-change re-push of the same files, against the first push;
3. one ``--big-mib`` file uploaded by our client (multipart, parts in parallel) against one
   raw streamed PUT of the same bytes to a temporary URL of the same server;
4. describing a bucket of ``--objects`` objects from its listing, against only fetching
   the listing pages (the floor).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from ebrains_curation.curation.push import push
from ebrains_curation.dataproxy import DataProxyClient
from ebrains_curation.dataproxy.describe import describe_bucket
from ebrains_curation.dataproxy.sandbox import ObjectStore


@contextmanager
def sandbox(root: Path, latency_ms: float = 0.0) -> Iterator[tuple[str, str]]:
    """(API URL, token) of a sandbox in its own process."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ebrains_curation.dataproxy.sandbox",
            "--root",
            str(root),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url, token = proc.stdout.readline().split()
        yield url + "/api", token
    finally:
        proc.terminate()
        proc.wait()


def make_files(root: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = root / f"sub-{i % 50:02d}" / f"file-{i:06d}.dat"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(hashlib.sha256(str(i).encode()).digest() * 32)  # 1 KiB
        paths.append(p)
    return paths


def naive_loop(url: str, token: str, bucket: str, root: Path, paths: list[Path]) -> float:
    """A plain sequential upload loop, as one would write it with requests (keep-alive session)."""
    s = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    for p in paths:
        name = p.relative_to(root).as_posix()
        upload_url = s.put(f"{url}/v1/buckets/{bucket}/{name}", headers=headers).json()["url"]
        with open(p, "rb") as fh:
            s.put(upload_url, data=fh.read()).raise_for_status()
    return time.perf_counter() - start


def bench_small(tmp: Path, files: int, naive_files: int, latency_ms: float, workers: int) -> None:
    root = tmp / "small"
    paths = make_files(root, files)
    with sandbox(tmp / "store-small", latency_ms) as (url, token):
        naive = naive_loop(url, token, "naive", root, paths[:naive_files])
        client = DataProxyClient(url, token=token, state_dir=tmp / "state")
        cache = tmp / "inventory-cache.sqlite"
        start = time.perf_counter()
        first = push(root, client, "ours", cache=cache, progress=False, workers=workers)
        t_first = time.perf_counter() - start
        assert first.ok and first.verified == files, first.summary()
        start = time.perf_counter()
        again = push(root, client, "ours", cache=cache, progress=False, workers=workers)
        t_again = time.perf_counter() - start
        assert again.ok and not again.uploaded
    per_naive, per_ours = naive / naive_files, t_first / files
    print(f"[push {files} x 1 KiB files, {latency_ms:g} ms RTT, {workers} workers]")
    print(f"  plain sequential loop : {naive_files / naive:8.0f} files/s ({naive:.1f} s for {naive_files})")
    print(
        f"  push() first run      : {files / t_first:8.0f} files/s ({t_first:.1f} s, incl. inventory + verify)"
    )
    print(f"  ratio                 : {per_naive / per_ours:.1f}x faster per file (target >= 5x)")
    print(
        f"  no-change re-push     : {t_again:.2f} s = {100 * t_again / t_first:.1f}% of the first push (target < 5%)"
    )


def bench_big(tmp: Path, mib: int) -> None:
    path = tmp / "big.bin"
    block = os.urandom(1 << 20)
    with open(path, "wb") as fh:
        for _ in range(mib):
            fh.write(block)
    size = path.stat().st_size
    with sandbox(tmp / "store-big") as (url, token):
        s = requests.Session()
        upload_url = s.put(
            f"{url}/v1/buckets/raw/big.bin", headers={"Authorization": f"Bearer {token}"}
        ).json()["url"]
        start = time.perf_counter()
        with open(path, "rb") as fh:
            s.put(upload_url, data=fh).raise_for_status()
        t_raw = time.perf_counter() - start
        client = DataProxyClient(url, token=token, state_dir=tmp / "state")
        start = time.perf_counter()
        client.upload("ours", "big.bin", path)
        t_ours = time.perf_counter() - start
        obj = client.find("ours", "big.bin")
        assert obj is not None and obj.bytes == size
    path.unlink()
    mb = size / (1 << 20)
    print(f"[one {mib} MiB file]")
    print(f"  raw streamed PUT      : {mb / t_raw:8.0f} MiB/s ({t_raw:.1f} s)")
    how = (
        f"multipart, {client.chunk_size >> 20} MiB parts, {client.part_workers} at once"
        if size > client.multipart_threshold
        else "one PUT (below the multipart threshold)"
    )
    print(f"  DataProxyClient.upload: {mb / t_ours:8.0f} MiB/s ({t_ours:.1f} s, {how})")
    print(
        f"  ratio                 : {100 * t_raw / t_ours:.0f}% of the raw PUT's throughput (target >= 70%)"
    )


def bench_describe(tmp: Path, objects: int) -> None:
    store = ObjectStore(tmp / "store-list")
    store.put_index_only(
        "big",
        (
            (
                f"sub-{i // 100:04d}/file-{i:06d}.json",
                i,
                hashlib.md5(str(i).encode()).hexdigest(),
                "application/json",
            )
            for i in range(objects)
        ),
    )
    store.close()
    with sandbox(tmp / "store-list") as (url, token):
        client = DataProxyClient(url, token=token)
        s = requests.Session()
        start = time.perf_counter()
        marker, n = "", 0
        while True:
            params = {"limit": str(client.page_size), "marker": marker}
            page = s.get(
                f"{url}/v1/buckets/big", params=params, headers={"Authorization": f"Bearer {token}"}
            ).json()
            if not page["objects"]:
                break
            n += len(page["objects"])
            marker = page["objects"][-1]["name"]
        t_floor = time.perf_counter() - start
        start = time.perf_counter()
        result = describe_bucket(client, "big")
        t_ours = time.perf_counter() - start
        assert result.files == objects == n
    print(f"[describe a bucket of {objects} objects, pages of {client.page_size}]")
    print(f"  listing pages only    : {t_floor:.2f} s")
    print(f"  describe_bucket()     : {t_ours:.2f} s (FileRepository + {objects} Files; target < 5 s)")
    print(f"  ratio                 : {t_ours / t_floor:.2f}x the listing alone")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--naive-files", type=int, default=2_000)
    ap.add_argument("--latency-ms", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--big-mib", type=int, default=2048, help="size of the large file (0: skip)")
    ap.add_argument("--objects", type=int, default=100_000)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs (shared: trust the ratios, not the absolute times)")
    with tempfile.TemporaryDirectory(prefix="bench-dataproxy-") as tmp:
        bench_small(Path(tmp), args.files, min(args.naive_files, args.files), args.latency_ms, args.workers)
        if args.big_mib:
            bench_big(Path(tmp), args.big_mib)
        bench_describe(Path(tmp), args.objects)


if __name__ == "__main__":
    main()
