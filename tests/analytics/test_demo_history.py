"""The demo history: real messages spread over the last year at their real weekday and time of day, handled at
their real reply intervals through the real lifecycle, no year-old ticket left open, and built only once."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from analytics.demo_history import RECENT, REDONE_REPLY, build_history
from hotline.clock import get_calendar
from hotline.db import engine_for
from hotline.demo.catalogue import load_catalogue, seed_departments
from hotline.demo.messages import read_messages, read_topics
from hotline.demo.people import demo_users, seed_users
from hotline.demo.stories import FIRST_REPLY
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.states import OPEN_STATES
from routing.acd.models import QueuedCall
from tests.conftest import real_data

LOCAL = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=LOCAL)  # fixed, so the year is the same on every run


def test_a_small_history_spans_a_year_of_real_messages_and_real_reply_intervals(sqlite_db, small_model):
    real_data("messages")
    lines: list[str] = []
    with Session(engine_for(sqlite_db)) as session:
        seed_departments(session, load_catalogue())
        seed_users(session, demo_users())
        assert build_history(session, 150, now=NOW, echo=lines.append, model_dir=small_model) == 150
        tickets = session.exec(select(Ticket)).all()
        events = session.exec(select(TicketEvent).order_by(TicketEvent.at, TicketEvent.id)).all()
        calls = session.exec(select(func.count()).select_from(QueuedCall)).one()
        # a second run (make run starts it every time) adds nothing
        assert build_history(session, 150, now=NOW, echo=lines.append) == 0
        assert session.exec(select(func.count()).select_from(Ticket)).one() == 150
    assert lines[-1].startswith("演示历史已经生成过")
    assert len(tickets) == 150 and calls == 150
    created = sorted(t.created_at for t in tickets)
    assert NOW - timedelta(weeks=52) <= created[0] and created[-1] < NOW - timedelta(days=1)
    assert created[-1] - created[0] > timedelta(days=300)
    assert len({c.astimezone(LOCAL).strftime("%Y-%m") for c in created}) >= 11  # every month has tickets
    # every ticket has a first-level topic: labelled.csv's for its title, else the classifier's suggestion
    official = set(read_topics(real_data()).values())
    topics = Counter(t.topic for t in tickets)
    assert set(topics) <= official and len(topics) >= 4, topics
    # real texts: each ticket is a real message, moved by whole 52-week steps (same weekday, same time of day)
    real: dict[tuple[str, str], list] = {}
    for m in read_messages(real_data()):
        real.setdefault((m.title, m.body), []).append(m)  # a few messages were posted twice, minutes apart
    by_id = {t.id: t for t in tickets}
    source = {}
    for ticket in tickets:
        moves = {m: ticket.created_at - m.time for m in real[(ticket.summary, ticket.description)]}
        message = next(m for m, moved in moves.items() if moved % timedelta(weeks=52) == timedelta(0) < moved)
        source[ticket.id] = message
    # real reply intervals: the accepted reply comes at the message's real reply time, moved the same way
    replies = [e for e in events if e.action == "reply" and e.after["latest_reply"] not in (FIRST_REPLY, REDONE_REPLY)]
    checked = 0
    for event in replies:
        ticket, message = by_id[event.ticket_id], source[event.ticket_id]
        if message.reply_time and event.after["latest_reply"][:20] == " ".join(message.reply.split())[:20]:
            assert event.at - ticket.created_at == message.reply_time - message.time
            checked += 1
    assert checked >= 30
    intervals = sorted((e.at - by_id[e.ticket_id].created_at).days for e in replies)
    assert intervals[len(intervals) // 2] >= 3  # real handling takes days, not the minutes a script would pick
    # a consistent lifecycle: closed tickets went through close; nothing old is left open
    closed = {e.ticket_id for e in events if e.action == "close"}
    assert {t.id for t in tickets if t.state == "closed"} == closed
    old_open = [t for t in tickets if t.state in OPEN_STATES and t.created_at < NOW - RECENT - timedelta(days=60)]
    assert not old_open, [(t.number, t.state) for t in old_open]
    # what is open is recent work: no clock run out more than a working day or two ago, nothing happens after NOW
    calendar = get_calendar()
    for ticket in tickets:
        if ticket.state in OPEN_STATES and ticket.next_due_at:
            assert calendar.working_days_between(ticket.next_due_at, NOW) <= 2, (ticket.number, ticket.state)
    assert all(e.at <= NOW for e in events)
    actions = Counter(e.action for e in events)
    assert actions["dispatch"] > 50 and actions["answer"] > 5 and actions["callback"] > 30


def test_the_command_tells_what_is_missing_and_fails_only_without_demo_users(sqlite_db, monkeypatch, tmp_path):
    real_data("messages")
    from typer.testing import CliRunner

    from analytics.cli import app
    from tests.conftest import reset_settings

    no_users = CliRunner().invoke(app, ["demo-history", "--tickets", "10"])
    assert no_users.exit_code == 1 and "请先运行 hotline demo seed" in no_users.output
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "no-data-here"))
    reset_settings()
    no_data = CliRunner().invoke(app, ["demo-history", "--tickets", "10"])
    assert no_data.exit_code == 0, no_data.output  # a fresh install without the data still starts (make run)
    assert "未找到真实留言数据" in no_data.output
