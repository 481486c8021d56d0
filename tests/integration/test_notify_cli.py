"""`udara users contact`, `udara users prefs` and `udara notifications` (CONTRACTS.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from udara.cli import main

pytestmark = pytest.mark.integration
SECRET_URL = "tgram://123456789:AAHsecretBotToken/12345"


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """Invoke `udara ...` against a migrated database."""
    monkeypatch.setenv("UDARA_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)

    invoke("users", "create", "rina", "--role", "facility_manager", "--password-stdin",
           stdin="rahasia\n")  # fmt: skip
    return invoke


def test_contact_points_are_added_listed_masked_and_removed(run: Callable[..., Result]) -> None:
    assert run("users", "contact", "add", "rina", "Rina@Gedung.co.id").exit_code == 0
    assert run("users", "contact", "add", "rina", SECRET_URL).exit_code == 0
    listed = run("users", "contact", "list", "rina", "--json")
    assert "AAHsecretBotToken" not in listed.output
    contacts: list[dict[str, Any]] = json.loads(listed.output)
    assert [(c["channel"], c["address"][:8]) for c in contacts] == [
        ("email", "Rina@ged"), ("tgram", "tgram://"),
    ]  # fmt: skip
    assert contacts[0]["address"] == "Rina@gedung.co.id"
    refused = run("users", "contact", "add", "rina", "not an address")
    assert refused.exit_code != 0 and "e-mail address" in refused.output
    assert run("users", "contact", "add", "rina", "tgram://nonsense").exit_code != 0
    twice = run("users", "contact", "add", "rina", "other@gedung.co.id")
    assert twice.exit_code != 0 and "already has a contact point on email" in twice.output
    assert run("users", "contact", "add", "nobody", "x@y.co").exit_code != 0
    assert run("users", "contact", "remove", "rina", SECRET_URL).exit_code == 0
    assert run("users", "contact", "remove", "rina", SECRET_URL).exit_code != 0
    left = json.loads(run("users", "contact", "list", "rina", "--json").output)
    assert [c["channel"] for c in left] == ["email"]


def test_preferences_are_set_and_shown(run: Callable[..., Result]) -> None:
    out = run("users", "prefs", "rina", "--lang", "en", "--mute-warnings",
              "--quiet-hours", "22:00-06:00", "--channels", "work_order=email")  # fmt: skip
    assert json.loads(out.output) == {
        "lang": "en", "mute_warnings": True, "quiet_hours": "22:00-06:00", "timezone": None,
        "channels": {"work_order": ["email"]},
    }  # fmt: skip
    assert run("users", "prefs", "rina", "--quiet-hours", "late").exit_code != 0
    cleared = json.loads(run("users", "prefs", "rina", "--quiet-hours", "").output)
    assert cleared["quiet_hours"] is None and cleared["lang"] == "en"


def test_notifications_list_has_exactly_the_contracts_fields(run: Callable[..., Result]) -> None:
    run("users", "contact", "add", "rina", "rina@gedung.co.id")
    assert "1 test messages queued" in run("notifications", "test", "rina").output
    [delivery] = json.loads(run("notifications", "list", "--json").output)
    assert set(delivery) == {
        "id", "event", "recipient", "channel", "status", "attempts", "created_at", "sent_at",
        "subject", "alert_id", "work_order_id",
    }  # fmt: skip
    assert (delivery["event"], delivery["recipient"], delivery["channel"]) == (
        "test", "rina", "email",
    )  # fmt: skip
    assert (delivery["status"], delivery["attempts"]) == ("pending", 0)
    assert json.loads(run("notifications", "list", "--status", "sent", "--json").output) == []
