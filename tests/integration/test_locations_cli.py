"""`udara buildings`, `udara floors` and `udara rooms`, through the real `udara` entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from udara.cli import main

Run = Callable[..., Result]


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    """Invoke `udara ...` against a migrated SQLite database."""
    monkeypatch.setenv("UDARA_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UDARA_TIMEZONE", "Asia/Jakarta")
    monkeypatch.chdir(tmp_path)  # no stray .env

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def ok(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_buildings_are_added_with_hours_and_listed_as_json(run: Run) -> None:
    made = ok(
        run(
            "buildings", "add", "menara-a", "--name", "Menara A", "--timezone", "Asia/Makassar",
            "--hours", "mon-fri 07:00-19:00,sat 08:00-13:00",
        )
    )  # fmt: skip
    assert made == {
        "code": "menara-a",
        "name": "Menara A",
        "timezone": "Asia/Makassar",
        "hours": "mon-fri 07:00-19:00,sat 08:00-13:00",
        "hours_by_day": {
            **{d: [["07:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "sat": [["08:00", "13:00"]],
        },
        "floors": 0,
        "rooms": 0,
    }
    ok(run("buildings", "add", "gudang"))
    listed = ok(run("buildings", "list", "--json"))
    assert [b["code"] for b in listed] == ["gudang", "menara-a"]
    assert listed[0]["timezone"] == "Asia/Jakarta" and listed[0]["hours"] == ""
    assert listed[1] == made
    table = run("buildings", "list")
    assert "menara-a" in table.output and "mon-fri 07:00-19:00" in table.output


def test_buildings_update_changes_hours_and_clears_them(run: Run) -> None:
    ok(run("buildings", "add", "hq"))
    changed = ok(run("buildings", "update", "hq", "--hours", "daily 06:00-22:00", "--name", "HQ"))
    assert (changed["name"], changed["hours"]) == ("HQ", "mon-sun 06:00-22:00")
    assert ok(run("buildings", "update", "hq", "--hours", ""))["hours"] == ""


def test_mistakes_exit_with_one_clear_line(run: Run) -> None:
    bad_hours = run("buildings", "add", "hq", "--hours", "mon-fri 19:00-07:00")
    assert bad_hours.exit_code == 2 and "split a night at midnight" in bad_hours.output
    ok(run("buildings", "add", "hq"))
    again = run("buildings", "add", "hq")
    assert again.exit_code == 1 and "building 'hq' already exists" in again.output
    zone = run("buildings", "add", "b2", "--timezone", "Mars/Olympus")
    assert zone.exit_code == 1 and "unknown time zone" in zone.output
    missing = run("rooms", "add", "nowhere", "r1")
    assert missing.exit_code == 1 and "no building 'nowhere'" in missing.output
    kind = run("rooms", "add", "hq", "r1", "--kind", "ballroom")
    assert kind.exit_code == 2
    assert "Traceback" not in bad_hours.output + again.output + missing.output


def test_floors_and_rooms_are_added_updated_and_listed(run: Run) -> None:
    ok(run("buildings", "add", "hq"))
    floor = ok(run("floors", "add", "hq", "lt2", "--name", "Lantai 2", "--level", "2"))
    assert floor == {"building": "hq", "code": "lt2", "name": "Lantai 2", "level": 2, "rooms": 0}
    room = ok(
        run(
            "rooms", "add", "hq", "lt2-rapat", "--floor", "lt2", "--name", "Ruang Rapat",
            "--kind", "meeting_room", "--traffic", "high",
        )
    )  # fmt: skip
    assert room == {
        "building": "hq", "floor": "lt2", "code": "lt2-rapat", "name": "Ruang Rapat",
        "kind": "meeting_room", "traffic": "high", "aliases": [],
    }  # fmt: skip
    guessed = ok(run("rooms", "add", "hq", "toilet-pria"))
    assert (guessed["kind"], guessed["traffic"], guessed["floor"]) == ("toilet", "high", "default")
    renamed = ok(run("rooms", "update", "hq", "lt2-rapat", "--name", "Ruang Rapat Besar"))
    assert renamed["name"] == "Ruang Rapat Besar" and renamed["traffic"] == "high"
    assert [r["code"] for r in ok(run("rooms", "list", "hq", "--json"))] == [
        "lt2-rapat",
        "toilet-pria",
    ]
    assert [f["code"] for f in ok(run("floors", "list", "hq", "--json"))] == ["lt2", "default"]


def test_rooms_merge_leaves_an_alias_that_discovery_respects(run: Run) -> None:
    ok(run("buildings", "add", "hq"))
    ok(run("rooms", "add", "hq", "lobi"))
    ok(run("rooms", "add", "hq", "lobbi"))
    merged = ok(run("rooms", "merge", "hq", "lobbi", "lobi"))
    assert (merged["code"], merged["aliases"]) == ("lobi", ["lobbi"])
    assert [r["code"] for r in ok(run("rooms", "list", "--json"))] == ["lobi"]
    again = run("rooms", "add", "hq", "lobbi")
    assert again.exit_code == 1 and "was merged into room lobi" in again.output
    assert "(was lobbi)" in run("rooms", "list").output
