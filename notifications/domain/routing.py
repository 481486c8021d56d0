"""Who hears what, as data (`notifications/routing.yaml`), and the pure decision per person.

An audience is a name the directory turns into people for one event:
- `facility_managers`: facility managers who reach the event's building (unlimited ones too);
- `supervisors`: cleaning supervisors and every crew's supervisors (the daily digest);
- `crew_supervisors`: supervisors of the crews an alert's rules route to, or of the work
  order's crew;
- `assignee`, `creator`: of the work order;
- `told`: everyone an alert's opening or escalation was addressed to (for its resolution);
- `on_call:NAME`: the usernames listed under `on_call: {NAME: [...]}`.

Whoever an audience names, `plan` drops people who do not reach the event's building: a
user limited to building A never hears about building B, whatever the data says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from notifications.domain.model import Event, Person, Planned
from notifications.domain.timing import quiet_until

AUDIENCES: Final = frozenset(
    {"facility_managers", "crew_supervisors", "supervisors", "assignee", "creator", "told"}
)
# A report's statuses its reporter may hear of: taken into a work order, done, rejected.
REPORTER_LIST: Final = ["in_work_order", "done", "rejected"]
REPORTER_STATUSES: Final = frozenset(REPORTER_LIST)
ON_CALL: Final = "on_call:"


@dataclass(frozen=True)
class RetryPolicy:
    """How often a channel is tried, and how long to wait after each failed attempt."""

    attempts: int = 6
    backoff: tuple[timedelta, ...] = tuple(timedelta(seconds=s) for s in (30, 60, 300, 900, 3600))

    def next_try(self, attempts_made: int) -> timedelta | None:
        """The wait before the next attempt, or None when `attempts_made` was the last."""
        if attempts_made >= self.attempts:
            return None
        return self.backoff[min(attempts_made, len(self.backoff)) - 1]


@dataclass(frozen=True)
class EscalationStep:
    """Unacknowledged critical alerts reach level `level` after `after`, told to `notify`."""

    level: int
    after: timedelta
    notify: tuple[str, ...]


@dataclass(frozen=True)
class Routing:
    """The routing rules and delivery settings, parsed and checked."""

    critical: tuple[str, ...] = ("facility_managers", "crew_supervisors")
    warning: tuple[str, ...] = ("facility_managers", "crew_supervisors")
    warning_after: timedelta = timedelta(minutes=30)
    warning_within_hours: bool = True
    escalation: tuple[EscalationStep, ...] = ()
    resolved: tuple[str, ...] = ("told",)
    work_orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    work_order_escalation: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    on_call: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # What an occupant who left an e-mail address hears of their report.
    reporter_updates: frozenset[str] = REPORTER_STATUSES
    fold_window: timedelta = timedelta(minutes=2)
    gather: timedelta = timedelta(seconds=10)
    lease: timedelta = timedelta(minutes=5)
    retry: Mapping[str, RetryPolicy] = field(default_factory=dict)

    def retry_for(self, channel: str) -> RetryPolicy:
        """The retry policy of `channel` (the `default` one when it has none of its own)."""
        return self.retry.get(channel) or self.retry.get("default") or RetryPolicy()

    def for_work_order(self, event: str, level: int | None = None) -> tuple[str, ...]:
        """The audiences of a work-order event (`assigned`, `done`, `not_fixed`, or
        `escalated` at `level`)."""
        if event == "escalated":
            return self.work_order_escalation.get(level or 0, ())
        return self.work_orders.get(event, ())


def _audiences(value: Any, where: str, on_call: Mapping[str, Any]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: a list of audiences")
    for name in value:
        if name.startswith(ON_CALL):
            if name[len(ON_CALL) :] not in on_call:
                raise ValueError(f"{where}: no on-call list {name[len(ON_CALL) :]!r}")
        elif name not in AUDIENCES:
            raise ValueError(f"{where}: unknown audience {name!r}")
    return tuple(value)


def _minutes(value: Any, where: str) -> timedelta:
    if not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{where}: a number of minutes")
    return timedelta(minutes=value)


def _seconds(data: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, int | float) or value < 0:
        raise ValueError(f"delivery.{key}: a number of seconds")
    return timedelta(seconds=value)


def _retry(data: Mapping[str, Any]) -> dict[str, RetryPolicy]:
    policies = {}
    for channel, spec in data.items():
        attempts, backoff = spec.get("attempts"), spec.get("backoff_seconds")
        if not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"delivery.retry.{channel}.attempts: a positive whole number")
        if not isinstance(backoff, list) or not backoff:
            raise ValueError(f"delivery.retry.{channel}.backoff_seconds: a list of seconds")
        policies[str(channel)] = RetryPolicy(attempts, tuple(timedelta(seconds=s) for s in backoff))
    return policies


def _reporter_updates(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not set(value) <= REPORTER_STATUSES:
        raise ValueError(
            "requests.reporter_updates: a list of " + ", ".join(REPORTER_LIST) + " (or [])"
        )
    return frozenset(value)


def parse_routing(data: Mapping[str, Any]) -> Routing:
    """Routing rules from the YAML's data; ValueError names what is wrong."""
    on_call = {str(k): tuple(v or ()) for k, v in (data.get("on_call") or {}).items()}
    alerts = data.get("alerts") or {}
    critical, warning = alerts.get("critical") or {}, alerts.get("warning") or {}
    steps = tuple(
        EscalationStep(
            int(step["level"]),
            _minutes(step["after_minutes"], f"alerts.escalation[{i}].after_minutes"),
            _audiences(step["notify"], f"alerts.escalation[{i}].notify", on_call),
        )
        for i, step in enumerate(alerts.get("escalation") or [])
    )
    if [s.after for s in steps] != sorted(s.after for s in steps):
        raise ValueError("alerts.escalation: levels in the order they are reached")
    orders = data.get("work_orders") or {}
    delivery = data.get("delivery") or {}
    requests = data.get("requests") or {}
    return Routing(
        critical=_audiences(critical.get("notify", []), "alerts.critical.notify", on_call),
        warning=_audiences(warning.get("notify", []), "alerts.warning.notify", on_call),
        warning_after=_minutes(warning.get("after_minutes", 30), "alerts.warning.after_minutes"),
        warning_within_hours=bool(warning.get("within_operating_hours", True)),
        escalation=steps,
        resolved=_audiences(
            (alerts.get("resolved") or {}).get("notify", []), "alerts.resolved.notify", on_call
        ),
        work_orders={
            name: _audiences(orders.get(name, []), f"work_orders.{name}", on_call)
            for name in ("assigned", "done", "not_fixed")
        },
        work_order_escalation={
            int(level): _audiences(who, f"work_orders.escalated.{level}", on_call)
            for level, who in (orders.get("escalated") or {}).items()
        },
        on_call=on_call,
        reporter_updates=_reporter_updates(requests.get("reporter_updates", REPORTER_LIST)),
        fold_window=_seconds(delivery, "fold_window_seconds", timedelta(minutes=2)),
        gather=_seconds(delivery, "gather_seconds", timedelta(seconds=10)),
        lease=_seconds(delivery, "lease_seconds", timedelta(minutes=5)),
        retry=_retry(delivery.get("retry") or {}),
    )


def plan(event: Event, people: Iterable[Person], now: datetime, default_tz: str) -> list[Planned]:
    """The deliveries `event` makes for `people`: one per person and contact point they want
    for its kind; suppressed for muted warnings; non-urgent ones held through quiet hours.

    People who are inactive, who do not reach the event's building, or who caused the event
    get nothing.
    """
    planned: list[Planned] = []
    seen: set[str] = set()
    for person in people:
        if person.username in seen or not person.active or person.username == event.actor:
            continue
        seen.add(person.username)
        if event.building is not None and not person.scope.allows(event.building):
            continue
        prefs = person.prefs
        muted = prefs.mute_warnings and event.kind == "alert" and event.severity == "warning"
        release = None
        if not event.urgent and prefs.quiet_hours is not None:
            release = quiet_until(now, prefs.quiet_hours, prefs.timezone or default_tz)
        for contact in person.contacts:
            if not prefs.wants(event.kind, contact.channel):
                continue
            if muted:
                planned.append(
                    Planned(person.username, prefs.lang, contact, "suppressed", now, "muted")
                )
            elif release is not None:
                planned.append(
                    Planned(person.username, prefs.lang, contact, "pending", release, "quiet")
                )
            else:
                planned.append(Planned(person.username, prefs.lang, contact, "pending", now))
    return planned
