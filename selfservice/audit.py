"""Every self-service lookup leaves a row: when, from where, which number, what came of it."""

from sqlmodel import Session

from hotline.security.clientip import client_ip
from selfservice.models import LookupAudit

__all__ = ["audit", "client_ip"]


def audit(session: Session, channel: str, kind: str, number: str, ip: str, outcome: str) -> None:
    session.add(LookupAudit(channel=channel, kind=kind, number=number[:40], ip=ip[:64], outcome=outcome))
    session.commit()
