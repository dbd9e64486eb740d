"""The desk's one search (工单查询) over real HTTP on both databases: phone (full / last four), number, words,
filters, dates in the centre's zone, paging, scope, and the Excel export of the result."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from hotline.db import engine_for
from hotline.models import Ticket
from tests.conftest import error_of, login_client

BASE = {"request_type": "投诉", "district": "A2区"}
FILED = [
    {"summary": "小区电梯经常停运", "description": "3栋电梯一周停运三次", "caller_phone": "13812345678",
     "address": "A2区桂花坪街道某小区3栋"},
    {"summary": "夜间施工噪音扰民", "description": "工地凌晨两点还在打桩", "caller_phone": "13900001234",
     "address": "A3区劳动路工地", "district": "A3区", "request_type": "举报"},
    {"summary": "路灯不亮", "description": "桂花路两盏路灯坏了一个月", "caller_phone": "13700009999",
     "callback_phone": "13600005678"},
]  # fmt: skip


@pytest.fixture
def filed(live_server, people):
    agent = login_client(live_server.url, "agent1")
    numbers = []
    for body in FILED:
        answer = agent.post("/api/tickets", json=BASE | body)
        assert answer.status_code == 201, answer.text
        numbers.append(answer.json()["number"])
    agent.post(f"/api/tickets/{numbers[0]}/dispatch", json={"department_id": people.housing.id})
    yield agent, numbers
    agent.close()


def found(client, **params) -> list[str]:
    answer = client.get("/api/tickets", params=params)
    assert answer.status_code == 200, answer.text
    return sorted(t["number"] for t in answer.json()["items"])


def test_one_search_over_every_state_by_phone_number_and_words(filed, live_server):
    agent, (lift, noise, lamp) = filed
    assert found(agent, q="13812345678") == [lift]  # full phone, whatever its queue (this one is dispatched)
    assert found(agent, q="138 1234 5678") == [lift]
    assert found(agent, q="1234") == [noise]  # the last four a caller reads out
    assert found(agent, q="5678") == sorted([lift, lamp])  # the line's or the callback number's
    assert found(agent, q=lift) == [lift]
    assert found(agent, q="桂花") == sorted([lift, lamp])  # address of one, text of the other
    assert found(agent, q="桂花 路灯") == [lamp]  # every word must appear
    assert found(agent, q="凌晨") == [noise]
    assert found(agent, q="没有这句话") == []


def test_filters_sort_and_paging(filed, people, db):
    agent, (lift, noise, lamp) = filed
    assert found(agent, district="A3区") == [noise]
    assert found(agent, request_type="举报") == [noise]
    assert found(agent, department_id=people.housing.id) == [lift]
    assert found(agent, state="received") == sorted([noise, lamp])
    assert found(agent, queue="to_dispatch", q="桂花") == [lamp]
    with Session(engine_for(db)) as session:  # one ticket taken late on 14 Nov (UTC) = 15 Nov at the centre
        ticket = session.exec(select(Ticket).where(Ticket.number == noise)).one()
        ticket.created_at = datetime(2026, 11, 14, 16, 30, tzinfo=UTC)
        ticket.sla_flag = "overdue"
        session.add(ticket)
        session.commit()
    assert found(agent, created_from="2026-11-15", created_to="2026-11-15") == [noise]
    assert found(agent, created_to="2026-11-14") == []
    assert found(agent, overdue="true") == [noise]
    newest = agent.get("/api/tickets", params={"sort": "newest"}).json()["items"]
    assert [t["number"] for t in newest][-1] == noise
    first = agent.get("/api/tickets", params={"sort": "oldest", "limit": 2}).json()
    second = agent.get("/api/tickets", params={"sort": "oldest", "limit": 2, "offset": 2}).json()
    assert first["total"] == second["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert {t["number"] for t in first["items"] + second["items"]} == {lift, noise, lamp}
    error_of(agent.get("/api/tickets", params={"sort": "random"}), 422, "unknown_sort")
    error_of(agent.get("/api/tickets", params={"created_from": "2026-11-16", "created_to": "2026-11-15"}), 422,
             "bad_date_range")  # fmt: skip


def test_past_the_count_limit_the_total_says_more_than(filed, monkeypatch):
    agent, (lift, noise, lamp) = filed
    monkeypatch.setattr("hotline.tickets.routes.COUNT_LIMIT", 2)
    capped = agent.get("/api/tickets", params={"limit": 2}).json()
    assert capped["total"] == 2 and capped["total_capped"] is True  # three tickets: "more than 2"
    assert len(capped["items"]) == 2
    rest = agent.get("/api/tickets", params={"limit": 2, "offset": 2}).json()
    assert {t["number"] for t in capped["items"] + rest["items"]} == {lift, noise, lamp}
    exact = agent.get("/api/tickets", params={"q": "桂花"}).json()
    assert exact["total"] == 2 and exact["total_capped"] is False


def test_a_liaison_searches_only_their_department(filed, live_server):
    _agent, (lift, _noise, _lamp) = filed
    liaison = login_client(live_server.url, "zj_liaison")
    assert found(liaison, q="桂花") == [lift]
    assert found(liaison, q="1234") == []
    other = login_client(live_server.url, "jt_liaison")
    assert found(other, q="13812345678") == []


def test_export_is_the_search_result_with_typed_cells_in_the_centre_zone(filed, db):
    agent, (lift, _noise, lamp) = filed
    with Session(engine_for(db)) as session:
        ticket = session.exec(select(Ticket).where(Ticket.number == lamp)).one()
        ticket.created_at = datetime(2026, 11, 14, 16, 30, tzinfo=UTC)
        session.add(ticket)
        session.commit()
    answer = agent.get("/api/tickets/export", params={"q": "桂花", "sort": "oldest"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer.headers["content-disposition"]
    sheet = load_workbook(BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("工单编号", "受理时间", "状态", "诉求类型")
    assert [r[0] for r in rows[1:]] == [lamp, lift]
    assert rows[1][1] == datetime(2026, 11, 15, 0, 30)  # a date cell, the centre's wall time
    assert sheet["B2"].is_date and sheet["L2"].data_type == "n"
    assert rows[1][8] == "137****9999"  # masked, as on the page
    assert rows[2][2] == "待签收" and rows[2][7] == "A市住房和城乡建设局"


def test_bulk_dispatch_and_remind_report_each_ticket(filed, people, live_server):
    agent, (lift, noise, lamp) = filed
    answer = agent.post(
        "/api/tickets/bulk",
        json={"action": "dispatch", "numbers": [noise, lift, lamp], "department_id": people.district.id},
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["done"] == [noise, lamp]
    assert [(f["number"], f["code"]) for f in result["failed"]] == [(lift, "illegal_transition")]
    assert "待签收" in result["failed"][0]["message"]
    assert {agent.get(f"/api/tickets/{n}").json()["department"]["name"] for n in (noise, lamp)} == {"A2区人民政府"}
    reminded = agent.post("/api/tickets/bulk", json={"action": "remind", "numbers": [lift, noise], "note": "请尽快"})
    assert reminded.json() == {"done": [lift, noise], "failed": []}
    assert agent.get(f"/api/tickets/{lift}").json()["reminder_count"] == 1
    error_of(agent.post("/api/tickets/bulk", json={"action": "dispatch", "numbers": [lift]}), 422,
             "department_required")  # fmt: skip
    liaison = login_client(live_server.url, "zj_liaison")
    error_of(liaison.post("/api/tickets/bulk", json={"action": "remind", "numbers": [lift]}), 403, "role_forbidden")


def test_a_liaisons_to_do_holds_only_what_waits_on_them(filed, live_server):
    _, (lift, _, _) = filed
    liaison = login_client(live_server.url, "zj_liaison")
    assert found(liaison, queue="department") == [lift]
    liaison.post(f"/api/tickets/{lift}/sign", json={})
    assert found(liaison, queue="department") == [lift]
    replied = liaison.post(f"/api/tickets/{lift}/reply", data={"text": "已联系物业维修电梯"})
    assert replied.json()["state"] == "replied"
    assert found(liaison, queue="department") == []  # waits on the centre's review now
    assert found(liaison, q="电梯") == [lift]  # still found by a search
    assert liaison.get("/api/tickets/queues").json()["department"]["count"] == 0


def test_caller_page_has_every_ticket_of_that_caller(filed, live_server):
    agent, (lift, noise, _) = filed
    again = agent.post("/api/tickets", json=BASE | {"summary": "电梯又停了", "description": "同一部电梯",
                                                    "caller_phone": "13812345678"}).json()["number"]  # fmt: skip
    page = agent.get(f"/api/callers/of-ticket/{lift}").json()
    assert page["phone"] == "138****5678"
    assert sorted(t["number"] for t in page["tickets"]) == sorted([lift, again])
    assert noise not in {t["number"] for t in page["tickets"]}
    liaison = login_client(live_server.url, "zj_liaison")
    assert liaison.get(f"/api/callers/of-ticket/{lift}").status_code == 403
