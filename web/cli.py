"""Command-line commands of the web package: `udara web` and `udara tokens create`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from udara.bootstrap import Container


def serve(container: Container, host: str, port: int) -> None:
    """Run the web UI and API with Werkzeug's threaded server (no scheduler in here)."""
    from web.app import create_app

    app = create_app(container)
    app.run(host=host, port=port, threaded=True, use_reloader=False, debug=False)


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.pass_obj
def web_command(container: Container, host: str, port: int) -> None:
    """The web UI and JSON API."""
    serve(container, host, port)


@click.group("tokens")
def tokens() -> None:
    """API tokens for the JSON API."""


@tokens.command("create")
@click.argument("username")
@click.option("--label", default="cli", show_default=True, help="what the token is for")
@click.pass_obj
def tokens_create(container: Container, username: str, label: str) -> None:
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    from web.tokens import TokenService, UnknownUser

    service: TokenService = container.token_service
    try:
        token = service.create(username, container.clock(), name=label)
    except UnknownUser as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(token)


@tokens.command("revoke")
@click.argument("username")
@click.pass_obj
def tokens_revoke(container: Container, username: str) -> None:
    """Revoke every API token of USERNAME."""
    from web.tokens import TokenService, UnknownUser

    service: TokenService = container.token_service
    try:
        count = service.revoke_all(username, container.clock())
    except UnknownUser as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {count} token(s) of {username}")


commands: list[click.Command] = [web_command, tokens]
