"""assets: the equipment register, zones (rooms a unit serves), meter readings; work orders
and plans on assets (asset plans, meter triggers), zone orders naming their rooms

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("make", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=True),
        sa.Column("serial", sa.String(length=100), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'retired')", name=op.f("ck_assets_status")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_assets_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_assets_room_id_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
        sa.UniqueConstraint("code", name=op.f("uq_assets_code")),
    )
    op.create_index(op.f("ix_assets_building_id"), "assets", ["building_id"])
    op.create_index(op.f("ix_assets_kind"), "assets", ["kind"])
    op.create_table(
        "asset_rooms",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_asset_rooms_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_asset_rooms_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("asset_id", "room_id", name=op.f("pk_asset_rooms")),
    )
    op.create_index(op.f("ix_asset_rooms_room_id"), "asset_rooms", ["room_id"])
    op.create_table(
        "asset_meter_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("meter", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_asset_meter_readings_asset_id_assets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_meter_readings")),
    )
    op.create_index(op.f("ix_asset_meter_readings_asset_id"), "asset_meter_readings", ["asset_id"])
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("asset_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("zone_rooms", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_work_orders_asset_id_assets"), "assets", ["asset_id"], ["id"]
        )
        batch.create_index(op.f("ix_work_orders_asset_id"), ["asset_id"])
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("asset_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("asset_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("meter", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("meter_every", sa.Float(), nullable=True))
        batch.add_column(sa.Column("meter_baseline", sa.Float(), nullable=True))
        batch.create_foreign_key(op.f("fk_plans_parent_id_plans"), "plans", ["parent_id"], ["id"])
        batch.create_foreign_key(op.f("fk_plans_asset_id_assets"), "assets", ["asset_id"], ["id"])
        batch.create_index(op.f("ix_plans_parent_id"), ["parent_id"])
        batch.create_index(op.f("ix_plans_asset_id"), ["asset_id"])


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_index(op.f("ix_plans_asset_id"))
        batch.drop_index(op.f("ix_plans_parent_id"))
        batch.drop_constraint(op.f("fk_plans_asset_id_assets"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_plans_parent_id_plans"), type_="foreignkey")
        for column in ("meter_baseline", "meter_every", "meter", "asset_id", "parent_id",
                       "asset_kind"):  # fmt: skip
            batch.drop_column(column)
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_index(op.f("ix_work_orders_asset_id"))
        batch.drop_constraint(op.f("fk_work_orders_asset_id_assets"), type_="foreignkey")
        batch.drop_column("zone_rooms")
        batch.drop_column("asset_id")
    op.drop_index(op.f("ix_asset_meter_readings_asset_id"), table_name="asset_meter_readings")
    op.drop_table("asset_meter_readings")
    op.drop_index(op.f("ix_asset_rooms_room_id"), table_name="asset_rooms")
    op.drop_table("asset_rooms")
    op.drop_index(op.f("ix_assets_kind"), table_name="assets")
    op.drop_index(op.f("ix_assets_building_id"), table_name="assets")
    op.drop_table("assets")
