"""hall commands: a cmd_id is scoped to (user, hall, command) and remembers its content

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hall_commands", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("request_sha256", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_hall_commands_user_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_hall_commands_user_id", ["user_id", "tender_id", "name", "cmd_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("hall_commands", schema=None) as batch_op:
        batch_op.drop_constraint("uq_hall_commands_user_id", type_="unique")
        batch_op.create_unique_constraint("uq_hall_commands_user_id", ["user_id", "cmd_id"])
        batch_op.drop_column("request_sha256")
