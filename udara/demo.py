"""Demo set-up for `make run`: sign-in accounts for each role and the example strategy.

Development only. Passwords are random per machine and kept in var/demo-credentials.json
(readable by the owner only), so `make run` can print them every time.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from udara.bootstrap import Container

log = logging.getLogger(__name__)
CREDENTIALS_FILE = Path("var/demo-credentials.json")
EXAMPLE_STRATEGY = Path("examples/plans/office.yaml")
DEMO_BUILDING = "menara-a"
DEMO_USERS = (
    # username, role, crews, what they do
    ("manajer", "facility_manager", (), "facility manager: alerts, rooms, reports"),
    ("supervisor", "cleaning_supervisor", ("cleaning",), "cleaning supervisor: work board"),
    ("teknisi", "technician", ("hvac",), "HVAC technician: my work (phone)"),
    ("petugas", "technician", ("cleaning",), "cleaning crew member: my work (phone)"),
    ("pengamat", "viewer", (), "viewer: read only"),
)


def _load_credentials() -> dict[str, str]:
    try:
        data = json.loads(CREDENTIALS_FILE.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_credentials(credentials: dict[str, str]) -> None:
    CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
    CREDENTIALS_FILE.touch(mode=0o600, exist_ok=True)
    CREDENTIALS_FILE.write_text(json.dumps(credentials, indent=2))


def ensure_demo_users(container: Container) -> dict[str, str]:
    """Create (or re-key) one account per role; returns username → password."""
    users = container.user_service
    credentials = _load_credentials()
    now = container.clock()
    for username, role, crews, _what in DEMO_USERS:
        password = credentials.get(username) or secrets.token_urlsafe(9)
        if users.by_username(username) is None:
            users.create(username, role, now, password=password, crews=crews)
        elif username not in credentials:
            users.set_password(username, password)  # the file was lost: issue a new one
        credentials[username] = password
    _save_credentials(credentials)
    return credentials


def ensure_example_plans(container: Container, now: datetime | None = None) -> int:
    """Import the example office strategy once, if no plans exist yet, as of `now` (plans
    generate work from then on); returns plans created."""
    from udara.scope import EVERYTHING

    if container.plan_service.list(scope=EVERYTHING) or not EXAMPLE_STRATEGY.exists():
        return 0
    from maintenance.plan_import import import_strategy

    report = import_strategy(
        container.session_factory,
        EXAMPLE_STRATEGY,
        now or container.clock(),
        container.settings.timezone,
    )
    return len(report.created)


def ensure_demo_contact(container: Container) -> str:
    """Give the demo facility manager an e-mail contact point (the demo's mail sink
    receives it); returns the address."""
    from notifications.services.people import InvalidContact
    from udara.demo_mail import DEMO_CONTACT

    if not any(c.channel == "email" for c in container.notifications.contacts("manajer")):
        try:
            container.notifications.add_contact("manajer", DEMO_CONTACT)
        except InvalidContact:  # added by another start at the same moment
            pass
    return DEMO_CONTACT


DEMO_STOCK = (
    # code, name, unit, crew, in stock, reorder level
    ("filter-g4-592", "Pre-filter G4 592x592x48", "pcs", "hvac", 12, 4),
    ("filter-f7-592", "Bag filter F7 592x592", "pcs", "hvac", 6, 2),
    ("cairan-pel", "Cairan pel lantai", "l", "cleaning", 20, 5),
    ("tisu-gulung", "Tisu toilet gulung", "roll", "cleaning", 48, 12),
)


def ensure_demo_stock(container: Container) -> int:
    """Filters and cleaning supplies in the demo building, once; returns items added."""
    from maintenance.domain.errors import MaintenanceError
    from maintenance.domain.transitions import Actor

    stock = container.stock_service
    if stock.items():
        return 0
    by, now = Actor("demo", "facility_manager"), container.clock()
    try:
        for code, name, unit, crew, quantity, reorder_at in DEMO_STOCK:
            stock.add_item(code, name, unit, crew, by, now)
            stock.receive(code, DEMO_BUILDING, quantity, by, now, note="stok awal")
            stock.set_reorder_level(code, DEMO_BUILDING, reorder_at, by, now)
    except MaintenanceError:  # another start added them at the same moment, or no building
        log.warning("demo stock not added", exc_info=True)
        return 0
    return len(DEMO_STOCK)


def prepare_demo(container: Container, base_url: str, rooms: int = 12) -> list[str]:
    """Set up the demo and return the lines to print for a newcomer."""
    credentials = ensure_demo_users(container)
    history = _seed_history(container, rooms)  # imports the plans as of the history's start
    created = ensure_example_plans(container)
    assets = _seed_assets(container, rooms)
    ensure_demo_stock(container)
    mail = ensure_demo_contact(container)
    lines = ["", f"Udara demo: open {base_url}/ and sign in as one of:"]
    for username, _role, _crews, what in DEMO_USERS:
        lines.append(f"  {username:<11} {credentials[username]:<14} {what}")
    lines.append(f"(kept in {CREDENTIALS_FILE}; example building {DEMO_BUILDING!r})")
    if created:
        lines.append(f"imported {created} plans from {EXAMPLE_STRATEGY}")
    if assets:
        lines.append(
            f"registered {assets} assets (an AHU per floor with its rooms, FCUs, a chiller): "
            f"{base_url}/assets; `udara simulate --scenario hvac-failure --building "
            f"{DEMO_BUILDING}` makes a floor's breach one AHU job"
        )
    if mail:
        lines.append(f"manajer's messages go to {mail}: read them at {base_url}/demo/mailbox")
    lines += history
    lines.append("")
    return lines


def _seed_assets(container: Container, rooms: int) -> int:
    """The demo building's AHUs, FCUs and chiller with their zones (once); not fatal."""
    from udara.demo_assets import ensure_demo_assets

    try:
        return ensure_demo_assets(container, DEMO_BUILDING, rooms)
    except Exception:  # the live demo still runs without them
        log.exception("registering the demo assets failed")
        return 0


def _seed_history(container: Container, rooms: int) -> list[str]:
    """The demo building's past month (once); a failure is reported, not fatal."""
    from udara.demo_history import seed_history

    try:
        return seed_history(container, DEMO_BUILDING, rooms=rooms).lines()
    except Exception as exc:  # the live demo still runs without its past
        log.exception("seeding the demo history failed")
        return [f"history of {DEMO_BUILDING} not seeded: {exc}"]
