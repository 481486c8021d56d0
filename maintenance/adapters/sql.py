"""Small SQL helpers whose behaviour is the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from udara.db import insert_ignoring_conflicts as insert_ignore

__all__ = ["insert_ignore", "lock"]


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
