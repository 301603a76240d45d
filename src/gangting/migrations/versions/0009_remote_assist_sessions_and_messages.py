"""remote assist (远程协助): sessions and messages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 07:16:16.985772
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gangting.kernel.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_UTC = gangting.kernel.db.UTCDateTime(timezone=True)
_NOT_CLOSED = sa.text("state <> 'closed'")


def upgrade() -> None:
    op.create_table(
        "assist_sessions",
        sa.Column("booth_id", sa.Uuid(), nullable=False),
        sa.Column("help_call_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", _UTC, nullable=False),
        sa.Column("operator_id", sa.Uuid(), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("joined_at", _UTC, nullable=True),
        sa.Column("closed_at", _UTC, nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("close_note", sa.String(length=200), nullable=True),
        sa.Column("screen", _JSON, nullable=False),
        sa.Column("screen_reported_at", _UTC, nullable=True),
        sa.Column("booth_seen_at", _UTC, nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booth_id"], ["booths.id"], name=op.f("fk_assist_sessions_booth_id_booths")
        ),
        sa.ForeignKeyConstraint(
            ["help_call_id"],
            ["help_calls.id"],
            name=op.f("fk_assist_sessions_help_call_id_help_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["staff_accounts.id"],
            name=op.f("fk_assist_sessions_operator_id_staff_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_sessions")),
    )
    with op.batch_alter_table("assist_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assist_sessions_state_opened", ["state", "opened_at"], unique=False
        )
        batch_op.create_index(
            "uq_assist_sessions_booth_not_closed",
            ["booth_id"],
            unique=True,
            sqlite_where=_NOT_CLOSED,
            postgresql_where=_NOT_CLOSED,
        )

    op.create_table(
        "assist_messages",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", _UTC, nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["assist_sessions.id"],
            name=op.f("fk_assist_messages_session_id_assist_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_messages")),
        sa.UniqueConstraint(
            "session_id", "client_id", name=op.f("uq_assist_messages_session_id_client_id")
        ),
        sa.UniqueConstraint("session_id", "seq", name=op.f("uq_assist_messages_session_id_seq")),
    )


def downgrade() -> None:
    op.drop_table("assist_messages")
    with op.batch_alter_table("assist_sessions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_assist_sessions_booth_not_closed",
            sqlite_where=_NOT_CLOSED,
            postgresql_where=_NOT_CLOSED,
        )
        batch_op.drop_index("ix_assist_sessions_state_opened")
    op.drop_table("assist_sessions")
