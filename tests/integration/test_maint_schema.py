"""Migration 0002 builds exactly the maintenance tables the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

import udara.models  # noqa: F401  (registers every table)
from maintenance.adapters.orm import Crew
from udara.db import Base

MAINTENANCE_TABLES = {
    "crews", "users", "crew_members", "buildings", "floors", "rooms", "plans",
    "skipped_occurrences", "work_orders", "work_order_alerts", "work_order_events", "sla_targets",
    "work_order_verifications", "stock_items", "stock_levels", "stock_movements",
}  # fmt: skip


def _table_of(diff: object) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item if isinstance(item, tuple) else ():
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(part, str) and part in MAINTENANCE_TABLES:
            return part
        if name in MAINTENANCE_TABLES:
            return str(name)
    return None


def test_migrated_schema_matches_the_models(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    ours = [d for d in diffs if _table_of(d) in MAINTENANCE_TABLES]
    assert ours == []


def test_cleaning_and_hvac_crews_exist_from_the_start(migrated_database_url: str) -> None:
    engine = create_engine(migrated_database_url)
    try:
        with engine.connect() as conn:
            crews = set(conn.scalars(select(Crew.id)))
    finally:
        engine.dispose()
    assert {"cleaning", "hvac"} <= crews
