"""Migrations 0007 and 0008 build exactly the occupants' tables the models describe (rooms'
links, displays, requests, reports, work orders' after-photos), on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import udara.models  # noqa: F401  (registers every table)
from udara.db import Base

OCCUPANT_TABLES = (
    "room_links", "building_displays", "occupant_requests", "occupant_reports",
    "work_order_photos",
)  # fmt: skip


def test_migrated_occupant_tables_match_the_models(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    ours = [d for d in diffs if any(table in repr(d) for table in OCCUPANT_TABLES)]
    assert ours == []
