"""`udara inspections` and `udara kpis`: from the shell (the operator: every building)."""

from __future__ import annotations

import json
import re
from datetime import date

import click

from inspections.services.kpis import kpi_row
from udara.bootstrap import Container
from udara.scope import EVERYTHING

MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


@click.group()
def inspections() -> None:
    """Inspections and cleaning audits."""


@inspections.command("list")
@click.option("--building", default=None)
@click.option("--json", "as_json", is_flag=True, help="a JSON array (the API's shape)")
@click.pass_obj
def inspections_list(container: Container, building: str | None, as_json: bool) -> None:
    """List inspections, newest first."""
    found = container.inspections.recent(scope=EVERYTHING, building=building)
    if as_json:
        from inspections.schemas import InspectionOut

        rows = [InspectionOut.of(i).model_dump(mode="json") for i in found]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for i in found:
        click.echo(f"#{i.id:<5} {i.at:%Y-%m-%d %H:%M} {i.building}/{i.room:20} "
                   f"{i.template:13} {i.score:5.1f} %  {i.failed} failed")  # fmt: skip


@inspections.command("templates")
def inspections_templates() -> None:
    """The shipped checklists and their items."""
    from inspections.services.inspections import load_templates

    for t in load_templates().values():
        kinds = ", ".join(t.room_kinds) or "any room"
        click.echo(f"{t.code} ({t.crew}; {kinds}): {t.words('id')} / {t.words('en')}")
        for item in t.items:
            click.echo(f"  {item.code:10} {item.kind:9} ×{item.weight:g}  {item.words('en')}")


@click.command("kpis")
@click.argument("building")
@click.option("--month", default=None, help="YYYY-MM (default: this month)")
@click.pass_obj
def kpis(container: Container, building: str, month: str | None) -> None:
    """BUILDING's KPIs for a month as JSON (the API's shape)."""
    from maintenance.domain.errors import NotFound

    if month is None:
        today = container.clock()
        wanted = date(today.year, today.month, 1)
    else:
        match = MONTH.match(month)
        if not match:
            raise click.BadParameter("YYYY-MM", param_hint="--month")
        wanted = date(int(match[1]), int(match[2]), 1)
    try:
        found = container.kpis.month(scope=EVERYTHING, building=building, month=wanted)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    body = {"building": building, "month": f"{wanted:%Y-%m}", "overall": kpi_row(found.overall),
            "crews": {c: kpi_row(k) for c, k in found.crews.items()}}  # fmt: skip
    click.echo(json.dumps(body, ensure_ascii=False))


commands: list[click.Command] = [inspections, kpis]
