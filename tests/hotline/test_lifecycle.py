"""Every legal and illegal step of the ticket lifecycle, on SQLite and PostgreSQL."""

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import Session, func, select

from hotline.db import at_time, engine_for
from hotline.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.tickets import service
from hotline.tickets.models import Ticket, TicketEvent
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType, TicketState
from routing.linkage import service as linkage
from routing.linkage.models import OutboxMessage
from routing.linkage.settings import get_linkage_settings

S = TicketState
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def linkage_partner(monkeypatch):
    """Transfers need a configured partner address (nothing is delivered in these tests)."""
    monkeypatch.setenv("HOTLINE_LINKAGE_110_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HOTLINE_LINKAGE_CITY_URL", "http://127.0.0.1:9")
    get_linkage_settings.cache_clear()
    yield
    get_linkage_settings.cache_clear()


def new_ticket(session, people, **overrides) -> Ticket:
    fields = {
        "request_type": RequestType.complaint,
        "summary": "小区夜间施工噪音扰民",
        "description": "A2区某小区工地每天晚上十一点后仍在施工，噪音很大，影响休息。",
        "caller_phone": "13812341234",
        "district": "A2区",
    }
    return service.intake(session, people.agent, TicketDraft(**(fields | overrides)))


def bring_to(session, people, state: TicketState) -> Ticket:
    """A fresh ticket walked by the real steps to `state`."""
    t = new_ticket(session, people)
    n = t.number
    if state == S.received:
        return t
    if state == S.merged:
        parent = new_ticket(session, people, summary="同一工地噪音")
        return service.merge(session, people.agent, n, parent.number)
    if state == S.closed:
        return service.answer(session, people.agent, n, "已告知夜间施工投诉的处理渠道")
    if state == S.transferred:
        return linkage.transfer(session, people.agent, n, "110", "现场有人持械")
    if state == S.transfer_failed:  # the outbox gave up on the transfer (tests/linkage walks the real delivery)
        linkage.transfer(session, people.agent, n, "110", "现场有人持械")
        message = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        dead = update(OutboxMessage).where(OutboxMessage.id == message.id).values(state="dead")
        assert linkage.transfer_gave_up(session, message, dead, "连接被拒绝")
        return session.get(Ticket, t.id)
    t = service.dispatch(session, people.agent, n, people.housing.id)
    if state == S.dispatched:
        return t
    if state == S.returned:
        return service.return_ticket(session, people.liaison, n, "不属于本单位职责，应由属地街道处理")
    t = service.sign(session, people.liaison, n)
    if state == S.in_progress:
        return t
    t = service.reply(session, people.liaison, n, "已责令施工单位停止夜间施工并处罚款")
    if state == S.replied:
        return t
    t = service.review_reply(session, people.supervisor, n, accept=True)
    if state == S.callback_pending:
        return t
    if state == S.reopened:
        # A directly answered ticket whose caller is not satisfied waits for dispatch again.
        t2 = new_ticket(session, people)
        service.answer(session, people.agent, t2.number, "已解释政策", callback=True)
        return service.callback(session, people.agent, t2.number, satisfied=False, note="市民认为没有解决")
    raise AssertionError(state)


# Each step, tried as a role that may take it. Written out by hand from the lifecycle in the issue,
# not derived from the code's own tables.
STEPS = {
    "answer": lambda s, p, n: service.answer(s, p.agent, n, "按政策答复"),
    "dispatch": lambda s, p, n: service.dispatch(s, p.agent, n, p.housing.id),
    "sign": lambda s, p, n: service.sign(s, p.liaison, n),
    "return": lambda s, p, n: service.return_ticket(s, p.liaison, n, "不属于本单位职责"),
    "redispatch": lambda s, p, n: service.redispatch(s, p.supervisor, n, p.transport.id),
    "insist": lambda s, p, n: service.insist(s, p.supervisor, n, "属于住建职责，维持原派"),
    "request_extension": lambda s, p, n: service.request_extension(s, p.liaison, n, 3, "需要现场勘查"),
    "reply": lambda s, p, n: service.reply(s, p.liaison, n, "已经处理完毕，情况如下"),
    "accept_reply": lambda s, p, n: service.review_reply(s, p.supervisor, n, accept=True),
    "send_back_reply": lambda s, p, n: service.review_reply(s, p.supervisor, n, accept=False, note="答复不完整"),
    "callback": lambda s, p, n: service.callback(s, p.agent, n, satisfied=True),
    "merge": lambda s, p, n: service.merge(s, p.agent, n, new_ticket(s, p).number),
    "supervise": lambda s, p, n: service.supervise(s, p.manager, n, "请加快办理"),
    "remind": lambda s, p, n: service.remind(s, p.agent, n, "市民来电催问"),
    "transfer": lambda s, p, n: linkage.transfer(s, p.agent, n, "city", "占道经营"),
}

LIAISON_STEPS = {"sign", "return", "request_extension", "reply"}

LEGAL = {
    S.received: {"answer", "dispatch", "merge", "supervise", "transfer"},
    S.dispatched: {"sign", "return", "supervise", "remind"},
    S.returned: {"redispatch", "insist", "supervise", "transfer"},
    S.in_progress: {"request_extension", "reply", "supervise", "remind"},
    S.replied: {"accept_reply", "send_back_reply", "supervise", "remind"},
    S.callback_pending: {"callback", "supervise"},
    S.reopened: {"answer", "dispatch", "merge", "supervise", "transfer"},
    S.closed: set(),
    S.merged: set(),
    S.transferred: {"supervise"},  # then only the partner's signed callbacks move it (tests/linkage)
    S.transfer_failed: {"answer", "dispatch", "supervise"},  # or 重新转办 (tests/linkage/test_outbox.py)
}

AFTER = {
    "answer": S.closed,
    "dispatch": S.dispatched,
    "sign": S.in_progress,
    "return": S.returned,
    "redispatch": S.dispatched,
    "insist": S.dispatched,
    "request_extension": S.in_progress,
    "reply": S.replied,
    "accept_reply": S.callback_pending,
    "send_back_reply": S.in_progress,
    "callback": S.closed,
    "merge": S.merged,
    "transfer": S.transferred,
}


def history(session, ticket) -> list[TicketEvent]:
    return list(
        session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
    )


@pytest.mark.parametrize("state", list(S))
def test_every_step_from_every_state(session, people, state):
    for step_name, run in STEPS.items():
        ticket = bring_to(session, people, state)
        events_before = len(history(session, ticket))
        if step_name in LEGAL[state]:
            after = run(session, people, ticket.number)
            assert after.state == AFTER.get(step_name, state), step_name
            assert len(history(session, after)) > events_before, f"{step_name} left no history"
        else:
            with pytest.raises((Conflict, Forbidden)) as refused:
                run(session, people, ticket.number)
            if ticket.department_id != people.liaison.department_id and step_name in LIAISON_STEPS:
                # A ticket that is not with the liaison's department is out of their reach altogether.
                assert refused.value.code == "other_department", step_name
            else:
                assert refused.value.code == "illegal_transition", step_name
                assert "不能" in refused.value.message
            session.expire_all()
            again = session.get(Ticket, ticket.id)
            assert again.state == state and again.version == ticket.version, f"{step_name} changed a refused ticket"
            assert len(history(session, again)) == events_before


def test_extension_decisions_need_a_pending_request(session, people):
    t = bring_to(session, people, S.in_progress)
    for approve in (True, False):
        with pytest.raises(Conflict) as refused:
            service.decide_extension(session, people.supervisor, t.number, approve)
        assert refused.value.code == "no_extension_pending"
    service.request_extension(session, people.liaison, t.number, 2, "需要协调供水公司")
    with pytest.raises(Conflict) as twice:
        service.request_extension(session, people.liaison, t.number, 2, "再申请一次")
    assert twice.value.code == "extension_pending"


def test_extension_approved_moves_the_reply_deadline_by_working_days(session, people):
    # Dispatched Friday 2025-09-26 10:00 (before National Day): a complaint is due 5 working days later,
    # 28 Sep (a 调休 Sunday) counting as a working day: 26(part), 28, 29, 30, 9 Oct, 10 Oct 10:00.
    with at_time(datetime(2025, 9, 26, 10, 0, tzinfo=SH)):
        t = new_ticket(session, people)
        t = service.dispatch(session, people.agent, t.number, people.housing.id)
    assert t.reply_due_at.astimezone(SH) == datetime(2025, 10, 10, 10, 0, tzinfo=SH)
    assert t.sign_due_at.astimezone(SH) == datetime(2025, 9, 26, 12, 0, tzinfo=SH)
    service.sign(session, people.liaison, t.number)
    service.request_extension(session, people.liaison, t.number, 2, "节后需要联合执法")
    t = service.decide_extension(session, people.supervisor, t.number, approve=True, note="同意")
    # Two more working days: 11 Oct is a 调休 Saturday (working), then Monday 13 Oct.
    assert t.reply_due_at.astimezone(SH) == datetime(2025, 10, 13, 10, 0, tzinfo=SH)
    assert t.extended_days == 2 and t.pending_extension_days is None
    entry = history(session, t)[-1]
    assert entry.action == "approve_extension"
    assert entry.before["reply_due_at"].startswith("2025-10-10T02:00")  # stored in UTC
    assert entry.after["reply_due_at"].startswith("2025-10-13T02:00")


def test_refused_extension_keeps_the_deadline(session, people):
    t = bring_to(session, people, S.in_progress)
    due = t.reply_due_at
    service.request_extension(session, people.liaison, t.number, 5, "材料不全")
    t = service.decide_extension(session, people.supervisor, t.number, approve=False, note="理由不充分")
    assert t.reply_due_at == due and t.pending_extension_days is None and t.extended_days == 0


def test_return_then_redispatch_restarts_the_clocks(session, people):
    t = bring_to(session, people, S.returned)
    assert t.return_count == 1
    with at_time(datetime(2026, 3, 2, 9, 0, tzinfo=SH)):  # a Monday
        t = service.redispatch(session, people.supervisor, t.number, people.transport.id, "属交通职责")
    assert t.department_id == people.transport.id
    assert t.sign_due_at.astimezone(SH) == datetime(2026, 3, 2, 11, 0, tzinfo=SH)
    assert t.reply_due_at.astimezone(SH) == datetime(2026, 3, 9, 9, 0, tzinfo=SH)
    with pytest.raises(Invalid) as same:
        t2 = bring_to(session, people, S.returned)
        service.redispatch(session, people.supervisor, t2.number, people.housing.id)
    assert same.value.code == "same_department"


def test_insist_sends_back_to_the_same_department(session, people):
    t = bring_to(session, people, S.returned)
    t = service.insist(session, people.supervisor, t.number, "经核实属于住建职责")
    assert t.state == S.dispatched and t.department_id == people.housing.id
    # The returning liaison sees it again and must sign.
    assert service.sign(session, people.liaison, t.number).state == S.in_progress


def test_send_back_reply_then_reply_again(session, people):
    t = bring_to(session, people, S.replied)
    t = service.review_reply(session, people.supervisor, t.number, accept=False, note="未说明处罚结果")
    assert t.state == S.in_progress
    t = service.reply(session, people.liaison, t.number, "补充：已处罚款五千元并停工整改")
    assert t.state == S.replied and t.latest_reply.startswith("补充")


def test_dissatisfied_callback_reopens_and_dispatches_again(session, people):
    t = bring_to(session, people, S.callback_pending)
    assert t.callback_due_at is not None
    t = service.callback(session, people.agent, t.number, satisfied=False, note="噪音依旧")
    assert t.state == S.dispatched and t.department_id == people.housing.id
    assert t.reopen_count == 1 and t.satisfaction == "dissatisfied"
    actions = [e.action for e in history(session, t)][-3:]
    assert actions == ["callback", "reopen", "dispatch"]


def test_satisfied_callback_closes(session, people):
    t = bring_to(session, people, S.callback_pending)
    t = service.callback(session, people.agent, t.number, satisfied=True)
    assert t.state == S.closed and t.closed_at is not None and t.satisfaction == "satisfied"


def test_direct_answer_with_and_without_callback(session, people):
    t = new_ticket(session, people, request_type=RequestType.consult)
    t = service.answer(session, people.agent, t.number, "公积金提取请携带身份证到服务大厅", "KB-12", callback=True)
    assert t.state == S.callback_pending and t.knowledge_ref == "KB-12" and t.department_id is None
    t2 = new_ticket(session, people, request_type=RequestType.consult)
    t2 = service.answer(session, people.agent, t2.number, "办理时间为工作日九点至五点")
    assert t2.state == S.closed
    with pytest.raises(Invalid):
        service.answer(session, people.agent, new_ticket(session, people).number, "   ")


def test_merged_children_close_with_their_parent(session, people):
    parent = new_ticket(session, people)
    child = new_ticket(session, people, caller_phone="13900001111", summary="工地晚上施工太吵")
    child = service.merge(session, people.agent, child.number, parent.number, "同一工地")
    assert child.state == S.merged and child.parent_id == parent.id
    service.answer(session, people.agent, parent.number, "已联系住建部门处理")
    session.expire_all()
    child = session.get(Ticket, child.id)
    assert child.state == S.closed and child.closed_at is not None
    assert history(session, child)[-1].note == f"随主单 {parent.number} 办结"


def test_merge_refusals(session, people):
    t = new_ticket(session, people)
    with pytest.raises(Invalid):
        service.merge(session, people.agent, t.number, t.number)
    closed = bring_to(session, people, S.closed)
    with pytest.raises(Conflict) as not_open:
        service.merge(session, people.agent, t.number, closed.number)
    assert not_open.value.code == "parent_not_open"
    with pytest.raises(NotFound):
        service.merge(session, people.agent, t.number, "2001010001")


def test_supervise_and_remind_flags(session, people):
    t = bring_to(session, people, S.dispatched)
    t = service.supervise(session, people.manager, t.number, "领导批示")
    t = service.remind(session, people.manager, t.number)
    t = service.remind(session, people.agent, t.number, "市民再次来电")
    assert t.supervised and t.reminder_count == 2


def test_dispatch_to_an_inactive_or_unknown_department_is_refused(session, people):
    t = new_ticket(session, people)
    with pytest.raises(Invalid) as inactive:
        service.dispatch(session, people.agent, t.number, people.closed_unit.id)
    assert inactive.value.code == "department_inactive"
    with pytest.raises(NotFound):
        service.dispatch(session, people.agent, t.number, 999999)
    session.expire_all()
    assert session.get(Ticket, t.id).state == S.received


def test_history_is_the_timeline_with_before_and_after(session, people):
    t = bring_to(session, people, S.in_progress)
    entries = history(session, t)
    assert [e.action for e in entries] == ["intake", "dispatch", "sign"]
    assert [e.to_state for e in entries] == ["received", "dispatched", "in_progress"]
    dispatch_entry = entries[1]
    assert dispatch_entry.before["department_id"] is None
    assert dispatch_entry.after["department_id"] == people.housing.id
    assert dispatch_entry.actor_name == people.agent.name and dispatch_entry.actor_role == "agent"


def test_ticket_numbers_are_daily_sequences(session, people):
    with at_time(datetime(2026, 11, 22, 8, 0, tzinfo=SH)):
        first, second = new_ticket(session, people), new_ticket(session, people)
    with at_time(datetime(2026, 11, 23, 0, 30, tzinfo=SH)):
        next_day = new_ticket(session, people)
    assert (first.number, second.number, next_day.number) == ("2611220001", "2611220002", "2611230001")


def test_concurrent_intakes_get_distinct_numbers(db, people):
    numbers, errors = [], []

    def file_one() -> None:
        try:
            with Session(engine_for(db)) as own:
                numbers.append(new_ticket(own, people).number)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=file_one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(numbers)) == 12


def test_two_people_acting_at_once_one_wins(db, people):
    with Session(engine_for(db)) as first, Session(engine_for(db)) as second:
        t = new_ticket(first, people)
        service.dispatch(first, people.agent, t.number, people.housing.id)
        stale = second.exec(select(Ticket).where(Ticket.number == t.number)).one()  # read before the change
        service.sign(first, people.liaison, t.number)
        with pytest.raises(Conflict) as lost:
            service.return_ticket(second, people.liaison, stale.number, "不属于本单位")
        assert lost.value.code in {"stale_ticket", "illegal_transition"}
        second.rollback()
        count = second.exec(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == t.id)).one()
        assert count == 3  # intake, dispatch, sign: the losing return left nothing
