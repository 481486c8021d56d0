"""notifications: the outbox, routed events, contact points, preferences, used links

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("sent_with", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("building", sa.String(length=64), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'suppressed')",
            name=op.f("ck_notification_deliveries_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint(
            "event_key", "recipient", "channel", name=op.f("uq_notification_deliveries_event_key")
        ),
    )
    op.create_index(
        "ix_notification_deliveries_due", "notification_deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_notification_deliveries_to",
        "notification_deliveries",
        ["recipient", "channel", "sent_at"],
    )
    for column in ("building", "alert_id", "work_order_id"):
        op.create_index(f"ix_notification_deliveries_{column}", "notification_deliveries", [column])
    op.create_table(
        "notification_events",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("building", sa.String(length=64), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("routed_at", TZ, nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notification_events")),
    )
    op.create_index("ix_notification_events_alert_id", "notification_events", ["alert_id"])
    op.create_index(
        "ix_notification_events_work_order_id", "notification_events", ["work_order_id"]
    )
    op.create_table(
        "notification_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_contacts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_contacts")),
        sa.UniqueConstraint("user_id", "channel", name=op.f("uq_notification_contacts_user_id")),
    )
    op.create_index("ix_notification_contacts_user_id", "notification_contacts", ["user_id"])
    op.create_table(
        "notification_prefs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("mute_warnings", sa.Boolean(), nullable=False),
        sa.Column("quiet_hours", sa.String(length=11), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notification_prefs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_prefs")),
    )
    op.create_table(
        "notification_used_links",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("used_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_notification_used_links")),
    )


def downgrade() -> None:
    op.drop_table("notification_used_links")
    op.drop_table("notification_prefs")
    op.drop_index("ix_notification_contacts_user_id", table_name="notification_contacts")
    op.drop_table("notification_contacts")
    op.drop_index("ix_notification_events_work_order_id", table_name="notification_events")
    op.drop_index("ix_notification_events_alert_id", table_name="notification_events")
    op.drop_table("notification_events")
    for column in ("work_order_id", "alert_id", "building"):
        op.drop_index(f"ix_notification_deliveries_{column}", table_name="notification_deliveries")
    op.drop_index("ix_notification_deliveries_to", table_name="notification_deliveries")
    op.drop_index("ix_notification_deliveries_due", table_name="notification_deliveries")
    op.drop_table("notification_deliveries")
