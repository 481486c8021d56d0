"""occupants: photos the crew adds to a work order (the after-photo when finishing)

Request photos stay on their reports (`occupant_reports.photo`) and reach the work order
through its requests; this table holds the photos added to the work order itself.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "work_order_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("photo", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('after')", name=op.f("ck_work_order_photos_kind")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"],
            name=op.f("fk_work_order_photos_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_photos")),
        sa.UniqueConstraint(
            "work_order_id", "kind", "photo", name=op.f("uq_work_order_photos_work_order_id")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_work_order_photos_work_order_id"), "work_order_photos", ["work_order_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_work_order_photos_work_order_id"), table_name="work_order_photos")
    op.drop_table("work_order_photos")
