"""A small site for the notification tests: two buildings, their people and contact points,
on a real database, with a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ingest.alert_service import AlertService
from ingest.domain.alerts import AlertChange, AlertKey
from maintenance.domain.hours import parse_hours
from maintenance.domain.transitions import SYSTEM
from udara.bootstrap import Container
from udara.settings import Settings

# A Monday, 10:00 in Jakarta (UTC+7): inside menara-a's operating hours.
MONDAY_10 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@dataclass
class Clock:
    """The time the test says it is."""

    now: datetime = field(default=MONDAY_10)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock on."""
        self.now += timedelta(**delta)
        return self.now


def make_app(database_url: str, clock: Clock, **settings: object) -> Container:
    """A container on `database_url` reading time from `clock`."""
    app = Container(Settings(database_url=database_url, timezone="Asia/Jakarta", **settings))  # type: ignore[arg-type]
    app.clock = clock  # type: ignore[method-assign]  # before any service captures it
    return app


def populate(app: Container, *, webhook: str | None = None) -> None:
    """menara-a (Mon–Fri 07:00–19:00) and menara-b; people:

    - rina: facility manager of every building (e-mail, and `webhook` when given)
    - budi: facility manager limited to menara-b (e-mail)
    - hadi: supervisor of the hvac crew, menara-a (e-mail, English)
    - sari: cleaning supervisor (e-mail) — CO2 work goes to hvac, not to her
    - agus: technician of the hvac crew (e-mail)
    """
    now = app.clock()
    app.building_service.create_building(
        SYSTEM, "menara-a", name="Menara A", hours=parse_hours("mon-fri 07:00-19:00")
    )
    app.building_service.create_building(SYSTEM, "menara-b", name="Menara B")
    app.location_service.ensure_room("menara-a", "lt5-rapat")
    app.location_service.ensure_room("menara-b", "lobi")
    users = app.user_service
    users.create("rina", "facility_manager", now)
    users.create("budi", "facility_manager", now, buildings=("menara-b",))
    users.create("hadi", "technician", now, buildings=("menara-a",))
    users.add_to_crew("hadi", "hvac", supervisor=True)
    users.create("sari", "cleaning_supervisor", now)
    users.create("agus", "technician", now, crews=("hvac",))
    people = app.notifications
    for name in ("rina", "budi", "hadi", "sari", "agus"):
        people.add_contact(name, f"{name}@example.co.id")
    people.set_prefs("hadi", lang="en")
    if webhook:
        people.add_contact("rina", webhook)


def alert_service(app: Container) -> AlertService:
    """Ingest's AlertService with maintenance's and notifications' listeners (no InfluxDB)."""
    return AlertService(
        app.session_factory, listeners=[app.alert_work_orders, app.alert_notifications]
    )


def co2(
    severity: str = "critical", building: str = "menara-a", room: str = "lt5-rapat"
) -> AlertKey:
    """The CO2 condition of a room."""
    return AlertKey(building, room, "co2", severity)  # type: ignore[arg-type]


def opened(key: AlertKey, at: datetime, value: float = 1450.0) -> AlertChange:
    """Evaluation's decision to open `key`, with a worded message."""
    params = {"metric": "co2", "averaging_s": 28800, "value": value, "unit": "ppm",
              "upper": 1000, "coverage": 0.9, "source": "Permenkes 1077/2011"}  # fmt: skip
    return AlertChange(
        "open", key, at, value=value, limit="≤ 1000 ppm", message=f"CO2 {value} ppm",
        message_code="average_breach", message_params=params,  # type: ignore[arg-type]
    )  # fmt: skip


def cleared(key: AlertKey, at: datetime) -> AlertChange:
    """Evaluation's decision to clear `key`."""
    return AlertChange("clear", key, at)
