"""Every self-service lookup leaves a row: when, from where, which number, what came of it."""

from fastapi import Request
from sqlmodel import Session

from selfservice.models import LookupAudit


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def audit(session: Session, channel: str, kind: str, number: str, ip: str, outcome: str) -> None:
    session.add(LookupAudit(channel=channel, kind=kind, number=number[:40], ip=ip[:64], outcome=outcome))
    session.commit()
