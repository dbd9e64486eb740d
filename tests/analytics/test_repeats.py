"""Repeat complaints (重复投诉) on a small fixed history run through the real lifecycle: the same caller, the same
place, tickets reopened after a dissatisfied callback, and what is suggested for each (并单 / 督办)."""

from datetime import date

from sqlmodel import Session

from analytics.docs import earlier_docs, period_docs
from analytics.period import Period
from analytics.repeats import repeat_cases
from analytics.topics import group_docs
from hotline.db import engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from tests.analytics.test_indicators import step

FEBRUARY = Period(date(2025, 2, 1), date(2025, 2, 28))
SMOKE = ("幸福小区楼下烧烤摊油烟扰民", "幸福小区三栋楼下的烧烤摊每天晚上油烟很大，窗户都不敢开，请相关部门处理。")
MANHOLE = ("光明路井盖缺失存在安全隐患", "光明路中段人行道上的井盖缺失，晚上路过很危险，请尽快补上。")
LIGHTS = ("东湖村路灯不亮", "东湖村村口到学校的一段路灯坏了一个多月，孩子晚上放学看不清路。")
BUS = ("公交车司机态度恶劣", "乘坐公交车时司机态度恶劣，对乘客大声呵斥，请公交公司加强管理。")


def _ticket(session, people, when: str, text: tuple[str, str], phone: str) -> str:
    draft = TicketDraft(request_type=RequestType.complaint, summary=text[0], description=text[1], district="A2区",
                        caller_phone=phone)  # fmt: skip
    return step(when, service.intake, session, people.agent, draft).number


def _reopen(session, people, number: str, day: str) -> None:
    """Dispatched, answered, the answer accepted, and the caller dissatisfied at the callback: 重办."""
    step(f"{day} 09:00", service.dispatch, session, people.agent, number, people.housing.id)
    step(f"{day} 09:30", service.sign, session, people.liaison, number)
    step(f"{day} 10:00", service.reply, session, people.liaison, number, "已安排人员到现场处理。")
    step(f"{day} 11:00", service.review_reply, session, people.supervisor, number, True)
    step(f"{day} 15:00", service.callback, session, people.agent, number, False)


def test_repeats_by_caller_place_and_reopen_with_suggestions(db, people):
    with Session(engine_for(db)) as session:
        smoke = [_ticket(session, people, f"2025-02-{d} 09:00", SMOKE, "13800000001") for d in ("03", "05")]
        manhole = [_ticket(session, people, f"2025-02-1{d} 10:00", MANHOLE, f"1390000000{d}") for d in "123"]
        step("2025-02-12 16:00", service.supervise, session, people.supervisor, manhole[0])
        lights = _ticket(session, people, "2025-01-10 09:00", LIGHTS, "13700000001")  # January, reopened now
        _reopen(session, people, lights, "2025-02-17")
        bus = _ticket(session, people, "2025-02-18 09:00", BUS, "13700000002")
        _reopen(session, people, bus, "2025-02-19")
        step("2025-02-20 09:00", service.supervise, session, people.supervisor, bus)
        _ticket(session, people, "2025-03-02 09:00", SMOKE, "13800000001")  # after the period: not counted

        docs = period_docs(session, FEBRUARY) + earlier_docs(session, FEBRUARY.previous())
        cases = repeat_cases(session, FEBRUARY, group_docs(docs))

    got = {(c.kind, tuple(c.numbers)): (c.open_count, c.suggestion, c.merge_into) for c in cases}
    assert got == {
        # one caller twice, both still waiting for dispatch: merge the later into the first
        ("同一来电人", tuple(smoke)): (2, "建议并单", smoke[0]),
        # three callers at one place: merge, and supervise (three tickets; two not supervised yet)
        ("同一地点", tuple(manhole)): (3, "建议并单、建议督办", manhole[0]),
        # reopened (created in January, reopened in February): back with the department, not supervised yet
        ("回访不满意重办", (lights,)): (1, "建议督办", None),
        # reopened but already supervised: nothing more to suggest
        ("回访不满意重办", (bus,)): (1, "关注", None),
    }
    assert [c.kind for c in cases] == ["同一来电人", "同一地点", "回访不满意重办", "回访不满意重办"]
    place_case = next(c for c in cases if c.kind == "同一地点")
    assert place_case.subject == f"光明路：{MANHOLE[0]}"
