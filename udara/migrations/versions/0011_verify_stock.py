"""sensor-verified completion of alert work orders; filter and parts stock

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "work_order_verifications",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("since", TZ, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("checked_at", TZ, nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("samples", sa.Integer(), nullable=True),
        sa.Column("window_start", TZ, nullable=True),
        sa.Column("window_end", TZ, nullable=True),
        sa.Column("breach_at", TZ, nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            _in("state", ("pending", "verified", "not_fixed")),
            name=op.f("ck_work_order_verifications_state"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"],
            name=op.f("fk_work_order_verifications_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("work_order_id", name=op.f("pk_work_order_verifications")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_work_order_verifications_state"), "work_order_verifications", ["state"]
    )
    op.create_table(
        "stock_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("crew_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crews.id"], name=op.f("fk_stock_items_crew_id_crews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_items")),
        sa.UniqueConstraint("code", name=op.f("uq_stock_items_code")),
    )  # fmt: skip
    op.create_table(
        "stock_levels",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("reorder_level", sa.Float(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["stock_items.id"], name=op.f("fk_stock_levels_item_id_stock_items")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"],
            name=op.f("fk_stock_levels_building_id_buildings"),
        ),
        sa.PrimaryKeyConstraint("item_id", "building_id", name=op.f("pk_stock_levels")),
    )  # fmt: skip
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            _in("kind", ("receive", "consume")), name=op.f("ck_stock_movements_kind")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["stock_items.id"], name=op.f("fk_stock_movements_item_id_stock_items")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"],
            name=op.f("fk_stock_movements_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"],
            name=op.f("fk_stock_movements_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )  # fmt: skip
    for column in ("building_id", "item_id", "work_order_id"):
        op.create_index(op.f(f"ix_stock_movements_{column}"), "stock_movements", [column])


def downgrade() -> None:
    for column in ("building_id", "item_id", "work_order_id"):
        op.drop_index(op.f(f"ix_stock_movements_{column}"), table_name="stock_movements")
    op.drop_table("stock_movements")
    op.drop_table("stock_levels")
    op.drop_table("stock_items")
    op.drop_index(op.f("ix_work_order_verifications_state"), table_name="work_order_verifications")
    op.drop_table("work_order_verifications")
