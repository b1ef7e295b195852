"""``ebrains-curation login`` / ``logout`` / ``whoami``: an EBRAINS login shared by the KG and Data Proxy commands."""

from __future__ import annotations

import time

import click

from .common import handle_errors

_iam_url = click.option(
    "--iam-url", default=None, help="EBRAINS IAM realm (default: $EBRAINS_IAM_URL or iam.ebrains.eu/…/hbp)."
)
_client_id = click.option(
    "--client-id", default=None, help="OAuth2 client id (default: $EBRAINS_IAM_CLIENT_ID or kg-core-python)."
)


@click.command()
@_iam_url
@_client_id
@click.option(
    "--scopes", default=None, help="Space-separated scopes (default: $EBRAINS_IAM_SCOPES or the client's)."
)
@handle_errors
def login(iam_url: str | None, client_id: str | None, scopes: str | None) -> None:
    """Log in to EBRAINS in a browser (device flow) and keep the tokens in a private cache file."""
    from ..net.auth import DeviceCode, IAMConfig, TokenCache, device_login, jwt_claims

    config = IAMConfig.from_env(url=iam_url, client_id=client_id, scopes=scopes)

    def show(code: DeviceCode) -> None:
        click.echo(f"Open {code.verification_uri_complete} and approve the login", err=True)
        click.echo(f"(or go to {code.verification_uri} and enter the code {code.user_code}).", err=True)
        click.echo(f"Waiting up to {code.expires_in / 60:.0f} minutes…", err=True)

    tokens = device_login(config, show=show)
    cache = TokenCache()
    cache.save(tokens)
    who = jwt_claims(tokens.access_token).get("preferred_username", "you")
    click.echo(f"Logged in as {who}; tokens kept in {cache.path} (readable only by you).")


@click.command()
@handle_errors
def logout() -> None:
    """Forget the EBRAINS login (delete the token cache file)."""
    from ..net.auth import TokenCache

    cache = TokenCache()
    click.echo(f"Logged out ({cache.path} deleted)." if cache.delete() else "You were not logged in.")


@click.command()
@_iam_url
@handle_errors
def whoami(iam_url: str | None) -> None:
    """Who the current token belongs to, where it comes from, and how long it lasts."""
    from ..net.auth import IAMConfig, default_provider, jwt_claims, userinfo

    config = IAMConfig.from_env(url=iam_url)
    provider = default_provider(config)
    token = provider()
    claims = jwt_claims(token)
    try:
        info = userinfo(token, config)
    except Exception:  # userinfo is a nicety; the token's own claims suffice offline
        info = {}
    name = info.get("preferred_username") or claims.get("preferred_username") or "unknown"
    click.echo(f"user: {name}" + (f" ({info['name']})" if info.get("name") else ""))
    click.echo(f"token from: {getattr(provider, '__qualname__', type(provider).__name__)}")
    if "exp" in claims:
        left = int(claims["exp"] - time.time())
        click.echo(f"access token valid for {max(left, 0)} s more")
