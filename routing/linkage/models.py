"""Linkage tables: transfers (ours out, theirs in), the outbox that delivers them, messages and nonces seen."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


def _when(nullable: bool = True, index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime, nullable=nullable, index=index))


class LinkageTransfer(SQLModel, table=True):
    """One ticket handed to a partner (direction out) or received from one (direction in)."""

    __tablename__ = "linkage_transfer"

    id: int | None = Field(default=None, primary_key=True)
    partner: str = Field(max_length=8, description="110 or city")
    direction: str = Field(max_length=4, description="out: we transferred; in: the partner transferred to us")
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    idempotency_key: str = Field(max_length=64, unique=True, description="the same transfer never counts twice")
    partner_case_id: str | None = Field(default=None, max_length=64, description="their case number (from the ack)")
    status: str = Field(default="pending", max_length=16, description="pending, acknowledged, or their last status")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A message to a partner, written in the same transaction as the ticket change that caused it."""

    __tablename__ = "linkage_outbox"
    __table_args__ = (Index("ix_linkage_outbox_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    partner: str = Field(max_length=8)
    transfer_id: int = Field(foreign_key="linkage_transfer.id", index=True)
    path: str = Field(max_length=100, description="partner endpoint path, e.g. /api/transfers")
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=12, description="pending, delivered, dead")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    claimed_until: datetime | None = _when()
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    delivered_at: datetime | None = _when()
    version: int = Field(default=1, description="optimistic lock for claims by several workers")


class InboundMessage(SQLModel, table=True):
    """Each partner message we acted on, so a duplicate callback or transfer changes nothing the second time."""

    __tablename__ = "linkage_inbound"
    __table_args__ = (UniqueConstraint("partner", "message_id", name="uq_linkage_inbound_message"),)

    id: int | None = Field(default=None, primary_key=True)
    partner: str = Field(max_length=8)
    message_id: str = Field(max_length=64)
    kind: str = Field(max_length=16, description="status or transfer")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class SeenNonce(SQLModel, table=True):
    """Nonces of signed requests inside the replay window; a second use of one is a replay."""

    __tablename__ = "linkage_nonce"

    partner: str = Field(primary_key=True, max_length=8)
    nonce: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
