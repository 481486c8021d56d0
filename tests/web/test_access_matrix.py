"""The access matrix: every route of the UI and the API × every role × an object inside and
one outside the user's buildings (CONTRACTS.md, "Buildings, places and who may see them").

How it is generated
- `ROUTES` classifies every (method, rule) of Flask's `url_map`, in one dict: a `Case` (or a
  list of them) saying which roles may call it and how a building shows in it, or `Unbound`
  with the reason the route holds nothing of any building. A route that is not in the dict
  fails `test_every_route_is_in_the_matrix`; the OpenAPI document must list the same
  /api/v1 routes as `url_map` (`test_the_openapi_document_and_url_map_agree`).
- `PARAMS` gives every URL, query and body parameter three values: inside the building the
  users are limited to (`hq`), outside it (`xq7annex`), and missing (exists nowhere). A rule
  with a parameter not in `PARAMS` fails `test_every_parameter_has_values`. A case may give
  a parameter other values (`Case.params`): a pending device, of no building yet, as outside.
- Each case runs for the four roles, all limited to `hq`, and for `boss`, a facility manager
  of every building: the control that shows the outside objects exist and are reachable.

What each case checks, for a role the case allows (any other role: 403 inside and outside,
the role check comes first):
- "list": the answer shows the inside building and nothing of the outside one;
- "object", "filter", "create": the outside value answers exactly as the missing one does
  (same status, same body but for the value itself; "object" means 404), shows nothing of the
  outside building and changes nothing in the database; then the inside value answers `ok`.

Everything of the outside building carries "xq7" (building, floor and room codes, titles,
plan codes, alert messages, usernames, device ids), and so does the pending device only a
manager of every building sees, so a single substring test finds any leak.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, inspect, text
from werkzeug.test import TestResponse

from devices.domain import Sighting
from ingest.domain.alerts import AlertChange, AlertKey
from inspections.services.inspections import InspectionInput, ItemInput
from maintenance.domain.transitions import Actor
from maintenance.services.plan_rows import PlanSpec
from maintenance.services.users import actor_of
from occupants.services.requests import ReportInput
from tests.support.photos import phone_jpeg
from tests.web.conftest import NOW, TEST_CONFIG, FixedClockContainer, make_settings
from tests.web.influx_support import write_readings
from udara.db import upgrade_database
from udara.devservers import ManagedServer
from udara.scope import EVERYTHING
from web import create_app

# --- the two buildings -------------------------------------------------------------------
INSIDE, OUTSIDE = "hq", "xq7annex"
LEAK = "xq7"  # in every code, title, message and name of the outside building

FM, SUP, TECH, VIEWER, BOSS = "fm", "sup", "tech", "viewer", "boss"
SCOPED = (FM, SUP, TECH, VIEWER)  # each limited to `hq`
EVERYONE = SCOPED
READERS = (FM, SUP, VIEWER)
MANAGERS = (FM, SUP)
WORKERS = (FM, SUP, TECH)
ROLES = (*SCOPED, BOSS)
# What a role must not see although it is in its building: technicians see their crews' work.
HIDDEN_FROM = {TECH: ("HQ-hvac",)}

Side = Literal["inside", "outside", "missing"]

# Parameter name → (inside, outside, missing). "wo:…", "alert:…" name seeded objects.
PARAMS: dict[str, tuple[str, str, str]] = {
    "building": (INSIDE, OUTSIDE, "nosuchbldg"),
    "room": ("lobby", "xq7vault", "nosuchroom"),
    "wo_id": ("wo:hq-clean", "wo:xq7-clean", "987654"),
    "alert_id": ("alert:hq", "alert:xq7", "987654"),
    "username": ("tech2", "xq7tech", "nosuchuser"),
    "assignee": ("tech2", "xq7tech", "nosuchuser"),
    "index": ("0", "0", "0"),  # a checklist position: bound to its work order, not a building
    "code": (INSIDE, OUTSIDE, "nosuchbldg"),  # a building, as the locations pages call it
    "floor": ("mezz", "xq7mezz", "nosuchfloor"),  # floor codes are per building
    "into": ("r201", "xq7lab", "nosuchroom"),  # the room another is merged into
    "device": ("tasmota:hqsensor", "tasmota:xq7sensor", "tasmota:nosuchdevice"),  # placed
    "ref": ("req:hq", "req:xq7", "RNOSUCHREF"),  # an occupant request waiting for triage
    "asset": ("ahu-hq", "xq7-ahu", "nosuchasset"),  # equipment, codes unique across buildings
    "inspection_id": ("insp:hq", "insp:xq7", "987654"),
    "position": ("0", "0", "0"),  # an item of its inspection: bound to it, not a building
}
PHOTO_WO = {"wo_id": ("wo:hq-req", "wo:xq7-req", "987654")}  # work made from a report
# A device heard but placed nowhere yet: only a manager of every building sees it, so to the
# scoped roles it is as unknown as one of another building (and so it carries "xq7" too).
PENDING = "zigbee2mqtt:xq7pending"


@dataclass(frozen=True)
class Case:
    """How one route is called and what a building's reach means for it."""

    kind: Literal["list", "object", "filter", "create"]
    roles: tuple[str, ...]  # the scoped roles allowed; the others get 403
    query: str = ""  # e.g. "?building={building}"
    body: Mapping[str, Any] | None = None  # form (pages) or JSON (API); "{name}" filled in
    ok: int = 200  # the inside answer for an allowed role
    ok_for: Mapping[str, int] = field(default_factory=dict)  # per-role exceptions
    present: str | None = None  # what the inside answer shows
    present_for: tuple[str, ...] | None = None  # roles whose answer shows it (default: roles)
    absent: tuple[str, ...] = ()  # more that scoped roles must not see
    boss_sees: bool = True  # the unscoped control's answer shows the outside building
    boss_outside: int | None = None  # the control's outside answer, when not `ok`
    fixed: tuple[str, ...] = ()  # parameters that keep their inside value
    params: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)  # over PARAMS
    mutates: bool = False  # needs its own copy of the database
    label: str = ""

    def expected(self, role: str) -> int:
        return self.ok_for.get(role, self.ok_for.get(FM, self.ok) if role == BOSS else self.ok)

    def allows(self, role: str) -> bool:
        return (FM if role == BOSS else role) in self.roles


@dataclass(frozen=True)
class Unbound:
    """A route that shows or changes nothing of any building, and why."""

    reason: str


def _plan_form(**extra: Any) -> dict[str, Any]:
    return {
        "code": "matrix-plan",
        "title": "Matrix plan",
        "type": "routine",
        "crew": "cleaning",
        "building": "{building}",
        "room": "{room}",
        "freq": "daily",
        "start_date": "2026-03-01",
        "priority": "medium",
        **extra,
    }


WORK_ORDER_FORM = {
    "type": "corrective",
    "crew": "cleaning",
    "building": "{building}",
    "room": "{room}",
    "title": "Matrix raised",
    "priority": "medium",
    "description": "",
    "checklist": "",
}
WORK_ORDER_JSON = {
    "type": "corrective",
    "crew": "cleaning",
    "building": "{building}",
    "room": "{room}",
    "title": "Matrix raised",
}

INSPECTION_FORM = {
    "key": "matrix-inspection", "template": "office_floor", "room": "{building}/{room}",
    "item-floor": "5", "item-desks": "4", "item-glass": "5", "item-bins": "pass",
    "item-lights": "pass",
}  # fmt: skip
BUILDING_FORM = {"new-code": "{code}", "new-name": "Matrix", "new-timezone": "Asia/Jakarta"}
MERGE_FORM = {"merge-from_room": "{room}", "merge-into": "{into}"}
ROOM_EDIT_FORM = {"edit-name": "Lobi Baru", "edit-floor": "l1", "edit-kind": "lobby",
                  "edit-traffic": "high"}  # fmt: skip
PLACE_FORM = {"room": "{building}/{room}", "sensor": "", "mapping": "", "offsets": ""}
PLACE_JSON = {"building": "{building}", "room": "{room}"}
ASSET_FORM = {"code": "matrixahu", "kind": "ahu", "building": "{building}", "room": "{room}",
              "serves": "{room}", "name": "Matrix AHU"}  # fmt: skip
ASSET_JSON = {"code": "matrixahu", "kind": "ahu", "building": "{building}", "room": "{room}",
              "serves": ["{room}"]}  # fmt: skip
METER_FORM = {"meter": "run_hours", "value": "1234"}
INSPECTION_JSON = {
    "key": "matrix-inspection", "template": "office_floor", "building": "{building}",
    "room": "{room}",
    "items": [{"item": "floor", "score": 5}, {"item": "desks", "score": 4},
              {"item": "glass", "score": 5}, {"item": "bins", "passed": True},
              {"item": "lights", "passed": True}],
}  # fmt: skip

# fmt: off
# Every route of url_map, as "METHOD rule". New routes go here: a Case (or several) when they
# show or act on anything of a building, Unbound with the reason when they do not.
ROUTES: dict[str, Case | list[Case] | Unbound] = {
    # --- signing in, operations, static files: nothing of any building
    "GET /": Unbound("redirects each role to its start page"),
    "GET /login": Unbound("the sign-in form"),
    "POST /login": Unbound("signs in; knows users, not buildings"),
    "POST /logout": Unbound("signs out"),
    "GET /healthz": Unbound("liveness, no data"),
    "GET /readyz": Unbound("readiness of the servers Udara needs, no data"),
    "GET /metrics": Unbound("site-wide counts for the operator's Prometheus (CONTRACTS.md)"),
    "GET /static/<path:filename>": Unbound("CSS, scripts, vendored Chart.js"),
    "GET /api/v1/openapi.json": Unbound("the API's own description"),
    "GET /rules": Unbound("the threshold profiles and alert rules: site-wide configuration"),
    # Network servers' accounts (role device) push uplinks; no person's role may, and the
    # tests of tests/integration/test_http_push.py hold them.
    "POST /api/v1/ingest/chirpstack": Unbound("LoRaWAN uplinks from a device-role account"),
    "POST /api/v1/ingest/tts": Unbound("LoRaWAN uplinks from a device-role account"),
    # The signed link is the credential: it shows and acknowledges one alert, as its
    # recipient, only within that person's buildings (tests/web/test_notify_ack.py).
    "GET /n/ack/<token>": Unbound("one-tap acknowledge: asks, for the link's own recipient"),
    # The room's (or building's) token is the credential: it shows that one room's air in
    # plain words and takes reports about it; nobody signs in (tests/web/test_public_reports.py).
    "GET /r/<token>": Unbound("a room's public page: its air in plain words, the report form"),
    "POST /r/<token>": Unbound("an occupant's report about the token's own room"),
    "GET /r/<token>/requests/<request_ref>": Unbound("a report's progress, of the token's room"),
    "GET /r/<token>/requests/<request_ref>/after/<int:n>": Unbound(
        "the crew's after-photo of a done report, of the token's room"
    ),
    "GET /display/<token>": Unbound("the lobby display of the token's own building"),
    "POST /n/ack/<token>": Unbound("one-tap acknowledge, as the link's own recipient"),
    # --- the delivery log (facility managers): the alerts' messages of their buildings
    "GET /notifications": [
        Case("list", (FM,), present="Lobi"),
        Case("list", (FM,), query="?status=pending&event=alert_opened&channel=email",
             present="Lobi", label="filtered"),
        Case("filter", (FM,), query="?alert_id={alert_id}", boss_sees=False),
        Case("filter", (FM,), query="?wo_id={wo_id}", boss_sees=False),
    ],
    "GET /demo/mailbox": Unbound("the demo's local mail sink; does not exist in production"),
    # Each person's own contact points and preferences: nothing of any building.
    "GET /profile": Unbound("the signed-in person's own contact points and preferences"),
    "POST /profile": Unbound("changes the signed-in person's own contact points, preferences"),
    # A manager's view of the people they administer (as GET/POST /users: within scope).
    "GET /users/<username>/notifications": Case("object", (FM,), present="tech2"),
    "POST /users/<username>/notifications": [
        Case("object", (FM,), body={"action": "prefs", "lang": "en", "quiet_hours": ""},
             ok=302, boss_sees=False, mutates=True),
        Case("object", (FM,), body={"action": "test"}, ok=302, boss_sees=False, mutates=True,
             label="test"),
    ],
    # --- air quality: grid, room charts, compliance (screen, CSV, print)
    "GET /rooms": [
        Case("list", READERS, present="r201"),
        Case("list", READERS, query="?partial=1", present="r201", label="live"),
        Case("filter", READERS, query="?building={building}", present="r201"),
    ],
    "GET /rooms/<building>/<room>": Case("object", READERS, present="Lobi"),
    "GET /api/v1/rooms": [
        Case("list", EVERYONE, present="r201"),
        Case("filter", EVERYONE, query="?building={building}", present="r201"),
    ],
    "GET /api/v1/rooms/<building>/<room>/readings": Case("object", EVERYONE, present="lobby"),
    "GET /compliance": [
        Case("list", READERS, present="r201"),
        Case("filter", READERS, query="?building={building}&month=2026-03", present="r201"),
    ],
    "GET /compliance.csv": [
        Case("list", READERS, present="r201"),
        Case("filter", READERS, query="?building={building}&month=2026-03", present="r201"),
    ],
    "GET /compliance/print": [
        Case("list", READERS, present="r201"),
        Case("filter", READERS, query="?building={building}&month=2026-03", present="r201"),
    ],
    # --- alerts
    "GET /alerts": [
        Case("list", READERS, present="r201"),
        Case("list", READERS, query="?show=all", present="lobby", label="all"),
        Case("list", READERS, query="?partial=1", present="r201", label="live"),
    ],
    "POST /alerts/<int:alert_id>/acknowledge": Case(
        "object", (FM,), ok=302, boss_sees=False, mutates=True
    ),
    "GET /api/v1/alerts": [
        Case("list", EVERYONE, present="r201"),
        Case("filter", EVERYONE, query="?building={building}", present="r201"),
        Case("filter", EVERYONE, query="?room={room}", present="lobby"),
    ],
    "GET /api/v1/alerts/<int:alert_id>": Case("object", EVERYONE, present="r201"),
    "POST /api/v1/alerts/<int:alert_id>/acknowledge": Case("object", (FM,), mutates=True),
    # --- the board, its calendar and today's work
    "GET /board": [
        Case("list", READERS, present="HQ-clean"),
        Case("list", READERS, query="?partial=1", present="HQ-clean", label="live"),
        Case("filter", READERS, query="?building={building}", present="HQ-clean"),
    ],
    "GET /board/calendar": [
        # Without ?building= the first building of the user's: `hq` for the boss too.
        Case("list", READERS, present="HQ-plan", boss_sees=False),
        Case("filter", READERS, query="?building={building}", present="HQ-plan"),
    ],
    "GET /board/today": [
        Case("list", READERS, present="HQ-plan", boss_sees=False),
        Case("filter", READERS, query="?building={building}", present="HQ-plan"),
    ],
    # --- work orders: detail and actions on the board, my work, the API
    "GET /work-orders/<int:wo_id>": Case("object", EVERYONE, present="HQ-clean"),
    "POST /work-orders/<int:wo_id>/assign": [
        Case("object", MANAGERS, body={"assignee": "{assignee}"}, ok=302, fixed=("assignee",),
             boss_sees=False, mutates=True),
        Case("object", MANAGERS, body={"assignee": "{assignee}"}, ok=302, fixed=("wo_id",),
             boss_sees=False, mutates=True, label="assignee"),
    ],
    "POST /work-orders/<int:wo_id>/status": Case(
        "object", MANAGERS, body={"status": "cancelled", "notes": "batal"}, ok=302,
        boss_sees=False, mutates=True,
    ),
    "GET /work-orders/new": [
        Case("list", MANAGERS, boss_sees=False),
        # The form is filled from the query string: an echo, nothing looked up.
        Case("filter", MANAGERS, query="?building={building}&room={room}", boss_sees=False),
    ],
    "POST /work-orders/new": Case(
        "create", MANAGERS, body=WORK_ORDER_FORM, ok=302, boss_sees=False, mutates=True
    ),
    "GET /my-work": [
        Case("list", WORKERS, present="HQ-clean", present_for=(SUP, TECH), boss_sees=False),
        Case("list", WORKERS, query="?partial=1", present="HQ-clean", present_for=(SUP, TECH),
             boss_sees=False, label="live"),
    ],
    "GET /my-work/<int:wo_id>": Case("object", WORKERS, present="HQ-clean"),
    "POST /my-work/<int:wo_id>/start": Case(
        "object", WORKERS, ok=302, boss_sees=False, mutates=True
    ),
    "POST /my-work/<int:wo_id>/hold": Case(
        "object", WORKERS, ok=302, boss_sees=False, mutates=True
    ),
    "POST /my-work/<int:wo_id>/checklist/<int:index>": Case(
        "object", WORKERS, body={"done": "1"}, ok=302, boss_sees=False, mutates=True
    ),
    "POST /my-work/<int:wo_id>/note": Case(
        "object", WORKERS, body={"text": "catatan"}, ok=302, boss_sees=False, mutates=True
    ),
    "POST /my-work/<int:wo_id>/finish": Case(
        "object", WORKERS, body={"notes": "selesai", "time_spent": "15"}, ok=302,
        boss_sees=False, mutates=True,
    ),
    "GET /api/v1/work-orders": [
        Case("list", EVERYONE, present="HQ-clean"),
        Case("filter", EVERYONE, query="?building={building}", present="HQ-clean"),
        Case("filter", EVERYONE, query="?room={room}", present="HQ-clean"),
        Case("filter", EVERYONE, query="?assignee={assignee}", present="HQ-assigned"),
    ],
    "POST /api/v1/work-orders": Case(
        "create", MANAGERS, body=WORK_ORDER_JSON, ok=201, mutates=True
    ),
    "GET /api/v1/work-orders/<int:wo_id>": Case("object", EVERYONE, present="HQ-clean"),
    "PATCH /api/v1/work-orders/<int:wo_id>": [
        Case("object", WORKERS, body={"notes": "dicek"}, mutates=True),
        Case("object", WORKERS, body={"status": "in_progress"}, mutates=True, label="status"),
        # Unassigned: only its managers tick it (technicians start it first).
        Case("object", WORKERS, body={"checklist": [{"index": 0, "done": True}]},
             ok_for={TECH: 403}, mutates=True, label="checklist"),
        # Technicians may not assign: the service refuses (403) once it has found both. The
        # control may see xq7tech but not give them work in hq (403).
        Case("object", WORKERS, body={"assignee": "{assignee}"}, ok_for={TECH: 403},
             fixed=("wo_id",), boss_outside=403, mutates=True, label="assignee"),
    ],
    # --- plans
    "GET /plans": Case("list", MANAGERS, present="hq-daily"),
    "POST /plans": Case(
        "create", MANAGERS, body=_plan_form(times="08:00"), ok=302, boss_sees=False,
        mutates=True,
    ),
    "GET /api/v1/plans": [
        Case("list", MANAGERS, present="hq-daily"),
        Case("filter", MANAGERS, query="?building={building}", present="hq-daily"),
    ],
    "POST /api/v1/plans": Case(
        "create", MANAGERS, body=_plan_form(times=["08:00"]), ok=201, mutates=True
    ),
    # --- people
    "GET /users": Case("list", (FM,), present="tech2", absent=("Bos Besar",)),
    # (Usernames are unique across buildings: creating one taken in another building is
    # refused, the one thing a manager can learn of people they do not administer.)
    "POST /users": Case(
        "create", (FM,), ok=302, boss_sees=False, mutates=True,
        body={"username": "matrixnew", "display_name": "Baru", "role": "technician",
              "crew": "cleaning", "buildings": "{building}", "password": "rahasia-panjang-1"},
    ),
    "POST /users/<username>/buildings": Case(
        "object", (FM,), body={"buildings": INSIDE}, ok=302, boss_sees=False, mutates=True
    ),
    # --- the building register: the locations pages (facility managers)
    "GET /locations": Case("list", (FM,), present="Kantor Pusat"),
    # Only a manager of every building adds one: the scoped manager is refused (a flashed
    # 400) whether the code is free, taken in their building, or taken in another.
    "POST /locations": [
        Case("create", (FM,), body=BUILDING_FORM, ok_for={FM: 400, BOSS: 400}, mutates=True,
             label="taken code"),
        Case("create", (FM,), body={**BUILDING_FORM, "new-code": "matrixbldg"},
             ok_for={FM: 400, BOSS: 302}, boss_sees=False, mutates=True, label="new code"),
    ],
    "GET /locations/<code>": Case("object", (FM,), present="Lobi"),
    "POST /locations/<code>": Case(
        "object", (FM,), body={"b-name": "Kantor Baru", "b-timezone": "Asia/Jakarta"}, ok=302,
        boss_sees=False, mutates=True,
    ),
    "POST /locations/<code>/floors": Case(
        "object", (FM,), body={"floor-code": "l9", "floor-name": "Lantai 9", "floor-level": "9"},
        ok=302, boss_sees=False, mutates=True,
    ),
    "POST /locations/<code>/rooms": Case(
        "object", (FM,), ok=302, boss_sees=False, mutates=True,
        body={"room-code": "r909", "room-name": "Ruang 909", "room-floor": "", "room-kind": "",
              "room-traffic": ""},
    ),
    # The rooms are choices of the form: one of another building is no choice (400), as an
    # unknown one is.
    "POST /locations/<code>/merge": [
        Case("object", (FM,), body=MERGE_FORM, ok=302, boss_sees=False, mutates=True),
        Case("create", (FM,), body=MERGE_FORM, ok=302, fixed=("code", "into"),
             boss_outside=400, boss_sees=False, mutates=True, label="room"),
        Case("create", (FM,), body=MERGE_FORM, ok=302, fixed=("code", "room"),
             boss_outside=400, boss_sees=False, mutates=True, label="into"),
    ],
    "GET /locations/<code>/rooms/<room>": [
        Case("object", (FM,), present="Lobi"),
        Case("object", (FM,), present="Lobi", fixed=("code",), boss_outside=404,
             boss_sees=False, label="room"),
    ],
    "POST /locations/<code>/rooms/<room>": [
        Case("object", (FM,), body=ROOM_EDIT_FORM, ok=302, boss_sees=False, mutates=True),
        Case("object", (FM,), body=ROOM_EDIT_FORM, ok=302, fixed=("code",), boss_outside=404,
             boss_sees=False, mutates=True, label="room"),
    ],
    # --- the building register over the API: every role reads, facility managers change
    "GET /api/v1/buildings": Case("list", EVERYONE, present="Kantor Pusat"),
    "POST /api/v1/buildings": [
        Case("create", (FM,), body={"code": "{building}", "name": "Matrix"},
             ok_for={FM: 403, BOSS: 409}, mutates=True, label="taken code"),
        Case("create", (FM,), body={"code": "matrixbldg", "name": "Matrix"},
             ok_for={FM: 403, BOSS: 201}, boss_sees=False, mutates=True, label="new code"),
    ],
    "GET /api/v1/buildings/<building>": Case("object", EVERYONE, present="Kantor Pusat"),
    "PATCH /api/v1/buildings/<building>": Case(
        "object", (FM,), body={"name": "Kantor Baru"}, mutates=True
    ),
    "GET /api/v1/buildings/<building>/floors": Case("object", EVERYONE, present="Mezanin"),
    "POST /api/v1/buildings/<building>/floors": Case(
        "object", (FM,), body={"code": "l9", "name": "Lantai 9", "level": 9}, ok=201,
        mutates=True,
    ),
    "PATCH /api/v1/buildings/<building>/floors/<floor>": [
        Case("object", (FM,), body={"name": "Mezanin Baru", "level": 2}, mutates=True),
        Case("object", (FM,), body={"name": "Mezanin Baru"}, fixed=("building",),
             boss_outside=404, boss_sees=False, mutates=True, label="floor"),
    ],
    "GET /api/v1/buildings/<building>/rooms": Case("object", EVERYONE, present="Lobi"),
    "POST /api/v1/buildings/<building>/rooms": Case(
        "object", (FM,), body={"code": "r909", "name": "Ruang 909"}, ok=201, mutates=True
    ),
    "GET /api/v1/buildings/<building>/rooms/<room>": [
        Case("object", EVERYONE, present="Lobi"),
        Case("object", EVERYONE, present="Lobi", fixed=("building",), boss_outside=404,
             boss_sees=False, label="room"),
    ],
    "PATCH /api/v1/buildings/<building>/rooms/<room>": [
        Case("object", (FM,), body={"name": "Lobi Baru"}, mutates=True),
        Case("object", (FM,), body={"name": "Lobi Baru"}, fixed=("building",),
             boss_outside=404, boss_sees=False, mutates=True, label="room"),
    ],
    "POST /api/v1/buildings/<building>/rooms/<room>/merge": [
        Case("object", (FM,), body={"into": "{into}"}, mutates=True),
        Case("object", (FM,), body={"into": "{into}"}, fixed=("building", "into"),
             boss_outside=404, boss_sees=False, mutates=True, label="room"),
        Case("object", (FM,), body={"into": "{into}"}, fixed=("building", "room"),
             boss_outside=404, boss_sees=False, mutates=True, label="into"),
    ],
    # --- occupants: QR sheets, room links, requests to triage, photos of work orders
    "GET /buildings/<building>/qr": [
        Case("object", MANAGERS, present="Lobi"),
        Case("filter", MANAGERS, query="?floor={floor}", fixed=("building",), boss_outside=404,
             boss_sees=False),
    ],
    "POST /buildings/<building>/rooms/<room>/link": [
        Case("object", (FM,), ok=302, boss_sees=False, mutates=True),
        Case("object", (FM,), ok=302, fixed=("building",), boss_outside=404, boss_sees=False,
             mutates=True, label="room"),
    ],
    "POST /buildings/<building>/display/link": Case(
        "object", (FM,), ok=302, boss_sees=False, mutates=True
    ),
    "GET /requests": [
        Case("list", MANAGERS, present="HQ-req"),
        Case("filter", MANAGERS, query="?building={building}", present="HQ-req"),
    ],
    "POST /requests/<ref>/accept": Case("object", MANAGERS, ok=302, boss_sees=False,
                                        mutates=True),
    "POST /requests/<ref>/reject": Case("object", MANAGERS, body={"reason": "bukan"}, ok=302,
                                        boss_sees=False, mutates=True),
    "GET /work-orders/<int:wo_id>/photos/<int:index>": Case(
        "object", EVERYONE, params=PHOTO_WO, fixed=("index",), boss_sees=False
    ),
    "GET /work-orders/<int:wo_id>/after-photos/<int:index>": Case(
        "object", EVERYONE, params=PHOTO_WO, fixed=("index",), boss_sees=False
    ),
    "GET /api/v1/requests": [
        Case("list", READERS, present="lobby"),
        Case("filter", READERS, query="?building={building}", present="lobby"),
    ],
    # --- inspections, the monthly audit summary, KPIs
    "GET /inspections": [
        Case("list", READERS, present="Lobi"),
        Case("filter", READERS, query="?building={building}", present="Lobi"),
    ],
    "GET /inspections/new": [
        Case("list", MANAGERS, present="hq/lobby"),
        Case("object", MANAGERS, query="?room={building}/{room}&template=toilet",
             present="Lobi", label="checklist"),
    ],
    "POST /inspections": Case("object", MANAGERS, body=INSPECTION_FORM, ok=303,
                              boss_sees=False, mutates=True),
    "GET /inspections/<int:inspection_id>": Case("object", READERS, present="Lobi"),
    "GET /inspections/<int:inspection_id>/photos/<int:position>": Case(
        "object", READERS, fixed=("position",), boss_sees=False
    ),
    "GET /audits": [
        Case("list", READERS, present="Lobi", boss_sees=False),
        Case("object", READERS, query="?building={building}&month=2026-03", present="Lobi"),
        Case("object", READERS, query="?building={building}&month=2026-03&print=1",
             present="Lobi", label="print"),
    ],
    "GET /audits.csv": [
        Case("list", READERS, present="lobby", boss_sees=False),
        Case("object", READERS, query="?building={building}&month=2026-03", present="lobby"),
    ],
    "GET /kpis": [
        Case("list", READERS, present="cleaning", boss_sees=False),
        Case("object", READERS, query="?building={building}&month=2026-03", present="cleaning"),
    ],
    "GET /kpis.csv": [
        Case("list", READERS, present="cleaning", boss_sees=False),
        Case("object", READERS, query="?building={building}&month=2026-03", present="cleaning"),
    ],
    "GET /api/v1/kpis": Case("object", READERS, query="?building={building}&month=2026-03",
                             present="cleaning"),
    # --- devices: placed ones follow their building, pending ones are of no building yet
    "GET /devices": Case("list", (FM,), present="tasmota:hqsensor"),
    "GET /api/v1/devices": Case("list", EVERYONE, present="tasmota:hqsensor"),
    "GET /api/v1/devices/<path:device>": [
        Case("object", EVERYONE, present="tasmota:hqsensor"),
        Case("object", EVERYONE,
             params={"device": (PARAMS["device"][0], PENDING, PARAMS["device"][2])},
             boss_sees=False, label="pending"),
    ],
    "POST /api/v1/devices/<path:device>/place": [
        Case("object", (FM,), body=PLACE_JSON, boss_sees=False, mutates=True),
        Case("object", (FM,), body=PLACE_JSON, fixed=("device",), boss_sees=False,
             mutates=True, label="room"),
        Case("object", (FM,), body=PLACE_JSON, fixed=("building", "room"),
             params={"device": (PARAMS["device"][0], PENDING, PARAMS["device"][2])},
             boss_sees=False, mutates=True, label="pending"),
    ],
    "POST /api/v1/devices/<path:device>/retire": [
        Case("object", (FM,), boss_sees=False, mutates=True),
        Case("object", (FM,),
             params={"device": (PARAMS["device"][0], PENDING, PARAMS["device"][2])},
             boss_sees=False, mutates=True, label="pending"),
    ],
    "POST /devices/<path:device>/place": [
        Case("object", (FM,), body=PLACE_FORM, ok=302, boss_sees=False, mutates=True),
        # A device of the manager's, put on a room of another building.
        Case("object", (FM,), body=PLACE_FORM, ok=302, fixed=("device",), boss_sees=False,
             mutates=True, label="room"),
        Case("object", (FM,), body=PLACE_FORM, ok=302, fixed=("building", "room"),
             params={"device": (PARAMS["device"][0], PENDING, PARAMS["device"][2])},
             boss_sees=False, mutates=True, label="pending"),
    ],
    "POST /devices/<path:device>/correct": [
        Case("object", (FM,), body={"mapping": "karbon=co2", "offsets": "co2=-5"}, ok=302,
             boss_sees=False, mutates=True),
        Case("object", (FM,), body={"mapping": "", "offsets": ""}, ok=302,
             params={"device": (PARAMS["device"][0], PENDING, PARAMS["device"][2])},
             boss_sees=False, mutates=True, label="pending"),
    ],
    # --- assets: equipment follows its building; managers add and edit, workers read
    "GET /assets": [
        Case("list", WORKERS, present="ahu-hq"),
        Case("filter", WORKERS, query="?building={building}", present="ahu-hq"),
    ],
    "POST /assets": Case("create", (FM,), body=ASSET_FORM, ok=302, boss_sees=False,
                         mutates=True),
    "GET /assets/<asset>": Case("object", WORKERS, present="AHU Pusat"),
    "POST /assets/<asset>": Case("object", (FM,), body={"name": "Matrix"}, ok=302,
                                 boss_sees=False, mutates=True),
    "POST /assets/<asset>/meters": Case("object", WORKERS, body=METER_FORM, ok=302,
                                        boss_sees=False, mutates=True),
    "GET /assets/<asset>/qr": Case("object", MANAGERS, present="AHU Pusat"),
    "GET /api/v1/assets": [
        Case("list", WORKERS, present="ahu-hq"),
        Case("filter", WORKERS, query="?building={building}", present="ahu-hq"),
    ],
    "POST /api/v1/assets": Case("create", (FM,), body=ASSET_JSON, ok=201, mutates=True),
    "GET /api/v1/assets/<asset>": Case("object", WORKERS, present="AHU Pusat"),
    "POST /api/v1/assets/<asset>/meters": Case("object", WORKERS, body={"meter": "run_hours",
                                               "value": 1234}, ok=201, mutates=True),
    "GET /api/v1/inspections": [
        Case("list", READERS, present="lobby"),
        Case("filter", READERS, query="?building={building}", present="lobby"),
    ],
    "POST /api/v1/inspections": Case("create", MANAGERS, body=INSPECTION_JSON, ok=201,
                                     mutates=True),
    "GET /api/v1/inspections/<int:inspection_id>": Case("object", READERS, present="Lobi"),
    "POST /devices/<path:device>/retire": [
        Case("object", (FM,), ok=302, boss_sees=False, mutates=True),
        Case("object", (FM,), ok=302,
             params={"device": (PARAMS["device"][0], PENDING, PARAMS["device"][2])},
             boss_sees=False, mutates=True, label="pending"),
    ],
    # --- stock: levels per building (managers), consumption on work orders (who works on it)
    "GET /stock": [
        Case("list", MANAGERS, present="HQ-stock"),
        Case("filter", MANAGERS, query="?building={building}", present="HQ-stock"),
    ],
    "POST /stock/items": Unbound("adds a stock item: items are the same in every building"),
    "POST /stock/receive": Case(
        "create", MANAGERS, body={"item": "filter-g4", "building": "{building}",
                                  "quantity": "2", "note": "masuk"},
        ok=302, boss_sees=False, mutates=True,
    ),
    "POST /stock/level": Case(
        "create", MANAGERS, body={"item": "filter-g4", "building": "{building}",
                                  "reorder_level": "3"},
        ok=302, boss_sees=False, mutates=True,
    ),
    # Technicians may record only on work they work on: refused, a flashed message (302).
    "POST /work-orders/<int:wo_id>/consumption": Case(
        "object", WORKERS, body={"item": "filter-g4", "quantity": "1"}, ok=302,
        boss_sees=False, mutates=True,
    ),
    "GET /api/v1/stock": [
        Case("list", MANAGERS, present="filter-g4"),
        # The answer holds nothing of the building but its code, the value given.
        Case("filter", MANAGERS, query="?building={building}", present="filter-g4",
             boss_sees=False),
    ],
    "POST /api/v1/work-orders/<int:wo_id>/consumption": Case(
        "object", WORKERS, body={"item": "filter-g4", "quantity": 1}, ok=201,
        ok_for={TECH: 403}, mutates=True,
    ),
}
# fmt: on

RULE_PARAM = re.compile(r"<(?:[^<>:]+:)?([A-Za-z_][A-Za-z0-9_]*)>")
TEMPLATE_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _cases() -> Iterator[tuple[str, Case]]:
    for route, entry in ROUTES.items():
        if isinstance(entry, Unbound):
            continue
        for case in entry if isinstance(entry, list) else [entry]:
            yield route, case


def _names(route: str, case: Case) -> set[str]:
    """Every parameter the case fills in: of the rule, the query string and the body."""
    found = set(RULE_PARAM.findall(route)) | set(TEMPLATE_PARAM.findall(case.query))
    found |= set(TEMPLATE_PARAM.findall(repr(case.body or {})))
    return found


MATRIX = [(route, case, role) for route, case in _cases() for role in ROLES]


def _id(route: str, case: Case, role: str) -> str:
    label = f" ({case.label})" if case.label else case.query
    return f"{route}{label} [{role}]"


# --- the seeded world --------------------------------------------------------------------
@dataclass
class World:
    """Two buildings and their people, places, work, alerts and plans, seeded once."""

    template: Path
    settings: dict[str, Any]
    ids: dict[str, int | str]
    tokens: dict[str, str]
    user_ids: dict[str, int]
    app: Flask  # over a copy of `template`, for the cases that change nothing
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def value(self, name: str, side: Side, params: Mapping[str, tuple[str, str, str]]) -> str:
        inside, outside, missing = params.get(name) or PARAMS[name]
        chosen = {"inside": inside, "outside": outside, "missing": missing}[side]
        return str(self.ids[chosen]) if chosen in self.ids else chosen

    def client(self, app: Flask, role: str) -> FlaskClient:
        """A client of `app` signed in as `role` (a session, as after /login); kept for the
        shared app, new for each fresh one."""
        client = self.clients.get(role) if app is self.app else None
        if client is None:
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(self.user_ids[role])
                session["_fresh"] = True
            if app is self.app:
                self.clients[role] = client
        return client


def seed_world(container: FixedClockContainer) -> tuple[dict[str, int | str], dict[str, str]]:
    """Both buildings with rooms, people of every role, work of both crews, alerts, plans."""
    locations = container.location_service
    locations.save_building(INSIDE, "Kantor Pusat", "Asia/Jakarta")
    locations.save_room(INSIDE, "lobby", floor="l1", name="Lobi", kind="lobby")
    locations.save_room(INSIDE, "r201", floor="l2", name="Ruang Rapat 201", kind="meeting_room")
    locations.save_building(OUTSIDE, "Gedung Xq7", "Asia/Jakarta")
    locations.save_room(OUTSIDE, "xq7vault", floor="l1", name="Brankas Xq7", kind="lobby")
    locations.save_room(OUTSIDE, "xq7lab", floor="l2", name="Lab Xq7", kind="meeting_room")

    users = container.user_service
    hq = (INSIDE,)
    users.create(BOSS, "facility_manager", NOW, display_name="Bos Besar")
    users.create(FM, "facility_manager", NOW, display_name="Bu Rina", buildings=hq)
    for name, display in ((SUP, "Pak Budi"),):
        users.create(
            name,
            "cleaning_supervisor",
            NOW,
            display_name=display,
            crews=("cleaning",),
            buildings=hq,
        )
    for name, display in ((TECH, "Siti"), ("tech2", "Joko")):
        users.create(
            name, "technician", NOW, display_name=display, crews=("cleaning",), buildings=hq
        )
    users.create(VIEWER, "viewer", NOW, display_name="Tamu", buildings=hq)
    users.create(
        "xq7tech",
        "technician",
        NOW,
        display_name="Xq7 Teknisi",
        crews=("cleaning",),
        buildings=(OUTSIDE,),
    )
    users.create("xq7fm", "facility_manager", NOW, display_name="Xq7 Manajer", buildings=(OUTSIDE,))
    # The critical alerts below then make deliveries in both buildings (the delivery log).
    for name in (BOSS, FM, "xq7fm"):
        container.notifications.add_contact(name, f"{name}@example.co.id")

    boss = users.by_username(BOSS)
    assert boss is not None
    seed_register(container, actor_of(boss))

    orders = container.work_order_service
    ids: dict[str, int | str] = {}
    for building, prefix, clean_room, other_room in (
        (INSIDE, "HQ", "lobby", "r201"),
        (OUTSIDE, "XQ7", "xq7vault", "xq7lab"),
    ):
        key = prefix.lower()
        ids[f"wo:{key}-clean"] = orders.create(
            BOSS,
            NOW,
            type="routine",
            crew="cleaning",
            building=building,
            room=clean_room,
            title=f"{prefix}-clean {clean_room}",
            checklist=["Sapu lantai", "Pel lantai"],
        ).id
        ids[f"wo:{key}-hvac"] = orders.create(
            BOSS,
            NOW,
            type="corrective",
            crew="hvac",
            building=building,
            room=other_room,
            title=f"{prefix}-hvac {other_room}",
            priority="high",
        ).id
        assigned = orders.create(
            BOSS,
            NOW,
            type="corrective",
            crew="cleaning",
            building=building,
            room=other_room,
            title=f"{prefix}-assigned {other_room}",
        )
        orders.assign(assigned.id, "tech2" if building == INSIDE else "xq7tech", BOSS, NOW)
        ids[f"wo:{key}-assigned"] = assigned.id
        container.plan_service.create(
            PlanSpec(
                code=f"{key}-daily",
                title=f"{prefix}-plan {clean_room}",
                type="routine",
                crew="cleaning",
                building=building,
                room=clean_room,
                freq="daily",
                start_date=date(2026, 3, 1),
                times=(time(8, 0), time(16, 0)),
            ),
            BOSS,
            NOW,
        )

    alerts = container.alert_service
    earlier = NOW - timedelta(hours=1)
    opened = alerts.apply(
        [
            AlertChange(
                "open",
                AlertKey(INSIDE, "r201", "co2", "warning"),
                NOW,
                value=1250.0,
                limit="≤ 1000 ppm",
                message="HQ-alert co2 r201",
            ),
            AlertChange(
                "open",
                AlertKey(OUTSIDE, "xq7lab", "co2", "warning"),
                NOW,
                value=1300.0,
                limit="≤ 1000 ppm",
                message="XQ7-alert co2 xq7lab",
            ),
            AlertChange("open", AlertKey(INSIDE, "lobby", "pm25", "critical"), earlier, value=60.0),
            AlertChange(
                "open", AlertKey(OUTSIDE, "xq7vault", "pm25", "critical"), earlier, value=70.0
            ),
        ]
    )
    alerts.apply(
        [
            AlertChange("clear", AlertKey(INSIDE, "lobby", "pm25", "critical"), NOW),
            AlertChange("clear", AlertKey(OUTSIDE, "xq7vault", "pm25", "critical"), NOW),
        ]
    )
    ids["alert:hq"], ids["alert:xq7"] = opened[0].id, opened[1].id
    seed_requests(container, ids)
    seed_inspections(container, ids)
    stock = container.stock_service
    stock.add_item("filter-g4", "Filter G4 592", "pcs", "cleaning", BOSS, NOW)
    stock.receive("filter-g4", INSIDE, 10, BOSS, NOW, note="HQ-stock masuk")
    stock.receive("filter-g4", OUTSIDE, 10, BOSS, NOW, note="XQ7-stock masuk")
    stock.consume(int(ids["wo:xq7-clean"]), "filter-g4", 1, BOSS, NOW, note="XQ7-stock dipakai")
    tokens = {role: container.token_service.create(role, NOW) for role in ROLES}
    return ids, tokens


def seed_requests(container: FixedClockContainer, ids: dict[str, int | str]) -> None:
    """An occupant report with a photo in each building (a cleaning work order), and one
    waiting for triage."""
    requests = container.occupant_requests
    for building, room, key, prefix in ((INSIDE, "lobby", "hq", "HQ"),
                                        (OUTSIDE, "xq7vault", "xq7", "XQ7")):  # fmt: skip
        place = container.room_links.resolve(container.room_links.link(building, room).token)
        assert place is not None
        photo = ReportInput("dirty", f"{prefix}-req kotor", photo=phone_jpeg((64, 48)))
        made = requests.get(requests.report(place, photo), scope=EVERYTHING)
        assert made.out.work_order_id is not None
        ids[f"wo:{key}-req"] = made.out.work_order_id
        after = requests.keep_photo(phone_jpeg((48, 64)))
        requests.attach_after_photo(made.out.work_order_id, after, "matrix")
        ids[f"req:{key}"] = requests.report(place, ReportInput("other", f"{prefix}-req lain"))


def seed_inspections(container: FixedClockContainer, ids: dict[str, int | str]) -> None:
    """An office-floor inspection in each building whose failed first item has a photo."""
    boss = container.user_service.by_username(BOSS)
    assert boss is not None
    for building, room, key in ((INSIDE, "lobby", "hq"), (OUTSIDE, "xq7vault", "xq7")):
        items = [ItemInput("floor", score=1, photo=phone_jpeg((64, 48))),
                 ItemInput("desks", score=4), ItemInput("glass", score=5),
                 ItemInput("bins", passed=True), ItemInput("lights", passed=True)]  # fmt: skip
        done = container.inspections.submit(
            actor_of(boss), InspectionInput(f"seed-{key}", "office_floor", building, room, items)
        )
        ids[f"insp:{key}"] = done.id


def seed_register(container: FixedClockContainer, boss: Actor) -> None:
    """A floor with no rooms yet in each building; a device placed in each, one pending."""
    register = container.building_service
    register.add_floor(boss, INSIDE, "mezz", name="Mezanin", level=1)
    register.add_floor(boss, OUTSIDE, "xq7mezz", name="Mezanin Xq7", level=1)
    devices = container.device_service
    inside, outside, _ = PARAMS["device"]
    heard = NOW - timedelta(hours=1)
    devices.record_sightings(
        Sighting(device, device.split(":")[0], heard, NOW, 12, frozenset({"co2"}))
        for device in (inside, outside, PENDING)
    )
    # On the rooms the merge cases keep: merging away a room a device is placed on fails
    # (the merge does not move devices yet; reported, not this matrix's business).
    devices.place(inside, INSIDE, "r201", by=boss)
    devices.place(outside, OUTSIDE, "xq7lab", by=boss)
    assets = container.asset_service
    assets.add("ahu-hq", "ahu", INSIDE, room="lobby", serves=("lobby", "r201"), name="AHU Pusat",
               by=boss)  # fmt: skip
    assets.add("xq7-ahu", "ahu", OUTSIDE, room="xq7vault", serves=("xq7vault", "xq7lab"),
               name="AHU Xq7", by=boss)  # fmt: skip


def _copy(source: Path, target: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return f"sqlite:///{target}"


def _container(url: str, settings: dict[str, Any]) -> FixedClockContainer:
    return FixedClockContainer(make_settings(url, **settings), NOW)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, influxdb: ManagedServer) -> Iterator[World]:
    """The seeded database (a template copied for each case that writes), readings of every
    room of both buildings in InfluxDB, and an app for the cases that only read."""
    folder = tmp_path_factory.mktemp("matrix")
    template = folder / "template.db"
    upgrade_database(f"sqlite:///{template}")
    settings = {
        "influx_url": f"http://127.0.0.1:{influxdb.port}",
        "influx_db": f"udara_matrix_{uuid.uuid4().hex[:12]}",
        "media_dir": folder / "media",
    }
    seeding = _container(f"sqlite:///{template}", settings)
    seeding.influx.create_database()
    ids, tokens = seed_world(seeding)
    recent = [NOW - timedelta(minutes=m) for m in range(1, 11)]
    # Every room, and one only InfluxDB knows (ingest saw it, nobody placed it yet).
    for building, room in {*seeding.location_service.room_keys(), (OUTSIDE, "xq7ghost")}:
        write_readings(seeding.influx, building, room, [(t, {"co2": 900.0}) for t in recent])
    users = {role: seeding.user_service.by_username(role) for role in ROLES}
    user_ids = {role: view.id for role, view in users.items() if view is not None}
    seeding.engine.dispose()
    reading = _container(_copy(template, folder / "reading.db"), settings)
    world = World(template, settings, ids, tokens, user_ids, create_app(reading, TEST_CONFIG))
    yield world
    reading.engine.dispose()


@pytest.fixture
def fresh_app(world: World, tmp_path: Path) -> Iterator[Callable[[], Flask]]:
    """Apps over fresh copies of the seeded database, for the cases that may write."""
    containers: list[FixedClockContainer] = []

    def make() -> Flask:
        url = _copy(world.template, tmp_path / f"case{len(containers)}.db")
        containers.append(_container(url, world.settings))
        return create_app(containers[-1], TEST_CONFIG)

    yield make
    for container in containers:
        container.engine.dispose()


# --- calling a route ---------------------------------------------------------------------
def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return TEMPLATE_PARAM.sub(lambda m: values[m[1]], value)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def call(
    world: World, app: Flask, route: str, case: Case, role: str, values: Mapping[str, str]
) -> TestResponse:
    """Call the route as `role` with these parameter values: a token for the API, a signed-in
    session for pages."""
    method, rule = route.split(" ", 1)
    path = RULE_PARAM.sub(lambda m: quote(values[m[1]], safe=""), rule)
    url = path + _fill(case.query, values)
    body = _fill(case.body, values) if case.body is not None else None
    if rule.startswith("/api/"):
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        return app.test_client().open(url, method=method, json=body, headers=headers)
    return world.client(app, role).open(url, method=method, data=body)


def _values(world: World, route: str, case: Case, side: Side) -> dict[str, str]:
    return {
        name: world.value(name, "inside" if name in case.fixed else side, case.params)
        for name in _names(route, case)
    }


def _text(response: TestResponse) -> str:
    return response.get_data().decode("utf-8", "replace")  # photos are bytes


CSRF_TOKEN = re.compile(r'((?:name="csrf-token" content|name="csrf_token" value)=")[^"]*"')


def _without(body: str, values: Mapping[str, str]) -> str:
    """`body` with each parameter value replaced by its name: what the caller sent and the
    answer echoes is no leak, and two answers that differ only there are the same answer.
    CSRF tokens go too: signed with the time, they change from one second to the next."""
    body = CSRF_TOKEN.sub(r'\1"', body)
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        body = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", f"<{name}>", body)
    return body


def _leaks(body: str, role: str, case: Case) -> list[str]:
    markers = (LEAK, *case.absent, *HIDDEN_FROM.get(role, ()))
    return [m for m in markers if m.lower() in body.lower()]


IGNORED_TABLES = frozenset({"alembic_version", "api_tokens"})  # tokens record their last use


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table (but token bookkeeping): to see that nothing changed."""
    names = sorted(set(inspect(engine).get_table_names()) - IGNORED_TABLES)
    with engine.connect() as conn:
        return {
            name: sorted(repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{name}"')))
            for name in names
        }


def _engine(app: Flask) -> Engine:
    container: FixedClockContainer = app.extensions["udara"]
    return container.engine


# --- the classification is complete ------------------------------------------------------
def _methods(methods: set[str] | None) -> list[str]:
    return sorted((methods or set()) - {"HEAD", "OPTIONS"})  # Flask adds these by itself


def _url_map_routes(app: Flask) -> set[str]:
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in _methods(rule.methods)
    }


def unclassified(app: Flask) -> list[str]:
    """What is wrong with ROUTES for `app`: routes it misses, routes it names but `app` does
    not serve, parameters without values."""
    served = _url_map_routes(app)
    problems = [
        f"{route}: not in the access matrix. Add it to ROUTES in tests/web/test_access_matrix.py: "
        "a Case when it shows or acts on anything of a building (list, object, filter or "
        "create), Unbound('why') when it cannot"
        for route in sorted(served - set(ROUTES))
    ]
    problems += [
        f"{route}: in ROUTES but no longer served; remove it"
        for route in sorted(set(ROUTES) - served)
    ]
    for rule in app.url_map.iter_rules():
        entries = [ROUTES.get(f"{m} {rule.rule}") for m in _methods(rule.methods)]
        if entries and all(isinstance(entry, Unbound) for entry in entries):
            bound = sorted(set(rule.arguments) & set(PARAMS))
            if bound:
                problems.append(
                    f"{rule.rule}: Unbound in ROUTES, yet its {bound} name objects of a "
                    "building; give it a Case instead"
                )
            continue
        # A Case, or not classified yet: its parameters need values either way.
        problems += [
            f"{rule.rule}: URL parameter {name!r} has no values in the access matrix. Add it "
            "to PARAMS in tests/web/test_access_matrix.py as (inside, outside, missing): an "
            "object of building hq, one of building xq7annex, one of neither"
            for name in sorted(set(rule.arguments) - set(PARAMS))
        ]
    for route, case in _cases():
        problems += [
            f"{route}: parameter {name!r} of a case is missing from PARAMS"
            for name in sorted(_names(route, case) - set(PARAMS))
        ]
    return problems


def test_every_route_and_parameter_is_in_the_matrix(world: World) -> None:
    problems = unclassified(world.app)
    assert not problems, "\n".join(problems)


def test_a_new_route_fails_the_matrix_until_it_is_classified(world: World) -> None:
    app = create_app(world.app.extensions["udara"], TEST_CONFIG)
    app.add_url_rule("/locations/<location>", "locations", lambda location: location)
    assert unclassified(app) == [
        "GET /locations/<location>: not in the access matrix. Add it to ROUTES in "
        "tests/web/test_access_matrix.py: a Case when it shows or acts on anything of a "
        "building (list, object, filter or create), Unbound('why') when it cannot",
        "/locations/<location>: URL parameter 'location' has no values in the access matrix. "
        "Add it to PARAMS in tests/web/test_access_matrix.py as (inside, outside, missing): "
        "an object of building hq, one of building xq7annex, one of neither",
    ]


def test_the_openapi_document_and_url_map_agree(world: World) -> None:
    document = world.app.test_client().get("/api/v1/openapi.json").get_json()
    described = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
    }
    served = {
        RULE_PARAM.sub(r"{\1}", route)
        for route in _url_map_routes(world.app)
        if route.split(" ", 1)[1].startswith("/api/v1/")
    }
    served.discard("GET /api/v1/openapi.json")  # the document does not describe itself
    assert described == served, (
        f"only in OpenAPI: {sorted(described - served)}; only in url_map: "
        f"{sorted(served - described)}"
    )


def test_every_role_is_limited_to_the_inside_building(world: World) -> None:
    # The matrix means something only if the roles are scoped and the control is not.
    container = world.app.extensions["udara"]
    for role in ROLES:
        view = container.user_service.by_username(role)
        assert view is not None
        assert view.buildings == (() if role == BOSS else (INSIDE,)), role


# --- the matrix --------------------------------------------------------------------------
@pytest.mark.parametrize(("route", "case", "role"), MATRIX, ids=[_id(*m) for m in MATRIX])
def test_access(
    world: World, request: pytest.FixtureRequest, route: str, case: Case, role: str
) -> None:
    writes = case.mutates and case.allows(role)
    fresh: Callable[[], Flask] = (
        request.getfixturevalue("fresh_app") if writes else lambda: world.app
    )
    app = fresh()
    values: dict[Side, dict[str, str]] = {
        side: _values(world, route, case, side) for side in ("inside", "outside", "missing")
    }

    def run(side: Side, on: Flask = app) -> TestResponse:
        return call(world, on, route, case, role, values[side])

    where = f"{_id(route, case, role)}:"
    if not case.allows(role):
        for side in ("inside", "outside"):
            response = run(side)
            assert response.status_code == 403, f"{where} {side} → {response.status_code}"
        return
    if case.kind != "list" and role != BOSS:
        _check_outside(app, case, role, where, run, values)
    inside = run("inside")
    body = _text(inside)
    assert inside.status_code == case.expected(role), f"{where} inside → {body[:300]}"
    if role == BOSS:  # the control: what is hidden from the others exists and is reachable
        shown = body
        if case.kind != "list":
            outside = run("outside", fresh())  # on a copy the inside call has not changed
            expected = case.expected(role) if case.boss_outside is None else case.boss_outside
            assert outside.status_code == expected, f"{where} outside (control)"
            # A filter echoes the value it was given: look for the rest.
            shown = _text(outside)
            if case.kind == "filter":
                shown = _without(shown, values["outside"])
        if case.boss_sees:
            assert LEAK in shown.lower(), f"{where} the control does not see {OUTSIDE}"
        return
    leaks = _leaks(body, role, case)
    assert not leaks, f"{where} the inside answer shows {leaks}"
    if case.present and role in (case.present_for or case.roles):
        assert case.present.lower() in body.lower(), f"{where} {case.present!r} not shown"


def _check_outside(
    app: Flask,
    case: Case,
    role: str,
    where: str,
    run: Callable[[Side], TestResponse],
    values: Mapping[Side, Mapping[str, str]],
) -> None:
    """The outside value answers as a missing one does, shows nothing, changes nothing."""
    before = snapshot(_engine(app))
    outside, missing = run("outside"), run("missing")
    assert snapshot(_engine(app)) == before, f"{where} the outside call changed the database"
    status = outside.status_code
    if case.kind == "object":
        assert status == 404, f"{where} outside → {status}: {_text(outside)[:300]}"
    if case.kind == "create":
        assert status >= 400, f"{where} outside was accepted: {status}"
    assert status == missing.status_code, (
        f"{where} outside → {status}, missing → {missing.status_code}: an object of another "
        "building must answer exactly like one that does not exist"
    )
    body = _without(_text(outside), values["outside"])
    leaks = _leaks(body, role, case)
    assert not leaks, f"{where} the outside answer shows {leaks}"
    assert body == _without(_text(missing), values["missing"]), (
        f"{where} the outside and the missing answers differ"
    )
