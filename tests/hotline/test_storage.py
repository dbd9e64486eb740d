"""Storage on both databases: the migrations build exactly the schema the models describe, times come back
as aware UTC, Chinese text and JSON history survive, SQLite runs in WAL mode."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from hotline.callers.models import Caller, mask_phone
from hotline.db import engine_for
from hotline.migrate import include_object
from hotline.tickets.models import TicketEvent


def test_migrations_match_the_models(db):
    with engine_for(db).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_times_come_back_aware_utc_and_naive_times_are_refused(session):
    beijing = timezone(timedelta(hours=8))
    caller = Caller(phone="13800000000", created_at=datetime(2026, 2, 16, 23, 30, tzinfo=beijing))
    session.add(caller)
    session.commit()
    session.expire_all()
    again = session.exec(select(Caller)).one()
    assert again.created_at == datetime(2026, 2, 16, 15, 30, tzinfo=UTC)
    assert again.created_at.tzinfo is not None
    session.add(Caller(phone="13800000001", created_at=datetime(2026, 1, 1, 8, 0)))
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()
    session.rollback()


def test_chinese_text_and_json_history_survive(session, people):
    from hotline.tickets import service
    from hotline.tickets.service import TicketDraft
    from hotline.tickets.states import RequestType
    from hotline.tickets.steps import find_ticket

    description = "反映：A3区含浦街道😀某小区“垃圾站”异味严重，请尽快处理！"
    ticket = service.intake(session, people.agent, TicketDraft(RequestType.complaint, "垃圾站异味", description))
    service.dispatch(session, people.agent, ticket.number, people.housing.id, note="转住建局处理")
    session.expire_all()
    entries = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
    assert entries[-1].note == "转住建局处理"
    assert entries[-1].after["department_id"] == people.housing.id
    assert entries[-1].after["state"] == "dispatched"
    assert find_ticket(session, ticket.number).description == description


def test_sqlite_runs_in_wal_mode(sqlite_db):
    with Session(engine_for(sqlite_db)) as session:
        assert session.exec(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.exec(text("PRAGMA foreign_keys")).scalar() == 1


def test_masked_phone():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("073184001234") == "073****1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) is None
