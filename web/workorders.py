"""Shared helpers of the work-order pages: refusals as flashed messages, safe redirects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, flash

from maintenance.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
)
from maintenance.domain.transitions import may_manage, may_tick, may_work_on
from maintenance.views import WorkOrderView
from web import deps
from web.i18n import lazy
from web.refusals import refusal
from web.security import WebUser

T = TypeVar("T")


def attempt(action: Callable[[], T]) -> T | None:
    """Run a service call; a refusal becomes a flashed message, a missing order a 404."""
    try:
        return action()
    except NotFound:
        abort(404)
    except NotAllowed as exc:
        flash(lazy("Not allowed: %(detail)s", detail=refusal(exc)), "error")
    except (InvalidTransition, Conflict) as exc:
        flash(lazy("Not possible now: %(detail)s", detail=refusal(exc)), "error")
    except InvalidInput as exc:
        flash(lazy("Please check the input: %(detail)s", detail=refusal(exc)), "error")
    return None


def safe_path(target: str | None, default: str) -> str:
    """A same-site path to go back to, or `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def manages(user: WebUser, wo: WorkOrderView) -> bool:
    """Whether the signed-in user manages this order's crew (the domain's rule)."""
    return may_manage(user.actor, wo.facts())


def works_on(user: WebUser, wo: WorkOrderView) -> bool:
    """Whether the signed-in user works this order (the domain's rule)."""
    return may_work_on(user.actor, wo.facts())


def ticks(user: WebUser, wo: WorkOrderView) -> bool:
    """Whether the signed-in user may tick its checklist (the domain's rule)."""
    return may_tick(user.actor, wo.facts())


def describe(values: dict[str, Any]) -> dict[str, Any]:
    """Drop empty filter values (for links that keep the current filters)."""
    return {k: v for k, v in values.items() if v not in (None, "", False)}


@dataclass(frozen=True)
class WorkOrderPhotos:
    """How many photos a work order has: from its requests or inspection, and the crew's
    after-photos."""

    reported: int = 0
    after: int = 0


def wo_photos(wo_id: int) -> WorkOrderPhotos:
    """The photos of a work order the caller has already shown its reader may see."""
    c = deps.container()  # reports' and inspections' photos; the crew's after-photos
    return WorkOrderPhotos(
        len(c.work_order_photos(wo_id)), len(c.occupant_requests.after_photos(wo_id))
    )
