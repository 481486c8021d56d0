"""Command-line commands of the maintenance package (see CONTRACTS.md, "Command line")."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import click

from maintenance.domain.transitions import Actor
from udara.bootstrap import Container

log = logging.getLogger(__name__)
T = TypeVar("T")


def _dispose_on_exit(container: Container) -> None:
    """Close pooled database connections when the command ends (tests run many in-process)."""

    def dispose() -> None:
        if "engine" in vars(container):
            container.engine.dispose()

    click.get_current_context().call_on_close(dispose)


def _parse_time(value: str, tz: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date or time") from exc
    # A time without offset is local time of the default zone, as people mean it.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


@click.group(invoke_without_command=True)
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Run the one scheduler process (reconcile every minute), or a subcommand."""
    if ctx.invoked_subcommand is None:
        from maintenance.scheduler import run_scheduler
        from udara.logging_setup import configure_logging

        container: Container = ctx.obj
        _dispose_on_exit(container)
        configure_logging(container.settings.log_level, container.settings.log_json)
        run_scheduler(container.reconciler, container.clock, container.scheduler_jobs())


@scheduler.command("run-once")
@click.option("--until", "until", default=None, help="generate up to this ISO time, not now+24h")
@click.pass_obj
def scheduler_run_once(container: Container, until: str | None) -> None:
    """Generate what plans owe up to now (or TIME), link alerts, check SLAs, verify done
    alert work by the rooms' readings, and exit."""
    _dispose_on_exit(container)
    horizon = _parse_time(until, container.settings.timezone) if until else None
    now = container.clock()
    report = container.reconciler.run(now, horizon)
    verified = container.sensor_verification.run(now)
    click.echo(json.dumps({**report.to_json(), "verification": verified.to_json()}))
    if report.errors or verified.errors:
        sys.exit(1)


@click.group()
def users() -> None:
    """People who sign in or are given work."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(
    ["facility_manager", "cleaning_supervisor", "technician", "viewer", "device"]),
    help="device: a network server's account for HTTP push (no pages)")  # fmt: skip
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--crew", "crews", multiple=True, help="crew to join (repeatable)")
@click.option("--display-name", default=None)
@click.option(
    "--building", "buildings", multiple=True,
    help="limit the user to this building (repeatable); without it: every building",
)  # fmt: skip
@click.pass_obj
def users_create(
    container: Container,
    name: str,
    role: str,
    password_stdin: bool,
    crews: tuple[str, ...],
    display_name: str | None,
    buildings: tuple[str, ...],
) -> None:
    """Create user NAME; supervisors lead the crews they join."""
    _dispose_on_exit(container)
    from maintenance.domain.errors import MaintenanceError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise click.ClickException("an empty password is not allowed")
    try:
        user = container.user_service.create(
            name, role, container.clock(), display_name=display_name, password=password,
            crews=crews, buildings=buildings,
        )  # fmt: skip
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(user.to_json()))


@users.command("update")
@click.argument("name")
@click.option(
    "--building", "buildings", multiple=True,
    help="limit the user to exactly these buildings (repeatable)",
)  # fmt: skip
@click.option("--all-buildings", is_flag=True, help="let the user reach every building")
@click.option("--active/--inactive", default=None, help="reactivate or deactivate the user")
@click.pass_obj
def users_update(
    container: Container,
    name: str,
    buildings: tuple[str, ...],
    all_buildings: bool,
    active: bool | None,
) -> None:
    """Change which buildings user NAME reaches, or whether they may sign in."""
    _dispose_on_exit(container)
    from maintenance.domain.errors import MaintenanceError

    if buildings and all_buildings:
        raise click.UsageError("give --building or --all-buildings, not both")
    if not (buildings or all_buildings or active is not None):
        raise click.UsageError("nothing to change: give --building, --all-buildings or --active")
    service = container.user_service
    try:
        if active is not None:
            service.set_active(name, active)
        if buildings or all_buildings:
            service.set_buildings(name, () if all_buildings else buildings)
        user = service.by_username(name)
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(user.to_json() if user else None))


@click.group()
def plans() -> None:
    """Recurring maintenance plans."""


@plans.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def plans_import(container: Container, file: Path) -> None:
    """Load a maintenance strategy (buildings, rooms, tasks) from YAML; all or nothing."""
    _dispose_on_exit(container)
    from maintenance.plan_import import PlanFileError, import_strategy

    try:
        report = import_strategy(
            container.session_factory, file, container.clock(), container.settings.timezone
        )
    except PlanFileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{len(report.created)} plans created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
    )


@plans.command("preview")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 400))
@click.option("--json", "as_json", is_flag=True, help="a JSON array instead of a table")
@click.pass_obj
def plans_preview(container: Container, days: int, as_json: bool) -> None:
    """List the occurrences plans will generate over the next N days (local times)."""
    _dispose_on_exit(container)
    found = container.plan_service.preview(days, container.clock())
    if as_json:
        click.echo(json.dumps([o.to_json() for o in found], ensure_ascii=False))
        return
    for o in found:
        where = f"{o.building}/{o.room}" if o.room else o.building
        click.echo(
            f"{o.local_time:%Y-%m-%d %a %H:%M}  {o.state:9}  {o.crew:9}  {where:28}  {o.title}"
        )
    click.echo(f"{len(found)} occurrences in {days} days")


@click.group()
def workorders() -> None:
    """Work orders."""


@workorders.command("list")
@click.option("--status", default=None)
@click.option("--crew", default=None)
@click.option("--building", default=None)
@click.option(
    "--verification", default=None, type=click.Choice(["pending", "verified", "not_fixed"]),
    help="sensor verification of done alert work orders",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="a JSON array (CONTRACTS.md)")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 500))
@click.pass_obj
def workorders_list(
    container: Container,
    status: str | None,
    crew: str | None,
    building: str | None,
    verification: str | None,
    as_json: bool,
    limit: int,
) -> None:
    """List work orders, soonest due first."""
    _dispose_on_exit(container)
    from maintenance.domain.errors import InvalidInput
    from maintenance.services.queries import WorkOrderFilter

    try:
        f = WorkOrderFilter(status=status, crew=crew, building=building, verification=verification)
    except InvalidInput as exc:
        raise click.BadParameter(str(exc)) from exc
    from maintenance.domain.transitions import SYSTEM

    # The operator's shell reaches every building, as the database itself does.
    page = container.work_order_service.list(f, viewer=SYSTEM, limit=limit, now=container.clock())
    if as_json:
        from maintenance.schemas import WorkOrderOut

        rows = [WorkOrderOut.of(wo).model_dump(mode="json") for wo in page.items]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for wo in page.items:
        due = f"{wo.due_at:%Y-%m-%d %H:%M}Z" if wo.due_at else "-"
        click.echo(f"#{wo.id:<6} {wo.status:11} {wo.priority:6} {wo.crew:9} {due:18} {wo.title}")
    click.echo(f"{len(page.items)} of {page.total} work orders")


@workorders.command("create")
@click.option("--by", "by_user", required=True, help="the user raising it (their role applies)")
@click.option("--type", "wo_type", required=True)
@click.option("--crew", required=True)
@click.option("--building", required=True)
@click.option("--title", required=True)
@click.option("--room", default=None)
@click.option("--asset", default=None, help="equipment of the same building (its code)")
@click.option("--priority", default="medium", show_default=True)
@click.pass_obj
def workorders_create(
    container: Container,
    by_user: str,
    wo_type: str,
    crew: str,
    building: str,
    title: str,
    room: str | None,
    asset: str | None,
    priority: str,
) -> None:
    """Raise a work order by hand; prints it as JSON (CONTRACTS.md)."""
    _dispose_on_exit(container)
    from maintenance.domain.errors import MaintenanceError
    from maintenance.schemas import WorkOrderOut

    try:
        view = container.work_order_service.create(
            by_user, container.clock(), type=wo_type, crew=crew, building=building,
            title=title, room=room, asset=asset, priority=priority,
        )  # fmt: skip
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(WorkOrderOut.of(view).model_dump(mode="json"), ensure_ascii=False))


@click.group()
def stock() -> None:
    """Filter and parts stock per building, consumption on work orders, reorders."""


# The operator's shell acts as a facility manager of every building unless `--as` names a user.
OPERATOR_NAME = "cli"


def _by(username: str | None) -> str | Actor:
    return username or Actor(OPERATOR_NAME, "facility_manager")


def _stock_call(action: Callable[[], T]) -> T:
    from maintenance.domain.errors import MaintenanceError

    try:
        return action()
    except MaintenanceError as exc:
        raise click.ClickException(str(exc)) from exc


@stock.command("add-item")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--unit", required=True, help="pcs, box, roll, l, ml, kg, g, m or set")
@click.option("--crew", required=True, help="the crew whose supervisor buys it (hvac, ...)")
@click.option("--as", "username", default=None, help="act as this user")
@click.pass_obj
def stock_add_item(
    container: Container, code: str, name: str, unit: str, crew: str, username: str | None
) -> None:
    """Add a stock item (a filter size, a cleaning supply)."""
    _dispose_on_exit(container)
    service, now = container.stock_service, container.clock()
    item = _stock_call(lambda: service.add_item(code, name, unit, crew, _by(username), now))
    click.echo(f"item {item.code} added ({item.unit}, crew {item.crew})")


@stock.command("items")
@click.option("--json", "as_json", is_flag=True, help="a JSON array")
@click.pass_obj
def stock_items(container: Container, as_json: bool) -> None:
    """List the stock items."""
    _dispose_on_exit(container)
    items = container.stock_service.items()
    if as_json:
        click.echo(json.dumps([i.to_json() for i in items], ensure_ascii=False))
        return
    for i in items:
        click.echo(f"{i.code:24} {i.unit:5} {i.crew:10} {i.name}")


@stock.command("receive")
@click.argument("item")
@click.option("--building", required=True)
@click.option("--quantity", required=True, type=float)
@click.option("--note", default="")
@click.option("--as", "username", default=None, help="act as this user")
@click.pass_obj
def stock_receive(
    container: Container, item: str, building: str, quantity: float, note: str,
    username: str | None,
) -> None:  # fmt: skip
    """Record stock delivered to a building."""
    _dispose_on_exit(container)
    service, now = container.stock_service, container.clock()
    level = _stock_call(lambda: service.receive(item, building, quantity, _by(username), now, note))
    click.echo(f"{level.building} {level.item}: {level.quantity:g} {level.unit}")


@stock.command("reorder-level")
@click.argument("item")
@click.option("--building", required=True)
@click.option("--level", "reorder_level", type=float, default=None, help="omit to clear it")
@click.option("--as", "username", default=None, help="act as this user")
@click.pass_obj
def stock_reorder_level(
    container: Container, item: str, building: str, reorder_level: float | None,
    username: str | None,
) -> None:  # fmt: skip
    """Set (or clear) the level at which an item is reordered in a building."""
    _dispose_on_exit(container)
    service, now = container.stock_service, container.clock()
    level = _stock_call(
        lambda: service.set_reorder_level(item, building, reorder_level, _by(username), now)
    )
    order = f", purchase work order #{level.purchase_order_id}" if level.purchase_order_id else ""
    click.echo(f"{level.building} {level.item}: reorder at {level.reorder_level}{order}")


@stock.command("consume")
@click.argument("work_order_id", type=int)
@click.argument("item")
@click.option("--quantity", required=True, type=float)
@click.option("--note", default="")
@click.option("--as", "username", default=None, help="act as this user (the assignee)")
@click.pass_obj
def stock_consume(
    container: Container, work_order_id: int, item: str, quantity: float, note: str,
    username: str | None,
) -> None:  # fmt: skip
    """Record stock used on a work order (from its building's stock)."""
    _dispose_on_exit(container)
    service, now = container.stock_service, container.clock()
    level = _stock_call(
        lambda: service.consume(work_order_id, item, quantity, _by(username), now, note)
    )
    order = f"; purchase work order #{level.purchase_order_id}" if level.purchase_order_id else ""
    click.echo(f"{level.building} {level.item}: {level.quantity:g} {level.unit} left{order}")


@stock.command("list")
@click.option("--building", default=None)
@click.option("--json", "as_json", is_flag=True, help="a JSON array")
@click.pass_obj
def stock_list(container: Container, building: str | None, as_json: bool) -> None:
    """Stock of each item per building, with reorder levels and open purchase orders."""
    _dispose_on_exit(container)
    from maintenance.domain.transitions import SYSTEM
    from maintenance.schemas import StockLevelOut

    levels = _stock_call(lambda: container.stock_service.levels(viewer=SYSTEM, building=building))
    if as_json:
        rows = [StockLevelOut.of(lv).model_dump(mode="json") for lv in levels]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for lv in levels:
        low = " LOW" if lv.low else ""
        order = f" #{lv.purchase_order_id}" if lv.purchase_order_id else ""
        click.echo(f"{lv.building:16} {lv.item:24} {lv.quantity:>10g} {lv.unit:5}{low}{order}")


commands: list[click.Command] = [scheduler, users, plans, workorders, stock]
