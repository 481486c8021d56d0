"""Nothing a client sends is a 500: every route gets malformed paths, queries, bodies and
headers, signed out and signed in; API errors are always JSON with an `error` code."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import Seed

PATH_VALUES = {
    "int": ["0", "1", "2147483647", "2147483648", "99999999999999999999999"],
    "default": ["hq", "lobby", "x" * 300, "%C3%BC", "..", "%00", "a%20b", "LOBBY"],
}
QUERY_VALUES = [
    "", "-1", "0", "abc", "1e309", "99999999999999999999", "true", "null", "[]",
    "2026-13-45", "0001-01-01", "9999-12-31T23:59:59Z", "2026-03-10T00:00:00", "%00",
    "<script>", "x" * 2000, "ü", "1;DROP TABLE users",
]  # fmt: skip
QUERY_KEYS = [
    "limit", "offset", "state", "open", "status", "crew", "assignee", "building", "floor",
    "room", "type", "priority", "overdue", "metric", "start", "end", "every", "month",
    "show", "page", "days", "partial", "lang", "next", "active", "bogus",
]  # fmt: skip
SEED = os.environ.get("UDARA_FUZZ_SEED", "0")
BODIES: list[tuple[str, Any]] = [
    ("json", {}),
    ("json", []),
    ("json", None),
    ("json", "text"),
    ("json", 12),
    ("json", {"status": 5, "assignee": ["x"], "notes": {"a": 1}}),
    ("json", {"title": "\x00", "type": "routine", "crew": "cleaning", "building": "hq"}),
    ("json", {"checklist": [{"index": -1}], "time_spent_minutes": 10**30}),
    ("json", {"code": "a", "times": ["99:99"], "start_date": "0000-00-00", "freq": "daily"}),
    ("raw", b"{not json"),
    ("raw", b"[" * 100_000 + b"]" * 100_000),
    ("raw", "\ufffd\ufffe".encode("utf-8", "surrogatepass")),
    ("form", {"assignee": "ghost", "status": "flying", "text": "x" * 6000, "done": "maybe"}),
    ("form", {"time_spent": "-1", "notes": "\x00", "csrf_token": "forged"}),
    ("form", {"weekdays": ["9", "x"], "month_day": "40", "times": "25:61", "start_date": "x"}),
    ("form", {"username": "a\x00b", "password": "p", "role": "god", "crew": "nope"}),
]


def _paths(app: Flask, rng: random.Random) -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            args = {}
            for name, converter in rule._converters.items():
                kind = "int" if type(converter).__name__ == "BoundedInt" else "default"
                args[name] = rng.choice(PATH_VALUES[kind])
            path = str(rule.rule)
            for name, value in args.items():
                path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
            yield method, path


def _query(rng: random.Random) -> str:
    keys = rng.sample(QUERY_KEYS, rng.randint(1, 5))
    return "&".join(f"{k}={rng.choice(QUERY_VALUES)}" for k in keys)


def _send(
    client: FlaskClient, method: str, url: str, body: tuple[str, Any], headers: dict[str, str]
) -> Any:
    kind, value = body
    if method == "GET":
        return client.open(url, method=method, headers=headers)
    if kind == "json":
        return client.open(url, method=method, data=json.dumps(value), headers={
            **headers, "Content-Type": "application/json"})  # fmt: skip
    if kind == "raw":
        return client.open(url, method=method, data=value, headers={
            **headers, "Content-Type": "application/json"})  # fmt: skip
    return client.open(url, method=method, data=value, headers=headers)


def _check(response: Any, method: str, url: str) -> None:
    where = f"{method} {url}"
    assert response.status_code < 500 or response.status_code == 503, (
        where, response.status_code, response.get_data(as_text=True)[:800],
    )  # fmt: skip
    if url.startswith("/api/") and response.status_code >= 400:
        body = response.get_json(silent=True)
        assert isinstance(body, dict) and "error" in body, (where, response.get_data()[:300])


@pytest.mark.parametrize("who", ["anonymous", "fm", "tech"])
def test_no_input_makes_a_500(
    app: Flask,
    seeded: Seed,
    as_user: Callable[[str], FlaskClient],
    token_for: Callable[[str], dict[str, str]],
    who: str,
) -> None:
    rng = random.Random(f"udara-{who}-{SEED}")
    client = app.test_client() if who == "anonymous" else as_user(who)
    api_headers = {} if who == "anonymous" else token_for(who)
    sent = 0
    for method, path in _paths(app, rng):
        headers = api_headers if path.startswith("/api/") else {}
        for _ in range(4):
            url = f"{path}?{_query(rng)}"
            body = rng.choice(BODIES)
            _check(_send(client, method, url, body, headers), method, url)
            sent += 1
    assert sent > 150


@pytest.mark.parametrize(
    "header",
    ["Bearer \x00", "Bearer " + "ü" * 50, "Bearer udr_" + "A" * 190, "x" * 8000, "Bearer  "],
)
def test_odd_authorization_headers_are_401(app: Flask, seeded: Seed, header: str) -> None:
    response = app.test_client().get("/api/v1/work-orders", headers={"Authorization": header})
    assert response.status_code == 401


def test_oversized_bodies_are_413_json(
    app: Flask, seeded: Seed, token_for: Callable[[str], dict[str, str]]
) -> None:
    big = json.dumps({"title": "x" * (2 * 1024 * 1024)})
    response = app.test_client().post(
        "/api/v1/work-orders", data=big,
        headers={**token_for("fm"), "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
