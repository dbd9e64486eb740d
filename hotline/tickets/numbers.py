"""Ticket numbers a caller can read over the phone: YYMMDD of the local day + a 4-digit daily sequence.

2611220035 is the 35th ticket of 22 Nov 2026. The sequence widens past 9999 rather than wrapping.
"""

from datetime import datetime

from sqlmodel import Session

from hotline.db import dialect_insert
from hotline.localtime import format_centre
from hotline.tickets.models import TicketNumberCounter


def next_ticket_number(session: Session, now: datetime) -> str:
    day = format_centre(now, "%y%m%d")
    table = TicketNumberCounter.__table__
    insert = dialect_insert(session)
    # One atomic upsert: concurrent intakes (even the first two of a day) never share a number.
    statement = (
        insert(table)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    sequence = session.execute(statement).scalar_one()
    return f"{day}{sequence:04d}"
