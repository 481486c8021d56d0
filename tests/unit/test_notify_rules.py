"""The pure notification rules: who hears what, quiet hours, operating hours, texts, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintenance.domain.hours import parse_hours
from notifications.domain.channels import classify
from notifications.domain.model import Contact, Event, Person, Prefs
from notifications.domain.routing import RetryPolicy, parse_routing, plan
from notifications.domain.texts import fold, render
from notifications.domain.timing import open_time, parse_quiet_hours, quiet_until
from udara.scope import Scope

JAKARTA = "Asia/Jakarta"
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 in Jakarta
MAIL = Contact("email", "a@b.co")
HOOK = Contact("json", "json://h/x")


def event(**kw: object) -> Event:
    values: dict[str, object] = {"key": "alert:1:opened", "name": "alert_opened",
                                 "building": "menara-a", "at": NOW, "urgent": True,
                                 "severity": "critical"}  # fmt: skip
    values.update(kw)
    return Event(**values)  # type: ignore[arg-type]


def person(name: str = "rina", **kw: object) -> Person:
    values: dict[str, object] = {"username": name, "role": "facility_manager",
                                 "contacts": (MAIL, HOOK)}  # fmt: skip
    values.update(kw)
    return Person(**values)  # type: ignore[arg-type]


def test_each_person_gets_one_delivery_per_contact_point_and_never_twice() -> None:
    planned = plan(event(), [person(), person()], NOW, JAKARTA)
    assert [(p.recipient, p.contact.channel, p.status) for p in planned] == [
        ("rina", "email", "pending"), ("rina", "json", "pending"),
    ]  # fmt: skip


def test_people_of_other_buildings_inactive_people_and_the_actor_hear_nothing() -> None:
    people = [
        person("a", scope=Scope.of(["menara-b"])),
        person("b", active=False),
        person("c", scope=Scope.of(["menara-a", "menara-b"])),
        person("d"),
    ]
    planned = plan(event(actor="d"), people, NOW, JAKARTA)
    assert {p.recipient for p in planned} == {"c"}


def test_muted_warnings_are_suppressed_and_channel_choices_are_kept() -> None:
    muted = person(prefs=Prefs(mute_warnings=True, channels={"alert": ("json",)}))
    planned = plan(event(severity="warning", urgent=False), [muted], NOW, JAKARTA)
    assert [(p.contact.channel, p.status, p.reason) for p in planned] == [
        ("json", "suppressed", "muted")
    ]
    assert plan(event(), [muted], NOW, JAKARTA)[0].status == "pending"  # criticals are not muted


def test_quiet_hours_hold_what_is_not_urgent_until_they_end() -> None:
    night = NOW.replace(hour=16)  # 23:00 in Jakarta
    sleepy = person(prefs=Prefs(quiet_hours=(22 * 60, 6 * 60)))
    [held, _] = plan(event(urgent=False, at=night), [sleepy], night, JAKARTA)
    assert held.not_before == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 06:00 Tuesday, WIB
    assert held.reason == "quiet"
    [urgent, _] = plan(event(at=night), [sleepy], night, JAKARTA)
    assert urgent.not_before == night


@pytest.mark.parametrize(
    ("local", "until"),
    [("21:59", None), ("22:00", "06:00+1"), ("03:10", "06:00"), ("06:00", None)],
)
def test_quiet_periods_run_over_midnight(local: str, until: str | None) -> None:
    h, m = (int(x) for x in local.split(":"))
    at = datetime(2026, 3, 2, h, m, tzinfo=UTC) - timedelta(hours=7)
    found = quiet_until(at, parse_quiet_hours("22:00-06:00"), JAKARTA)
    if until is None:
        assert found is None
    else:
        day = 3 if until.endswith("+1") else 2
        assert found == datetime(2026, 3, day, 6, 0, tzinfo=UTC) - timedelta(hours=7)


def test_open_time_counts_only_the_buildings_hours() -> None:
    hours = parse_hours("mon-fri 07:00-19:00")
    start = datetime(2026, 3, 2, 18, 45) - timedelta(hours=7)  # Mon 18:45 local, as UTC
    start = start.replace(tzinfo=UTC)
    assert open_time(hours, JAKARTA, start, start + timedelta(hours=12, minutes=30)) == timedelta(
        minutes=30
    )  # 15 min Monday evening, 15 min Tuesday from 07:00
    friday = start + timedelta(days=4)
    assert open_time(hours, JAKARTA, friday, friday + timedelta(days=2)) == timedelta(minutes=15)
    assert open_time(parse_hours(""), JAKARTA, start, start + timedelta(hours=1)) == timedelta(
        hours=1
    )


def test_routing_data_is_checked() -> None:
    with pytest.raises(ValueError, match="unknown audience"):
        parse_routing({"alerts": {"critical": {"notify": ["everyone"]}}})
    with pytest.raises(ValueError, match="no on-call list"):
        parse_routing({"alerts": {"critical": {"notify": ["on_call:night"]}}})
    routing = parse_routing({"work_orders": {"escalated": {1: ["crew_supervisors"]}}})
    assert routing.for_work_order("escalated", 1) == ("crew_supervisors",)
    assert routing.for_work_order("escalated", 2) == ()
    # Reporters hear of every status unless the file says otherwise; nothing else is accepted.
    assert routing.reporter_updates == {"in_work_order", "done", "rejected"}
    assert parse_routing({"requests": {"reporter_updates": []}}).reporter_updates == set()
    with pytest.raises(ValueError, match="requests.reporter_updates"):
        parse_routing({"requests": {"reporter_updates": ["assigned"]}})
    with pytest.raises(ValueError, match="requests.reporter_updates"):
        parse_routing({"requests": {"reporter_updates": "done"}})


def test_retries_back_off_and_stop_after_the_last_attempt() -> None:
    policy = RetryPolicy(3, (timedelta(seconds=30), timedelta(seconds=60)))
    assert [policy.next_try(n) for n in (1, 2, 3)] == [
        timedelta(seconds=30), timedelta(seconds=60), None,
    ]  # fmt: skip


def test_texts_are_short_worded_per_language_and_fold_into_one() -> None:
    one = render("id", "work_order_done", id=7, title="Ganti filter", actor="agus", at="x",
                 link="https://u/work-orders/7")  # fmt: skip
    assert one.subject == "[Udara] WO #7 selesai: Ganti filter"
    other = render("en", "test", user="rina", link="https://u/")
    folded = fold("id", [one, other])
    assert folded.subject == "[Udara] 2 pemberitahuan"
    assert (
        "• WO #7 selesai: Ganti filter" in folded.body and "https://u/work-orders/7" in folded.body
    )
    assert render("xx", "test", user="r", link="l").subject == "[Udara] Pesan uji"


@pytest.mark.parametrize(
    ("address", "channel", "stored"),
    [
        ("Rina@Gedung.CO.ID", "email", "Rina@gedung.co.id"),
        ("mailto:rina@gedung.co.id", "email", "rina@gedung.co.id"),
        ("tgram://1:abc/2", "tgram", "tgram://1:abc/2"),
        ("JSON://host/hook", "json", "JSON://host/hook"),
    ],
)
def test_addresses_are_email_or_an_apprise_scheme(address: str, channel: str, stored: str) -> None:
    assert classify(address) == Contact(channel, stored)


@pytest.mark.parametrize("address", ["rina", "email://x", "http//x", ""])
def test_other_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError):
        classify(address)
