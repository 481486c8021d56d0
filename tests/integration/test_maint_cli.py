"""The maintenance commands: plans import/preview, users create, workorders list, run-once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.domain.evaluation import Evaluator
from ingest.domain.model import Reading, SensorRef
from ingest.domain.profiles import DEFAULT_PROFILE, load_profile
from udara.bootstrap import Container
from udara.cli import main
from udara.settings import Settings

EXAMPLE = Path(__file__).parents[2] / "examples" / "plans" / "office.yaml"


@pytest.fixture
def run(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Invoke `udara ...` against the test database; returns the result."""
    monkeypatch.setenv("UDARA_DATABASE_URL", migrated_database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env

    def invoke(*args: str, stdin: str | None = None):
        return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)

    return invoke


def test_the_example_strategy_imports_previews_and_generates(run) -> None:
    first = run("plans", "import", str(EXAMPLE))
    assert first.exit_code == 0, first.output
    assert "0 updated" in first.output and "plans created" in first.output
    again = run("plans", "import", str(EXAMPLE))
    assert again.output.startswith("0 plans created, 0 updated")
    preview = run("plans", "preview", "--days", "7", "--json")
    found = json.loads(preview.output)
    crews = {o["crew"] for o in found}
    assert {"cleaning", "hvac", "me"} <= crews
    lobby_rounds = [o for o in found if o["plan_code"] == "ronde-kebersihan@menara-a/lt1-lobi"]
    assert {o["local_time"][11:16] for o in lobby_rounds} == {"07:00", "12:00", "16:00"}
    report = json.loads(run("scheduler", "run-once").output)
    assert report["generated"] > 50 and report["errors"] == []
    assert report["verification"] == {"started": 0, "checked": 0, "verified": [],
                                      "not_fixed": [], "errors": 0}  # fmt: skip
    listed = json.loads(run("workorders", "list", "--status", "open", "--json").output)
    assert len(listed) == report["generated"]
    assert {"id", "type", "crew", "building", "room", "title", "priority", "status", "assignee",
            "due_at", "plan_id", "occurrence_at", "alert_id"} <= set(listed[0])  # fmt: skip


def test_a_bad_strategy_names_the_line_and_field_and_imports_nothing(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "tasks:\n"
        "  - code: lobby\n"
        "    title: Lobi\n"
        "    type: routine\n"
        "    crew: cleaning\n"
        "    areas: {building: menara-a}\n"
        "    schedule: {freq: daily}\n"
        "buildings:\n"
        "  - code: menara-a\n"
        "  - code: menara-b\n"
        "    timezone: Asia/Jakarta\n"
        "tasks2: 1\n",
        encoding="utf-8",
    )
    result = run("plans", "import", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:12: tasks2: Extra inputs are not permitted" in result.output
    bad.write_text(
        bad.read_text().replace("tasks2: 1\n", "").replace("freq: daily", "freq: hourly")
    )
    result = run("plans", "import", str(bad))
    assert f"{bad}:7: tasks[0].schedule.freq: Input should be" in result.output
    bad.write_text(
        bad.read_text()
        .replace("freq: hourly", "freq: daily")
        .replace("crew: cleaning", "crew: satpam")
    )
    result = run("plans", "import", str(bad))
    assert f"{bad}:5: tasks[0].crew: no crew 'satpam'" in result.output
    # The buildings before the bad task were valid, yet nothing of the file was kept.
    assert json.loads(run("plans", "preview", "--json").output) == []
    assert "menara-b" not in run("workorders", "list").output


def test_users_create_reads_the_password_from_stdin(run) -> None:
    result = run("users", "create", "siti", "--role", "technician", "--crew", "cleaning",
                 "--password-stdin", stdin="kata-sandi\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["crews"] == ["cleaning"]
    duplicate = run("users", "create", "siti", "--role", "viewer", "--password-stdin", stdin="x\n")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    prompted = run("users", "create", "rina", "--role", "facility_manager", stdin="a\na\n")
    assert prompted.exit_code == 0


def test_workorders_list_rejects_an_unknown_status(run) -> None:
    result = run("workorders", "list", "--status", "finished", "--json")
    assert result.exit_code == 2 and "status must be one of" in result.output


def test_users_are_limited_to_buildings_and_opened_up_again(run) -> None:
    assert run("plans", "import", str(EXAMPLE)).exit_code == 0  # creates building menara-a
    made = run("users", "create", "budi", "--role", "facility_manager", "--building",
               "menara-a", "--password-stdin", stdin="kata-sandi\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["buildings"] == ["menara-a"]
    unknown = run("users", "create", "ani", "--role", "viewer", "--building", "menara-z",
                  "--password-stdin", stdin="x\n")  # fmt: skip
    assert unknown.exit_code == 1 and "no building 'menara-z'" in unknown.output
    opened = run("users", "update", "budi", "--all-buildings")
    assert opened.exit_code == 0 and json.loads(opened.output)["buildings"] == []
    limited = run("users", "update", "budi", "--building", "menara-a", "--inactive")
    assert json.loads(limited.output)["buildings"] == ["menara-a"]
    assert json.loads(limited.output)["active"] is False
    both = run("users", "update", "budi", "--building", "menara-a", "--all-buildings")
    assert both.exit_code == 2


def test_alerts_list_speaks_indonesian_unless_udara_lang_is_en(
    run, migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No InfluxDB listens on port 9: the alert's event copy is dropped, the alert stays.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=migrated_database_url,
        influx_url="http://127.0.0.1:9",
    )
    container = Container(settings)
    container.location_service.save_room("hq", "r201", name="Ruang Rapat 201")
    at = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    reading = Reading(SensorRef("hq", "r201", "s1"), at, {"temperature": 31.5})
    container.alert_service.apply(Evaluator(load_profile(DEFAULT_PROFILE)).observe(reading))
    container.close()

    indonesian = run("alerts", "list")
    assert indonesian.exit_code == 0, indonesian.output
    assert "hq/r201 (Ruang Rapat 201) temperature: Rata-rata Suhu 10 menit terakhir 31,5 °C" in (
        indonesian.output
    )
    monkeypatch.setenv("UDARA_LANG", "en")
    english = run("alerts", "list", "--json")
    [alert] = json.loads(english.output)
    assert alert["message"].startswith("Temperature 10 min mean 31.5 °C is above 30 °C")
    assert (alert["room_name"], alert["message_code"]) == ("Ruang Rapat 201", "range_warning_above")
