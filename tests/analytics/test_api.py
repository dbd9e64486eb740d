"""The analytics API over loopback HTTP: roles, the report, drill-down, CSV export and the pack downloads."""

import httpx
from sqlmodel import Session

from hotline.db import engine_for
from tests.analytics.test_indicators import history
from tests.conftest import PASSWORD, LiveServer

RANGE = {"from": "2025-01-20", "to": "2025-02-09"}


def _token(server: LiveServer, username: str) -> dict:
    answer = httpx.post(f"{server.url}/api/auth/login", json={"username": username, "password": PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_manager_reads_drills_and_exports(sqlite_db, sqlite_people):
    from hotline.events import set_bus

    with Session(engine_for(sqlite_db)) as session:
        history(session, sqlite_people)
    set_bus(None)
    server = LiveServer().start()
    try:
        manager, agent = _token(server, "manager1"), _token(server, "agent1")
        refused = httpx.get(f"{server.url}/api/analytics/report", params=RANGE, headers=agent)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_forbidden"
        report = httpx.get(f"{server.url}/api/analytics/report", params=RANGE, headers=manager, timeout=60).json()
        assert report["ticket_count"] == 5 and report["performance"]["total"]["assignments"] == 6
        housing = next(d for d in report["performance"]["departments"] if d["name"] == "A市住房和城乡建设局")
        drill = httpx.get(f"{server.url}/api/analytics/tickets", params=RANGE | {"department_id": housing["key"]},
                          headers=manager).json()  # fmt: skip
        assert len(drill) == 3  # A, B (twice dispatched, one ticket) and C
        csv = httpx.get(f"{server.url}/api/analytics/export/departments.csv", params=RANGE, headers=manager, timeout=60)
        assert csv.status_code == 200 and "UTF-8''" in csv.headers["content-disposition"]
        lines = csv.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("排名,名称,派单量") and any("A市住房和城乡建设局,4" in line for line in lines)
        bad = httpx.get(f"{server.url}/api/analytics/report", params={"from": "2025-02-09", "to": "2025-01-01"},
                        headers=manager)  # fmt: skip
        assert bad.status_code == 422 and bad.json()["error"]["message"] == "统计期的结束日期不能早于开始日期"
        pdf = httpx.get(f"{server.url}/api/analytics/pack.pdf", params=RANGE, headers=manager, timeout=60)
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    finally:
        server.stop()
        set_bus(None)
