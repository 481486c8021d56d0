"""Migration 0009 builds exactly the asset tables the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import udara.models  # noqa: F401  (registers every table)
from tests.integration.test_maint_schema import _table_of
from udara.db import Base

ASSET_TABLES = {"assets", "asset_rooms", "asset_meter_readings"}


def test_migrated_asset_tables_match_the_models(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    def table(diff: object) -> str | None:
        item = diff[0] if isinstance(diff, list) else diff
        for part in item if isinstance(item, tuple) else ():
            found = getattr(getattr(part, "table", None), "name", None) or getattr(
                part, "name", None
            )
            if found in ASSET_TABLES:
                return str(found)
        return _table_of(diff)

    assert [d for d in diffs if table(d) in ASSET_TABLES] == []
