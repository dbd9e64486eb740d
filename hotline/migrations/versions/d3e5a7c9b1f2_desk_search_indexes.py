"""desk search indexes: last four digits of phones and numbers, text pairs (FTS5 / GIN), stored next due

Revision ID: d3e5a7c9b1f2
Revises: c1a5e0b7d301
Create Date: 2026-12-03 15:10:00

Existing rows are filled here; new ones by the models' insert/update hooks (hotline/tickets/models.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db

from hotline.tickets.searchfill import fill_search_columns

revision: str = "d3e5a7c9b1f2"
down_revision: str | None = "c1a5e0b7d301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite: an external-content FTS5 table over ticket.search_grams, kept in step by triggers.
_SQLITE = (
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(search_grams, content='ticket', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER ticket_fts_insert AFTER INSERT ON ticket WHEN new.search_grams IS NOT NULL BEGIN "
    "INSERT INTO ticket_fts(rowid, search_grams) VALUES (new.id, new.search_grams); END",
    "CREATE TRIGGER ticket_fts_delete AFTER DELETE ON ticket WHEN old.search_grams IS NOT NULL BEGIN "
    "INSERT INTO ticket_fts(ticket_fts, rowid, search_grams) VALUES ('delete', old.id, old.search_grams); END",
    # One trigger, old tokens out before the new ones go in (two triggers would fire in no promised order).
    "CREATE TRIGGER ticket_fts_update AFTER UPDATE OF search_grams ON ticket BEGIN "
    "INSERT INTO ticket_fts(ticket_fts, rowid, search_grams) SELECT 'delete', old.id, old.search_grams "
    "WHERE old.search_grams IS NOT NULL; "
    "INSERT INTO ticket_fts(rowid, search_grams) SELECT new.id, new.search_grams WHERE new.search_grams IS NOT NULL; "
    "END",
)
_SQLITE_DOWN = ("DROP TRIGGER ticket_fts_insert", "DROP TRIGGER ticket_fts_delete", "DROP TRIGGER ticket_fts_update",
                "DROP TABLE ticket_fts")  # fmt: skip
# PostgreSQL: the query must spell the expression exactly so (search.py) for the planner to use the index.
_PG = "CREATE INDEX ix_ticket_search_grams ON ticket USING gin (to_tsvector('simple'::regconfig, search_grams))"


def upgrade() -> None:
    op.add_column("caller", sa.Column("phone_last4", sa.String(length=4), nullable=True))
    op.create_index("ix_caller_phone_last4", "caller", ["phone_last4"])
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("number_last4", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("callback_last4", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("search_grams", sa.Text(), nullable=True))
        batch.add_column(sa.Column("next_due_at", hotline.db.UTCDateTime(), nullable=True))
    op.create_index("ix_ticket_number_last4", "ticket", ["number_last4"])
    op.create_index("ix_ticket_callback_last4", "ticket", ["callback_last4"])
    op.create_index("ix_ticket_callback_phone", "ticket", ["callback_phone"])
    op.create_index("ix_ticket_district_state", "ticket", ["district", "state"])
    op.create_index(
        "ix_ticket_due_order",
        "ticket",
        [sa.text("(next_due_at IS NULL)"), "next_due_at", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    bind = op.get_bind()
    for statement in _SQLITE if bind.dialect.name == "sqlite" else (_PG,):
        op.execute(statement)
    fill_search_columns(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
    else:
        op.drop_index("ix_ticket_search_grams", table_name="ticket")
    op.drop_index("ix_ticket_due_order", table_name="ticket")
    op.drop_index("ix_ticket_district_state", table_name="ticket")
    op.drop_index("ix_ticket_callback_phone", table_name="ticket")
    op.drop_index("ix_ticket_callback_last4", table_name="ticket")
    op.drop_index("ix_ticket_number_last4", table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("next_due_at")
        batch.drop_column("search_grams")
        batch.drop_column("callback_last4")
        batch.drop_column("number_last4")
    op.drop_index("ix_caller_phone_last4", table_name="caller")
    op.drop_column("caller", "phone_last4")
