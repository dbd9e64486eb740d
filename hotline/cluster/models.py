"""One row per periodic job: who holds it, until when, and its fencing token."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime


class JobLease(SQLModel, table=True):
    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=64)  # the job: sweep, acd-ticker, rising
    holder: str | None = Field(default=None, max_length=128)  # the worker holding it (host:pid:random)
    # Bumped on every change of holder: a worker that lost the lease finds its token stale and writes nothing.
    token: int = 0
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acquired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
