"""Tables of the ticket domain: the ticket, its append-only history, its attachments and number counters."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, case, event, inspect, text
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow
from hotline.tickets.grams import GRAMMED_FIELDS, grams, last4
from hotline.tickets.states import Channel, TicketState, Urgency

# The deadline that matters now: sign-for while dispatched, the reply while in progress, the callback while it
# waits for one, else the reply's (NEXT_DUE below is the same as SQL).
DUE_OF_STATE = {
    TicketState.dispatched: "sign_due_at",
    TicketState.in_progress: "reply_due_at",
    TicketState.callback_pending: "callback_due_at",
}
DEFAULT_DUE = "reply_due_at"


def _when(nullable: bool = True, index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime, nullable=nullable, index=index))


class Ticket(SQLModel, table=True):
    """Enumerated columns are stored as plain strings (see states.py) so new values need no schema change."""

    __table_args__ = (
        Index("ix_ticket_state_department", "state", "department_id"),
        Index("ix_ticket_district_state", "district", "state"),  # the desk's district filter, alone or with a state
        # The desk search's default order (search.py), so that its first page is read off the index, not sorted.
        Index(
            "ix_ticket_due_order",
            text("(next_due_at IS NULL)"),
            "next_due_at",
            text("created_at DESC"),
            text("id DESC"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(index=True, unique=True, max_length=16, description="工单编号, digits readable over the phone")
    channel: str = Field(default=Channel.phone, max_length=16)
    request_type: str = Field(max_length=8)
    topic: str | None = Field(default=None, max_length=50, description="一级分类, e.g. 城乡建设")
    subtopic: str | None = Field(default=None, max_length=100)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    district: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)
    urgency: str = Field(default=Urgency.normal, max_length=8)
    summary: str = Field(max_length=200, description="标题 / 诉求摘要")
    description: str = Field(sa_column=Column(Text, nullable=False))
    caller_id: int | None = Field(default=None, foreign_key="caller.id", index=True)
    callback_phone: str | None = Field(
        default=None, index=True, max_length=20, description="回访号码, when not the line"
    )
    number_last4: str | None = Field(default=None, index=True, max_length=4, description="search index: 尾号 of number")
    callback_last4: str | None = Field(default=None, index=True, max_length=4, description="search index: 尾号")
    search_grams: str | None = Field(
        default=None, sa_column=Column(Text), description="search index: character pairs of title, body, address"
    )
    confidential: bool = Field(default=False, description="保密: the caller's identity stays inside the centre")
    call_id: int | None = Field(default=None, foreign_key="call.id")
    state: str = Field(default=TicketState.received, max_length=20, index=True)
    parent_id: int | None = Field(
        default=None, foreign_key="ticket.id", index=True, description="并单: the main ticket"
    )
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

    # Clocks (every deadline of the ticket is kept on it).
    dispatched_at: datetime | None = _when()
    sign_due_at: datetime | None = _when()
    reply_due_at: datetime | None = _when(index=True)
    callback_due_at: datetime | None = _when()
    next_due_at: datetime | None = _when()  # the deadline that matters now (DUE_OF_STATE), stored for ordering
    closed_at: datetime | None = _when()
    sla_flag: str | None = Field(default=None, max_length=16, description="near_due or overdue for the current due")

    # What the lifecycle has gathered so far.
    answer: str | None = Field(default=None, sa_column=Column(Text))
    knowledge_ref: str | None = Field(default=None, max_length=100)
    latest_reply: str | None = Field(default=None, sa_column=Column(Text))
    pending_extension_days: int | None = None
    pending_extension_reason: str | None = Field(default=None, max_length=500)
    extended_days: int = 0
    return_count: int = 0
    reopen_count: int = 0
    reminder_count: int = 0
    supervised: bool = False
    satisfaction: str | None = Field(default=None, max_length=16)
    version: int = Field(default=1, description="optimistic lock: each step bumps it")


class TicketEvent(SQLModel, table=True):
    """One entry of a ticket's history. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "ticket_event"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    action: str = Field(max_length=32, index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="user.id", description="None for the system's clocks")
    actor_name: str = Field(max_length=50)
    actor_role: str = Field(max_length=16)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, sa_column=Column(Text))
    before: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="ticket_event.id")
    filename: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=200, description="path below the attachment folder")
    uploaded_by_id: int | None = Field(default=None, foreign_key="user.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class TicketNumberCounter(SQLModel, table=True):
    """The last sequence used on each day; ticket numbers are YYMMDD + sequence."""

    __tablename__ = "ticket_number_counter"

    day: str = Field(primary_key=True, max_length=6)
    last: int = 0


# DUE_OF_STATE as SQL: fills `next_due_at` of rows written without the hook below (searchfill.py).
NEXT_DUE = case(
    *((Ticket.state == state, getattr(Ticket, due)) for state, due in DUE_OF_STATE.items()),
    else_=getattr(Ticket, DEFAULT_DUE),
)


@event.listens_for(Ticket, "before_insert")
@event.listens_for(Ticket, "before_update")
def _fill_search_columns(_mapper, _connection, ticket: Ticket) -> None:
    """The desk search's stored columns follow the text they index, whichever step changed it."""
    state = inspect(ticket)
    ticket.number_last4 = last4(ticket.number)
    ticket.callback_last4 = last4(ticket.callback_phone)
    ticket.next_due_at = getattr(ticket, DUE_OF_STATE.get(ticket.state, DEFAULT_DUE))
    if ticket.search_grams is None or any(state.attrs[f].history.has_changes() for f in GRAMMED_FIELDS):
        ticket.search_grams = grams(*(getattr(ticket, f) for f in GRAMMED_FIELDS))
