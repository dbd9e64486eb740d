"""classifier: suggestions marked wrong (标记建议有误)

Revision ID: c1a55f1e7d01
Revises: b7c41e2a9d15
Create Date: 2026-12-03 14:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.db

revision: str = 'c1a55f1e7d01'
down_revision: str | None = 'b7c41e2a9d15'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'classifier_feedback',
        sa.Column('created_at', hotline.db.UTCDateTime(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('model_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('head', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('suggested', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('correct', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('classifier_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classifier_feedback_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_classifier_feedback_model_id'), ['model_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('classifier_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classifier_feedback_model_id'))
        batch_op.drop_index(batch_op.f('ix_classifier_feedback_created_at'))
    op.drop_table('classifier_feedback')
