"""The hourly rising-issue check inside the app: the one worker holding its lease looks at today's tickets and
alerts managers (`analytics.rising`) of each spike once, however often it is found again."""

from collections.abc import Sequence

from sqlmodel import Session

from analytics.models import RisingAlert
from analytics.spikes import RisingIssue, rising_for
from hotline.db import dialect_insert, get_engine, utcnow
from hotline.events import Event, publish_after_commit
from hotline.localtime import centre_today


def alert_new(session: Session, issues: Sequence[RisingIssue]) -> list[RisingIssue]:
    """Record each issue not alerted before and publish it after the commit; returns the new ones."""
    insert = dialect_insert(session)
    table = RisingAlert.__table__
    new = []
    for issue in issues:
        row = {"day": issue.day or "", "label": issue.label[:200], "kind": issue.kind, "count": issue.count,
               "alerted_at": utcnow()}  # fmt: skip
        statement = insert(table).values(**row).on_conflict_do_nothing().returning(table.c.day)
        if session.execute(statement).first() is not None:  # (rowcount is -1 here on PostgreSQL)
            publish_after_commit(session, Event("analytics.rising", issue.payload()))
            new.append(issue)
    session.commit()
    return new


def check_rising_once() -> int:
    with Session(get_engine()) as session:
        return len(alert_new(session, rising_for(session, centre_today())))
