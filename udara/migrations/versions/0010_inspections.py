"""inspections: inspections and cleaning audits, their answered items

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
INSPECTION_INDEXES = ("at", "building_id", "crew_id", "room_id")


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=130), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("crew_id", sa.String(length=32), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("asset_code", sa.String(length=64), nullable=True),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_inspections_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crews.id"], name=op.f("fk_inspections_crew_id_crews")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_inspections_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint("key", name=op.f("uq_inspections_key")),
    )  # fmt: skip
    for column in INSPECTION_INDEXES:
        op.create_index(op.f(f"ix_inspections_{column}"), "inspections", [column])
    op.create_table(
        "inspection_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=64), nullable=True),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"], ["inspections.id"],
            name=op.f("fk_inspection_items_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"],
            name=op.f("fk_inspection_items_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_items")),
        sa.UniqueConstraint(
            "inspection_id", "item", name=op.f("uq_inspection_items_inspection_id")
        ),
    )  # fmt: skip
    for column in ("inspection_id", "work_order_id"):
        op.create_index(op.f(f"ix_inspection_items_{column}"), "inspection_items", [column])


def downgrade() -> None:
    for column in ("inspection_id", "work_order_id"):
        op.drop_index(op.f(f"ix_inspection_items_{column}"), table_name="inspection_items")
    op.drop_table("inspection_items")
    for column in INSPECTION_INDEXES:
        op.drop_index(op.f(f"ix_inspections_{column}"), table_name="inspections")
    op.drop_table("inspections")
