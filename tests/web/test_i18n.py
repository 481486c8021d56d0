"""Bahasa Indonesia by default, English on request (`?lang=`), remembered; local times."""

from __future__ import annotations

import random
from collections.abc import Callable

from babel.numbers import format_decimal
from flask.testing import FlaskClient

from tests.web.conftest import Seed
from web.i18n import format_number


def test_indonesian_is_the_default(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Masuk" in html and "Kata sandi" in html


def test_lang_en_switches_and_is_remembered(client: FlaskClient) -> None:
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Password" in html
    later = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in later
    back = client.get("/login?lang=id").get_data(as_text=True)
    assert '<html lang="id">' in back
    assert '<html lang="id">' in client.get("/login").get_data(as_text=True)


def test_unknown_languages_are_ignored(client: FlaskClient) -> None:
    assert '<html lang="id">' in client.get("/login?lang=fr").get_data(as_text=True)
    assert '<html lang="id">' in client.get("/login?lang=<script>").get_data(as_text=True)


def test_language_survives_signing_in_and_out(client: FlaskClient, seeded: Seed) -> None:
    client.get("/login?lang=en")
    client.post("/login", data={"username": "fm", "password": "rahasia-yang-panjang"})
    assert '<html lang="en">' in client.get("/rooms").get_data(as_text=True)
    client.post("/logout")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_pages_speak_the_chosen_language(as_user: Callable[[str], FlaskClient]) -> None:
    fm = as_user("fm")
    indonesian = fm.get("/board").get_data(as_text=True)
    assert "Papan kerja" in indonesian and "Terbuka" in indonesian and "Rutin" in indonesian
    english = fm.get("/board?lang=en").get_data(as_text=True)
    assert "Work board" in english and "Routine" in english


def test_language_links_keep_the_page_and_its_filters(
    as_user: Callable[[str], FlaskClient],
) -> None:
    html = as_user("sup").get("/board?crew=cleaning").get_data(as_text=True)
    assert "/board?crew=cleaning&amp;lang=en" in html


def test_times_are_shown_in_the_building_time_zone(as_user: Callable[[str], FlaskClient]) -> None:
    # The alert opened at 03:00 UTC: 10:00 in Jakarta (WIB).
    html = as_user("fm").get("/alerts").get_data(as_text=True)
    assert "10 Mar 2026 10.00 WIB" in html or "10 Mar 2026 10:00 WIB" in html
    english = as_user("fm").get("/alerts?lang=en").get_data(as_text=True)
    assert "10 Mar 2026 10:00" in english


PAGES = [
    "/rooms", "/alerts", "/board", "/board/today", "/board/calendar", "/my-work",
    "/work-orders/1", "/my-work/1", "/plans", "/users", "/rules", "/work-orders/new",
    "/inspections", "/inspections/new",
    "/audits", "/kpis",
]  # fmt: skip
INDONESIAN_ONLY = ("Keluar", "Tenggat", "Petugas", "Tampilkan", "Tidak ada", "Riwayat")
ENGLISH_ONLY = ("Sign out", "Assignee", "History", "No data", "Show<", "nobody")


def test_every_page_is_fully_translated_both_ways(as_user: Callable[[str], FlaskClient]) -> None:
    fm = as_user("fm")
    for page in PAGES:
        indonesian = fm.get(page).get_data(as_text=True)
        english = fm.get(f"{page}?lang=en").get_data(as_text=True)
        fm.get("/rooms?lang=id")
        for word in ENGLISH_ONLY:
            assert word not in indonesian, (page, word)
        for word in INDONESIAN_ONLY:
            assert word not in english, (page, word)


def test_numbers_are_written_exactly_as_babel_writes_them() -> None:
    rng = random.Random(1077)
    edges = [0, 0.0, -0.0, 1, -1, 0.5, 1.5, 2.5, -2.5, 0.125, 2.675, 999.95, 999.5, -0.04]
    edges += [1e-7, 0.0004, 1e6, 1234567.891, 10**20, 123456789012.345, float("inf")]
    values = edges + [rng.uniform(-5000, 50000) for _ in range(2000)]
    values += [round(rng.uniform(0, 2000), rng.randint(0, 4)) for _ in range(2000)]
    for lang in ("id", "en"):
        for digits in range(4):
            pattern = "#,##0" + ("." + "#" * digits if digits else "")
            for value in values:
                expected = format_decimal(value, format=pattern, locale=lang)
                assert format_number(value, digits, lang) == expected, (lang, digits, value)
    assert format_number(1234.56, 1, "id") == "1.234,6"
    assert format_number(1234.56, 1, "en") == "1,234.6"
