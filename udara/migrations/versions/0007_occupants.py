"""occupants: rooms' public links, lobby displays, occupant requests and their reports

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
CATEGORIES = (
    "dirty", "smell", "too_hot", "too_cold", "stuffy", "leak", "trash_full", "supplies_empty",
    "symptoms", "other",
)  # fmt: skip
REQUEST_INDEXES = ("building_id", "created_at", "room_id", "status", "work_order_id")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _token_table(name: str, owner: str, owner_table: str) -> None:
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            [owner], [f"{owner_table}.id"], name=op.f(f"fk_{name}_{owner}_{owner_table}")
        ),
        sa.PrimaryKeyConstraint(owner, name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("token", name=op.f(f"uq_{name}_token")),
    )


def upgrade() -> None:
    _token_table("building_displays", "building_id", "buildings")
    _token_table("room_links", "room_id", "rooms")
    op.create_table(
        "occupant_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("symptoms", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("air", sa.JSON(), nullable=True),
        sa.Column("open_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("last_report_at", TZ, nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            _in("category", CATEGORIES), name=op.f("ck_occupant_requests_category")
        ),
        sa.CheckConstraint(
            _in("status", ("new", "in_work_order", "rejected")),
            name=op.f("ck_occupant_requests_status"),
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"],
            name=op.f("fk_occupant_requests_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_occupant_requests_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"],
            name=op.f("fk_occupant_requests_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupant_requests")),
        sa.UniqueConstraint("open_key", name=op.f("uq_occupant_requests_open_key")),
        sa.UniqueConstraint("ref", name=op.f("uq_occupant_requests_ref")),
    )  # fmt: skip
    for column in REQUEST_INDEXES:
        name = op.f(f"ix_occupant_requests_{column}")
        op.create_index(name, "occupant_requests", [column])
    op.create_table(
        "occupant_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("symptoms", sa.JSON(), nullable=False),
        sa.Column("air", sa.JSON(), nullable=True),
        sa.Column("photo", sa.String(length=64), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["occupant_requests.id"],
            name=op.f("fk_occupant_reports_request_id_occupant_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupant_reports")),
    )  # fmt: skip
    op.create_index(op.f("ix_occupant_reports_request_id"), "occupant_reports", ["request_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_occupant_reports_request_id"), table_name="occupant_reports")
    op.drop_table("occupant_reports")
    for column in REQUEST_INDEXES:
        op.drop_index(op.f(f"ix_occupant_requests_{column}"), table_name="occupant_requests")
    op.drop_table("occupant_requests")
    op.drop_table("room_links")
    op.drop_table("building_displays")
