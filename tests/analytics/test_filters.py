"""The page's filters — the period and the district — over loopback HTTP: every figure of the report follows them
(values worked out by hand), the hotline's call figures stay the centre's and say so, an empty window is an empty
report, and drill-down and CSV show the centre's local time.

Two weeks of March 2025 (ordinary working days, 08:30–12:00 and 13:30–17:30, 7.5 hours a day) in two districts
whose departments did differently, so that the district figures differ from the city's and from each other.
"""

from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from analytics.spikes import rising_for
from hotline.db import at_time, engine_for
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from tests.analytics.test_indicators import _call, local, step
from tests.conftest import LiveServer, login_client, reset_settings

WEEKS = {"from": "2025-03-03", "to": "2025-03-16"}
SECOND_WEEK = {"from": "2025-03-10", "to": "2025-03-16"}
PLANT = ("丽发新城小区附近搅拌站噪音扰民", "丽发新城小区旁边新建的混凝土搅拌站每天夜里施工，噪音和粉尘严重影响居民休息")
DEBT = ("星沙中贸城拖欠购房资金", "星沙中贸城开发商拖欠购房资金一直不退，多次找售楼部没有结果")


def fortnight(session: Session, people) -> None:
    housing, transport = people.housing.id, people.transport.id
    agent, boss, zj, jt = people.agent, people.supervisor, people.liaison, people.other_liaison

    def new(when: str, kind: RequestType, district: str, text: tuple[str, str], phone: str | None = None) -> str:
        draft = TicketDraft(kind, text[0], text[1], district=district, caller_phone=phone)
        return step(when, service.intake, session, agent, draft).number

    def answered(when: str, district: str, text: tuple[str, str], phone: str) -> None:
        number = new(when, RequestType.consult, district, text, phone)
        step(when.replace(":00", ":05"), service.answer, session, agent, number, "已按政策解答。")

    # A2区: housing signs one of two late, replies both in time; one callback (satisfied), one not yet made.
    p1 = new("2025-03-03 09:00", RequestType.complaint, "A2区", ("小区电梯故障", "电梯经常停运，老人上下楼困难"))
    step("2025-03-03 09:10", service.dispatch, session, agent, p1, housing)
    step("2025-03-03 09:30", service.sign, session, zj, p1)  # due 11:10
    step("2025-03-05 10:00", service.reply, session, zj, p1, "已现场核实并处理完毕。")  # due 03-10 09:10
    step("2025-03-05 11:00", service.review_reply, session, boss, p1, True)
    step("2025-03-06 09:00", service.callback, session, agent, p1, True)
    p2 = new("2025-03-04 09:00", RequestType.consult, "A2区", ("社保卡补办", "社保卡丢了怎么补办"))
    step("2025-03-04 09:10", service.dispatch, session, agent, p2, housing)
    step("2025-03-04 14:00", service.sign, session, zj, p2)  # due 11:10: late
    step("2025-03-04 16:00", service.reply, session, zj, p2, "已电话解答市民的问题。")  # due 03-05 09:10
    step("2025-03-04 16:30", service.review_reply, session, boss, p2, True)
    # A3区: transport returns one, housing takes it, is granted an extension, replies in time, and the caller is
    # dissatisfied after the period (the reopen is the next period's); transport never replies to a report.
    q1 = new("2025-03-03 10:00", RequestType.complaint, "A3区", ("人民路路面破损", "人民路路面坑洼，车辆颠簸"))
    step("2025-03-03 10:10", service.dispatch, session, agent, q1, transport)
    step("2025-03-03 10:30", service.return_ticket, session, jt, q1, "不属于本单位职责")
    step("2025-03-03 11:00", service.redispatch, session, boss, q1, housing)
    step("2025-03-03 11:15", service.sign, session, zj, q1)  # due 14:30
    step("2025-03-04 09:00", service.request_extension, session, zj, q1, 2, "需要多部门现场核查")
    step("2025-03-04 09:30", service.decide_extension, session, boss, q1, True)
    step("2025-03-06 10:00", service.reply, session, zj, q1, "已协调整改完毕。")  # due 03-12 11:00
    step("2025-03-06 11:00", service.review_reply, session, boss, q1, True)
    step("2025-03-17 09:00", service.callback, session, agent, q1, False)
    q2 = new("2025-03-10 09:00", RequestType.report, "A3区", ("工厂偷排污水", "工厂夜间向河里偷排污水"))
    step("2025-03-10 09:10", service.dispatch, session, agent, q2, transport)
    step("2025-03-10 09:20", service.sign, session, jt, q2)  # reply due 03-24: long past, never replied
    # Answered at once (no department): one matter at one place in A2区 from two callers, another in A3区 from one
    # caller twice; before the period one ticket in A2区 and two in A3区.
    answered("2025-03-05 15:00", "A2区", PLANT, "13800000001")
    answered("2025-03-12 15:00", "A2区", PLANT, "13800000002")
    answered("2025-03-06 15:00", "A3区", DEBT, "13800000003")
    answered("2025-03-13 15:00", "A3区", DEBT, "13800000003")
    answered("2025-02-20 15:00", "A2区", ("路灯不亮", "小区门口路灯坏了"), "13800000004")
    answered("2025-02-21 15:00", "A3区", ("公交线路咨询", "想问一下公交线路调整"), "13800000005")
    answered("2025-02-24 15:00", "A3区", ("公积金提取", "公积金怎么提取"), "13800000006")
    # calls: three answered, one abandoned (no district: the centre's)
    session.add_all([_call(i, local("2025-03-05 09:00") + timedelta(hours=i), 8, i != 2) for i in range(4)])
    session.commit()


# By hand. Assignments: A2区 p1, p2 (housing); A3区 q1→transport (returned), q1→housing, q2→transport.
# Handling days: p1 03-03 09:10 → 03-05 10:00 = 6.83 + 7.5 + 1.5 h = 2.111 d; p2 09:10 → 16:00 = 5.33 h = 0.711 d;
# q1 03-03 11:00 → 03-06 10:00 = 5 + 7.5 + 7.5 + 1.5 h = 2.867 d.
EXPECTED = {
    None: {"ticket_count": 8, "previous_count": 3, "assignments": 5, "return_rate": 0.2, "sign_rate": 0.75,
           "extension_rate": 0.25, "ontime_rate": 0.75, "callback_rate": 0.6667, "satisfaction_rate": 0.5,
           "average_handling_days": 1.9},
    "A2区": {"ticket_count": 4, "previous_count": 1, "assignments": 2, "return_rate": 0.0, "sign_rate": 0.5,
            "extension_rate": 0.0, "ontime_rate": 1.0, "callback_rate": 0.5, "satisfaction_rate": 1.0,
            "average_handling_days": 1.41},
    "A3区": {"ticket_count": 4, "previous_count": 2, "assignments": 3, "return_rate": 0.3333, "sign_rate": 1.0,
            "extension_rate": 0.5, "ontime_rate": 0.5, "callback_rate": 1.0, "satisfaction_rate": 0.0,
            "average_handling_days": 2.87},
}  # fmt: skip
PERFORMANCE = ("assignments", "return_rate", "sign_rate", "extension_rate", "ontime_rate", "callback_rate",
               "satisfaction_rate", "average_handling_days")  # fmt: skip


@pytest.fixture
def fortnight_server(sqlite_db, sqlite_people):
    """The fortnight on SQLite, served on loopback."""
    from hotline.events import set_bus

    with Session(engine_for(sqlite_db)) as session:
        fortnight(session, sqlite_people)
    set_bus(None)
    server = LiveServer().start()
    yield server
    server.stop()
    set_bus(None)


@pytest.fixture
def manager(fortnight_server):
    client = login_client(fortnight_server.url, "manager1")
    client.timeout = 60
    yield client
    client.close()


def figures(report: dict) -> dict:
    total = report["performance"]["total"]
    return {"ticket_count": report["ticket_count"], "previous_count": report["previous_count"]} | {
        k: total[k] for k in PERFORMANCE
    }


def test_a_district_filter_changes_every_figure_of_the_district(manager):
    reports = {d: manager.get("/api/analytics/report", params=WEEKS | ({"district": d} if d else {})).json()
               for d in EXPECTED}  # fmt: skip
    for district, expected in EXPECTED.items():
        assert figures(reports[district]) == pytest.approx(expected), district
        assert reports[district]["performance"]["total"]["name"] == (district or "全市")  # not 全市 for a district
    city = figures(reports[None])
    for district in ("A2区", "A3区"):
        mine = figures(reports[district])
        assert [k for k in city if mine[k] == city[k]] == [], district  # every figure is the district's own
    city, a2, a3 = reports[None], reports["A2区"], reports["A3区"]
    # the lists below the cards: departments and districts of the district's assignments only
    by_name = lambda rows: {f["name"]: f["assignments"] for f in rows}  # noqa: E731
    assert by_name(city["performance"]["departments"]) == {"A市住房和城乡建设局": 3, "A市交通运输局": 2}
    assert by_name(a2["performance"]["departments"]) == {"A市住房和城乡建设局": 2}
    assert by_name(a3["performance"]["departments"]) == {"A市交通运输局": 2, "A市住房和城乡建设局": 1}
    assert by_name(a2["performance"]["districts"]) == {"A2区": 2}
    assert {w["name"]: w["assignments"] for w in a3["performance"]["weeks"]} == {"2025-03-03 起一周": 1 + 1,
                                                                            "2025-03-10 起一周": 1}  # fmt: skip
    assert list(city["district_grid"]) == ["A2区", "A3区"] and list(a2["district_grid"]) == ["A2区"]
    assert a2["request_types"] == {"咨询": 3, "投诉": 1} and a3["request_types"] == {"咨询": 2, "投诉": 1, "举报": 1}
    assert sum(d["count"] for d in a2["daily"]) == 4 and [d["count"] for d in a3["daily"]][:7] == [1, 0, 0, 1, 0, 0, 0]
    # the same matter in the district's hot topics and repeat complaints, and only there
    topics = lambda r: sorted(t["label"] for t in r["topics"])  # noqa: E731
    assert topics(city) == sorted([PLANT[0], DEBT[0]]) and topics(a2) == [PLANT[0]] and topics(a3) == [DEBT[0]]
    repeats = lambda r: sorted((c["kind"], len(c["numbers"])) for c in r["repeats"])  # noqa: E731
    assert ("同一来电人", 2) in repeats(city) and ("同一来电人", 2) in repeats(a3)
    assert "同一来电人" not in dict(repeats(a2))
    # calls have no district: the hotline figures stay the centre's and say so
    assert city["hotline"] == a2["hotline"] == a3["hotline"] and city["hotline"]["offered"] == 4
    assert a2["hotline_scope"] == "全市"


def test_the_period_filter_changes_every_figure(manager):
    week = manager.get("/api/analytics/report", params=SECOND_WEEK).json()
    # the second week alone: q2 (dispatched, signed in time, never replied) and two answered tickets
    assert figures(week) == pytest.approx({"ticket_count": 3, "previous_count": 5, "assignments": 1, "return_rate": 0.0,
                                           "sign_rate": 1.0, "extension_rate": 0.0, "ontime_rate": 0.0,
                                           "callback_rate": None, "satisfaction_rate": None,
                                           "average_handling_days": None})  # fmt: skip
    assert [d["day"] for d in week["daily"]] == [str(date(2025, 3, 10) + timedelta(days=i)) for i in range(7)]
    assert week["hotline"]["offered"] == 0  # the calls were in the first week
    assert week["topics"] == [] and week["repeats"] == []  # one ticket of each matter in the week


def test_drill_down_follows_the_filters_and_matches_the_figures(manager):
    report = manager.get("/api/analytics/report", params=WEEKS | {"district": "A3区"}).json()
    housing = next(f for f in report["performance"]["departments"] if f["name"] == "A市住房和城乡建设局")
    transport = next(f for f in report["performance"]["departments"] if f["name"] == "A市交通运输局")
    drill = lambda **q: manager.get("/api/analytics/tickets", params=WEEKS | {"district": "A3区"} | q).json()  # noqa: E731
    assert len(drill(department_id=housing["key"])) == housing["assignments"] == 1
    assert len(drill(department_id=transport["key"])) == 2  # q1 (returned) and q2
    assert len(drill()) == report["ticket_count"] == 4
    assert [r["district"] for r in drill(day="2025-03-10")] == ["A3区"]
    assert len(drill(category="未分类")) == report["categories"]["未分类"] == 4


def test_drill_down_and_csv_show_the_centres_local_time(sqlite_db, sqlite_people, monkeypatch):
    """A ticket taken at 16:30 UTC on 03-04 is one of 03-05 in Shanghai (00:30), one of 03-04 in Urumqi (22:30)."""
    from hotline.events import set_bus

    with Session(engine_for(sqlite_db)) as session, at_time(datetime.fromisoformat("2025-03-04T16:30:00+00:00")):
        draft = TicketDraft(RequestType.consult, "深夜来电咨询", "测试工单", district="A2区")
        number = service.intake(session, sqlite_people.agent, draft).number
    set_bus(None)
    for zone, day, shown in (("Asia/Shanghai", "2025-03-05", "2025-03-05 00:30"),
                             ("Asia/Urumqi", "2025-03-04", "2025-03-04 22:30")):  # fmt: skip
        monkeypatch.setenv("HOTLINE_TIMEZONE", zone)
        reset_settings()
        server = LiveServer().start()
        try:
            client = login_client(server.url, "manager1")
            query = {"from": day, "to": day, "day": day}
            (row,) = client.get("/api/analytics/tickets", params=query).json()
            assert row["number"] == number
            csv = client.get("/api/analytics/export/tickets.csv", params=query).content.decode("utf-8-sig")
            assert f"{number},{shown}," in csv
            assert client.get("/centre.js").text == f'export const TIMEZONE = "{zone}";\n'
        finally:
            server.stop()
            set_bus(None)


EMPTY = [
    ("the months before the history", {"from": "2025-01-01", "to": "2025-01-31"}),
    ("a future day", {"from": "2099-01-01", "to": "2099-01-01"}),
    ("an unknown district", WEEKS | {"district": "不存在区"}),
]


@pytest.mark.parametrize(("name", "query"), EMPTY)
def test_a_window_without_tickets_is_an_empty_report(manager, sqlite_db, name, query):
    report = manager.get("/api/analytics/report", params=query)
    assert report.status_code == 200, (name, report.text)
    body = report.json()
    assert body["ticket_count"] == 0 and body["topics"] == body["rising"] == body["repeats"] == []
    assert body["performance"]["total"]["assignments"] == 0 and body["performance"]["total"]["sign_rate"] is None
    assert manager.get("/api/analytics/pack.xlsx", params=query).status_code == 200
    with Session(engine_for(sqlite_db)) as session:  # the daily check on the window's last day
        assert rising_for(session, date.fromisoformat(query["to"]), district=query.get("district")) == []


def test_rising_check_on_a_fresh_install(sqlite_db, sqlite_people):
    """No ticket at all: an empty list, not `cannot reshape array of size 0`."""
    from hotline.events import set_bus

    set_bus(None)
    server = LiveServer().start()
    try:
        answer = login_client(server.url, "manager1").post("/api/analytics/rising/check")
        assert answer.status_code == 200 and answer.json()["published"] == 0, answer.text
        assert httpx.get(f"{server.url}/centre.js").headers["content-type"].startswith("text/javascript")
    finally:
        server.stop()
        set_bus(None)
