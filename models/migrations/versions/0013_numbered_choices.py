"""numbered choices: the choices a chat without buttons was shown, kept with its conversation

On Zalo and the console choices are numbered lines; the person answers "2" or the words. The numbers
belong to the message that showed them, so they are saved with the chat's state (a restart, or another
instance, reads "2" the same way) and replaced by every turn.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("choices", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("choices")
