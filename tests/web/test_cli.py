"""`udara tokens create NAME` and `udara web --host --port`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient

from tests.web.conftest import FixedClockContainer, Seed
from udara.devservers import free_port
from web.cli import tokens


def test_tokens_create_prints_a_token_the_api_accepts(
    container: FixedClockContainer, seeded: Seed, client: FlaskClient
) -> None:
    result = CliRunner().invoke(tokens, ["create", "sup", "--label", "bms"], obj=container)
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("udr_") and len(token) > 40
    response = client.get("/api/v1/work-orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_tokens_for_unknown_users_fail_cleanly(
    container: FixedClockContainer, seeded: Seed
) -> None:
    result = CliRunner().invoke(tokens, ["create", "ghost"], obj=container)
    assert result.exit_code == 1 and "no user 'ghost'" in result.output


def test_tokens_revoke(container: FixedClockContainer, seeded: Seed, client: FlaskClient) -> None:
    token = CliRunner().invoke(tokens, ["create", "fm"], obj=container).output.strip()
    result = CliRunner().invoke(tokens, ["revoke", "fm"], obj=container)
    assert result.exit_code == 0 and "revoked 1" in result.output
    response = client.get("/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_udara_web_serves_on_the_given_port(seeded_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "UDARA_DATABASE_URL": seeded_url,
        "UDARA_SECRET_KEY": "cli-test-secret",
        "UDARA_INFLUX_URL": "http://127.0.0.1:9",
    }
    log = (tmp_path / "web.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "udara.cli", "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:  # noqa: S310
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, (tmp_path / "web.log").read_text()
                assert time.monotonic() < deadline, "udara web did not answer"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:  # noqa: S310
            assert b'<html lang="id">' in r.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
