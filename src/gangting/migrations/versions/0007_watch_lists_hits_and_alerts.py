"""watch-lists, hits and alerts (缉查布控, 比中, 告警)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 06:56:22.552568
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "watch_list_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_list_counter")),
    )
    # The one counter row every change of the list raises (version 0: the empty list).
    op.execute("INSERT INTO watch_list_counter (id, version) VALUES (1, 0)")
    op.create_table(
        "alerts",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("cause", sa.String(length=48), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("booth_id", sa.Uuid(), nullable=True),
        sa.Column("subject_kind", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("raised_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_raised_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("cleared_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("close_note", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_alerts_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_alerts_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["staff_accounts.id"], name=op.f("fk_alerts_owner_id_staff_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_booth_state", ["booth_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_org_unit_id"), ["org_unit_id"], unique=False)
        batch_op.create_index("ix_alerts_state_raised", ["state", "raised_at"], unique=False)
        batch_op.create_index("ix_alerts_subject", ["subject_kind", "subject_id"], unique=False)
        batch_op.create_index(
            "uq_alerts_key_not_closed",
            ["key"],
            unique=True,
            sqlite_where=sa.text("state <> 'closed'"),
            postgresql_where=sa.text("state <> 'closed'"),
        )

    op.create_table(
        "watch_list_entries",
        sa.Column("plate_no", sa.String(length=10), nullable=False),
        sa.Column("reason_kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", _JSON, nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("facts", _JSON, nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("expires_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=200), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_accounts.id"],
            name=op.f("fk_watch_list_entries_owner_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_watch_list_entries_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_list_entries")),
    )
    with op.batch_alter_table("watch_list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_watch_list_entries_plate_no", ["plate_no"], unique=False)
        batch_op.create_index("ix_watch_list_entries_version", ["version"], unique=False)
        batch_op.create_index(
            "uq_watch_list_entries_active_plate_kind",
            ["plate_no", "reason_kind"],
            unique=True,
            sqlite_where=sa.text("state = 'active'"),
            postgresql_where=sa.text("state = 'active'"),
        )

    op.create_table(
        "watch_list_hits",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("plate_read_id", sa.Uuid(), nullable=True),
        sa.Column("booth_id", sa.Uuid(), nullable=False),
        sa.Column("camera", sa.String(length=32), nullable=False),
        sa.Column("plate_no", sa.String(length=10), nullable=False),
        sa.Column("read_plate", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("matches", _JSON, nullable=False),
        sa.Column("seen_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("raised_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", gangting.kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_watch_list_hits_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_watch_list_hits_decided_by_id_staff_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["watch_list_entries.id"],
            name=op.f("fk_watch_list_hits_entry_id_watch_list_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["plate_read_id"],
            ["plate_reads.id"],
            name=op.f("fk_watch_list_hits_plate_read_id_plate_reads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_list_hits")),
        sa.UniqueConstraint("plate_read_id", name=op.f("uq_watch_list_hits_plate_read_id")),
    )
    with op.batch_alter_table("watch_list_hits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_watch_list_hits_booth_plate_seen", ["booth_id", "plate_no", "seen_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_watch_list_hits_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            "ix_watch_list_hits_state_raised", ["state", "raised_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("watch_list_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_list_hits_state_raised")
        batch_op.drop_index(batch_op.f("ix_watch_list_hits_entry_id"))
        batch_op.drop_index("ix_watch_list_hits_booth_plate_seen")

    op.drop_table("watch_list_hits")
    with op.batch_alter_table("watch_list_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_watch_list_entries_active_plate_kind",
            sqlite_where=sa.text("state = 'active'"),
            postgresql_where=sa.text("state = 'active'"),
        )
        batch_op.drop_index("ix_watch_list_entries_version")
        batch_op.drop_index("ix_watch_list_entries_plate_no")

    op.drop_table("watch_list_entries")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alerts_key_not_closed",
            sqlite_where=sa.text("state <> 'closed'"),
            postgresql_where=sa.text("state <> 'closed'"),
        )
        batch_op.drop_index("ix_alerts_subject")
        batch_op.drop_index("ix_alerts_state_raised")
        batch_op.drop_index(batch_op.f("ix_alerts_org_unit_id"))
        batch_op.drop_index("ix_alerts_booth_state")

    op.drop_table("alerts")
    op.drop_table("watch_list_counter")
