"""login sessions: 退出登录 and the idle timeout end a token on the server (等保 2.0 结束会话 / 超时自动退出)

Revision ID: a7d4c2e9f013
Revises: d3e5a7c9b1f2
Create Date: 2026-12-03 17:40:00

Tokens issued before this revision carry no session and are refused: everyone signs in once more after the upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

revision: str = "a7d4c2e9f013"
down_revision: str | None = "d3e5a7c9b1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", hotline.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", hotline.db.UTCDateTime(), nullable=False),
        sa.Column("ended_at", hotline.db.UTCDateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_login_session_user_id"), "login_session", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_session_user_id"), table_name="login_session")
    op.drop_table("login_session")
