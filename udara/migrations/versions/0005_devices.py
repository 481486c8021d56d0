"""the device registry

Every device Udara hears (Tasmota, ESPHome, Zigbee2MQTT, Shelly, ChirpStack, The Things
Stack), pending until a facility manager places it on a room.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("sensor", sa.String(length=64), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("placed_by", sa.String(length=64), nullable=True),
        sa.Column("held_copied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'retired')", name=op.f("ck_devices_status")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_devices_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_devices_room_id_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    # A role for network servers' accounts (HTTP push of LoRaWAN uplinks).
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint("role", f"role IN ({ROLES_SQL}, 'device')")
    op.create_index("ix_devices_status", "devices", ["status"])
    op.create_index("ix_devices_building_id", "devices", ["building_id"])
    op.create_index("ix_devices_version", "devices", ["version"])


ROLES_SQL = "'facility_manager', 'cleaning_supervisor', 'technician', 'viewer'"


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint("role", f"role IN ({ROLES_SQL})")
    op.drop_index("ix_devices_version", table_name="devices")
    op.drop_index("ix_devices_building_id", table_name="devices")
    op.drop_index("ix_devices_status", table_name="devices")
    op.drop_table("devices")
