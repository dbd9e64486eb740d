"""Filling the desk search's stored columns for rows written without the models' hooks.

Used by the migration that added them (existing tickets and callers) and by the search benchmark (its rows are
bulk-loaded). Same functions as the hooks, so the stored values cannot differ by how a row was written.
"""

from sqlalchemy import Connection, text, update

from hotline.tickets.grams import grams, last4
from hotline.tickets.models import NEXT_DUE, Ticket

BATCH = 5000


def fill_search_columns(connection: Connection) -> int:
    """Fill every ticket whose `search_grams` is empty and every caller without `phone_last4`, and every ticket's
    `next_due_at`; the number of tickets whose text was indexed."""
    callers = connection.execute(text("SELECT id, phone FROM caller WHERE phone_last4 IS NULL")).all()
    for start in range(0, len(callers), BATCH):
        connection.execute(
            text("UPDATE caller SET phone_last4 = :tail WHERE id = :id"),
            [{"id": i, "tail": last4(phone)} for i, phone in callers[start : start + BATCH]],
        )
    filled, last_id = 0, 0
    while True:
        rows = connection.execute(
            text(
                "SELECT id, number, callback_phone, summary, description, address FROM ticket "
                "WHERE search_grams IS NULL AND id > :after ORDER BY id LIMIT :n"
            ),
            {"after": last_id, "n": BATCH},
        ).all()
        if not rows:
            connection.execute(update(Ticket.__table__).values(next_due_at=NEXT_DUE))
            return filled
        connection.execute(
            text("UPDATE ticket SET number_last4 = :n4, callback_last4 = :c4, search_grams = :g WHERE id = :id"),
            [
                {"id": r.id, "n4": last4(r.number), "c4": last4(r.callback_phone),
                 "g": grams(r.summary, r.description, r.address)}
                for r in rows
            ],
        )  # fmt: skip
        filled += len(rows)
        last_id = rows[-1].id
