"""Idempotency keys: a client that retries a create (after a crash or a lost answer) gets the ticket it made the first
time instead of a duplicate. Scoped per caller (a user, or an Open311 app), so keys of different clients never meet."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"

    scope: str = Field(primary_key=True, max_length=80, description="intake:user:<id> or open311:<app key digest>")
    key: str = Field(primary_key=True, max_length=100)
    body_digest: str = Field(max_length=64, description="sha256 of the request body")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", description="null while the first is running")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
