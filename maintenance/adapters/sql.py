"""Small SQL helpers whose behaviour is the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, values: dict[str, Any], on: list[str]) -> Any:
    """INSERT .. ON CONFLICT (on) DO NOTHING; the new primary key, or None if it existed.

    The database decides which of two concurrent writers wins, so callers never need to
    check first and race.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"unsupported database dialect {dialect}")
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=on)
    key = model.__table__.primary_key.columns
    return session.execute(stmt.returning(*key)).scalar_one_or_none()


def lock(session: Session, model: Any, row_id: int) -> bool:
    """Lock one versioned row for the rest of the transaction; False if it does not exist.

    An UPDATE locks the row on PostgreSQL and takes SQLite's write lock before anything is
    read, so the reads that follow see the latest committed state on both engines.
    """
    result = session.execute(
        update(model)
        .where(model.id == row_id)
        .values(version=model.version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
