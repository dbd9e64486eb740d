"""cluster: job_lease (each periodic job on the one worker holding its lease) and rising_alert (each spike
alerted once)

Revision ID: c1a5e0b7d301
Revises: 0078d8e3e1f6, 090dd110bae1, 294238d9573b, a9c8de6ee814, c1a55f1e7d01 (joins main's heads into one)
Create Date: 2026-12-03 14:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.db

revision: str = 'c1a5e0b7d301'
down_revision: str | tuple[str, ...] | None = ('0078d8e3e1f6', '090dd110bae1', '294238d9573b', 'a9c8de6ee814', 'c1a55f1e7d01')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'job_lease',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column('token', sa.Integer(), nullable=False),
        sa.Column('expires_at', hotline.db.UTCDateTime(), nullable=True),
        sa.Column('acquired_at', hotline.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'rising_alert',
        sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('alerted_at', hotline.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'label'),
    )


def downgrade() -> None:
    op.drop_table('rising_alert')
    op.drop_table('job_lease')
