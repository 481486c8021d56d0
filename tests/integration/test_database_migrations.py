"""`udara db upgrade` builds the schema on both supported engines and is safe to repeat."""

from sqlalchemy import create_engine, inspect

from udara.db import upgrade_database


def test_upgrade_creates_schema_and_can_run_twice(database_url: str) -> None:
    upgrade_database(database_url)
    upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert "alembic_version" in tables
