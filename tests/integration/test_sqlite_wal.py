"""SQLite's WAL mode is set on the file where it is created, never by racing connections.

`PRAGMA journal_mode=WAL` on a file in rollback mode takes an exclusive lock from inside a
read transaction, where SQLite does not call the busy handler: when each connection did the
switch, two processes connecting at once to a freshly migrated file could fail with
"database is locked" at once, whatever their busy timeout. Now `udara db upgrade` (and
`make_engine`, for files that were never migrated) switches the file once, under a lock.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from udara.db import make_engine, sqlite_file, upgrade_database

ROOT = Path(__file__).resolve().parents[2]
PROCESSES, ROUNDS = 8, 30


def _header_versions(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:20]
    return header[18], header[19]


def _journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


def test_udara_db_upgrade_leaves_the_file_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "var" / "udara.db"
    env = {**os.environ, "UDARA_DATABASE_URL": f"sqlite:///{path}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "udara.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert _header_versions(path) == (2, 2)  # WAL, in the file's own header
    assert _journal_mode(path) == "wal"


def test_upgrade_switches_an_existing_rollback_journal_file_to_wal(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # created by an older release or another tool
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE legacy (x INTEGER)")
    conn.commit()
    conn.close()
    assert _journal_mode(path) == "delete"
    upgrade_database(f"sqlite:///{path}")
    assert _journal_mode(path) == "wal"


def _connect_rounds(paths: list[str], barrier: Any, results: Any) -> None:
    """One process: for each file, wait for the others, then build an engine and connect."""
    outcomes: list[str] = []
    for path in paths:
        barrier.wait()
        try:
            engine = make_engine(f"sqlite:///{path}")
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
                fk = conn.execute(text("PRAGMA foreign_keys")).scalar_one()
                busy = conn.execute(text("PRAGMA busy_timeout")).scalar_one()
                mode = conn.execute(text("PRAGMA journal_mode")).scalar_one()
            engine.dispose()
            outcomes.append(f"ok {mode} fk={fk} busy={busy}")
        except Exception:
            outcomes.append(traceback.format_exc())
    results.put(outcomes)


@pytest.mark.parametrize("start", ["no-file", "rollback-journal-file"])
def test_engines_connecting_at_once_to_a_fresh_file_never_fail(tmp_path: Path, start: str) -> None:
    paths = [tmp_path / f"round-{r}" / "udara.db" for r in range(ROUNDS)]
    if start == "rollback-journal-file":  # migrated the old way: schema, no WAL
        for path in paths:
            path.parent.mkdir()
            conn = sqlite3.connect(path)
            conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            conn.commit()
            conn.close()
    context = mp.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=_connect_rounds,
            args=([str(p) for p in paths], barrier, results),
            daemon=True,
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [o for _ in processes for o in results.get(timeout=120)]
    for process in processes:
        process.join(30)
    failures = [o for o in outcomes if not o.startswith("ok ")]
    assert failures == [], f"{len(failures)} of {len(outcomes)} connections failed:\n{failures[0]}"
    assert set(outcomes) == {"ok wal fk=1 busy=30000"}
    assert {_header_versions(p) for p in paths} == {(2, 2)}


def test_wal_switch_waits_for_a_reader_of_another_program(tmp_path: Path) -> None:
    path = tmp_path / "udara.db"
    reader = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    reader.execute("CREATE TABLE t (x INTEGER)")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # holds a shared lock
    threading.Timer(0.5, lambda: reader.execute("COMMIT")).start()
    started = time.monotonic()
    engine = make_engine(f"sqlite:///{path}")  # switches to WAL once the reader is done
    waited = time.monotonic() - started
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()
    reader.close()
    assert waited >= 0.4


def test_in_memory_databases_get_connection_pragmas_and_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        assert sqlite_file(url) is None
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "memory"
        engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_sqlite_file_of_urls() -> None:
    assert sqlite_file("sqlite:///var/udara.db") == Path("var/udara.db")
    assert sqlite_file("sqlite:////srv/udara/udara.db") == Path("/srv/udara/udara.db")
    assert sqlite_file("sqlite:///file:var/x.db?mode=rwc&uri=true") == Path("var/x.db")
    assert sqlite_file("sqlite:///file:mem1?mode=memory&cache=shared&uri=true") is None
    assert sqlite_file("postgresql+psycopg://u@h/db") is None
