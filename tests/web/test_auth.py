"""Sign-in with hashed passwords, sessions, CSRF, rate limits and the production secret."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD, FixedClockContainer, Seed, login, make_settings
from udara.settings import DEVELOPMENT_SECRET
from web import create_app


def test_login_form_has_the_contract_field_names(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html


@pytest.mark.parametrize(
    ("username", "home"),
    [("fm", "/rooms"), ("sup", "/board"), ("tech", "/my-work"), ("viewer", "/rooms")],
)
def test_each_role_lands_on_its_own_view(
    client: FlaskClient, seeded: Seed, username: str, home: str
) -> None:
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get("/").headers["Location"] == home


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: FlaskClient, seeded: Seed
) -> None:
    for username in ("fm", "nobody"):
        response = client.post("/login", data={"username": username, "password": "salah"})
        assert response.status_code == 401
        assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/rooms").status_code == 302


def test_passwords_are_stored_hashed(container: FixedClockContainer, seeded: Seed) -> None:
    from sqlalchemy import select

    from maintenance.adapters.orm import User

    with container.session_factory() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "fm"))
    assert stored and PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_signed_out_visitors_are_sent_to_sign_in_and_back(
    client: FlaskClient, seeded: Seed
) -> None:
    response = client.get("/alerts")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    back = client.post(
        "/login?next=/alerts", data={"username": "fm", "password": PASSWORD}
    ).headers["Location"]
    assert back == "/alerts"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(client: FlaskClient, seeded: Seed, target: str) -> None:
    response = client.post(
        "/login", query_string={"next": target}, data={"username": "fm", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/rooms"


def test_logout_needs_post_and_ends_the_session(as_user: Callable[[str], FlaskClient]) -> None:
    fm = as_user("fm")
    assert fm.get("/logout").status_code == 405
    assert fm.post("/logout").status_code == 302
    assert fm.get("/rooms").status_code == 302


def test_a_deactivated_user_is_signed_out_on_the_next_request(
    container: FixedClockContainer, as_user: Callable[[str], FlaskClient]
) -> None:
    fm = as_user("fm")
    assert fm.get("/rooms").status_code == 200
    container.user_service.set_active("fm", False)
    assert fm.get("/rooms").status_code == 302
    response = fm.post("/login", data={"username": "fm", "password": PASSWORD})
    assert response.status_code == 401


def test_session_cookie_is_http_only(client: FlaskClient, seeded: Seed) -> None:
    response = client.post("/login", data={"username": "fm", "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match[1]


def test_every_form_needs_its_csrf_token(
    flask_app_factory: Callable[..., Flask], seeded: Seed
) -> None:
    client = flask_app_factory(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"username": "fm", "password": PASSWORD})
    assert response.status_code == 400
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": "fm", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    action = f"/alerts/{seeded.alert_id}/acknowledge"
    assert client.post(action).status_code == 400
    assert client.post("/logout").status_code == 400
    page_token = _csrf_token(client.get("/alerts").get_data(as_text=True))
    assert client.post(action, data={"csrf_token": page_token}).status_code == 302


def test_failed_sign_ins_are_rate_limited_per_address(
    flask_app_factory: Callable[..., Flask], seeded: Seed
) -> None:
    client = flask_app_factory(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"
    ).test_client()
    for _ in range(3):
        assert client.post("/login", data={"username": "fm", "password": "x"}).status_code == 401
    blocked = client.post("/login", data={"username": "fm", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # the form itself stays reachable


def test_failed_sign_ins_are_rate_limited_per_username_across_addresses(
    flask_app_factory: Callable[..., Flask], seeded: Seed
) -> None:
    client = flask_app_factory(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"
    ).test_client()
    for n in range(3):
        env = {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
        client.post("/login", data={"username": "sup", "password": "x"}, environ_base=env)
    other = {"REMOTE_ADDR": "10.0.0.99"}
    response = client.post(
        "/login", data={"username": "sup", "password": PASSWORD}, environ_base=other
    )
    assert response.status_code == 429
    response = client.post(
        "/login", data={"username": "fm", "password": PASSWORD}, environ_base=other
    )
    assert response.status_code == 302


def test_successful_sign_ins_do_not_use_up_the_allowance(
    flask_app_factory: Callable[..., Flask], seeded: Seed
) -> None:
    client = flask_app_factory(
        RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"
    ).test_client()
    for _ in range(5):
        login(client, "fm")


def test_production_refuses_the_development_secret(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, env="production", secret_key=DEVELOPMENT_SECRET)
    with pytest.raises(RuntimeError, match="UDARA_SECRET_KEY"):
        create_app(FixedClockContainer(settings, seeded_now()))
    with pytest.raises(RuntimeError):
        create_app(settings_overrides={"env": "production", "secret_key": DEVELOPMENT_SECRET})


def test_production_with_a_real_secret_starts_with_secure_cookies(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(1))  # not this test process
    settings = make_settings(sqlite_url, env="production", secret_key="x" * 48)
    app = create_app(FixedClockContainer(settings, seeded_now()))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.secret_key == "x" * 48
    assert frozen == [1]  # start-up objects left out of full garbage collections
    create_app(FixedClockContainer(make_settings(sqlite_url), seeded_now()))
    assert frozen == [1]  # only in production


def seeded_now():  # noqa: ANN201 - tiny helper
    from tests.web.conftest import NOW

    return NOW
