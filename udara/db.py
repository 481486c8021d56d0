"""The relational database adapter: engine, sessions, declarative base, migrations."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Explicit names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base shared by every module's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SQLITE_BUSY_TIMEOUT_MS = 30_000


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other engines and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or parsed.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):  # a URI filename (`?uri=true`)
        database = database[len("file:") :].split("?", 1)[0]
        if not database or database == ":memory:":
            return None
    return Path(database)


def _is_wal(path: Path) -> bool:
    """True when the file's header says WAL (read and write version bytes 18 and 19 are 2)."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except FileNotFoundError:
        return False
    return len(header) == 20 and header[18] == header[19] == 2


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock between processes, held on the folder of the database.

    A lock on the folder, not on the database file: SQLite's own POSIX locks live on the file,
    and no lock file is left behind.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: retries alone keep the switch safe
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without flock: retries alone keep the switch safe
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def ensure_sqlite_wal(path: Path, timeout: float = SQLITE_BUSY_TIMEOUT_MS / 1000) -> None:
    """Create the SQLite file if needed and put it in WAL mode, once.

    WAL is a property of the database file (it persists in the header), not of a connection.
    Switching to it takes an exclusive lock, and SQLite asks for that lock from inside a read
    transaction, where it does not call the busy handler (waiting there could deadlock): a
    connection that meets another one mid-switch gets "database is locked" at once, whatever
    its busy timeout. So the switch happens here, when the file is created or migrated, and
    by one process at a time (a lock on the folder); a connection of some other program
    holding the file open only delays it (retried until `timeout`). Connections opened later
    find WAL in the header and never switch.
    """
    if _is_wal(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with _folder_lock(path.parent):
        while not _is_wal(path):
            conn = sqlite3.connect(path, timeout=timeout)
            try:
                conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            finally:
                conn.close()
            if str(mode).lower() != "wal":
                raise RuntimeError(f"{path}: SQLite refused WAL mode (journal mode {mode})")


def prepare_database(url: str) -> None:
    """Make a SQLite database's file ready for concurrent use (WAL); nothing for others."""
    path = sqlite_file(url)
    if path is not None:
        ensure_sqlite_wal(path)


def _sqlite_connection_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Per-connection settings: the busy timeout first (every later statement may wait)."""
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets its file in WAL mode, foreign keys and a busy timeout.

    A SQLite file that does not exist yet, or that was never migrated, is created and put in
    WAL mode here (once, see `ensure_sqlite_wal`); connections only set per-connection
    pragmas. In-memory databases have no file and stay as they are.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        prepare_database(url)
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_connection_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Any:
    """An Alembic config pointing at the packaged migrations and the given database."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Create or migrate the relational database to the newest schema."""
    from alembic import command

    prepare_database(url)  # WAL is set where the file is created, before any schema
    command.upgrade(alembic_config(url), revision)


def _insert_ignoring(session: Session, table: Any, on: list[str]) -> Any:
    """The dialect's INSERT with ON CONFLICT DO NOTHING on `on`; `.values(...)` still to add."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=on)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=on)
    raise RuntimeError(f"unsupported database dialect {dialect}")  # pragma: no cover


def insert_many_ignoring_conflicts(
    session: Session, table: Any, rows: list[dict[str, Any]], on: list[str]
) -> None:
    """One multi-row INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL)."""
    if rows:
        session.execute(_insert_ignoring(session, table, on).values(rows))


def insert_ignoring_conflicts(
    session: Session, table: Any, values: dict[str, Any], on: list[str]
) -> Any:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL); returns the new key or None.

    The database, not the application, decides which of two concurrent writers wins.
    """
    stmt = _insert_ignoring(session, table, on).values(**values)
    primary_key = list(
        table.primary_key.columns
        if hasattr(table, "primary_key")
        else table.__table__.primary_key.columns
    )
    return session.execute(stmt.returning(*primary_key)).scalar_one_or_none()
