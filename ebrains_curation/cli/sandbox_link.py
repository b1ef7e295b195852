"""Run the Data Proxy + IAM sandbox beside a KG sandbox, sharing users and tokens (composed at the CLI layer).

A token the KG sandbox knows works on the Data Proxy sandbox, and every token the
IAM sandbox issues (device login, refresh, client credentials) is also accepted by
the KG sandbox: one EBRAINS login serves both, as in production.
"""

from __future__ import annotations

from typing import Any

__all__ = ["dataproxy_beside"]


def dataproxy_beside(kg_server: Any, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Any:
    """A started :class:`~ebrains_curation.dataproxy.sandbox.DataProxySandbox` linked to ``kg_server``.

    ``options`` go to the sandbox (``faults``, ``root``, ``url_ttl``, ``iam``…).
    """
    from ..dataproxy.sandbox import DataProxySandbox
    from ..net.iam_sandbox import IAMSandbox

    users = kg_server.users

    def kg_token(token: str) -> str | None:
        user = users.authenticate(token)
        return user.username if user is not None else None

    def mirror(user: str, token: str, ttl: float) -> None:
        if any(u.username == user for u in users.users()):
            users.issue_token(user, token, ttl=ttl)

    iam = options.pop("iam", None) or IAMSandbox(users={u.username: u.username for u in users.users()})
    iam.on_issue = mirror
    return DataProxySandbox(host, port, iam=iam, extra_tokens=kg_token, **options).start()
