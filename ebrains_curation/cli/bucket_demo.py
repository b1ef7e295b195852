"""The demo's bucket step: push a small BIDS-like folder to a sandbox bucket, describe the bucket back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

__all__ = ["push_demo_files"]

_FILES = {
    "dataset_description.json": b'{"Name": "Demo dataset", "BIDSVersion": "1.9.0"}\n',
    "participants.tsv": b"participant_id\tage\nsub-01\t12\nsub-02\t14\n",
    "sub-01/anat/sub-01_T1w.nii.gz": bytes(range(256)) * 64,
    "sub-02/anat/sub-02_T1w.nii.gz": bytes(range(255, -1, -1)) * 64,
    "derivatives/figure #1.png": b"\x89PNG\r\n\x1a\n" + bytes(500),
}


def push_demo_files(kg: Any, out: Path, bucket: str = "collab-demo") -> Any:
    """Write the demo files under ``out/data``, push them (twice: the second uploads nothing), describe the bucket.

    Returns the inventory's metadata graph (FileRepository + Files, IRIs in the bucket).
    """
    from ..curation.push import push
    from ..dataproxy import DataProxyClient
    from ..dataproxy.describe import describe_bucket
    from .sandbox_link import dataproxy_beside

    root = out / "data"
    for rel, data in _FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    dp = dataproxy_beside(kg.server)
    try:
        token = next(iter(kg.tokens.values()))  # a KG sandbox token also works on the Data Proxy sandbox
        client = DataProxyClient(dp.api_url, token=token, state_dir=out / ".multipart")
        cache = out / ".push-cache.sqlite"
        first = push(root, client, bucket, cache=cache, progress=False, metadata=out / "files.jsonld")
        click.echo(first.plan.render())
        click.echo(f"first push : {first.summary()}")
        again = push(root, client, bucket, cache=cache, progress=False)
        click.echo(f"second push: {again.summary()}  (nothing changed: nothing uploaded)")
        if not (first.ok and again.ok):
            raise click.ClickException(
                "the push did not verify: " + str({**first.failed, **first.mismatches})
            )
        described = describe_bucket(client, bucket)
        click.echo(f"bucket described from its listing: {described.summary()}")
        return first.plan.inventory.graph
    finally:
        dp.stop()
