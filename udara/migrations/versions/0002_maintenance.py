"""maintenance tables (owned by the maintenance package)

Crews, users and crew membership; buildings, floors and rooms; recurring plans and skipped
occurrences; work orders with their alerts and history; SLA target overrides. Seeds the
`cleaning` and `hvac` crews (CONTRACTS.md). Column types are spelled out here rather than
imported, so this revision stays the same when the models change.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_CREWS = [
    {"id": "cleaning", "name": "Kebersihan (cleaning)"},
    {"id": "hvac", "name": "HVAC / tata udara"},
]


def upgrade() -> None:
    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("code", name=op.f("uq_buildings_code")),
    )
    op.create_table(
        "crews",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crews")),
    )
    op.create_table(
        "sla_targets",
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("respond_minutes", sa.Integer(), nullable=False),
        sa.Column("resolve_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("type", "priority", name=op.f("pk_sla_targets")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('facility_manager', 'cleaning_supervisor', 'technician', 'viewer')",
            name=op.f("ck_users_role"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "crew_members",
        sa.Column("crew_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("is_supervisor", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crews.id"], name=op.f("fk_crew_members_crew_id_crews")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_crew_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("crew_id", "user_id", name=op.f("pk_crew_members")),
    )
    op.create_table(
        "floors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_floors_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floors")),
        sa.UniqueConstraint("building_id", "code", name=op.f("uq_floors_building_id")),
    )
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("floor_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("traffic", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_rooms_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["floor_id"], ["floors.id"], name=op.f("fk_rooms_floor_id_floors")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("building_id", "code", name=op.f("uq_rooms_building_id")),
    )
    op.create_index(op.f("ix_rooms_floor_id"), "rooms", ["floor_id"], unique=False)
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("crew_id", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("freq", sa.String(length=16), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("times", sa.String(length=200), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("month_day", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("anchor", sa.String(length=16), nullable=False),
        sa.Column("catch_up", sa.String(length=16), nullable=False),
        sa.Column("due_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("generated_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_plans_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["crew_id"], ["crews.id"], name=op.f("fk_plans_crew_id_crews")),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_plans_room_id_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("code", name=op.f("uq_plans_code")),
    )
    op.create_table(
        "skipped_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_skipped_occurrences_plan_id_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skipped_occurrences")),
        sa.UniqueConstraint(
            "plan_id", "occurrence_at", name=op.f("uq_skipped_occurrences_plan_id")
        ),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("crew_id", sa.String(length=32), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column("open_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion_notes", sa.Text(), nullable=True),
        sa.Column("time_spent_minutes", sa.Integer(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("touched", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high', 'urgent')", name=op.f("ck_work_orders_priority")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'assigned', 'in_progress', 'on_hold', 'done', 'verified', "
            "'cancelled')",
            name=op.f("ck_work_orders_status"),
        ),
        sa.CheckConstraint(
            "type IN ('routine', 'preventive', 'corrective', 'emergency')",
            name=op.f("ck_work_orders_type"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_work_orders_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_work_orders_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crews.id"], name=op.f("fk_work_orders_crew_id_crews")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_work_orders_plan_id_plans")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_work_orders_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("open_key", name=op.f("uq_work_orders_open_key")),
        sa.UniqueConstraint("plan_id", "occurrence_at", name=op.f("uq_work_orders_plan_id")),
    )
    op.create_index(
        op.f("ix_work_orders_assignee_id"), "work_orders", ["assignee_id"], unique=False
    )
    op.create_index(
        op.f("ix_work_orders_building_id"), "work_orders", ["building_id"], unique=False
    )
    op.create_index(op.f("ix_work_orders_crew_id"), "work_orders", ["crew_id"], unique=False)
    op.create_index(op.f("ix_work_orders_due_at"), "work_orders", ["due_at"], unique=False)
    op.create_index(op.f("ix_work_orders_status"), "work_orders", ["status"], unique=False)
    op.create_table(
        "work_order_alerts",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_alerts_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("work_order_id", "alert_id", name=op.f("pk_work_order_alerts")),
        sa.UniqueConstraint("alert_id", "rule_id", name=op.f("uq_work_order_alerts_alert_id")),
    )
    op.create_table(
        "work_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_events_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_events")),
    )
    op.create_index(
        op.f("ix_work_order_events_work_order_id"),
        "work_order_events",
        ["work_order_id"],
        unique=False,
    )

    crews = sa.table("crews", sa.column("id", sa.String), sa.column("name", sa.String))
    op.bulk_insert(crews, SEED_CREWS)


def downgrade() -> None:

    op.drop_index(op.f("ix_work_order_events_work_order_id"), table_name="work_order_events")
    op.drop_table("work_order_events")
    op.drop_table("work_order_alerts")
    op.drop_index(op.f("ix_work_orders_status"), table_name="work_orders")
    op.drop_index(op.f("ix_work_orders_due_at"), table_name="work_orders")
    op.drop_index(op.f("ix_work_orders_crew_id"), table_name="work_orders")
    op.drop_index(op.f("ix_work_orders_building_id"), table_name="work_orders")
    op.drop_index(op.f("ix_work_orders_assignee_id"), table_name="work_orders")
    op.drop_table("work_orders")
    op.drop_table("skipped_occurrences")
    op.drop_table("plans")
    op.drop_index(op.f("ix_rooms_floor_id"), table_name="rooms")
    op.drop_table("rooms")
    op.drop_table("floors")
    op.drop_table("crew_members")
    op.drop_table("users")
    op.drop_table("sla_targets")
    op.drop_table("crews")
    op.drop_table("buildings")
