"""``python -m ebrains_curation.dataproxy.sandbox [--root DIR] [--port N] …``: serve until killed.

Prints one line, ``<url> <alice's token>``, then serves (benchmarks run it in its own process).
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from .server import DataProxySandbox, Faults


def main(argv: list[str] | None = None) -> None:
    """Parse the options and serve in the foreground."""
    ap = argparse.ArgumentParser(prog="python -m ebrains_curation.dataproxy.sandbox")
    ap.add_argument("--root", default=None)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--rate-503", type=float, default=0.0)
    ap.add_argument("--drop-rate", type=float, default=0.0)
    ap.add_argument("--token-ttl", type=float, default=3600.0)
    args = ap.parse_args(argv)
    faults = Faults(rate_503=args.rate_503, drop_rate=args.drop_rate, latency_ms=args.latency_ms)
    server = DataProxySandbox(args.host, args.port, root=args.root, faults=faults)
    print(server.url, server.token("alice", ttl=args.token_ttl), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
