"""Self-service tables: every lookup audited, and Open311 tokens for requests created through the façade."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class LookupAudit(SQLModel, table=True):
    __tablename__ = "selfservice_lookup"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    channel: str = Field(max_length=12, description="web, voice, open311")
    kind: str = Field(max_length=12, description="ticket or approval")
    number: str = Field(max_length=40, index=True, description="the number asked about, as given")
    ip: str = Field(max_length=64, index=True)
    outcome: str = Field(max_length=16, description="found, not_found, rate_limited, no_number")


class Open311Token(SQLModel, table=True):
    __tablename__ = "open311_token"

    token: str = Field(primary_key=True, max_length=40)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class Open311Request(SQLModel, table=True):
    """Where a request POSTed through Open311 said it was, shown back to the apps as they sent it (GeoReport v2);
    tickets taken by phone show only their district."""

    __tablename__ = "open311_request"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    address_string: str | None = Field(default=None, max_length=200)
    lat: float | None = None
    long: float | None = None
