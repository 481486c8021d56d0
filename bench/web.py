"""Web timings: the room grid for 500 rooms and a 30-day chart, served as production serves them.

What is measured, and why: a facility manager's two heaviest screens are the room grid (every
room of a site with its latest value per metric, re-fetched as a fragment every 15 s while the
page is open) and a room's 30-day chart (one reading a minute, downsampled to 2-hour means by
InfluxDB). Both must stay quick at the size of a large office tower, so this module builds one:

* one building, 20 floors x 25 rooms = 500 rooms, a facility manager and an API token;
* readings of the last 10 minutes for every room (a few out of limits, a few silent sensors,
  a handful of open critical alerts, so the grid shows every status), and 30 days of
  one-a-minute readings (43,200 points of four metrics) for one room;
* the app under gunicorn with 2 sync workers and UDARA_ENV=production, as `docker-compose.yml`
  runs it, against a real InfluxDB 1.x and a migrated SQLite file;
* a signed-in browser session (CSRF-checked sign-in form) for the pages and a Bearer token for
  the API, each route requested sequentially after warm-up, p50 and p95 reported in ms.

Every timed response is checked: status 200, and the body really holds the 500 rooms or the
chart's buckets (a fast error page must never pass for a fast page).

`web_timings(work, influx_url)` is what `bench/run.py` calls; `python -m bench.web` runs it
standalone with its own InfluxDB in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3

from ingest.adapters.influx import InfluxClient
from ingest.domain.alerts import AlertChange, AlertKey
from udara.bootstrap import Container
from udara.db import upgrade_database
from udara.devservers import free_port, start_influxdb, wait_until
from udara.settings import Settings

BUILDING = "menara-bench"
FLOORS = 20
ROOMS_PER_FLOOR = 25
ROOM_COUNT = FLOORS * ROOMS_PER_FLOOR
CHART_ROOM = "lt07-r12"  # the room with 30 days of readings
INFLUX_DB = "bench_web"
USERNAME = "bench-fm"
RECENT_MINUTES = 10
MONTH = timedelta(days=30)
WRITE_BATCH = 5_000
WORKERS = 2  # the benchmark machine has 2 cores
WARMUP = 2
# What room.js (RANGES) asks for: the range back from now, and `every` (the bucket).
CHART_RANGES = {"30d": (MONTH, "2h"), "24h": (timedelta(days=1), "5m")}


# --- the site ---
def bench_settings(database_url: str, influx_url: str) -> Settings:
    """Settings of the seeding container (ignores any local `.env`)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "influx_url": influx_url,
        "influx_db": INFLUX_DB,
        "mqtt_url": "mqtt://127.0.0.1:9",  # the web app never publishes; nothing listens
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def room_codes() -> list[str]:
    """The 500 room codes, floor by floor: `lt01-r01` … `lt20-r25`."""
    return [
        f"lt{floor:02d}-r{room:02d}"
        for floor in range(1, FLOORS + 1)
        for room in range(1, ROOMS_PER_FLOOR + 1)
    ]


def seed_rooms(container: Container) -> list[str]:
    """One building, 20 floors of 25 rooms, through the location service; returns the codes."""
    locations = container.location_service
    locations.save_building(BUILDING, "Menara Bench", "Asia/Jakarta")
    codes = room_codes()
    for code in codes:
        floor = code.split("-")[0]
        locations.save_room(BUILDING, code, floor=floor, name=f"Ruang {code.upper()}")
    return codes


def seed_user(container: Container, password: str, now: datetime) -> str:
    """A facility manager (reads every IAQ page and the API); returns an API token."""
    container.user_service.create(
        USERNAME, "facility_manager", now, display_name="Bench FM", password=password
    )
    token: str = container.token_service.create(USERNAME, now, name="bench-web")
    return token


def open_alerts(container: Container, codes: list[str], now: datetime) -> int:
    """A handful of open critical PM2.5 alerts (every 50th room); returns how many."""
    changes = [
        AlertChange(
            "open",
            AlertKey(BUILDING, code, "pm25", "critical"),
            now - timedelta(minutes=5),
            value=82.0,
            limit="≤ 35 µg/m³ (24 h)",
            message="pm25 short-window mean 82 µg/m³",
        )
        for code in codes[7::50]
    ]
    return len(container.alert_service.apply(changes))


# --- readings ---
def line(room: str, values: dict[str, float], at: datetime) -> str:
    """One line-protocol line, as ingest writes it (measurement iaq, ms precision)."""
    fields = ",".join(f"{metric}={value:.2f}" for metric, value in values.items())
    return (
        f"iaq,building={BUILDING},room={room},sensor=s-{room} {fields} {int(at.timestamp() * 1000)}"
    )


def recent_values(index: int, rng: random.Random) -> dict[str, float]:
    """The latest air of room `index`: in limits, except every 10th (CO2) and 17th (humidity)."""
    values = {
        "co2": rng.uniform(480, 900),
        "temperature": rng.uniform(22.5, 26.0),
        "humidity": rng.uniform(48, 58),
        "pm25": rng.uniform(6, 25),
    }
    if index % 10 == 3:
        values["co2"] = rng.uniform(1100, 1400)
    if index % 17 == 5:
        values["humidity"] = rng.uniform(63, 70)
    return values


def recent_lines(codes: list[str], now: datetime, rng: random.Random) -> Iterator[str]:
    """One reading a minute over the last 10 minutes per room; every 100th sensor is silent."""
    for index, code in enumerate(codes):
        if index % 100 == 99 or code == CHART_ROOM:
            continue
        for minute in range(RECENT_MINUTES):
            yield line(code, recent_values(index, rng), now - timedelta(minutes=minute, seconds=5))


def office_air(at: datetime, rng: random.Random) -> dict[str, float]:
    """A plausible minute of an office: CO2 follows occupancy (08-18 WIB), small noise."""
    hour = (at.hour + 7) % 24 + at.minute / 60  # Jakarta is UTC+7
    occupied = 8 <= hour < 18 and (at + timedelta(hours=7)).weekday() < 5
    people = math.sin(math.pi * (hour - 8) / 10) if occupied else 0.0
    return {
        "co2": 430 + 650 * people + rng.gauss(0, 15),
        "temperature": 24.0 + 1.5 * people + rng.gauss(0, 0.1),
        "humidity": 55 - 4 * people + rng.gauss(0, 0.5),
        "pm25": 12 + 6 * people + rng.gauss(0, 1.5),
    }


def month_lines(now: datetime, rng: random.Random) -> Iterator[str]:
    """30 days of one reading a minute (43,200) for the chart room, oldest first."""
    minutes = int(MONTH.total_seconds() // 60)
    start = now - MONTH
    for step in range(minutes):
        at = start + timedelta(minutes=step, seconds=30)
        yield line(CHART_ROOM, office_air(at, rng), at)


def write_batched(influx: InfluxClient, lines: Iterator[str]) -> int:
    """Write lines in batches of 5,000 (as ingest batches); returns how many."""
    batch: list[str] = []
    total = 0
    for item in lines:
        batch.append(item)
        if len(batch) >= WRITE_BATCH:
            influx.write_lines(batch)
            total, batch = total + len(batch), []
    influx.write_lines(batch)
    return total + len(batch)


@dataclass
class Seeded:
    """What the site holds: how to sign in, and how much was written."""

    password: str
    token: str
    rooms: int
    recent_points: int
    month_points: int
    alerts: int


def build_site(database_url: str, influx_url: str) -> Seeded:
    """Migrate the database, seed rooms, a user, alerts and readings."""
    upgrade_database(database_url)
    container = Container(bench_settings(database_url, influx_url))
    try:
        container.influx.create_database()
        now = container.clock()
        rng = random.Random(1077)  # the same site every run
        password = secrets.token_urlsafe(16)
        codes = seed_rooms(container)
        token = seed_user(container, password, now)
        alerts = open_alerts(container, codes, now)
        recent = write_batched(container.influx, recent_lines(codes, now, rng))
        month = write_batched(container.influx, month_lines(now, rng))
        return Seeded(password, token, len(codes), recent, month, alerts)
    finally:
        container.close()


# --- the server ---
def gunicorn_env(database_url: str, influx_url: str) -> dict[str, str]:
    """The web service's environment as compose gives it, pointed at the bench servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UDARA_")}
    env.update(
        UDARA_ENV="production",
        UDARA_SECRET_KEY=secrets.token_urlsafe(48),
        UDARA_DATABASE_URL=database_url,
        UDARA_INFLUX_URL=influx_url,
        UDARA_INFLUX_DB=INFLUX_DB,
        UDARA_MQTT_URL="mqtt://127.0.0.1:9",
        UDARA_MQTT_CLIENT_ID="udara-web",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_gunicorn(work: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`gunicorn 'web.app:create_app()'` with 2 workers on a free port; waits for /healthz."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", f"--bind=127.0.0.1:{port}", f"--workers={WORKERS}",
        "--timeout=60", "--graceful-timeout=30", "--access-logfile=-", "web.app:create_app()",
    ]  # fmt: skip
    with (work / "gunicorn.log").open("ab") as log:
        # Run from `work`, so no developer's `.env` leaks into the settings.
        proc = subprocess.Popen(command, env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(retries=False, timeout=2.0)

    def healthy() -> bool:
        if proc.poll() is not None:
            tail = (work / "gunicorn.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail}")
        try:
            return http.request("GET", f"{base}/healthz").status == 200
        except urllib3.exceptions.HTTPError:
            return False

    try:
        wait_until(healthy, 60, f"gunicorn on {port}")
    except BaseException:
        stop_gunicorn(proc)
        raise
    return proc, base


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful shutdown), SIGKILL if it has not ended after 30 s."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# --- the client ---
@dataclass
class Reply:
    """A response read to its end, and how long that took."""

    status: int
    body: bytes
    ms: float
    wire_bytes: int = 0  # as sent (compressed, when the server compressed it)

    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class Browser:
    """A keep-alive HTTP client that keeps cookies, as a browser tab does.

    Cookies are kept by hand: under UDARA_ENV=production the session cookie is `Secure`
    (TLS ends at the proxy in front of gunicorn), and a cookie jar would not send it over
    the plain HTTP this benchmark speaks to gunicorn directly.
    """

    base: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    http: urllib3.PoolManager = field(
        default_factory=lambda: urllib3.PoolManager(retries=False, timeout=60.0)
    )

    def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        """Send a request (redirects are not followed) and read the whole body."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        response = self.http.request(
            method, self.base + path, headers=headers, redirect=False, **kwargs
        )
        body = response.data
        ms = (time.perf_counter() - started) * 1000
        self._remember(response.headers.getlist("Set-Cookie"))
        wire = int(response.headers.get("Content-Length") or len(body))
        return Reply(response.status, body, ms, wire)

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, **kwargs: Any) -> Reply:
        """GET `path`."""
        return self.request("GET", path, **kwargs)


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(browser: Browser, username: str, password: str) -> None:
    """GET the sign-in form, POST it with its CSRF token; expects the redirect to the grid."""
    form = browser.get("/login")
    assert form.status == 200, f"GET /login: {form.status}"
    match = CSRF_INPUT.search(form.text())
    assert match, "no csrf_token in the sign-in form"
    body = urlencode({"csrf_token": match[1], "username": username, "password": password})
    reply = browser.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 302, f"sign-in failed: {reply.status} {reply.text()[:300]}"


# --- timing ---
@dataclass
class Route:
    """One timed route: a name for the figures, how to request it, how to check the reply."""

    key: str
    title: str
    fetch: Callable[[], Reply]
    check: Callable[[Reply], float]  # raises when the reply is wrong; returns a size figure


def time_route(route: Route, n: int) -> tuple[list[float], float]:
    """Warm up, then `n` sequential requests; returns their times in ms and the size figure."""
    size = 0.0
    for _ in range(WARMUP):
        size = route.check(route.fetch())
    times = []
    for _ in range(n):
        reply = route.fetch()
        size = route.check(reply)
        times.append(reply.ms)
    return times, size


def p50_p95(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (inclusive method) of `times`."""
    if len(times) < 2:
        return times[0], times[0]
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[-1]


def ok(reply: Reply, what: str) -> None:
    """Fail unless the reply is a 200."""
    assert reply.status == 200, f"{what}: HTTP {reply.status} {reply.text()[:300]}"


def check_grid(reply: Reply) -> float:
    """The grid (page or fragment) shows every room, in more than one status; returns kB."""
    ok(reply, "room grid")
    html = reply.text()
    rooms = html.count(f'data-room="{BUILDING}/')
    assert rooms == ROOM_COUNT, f"room grid shows {rooms} rooms, not {ROOM_COUNT}"
    for status in ("ok", "warning", "critical", "no_data"):
        assert f'class="room s-{status}' in html or f'class="room silent s-{status}' in html, (
            f"no room in status {status}"
        )
    return len(reply.body) / 1024


def check_rooms_api(reply: Reply) -> float:
    """The rooms API lists every room with its latest values; returns kB."""
    ok(reply, "rooms API")
    items = reply.json()["items"]
    assert len(items) == ROOM_COUNT, f"rooms API lists {len(items)} rooms, not {ROOM_COUNT}"
    with_co2 = sum(1 for item in items if item["metrics"]["co2"]["value"] is not None)
    assert with_co2 >= ROOM_COUNT * 0.9, f"only {with_co2} rooms have a CO2 value"
    return len(reply.body) / 1024


def bucket(every: str) -> timedelta:
    """`every` (`5m`, `2h`) as a duration."""
    units = {"m": timedelta(minutes=1), "h": timedelta(hours=1)}
    return int(every[:-1]) * units[every[-1]]


def check_chart(span: timedelta, every: str) -> Callable[[Reply], float]:
    """A readings reply covering the span in buckets of `every`; the check returns their count."""
    size = bucket(every)
    # Data ends when seeding ended, the range when the request is made: one bucket of slack.
    minimum = int(span / size) - 1

    def check(reply: Reply) -> float:
        ok(reply, f"readings every {every}")
        body = reply.json()
        points = body["points"]
        assert body["every"] == f"{int(size.total_seconds())}s", body["every"]
        assert len(points) >= minimum, f"{len(points)} buckets, expected at least {minimum}"
        assert all(p["values"]["co2"] is not None for p in points), "a bucket without CO2"
        return float(len(points))

    return check


def check_room_page(reply: Reply) -> float:
    """The room page with its chart container pointing at the readings API; returns kB."""
    ok(reply, "room page")
    html = reply.text()
    assert 'id="room-charts"' in html, "no chart container on the room page"
    assert f"/api/v1/rooms/{BUILDING}/{CHART_ROOM}/readings" in html, "no readings URL"
    return len(reply.body) / 1024


def chart_path(span: timedelta, every: str) -> str:
    """The readings URL room.js builds: `start` (ISO, ms, Z) and `every`; `end` is now."""
    start = datetime.now(UTC) - span
    iso = start.strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
    query = urlencode({"start": iso, "every": every})
    return f"/api/v1/rooms/{BUILDING}/{CHART_ROOM}/readings?{query}"


GZIP = {"Accept-Encoding": "gzip"}


def check_grid_wire(reply: Reply) -> float:
    """The grid checks on the decompressed body; the size reported is what crossed the wire."""
    check_grid(reply)
    return reply.wire_bytes / 1024


def routes(page: Browser, api: Browser) -> list[Route]:
    """The timed routes, the pages in the signed-in browser, the API with the token."""
    fragment = {"X-Requested-With": "fetch"}  # as live.js polls it
    found = [
        Route("web_grid_500", "GET /rooms (500 rooms)", lambda: page.get("/rooms"), check_grid),
        Route(
            "web_grid_partial_500",
            "GET /rooms?partial=1 (live refresh)",
            lambda: page.get("/rooms?partial=1", headers=fragment),
            check_grid,
        ),
        Route(
            "web_grid_partial_500_gzip",
            "GET /rooms?partial=1, gzip",
            lambda: page.get("/rooms?partial=1", headers={**fragment, **GZIP}),
            check_grid_wire,
        ),
        Route(
            "web_api_rooms_500",
            "GET /api/v1/rooms (500 rooms)",
            lambda: api.get("/api/v1/rooms"),
            check_rooms_api,
        ),
    ]
    for name, (span, every) in CHART_RANGES.items():
        path = chart_path(span, every)
        found.append(
            Route(
                f"web_chart_{name}",
                f"GET …/readings {name} every {every}",
                partial(api.get, path),
                check_chart(span, every),
            )
        )
    found.append(
        Route(
            "web_room_page",
            f"GET /rooms/{BUILDING}/{CHART_ROOM}",
            lambda: page.get(f"/rooms/{BUILDING}/{CHART_ROOM}"),
            check_room_page,
        )
    )
    return found


SIZE_NAMES = {"web_chart_30d": "buckets", "web_chart_24h": "buckets"}


def measure(base: str, seeded: Seeded, n: int) -> dict[str, float]:
    """Sign in, then time every route; prints one line per route."""
    page = Browser(base)
    sign_in(page, USERNAME, seeded.password)
    api = Browser(base, headers={"Authorization": f"Bearer {seeded.token}"})
    results: dict[str, float] = {}
    for route in routes(page, api):
        times, size = time_route(route, n)
        p50, p95 = p50_p95(times)
        unit = SIZE_NAMES.get(route.key, "kb")
        results[f"{route.key}_p50_ms"] = round(p50, 1)
        results[f"{route.key}_p95_ms"] = round(p95, 1)
        results[f"{route.key}_{unit}"] = round(size, 1)
        shown = f"{size:.0f} {unit}" if unit == "buckets" else f"{size:.0f} kB"
        print(f"  {route.title:<42} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({shown}, n={n})")
    return results


def web_timings(work: Path, influx_url: str, requests_per_route: int = 30) -> dict[str, float]:
    """Seed 500 rooms and 30 days of one room's readings, serve under gunicorn, time routes.

    `work` is a folder for the SQLite file and the gunicorn log; `influx_url` an InfluxDB 1.x
    (`http://127.0.0.1:PORT`) in which database `bench_web` is (re)used.
    """
    work.mkdir(parents=True, exist_ok=True)
    database = work / "web-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    database_url = f"sqlite:///{database}"
    InfluxClient(influx_url, INFLUX_DB).query(f'DROP DATABASE "{INFLUX_DB}"', method="POST")
    started = time.monotonic()
    seeded = build_site(database_url, influx_url)
    print(
        f"web: seeded {seeded.rooms} rooms, {seeded.alerts} open alerts, "
        f"{seeded.recent_points:,} recent readings and {seeded.month_points:,} for 30 days "
        f"of {CHART_ROOM} in {time.monotonic() - started:.1f} s; gunicorn, {WORKERS} workers"
    )
    proc, base = start_gunicorn(work, gunicorn_env(database_url, influx_url))
    try:
        return measure(base, seeded, requests_per_route)
    finally:
        stop_gunicorn(proc)


def main() -> None:
    """`python -m bench.web`: a private InfluxDB in a temporary folder, then the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per route")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="udara-bench-web-") as tmp:
        work = Path(tmp)
        influxd = start_influxdb(work / "influx")
        try:
            results = web_timings(work, f"http://127.0.0.1:{influxd.port}", args.requests)
        finally:
            influxd.stop()
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
