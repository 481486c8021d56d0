"""Command-line commands of notifications (CONTRACTS.md "Notifications"): contact points
under `udara users contact`, preferences under `udara users prefs`, and `udara notifications`."""

from __future__ import annotations

import json

import click

from notifications.schemas import DeliveryOut
from udara.bootstrap import Container


def _done(container: Container) -> None:
    """Close pooled database connections when the command ends."""
    click.get_current_context().call_on_close(container.close)


@click.group()
def contact() -> None:
    """Where a user is told things: e-mail addresses and Apprise URLs."""


@contact.command("add")
@click.argument("name")
@click.argument("address")
@click.pass_obj
def contact_add(container: Container, name: str, address: str) -> None:
    """Give user NAME a contact point: an e-mail address or an Apprise URL (tgram://…)."""
    from notifications.services.people import InvalidContact, NotFoundError

    _done(container)
    try:
        added = container.notifications.add_contact(name, address)
    except (InvalidContact, NotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(added.model_dump_json())


@contact.command("list")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="a JSON array")
@click.pass_obj
def contact_list(container: Container, name: str, as_json: bool) -> None:
    """List user NAME's contact points (tokens and passwords masked)."""
    from notifications.services.people import NotFoundError

    _done(container)
    try:
        found = container.notifications.contacts(name)
    except NotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps([c.model_dump(mode="json") for c in found], ensure_ascii=False))
        return
    for c in found:
        click.echo(f"{c.channel:10} {c.address}")


@contact.command("remove")
@click.argument("name")
@click.argument("address")
@click.pass_obj
def contact_remove(container: Container, name: str, address: str) -> None:
    """Remove user NAME's contact point ADDRESS."""
    from notifications.services.people import InvalidContact, NotFoundError

    _done(container)
    try:
        container.notifications.remove_contact(name, address)
    except (InvalidContact, NotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"removed from {name}")


def _channels(values: tuple[str, ...]) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for value in values:
        kind, eq, names = value.partition("=")
        if not eq:
            raise click.BadParameter(f"{value!r}: give KIND=CHANNEL,CHANNEL (or KIND= for all)")
        chosen[kind.strip()] = [n.strip() for n in names.split(",") if n.strip()]
    return chosen


@click.command("prefs")
@click.argument("name")
@click.option("--lang", type=click.Choice(["id", "en"]), default=None)
@click.option("--mute-warnings/--hear-warnings", default=None)
@click.option("--quiet-hours", default=None, help='e.g. "22:00-06:00"; "" clears them')
@click.option("--timezone", default=None, help="IANA zone of the quiet hours")
@click.option(
    "--channels", "channels", multiple=True,
    help="KIND=CHANNEL,... e.g. alert=email,tgram (repeatable; KIND= for all)",
)  # fmt: skip
@click.pass_obj
def prefs(
    container: Container,
    name: str,
    lang: str | None,
    mute_warnings: bool | None,
    quiet_hours: str | None,
    timezone: str | None,
    channels: tuple[str, ...],
) -> None:
    """Show or change how user NAME is notified (language, warnings, quiet hours, channels)."""
    from notifications.services.people import NotFoundError

    _done(container)
    try:
        result = container.notifications.set_prefs(
            name, lang=lang, mute_warnings=mute_warnings, quiet_hours=quiet_hours,
            timezone=timezone, channels=_channels(channels) if channels else None,
        )  # fmt: skip
    except (NotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(result.model_dump_json())


@click.group()
def notifications() -> None:
    """The outbox: messages to people, and how they went."""


@notifications.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "failed", "suppressed"]))
@click.option("--json", "as_json", is_flag=True, help="a JSON array (CONTRACTS.md)")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_obj
def notifications_list(container: Container, status: str | None, as_json: bool, limit: int) -> None:
    """List deliveries, newest first (the operator's shell: every building)."""
    _done(container)
    found = container.notifications.deliveries(status, limit=limit)
    if as_json:
        fields = set(DeliveryOut.model_fields)  # exactly the contract's
        rows = [d.model_dump(mode="json", include=fields) for d in found]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for d in found:
        click.echo(f"#{d.id:<6} {d.status:10} {d.attempts:>2}x {d.channel:8} {d.recipient:16} "
                   f"{d.subject}")  # fmt: skip
    click.echo(f"{len(found)} deliveries")


@notifications.command("test")
@click.argument("name")
@click.pass_obj
def notifications_test(container: Container, name: str) -> None:
    """Queue a test message to every contact point of user NAME (the scheduler sends it)."""
    from notifications.services.people import NotFoundError

    _done(container)
    try:
        count = container.notifications.send_test(name)
    except NotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} test messages queued for {name}")


@notifications.command("dispatch")
@click.pass_obj
def notifications_dispatch(container: Container) -> None:
    """Route what is due and send the outbox once, then exit (the scheduler does this)."""
    _done(container)
    routed = container.alert_notifications.sweep(container.alert_service, container.clock())
    sent = container.dispatcher.run()
    click.echo(json.dumps({"routed": routed.to_json(), "sent": sent.to_json()}))


def attach(users: click.Group) -> None:
    """Put `contact` and `prefs` under maintenance's `udara users`."""
    users.add_command(contact)
    users.add_command(prefs)


commands: list[click.Command] = [notifications]
