"""announcement numbers: a table of their own instead of audit-log ids

Announcements were numbered by the id of their `announcement.create` audit entry, so #12 could follow
#7 with nothing between. The announcements made so far keep their numbers (their outbox batches
`announcement:{id}` name them); new ones count on from the highest.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("donors", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index("ix_announcements_actor_id", "announcements", ["actor", "id"], unique=False)

    # The entry's details hold the audience (and the counts, copied below): same numbers, same rows.
    op.execute(
        "INSERT INTO announcements (id, actor, audience, donors, queued, created_at) "
        "SELECT id, actor, details, 0, 0, at FROM audit_log WHERE action = 'announcement.create'"
    )
    bind = op.get_bind()
    for entry_id, details in bind.execute(
        sa.text("SELECT id, details FROM audit_log WHERE action = 'announcement.create'")
    ).fetchall():
        values = json.loads(details) if isinstance(details, str) else dict(details or {})
        bind.execute(
            sa.text("UPDATE announcements SET donors = :donors, queued = :queued WHERE id = :id"),
            {
                "donors": int(values.get("donors") or 0),
                "queued": int(values.get("queued") or 0),
                "id": entry_id,
            },
        )
    if bind.dialect.name == "postgresql":  # explicit ids do not move the sequence on
        op.execute(
            "SELECT setval(pg_get_serial_sequence('announcements', 'id'), "
            "coalesce((SELECT max(id) FROM announcements), 1), (SELECT count(*) > 0 FROM announcements))"
        )


def downgrade() -> None:
    op.drop_index("ix_announcements_actor_id", table_name="announcements")
    op.drop_table("announcements")
