"""building scopes of users, operating hours, room aliases, coded alert messages

- `user_buildings`: the buildings a user is limited to (none: every building).
- `buildings.hours`: operating hours per weekday, local time.
- `room_aliases`: codes merged into another room (a discovered typo), so its history stays.
- `alerts.message_code`, `alerts.message_params`: the message worded when shown, in the
  reader's language; `alerts.repeat_count` (never used) goes.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_buildings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_buildings_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_user_buildings_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("user_id", "building_id", name=op.f("pk_user_buildings")),
    )
    with op.batch_alter_table("buildings") as batch:
        batch.add_column(
            sa.Column("hours", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    op.create_table(
        "room_aliases",
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_room_aliases_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_room_aliases_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("building_id", "code", name=op.f("pk_room_aliases")),
    )
    op.create_index("ix_room_aliases_room_id", "room_aliases", ["room_id"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("message_code", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("message_params", sa.JSON(), nullable=True))
        batch.drop_column("repeat_count")


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("repeat_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.drop_column("message_params")
        batch.drop_column("message_code")
    op.drop_index("ix_room_aliases_room_id", table_name="room_aliases")
    op.drop_table("room_aliases")
    with op.batch_alter_table("buildings") as batch:
        batch.drop_column("hours")
    op.drop_table("user_buildings")
