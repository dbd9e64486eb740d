"""Approval cases: demo cases from the real service guide, identity checks, and the HTTP adapter against a real
HTTP server speaking a platform's field names."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import uvicorn
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from sqlmodel import Session, select

from approvals_bridge.embedded import EmbeddedApprovalSource, demo_cases, promised_days, read_items, seed_demo
from approvals_bridge.http import HttpApprovalSource, PlatformUnavailable
from approvals_bridge.models import ApprovalCase
from approvals_bridge.settings import ApprovalSettings
from hotline.clock import get_calendar
from hotline.db import engine_for
from tests.conftest import free_port, real_data

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def guide():
    return read_items(real_data("knowledge", "service_guide.csv"))


def test_demo_cases_follow_the_real_guide_and_the_working_day_calendar():
    items = guide()
    by_code = {i["TASK_CODE"]: i for i in items}
    cases = demo_cases(items, 200, NOW)
    assert len({c.application_no for c in cases}) == 200
    stages = {c.stage for c in cases}
    assert {"受理", "办结", "补正", "不予受理"} <= stages or {"办结", "补正", "不予受理"} <= stages
    for case in cases:
        item = by_code[case.item_code]  # a real item with its real department
        assert (case.item_name, case.department) == (item["matter_name"], item["DEPT_NAME"])
        assert case.promised_days == promised_days(item["handle_time_limit"])
        if case.kind == "即办件":
            assert case.promised_days == 0 and case.stage == "办结"
        else:
            assert case.due_at == get_calendar().add_working_days(case.submitted_at, case.promised_days)
    assert {"即办件", "承诺件"} <= {c.kind for c in cases}
    assert promised_days("7(工作日)") == 7 and promised_days("无") == 0


def test_identity_check_same_answer_for_wrong_identity_and_unknown_number(db):
    with Session(engine_for(db)) as session:
        assert seed_demo(session, real_data(), 20) == 20
        assert seed_demo(session, real_data(), 20) == 0  # idempotent
        case = session.exec(select(ApprovalCase)).first()
        source = EmbeddedApprovalSource(session)
        by_phone = source.lookup(case.application_no, case.applicant_phone)
        by_id = source.lookup(case.application_no, case.id_last6.lower(), case.applicant_name)
        assert by_phone == by_id and by_phone.item_name == case.item_name
        # Four ID digits (10,000 guesses) no longer open a case, nor six without the applicant's name (issue 14 #9).
        assert source.lookup(case.application_no, case.id_last6[-4:], case.applicant_name) is None
        assert source.lookup(case.application_no, case.id_last6) is None
        assert source.lookup(case.application_no, case.id_last6, "某某某") is None
        assert source.lookup(case.application_no, case.applicant_phone[-4:]) is None
        assert by_phone.applicant == case.applicant_name[0] + "*" * (len(case.applicant_name) - 1)
        assert source.lookup(case.application_no, "13900000000") is None
        assert source.lookup(case.application_no, "0000") is None
        assert source.lookup("SB000000000000", case.applicant_phone) is None


def _platform() -> FastAPI:
    app = FastAPI()

    @app.get("/gov/apply/query")
    def query(applyNo: str, x_app_id: str = Header(""), x_app_secret: str = Header("")):
        if (x_app_id, x_app_secret) != ("hotline", "s3cret"):
            return JSONResponse({"msg": "unauthorised"}, status_code=401)
        if applyNo != "GD2026001":
            return JSONResponse({"msg": "not found"}, status_code=404)
        return {
            "code": 0,
            "data": {
                "sbh": "GD2026001",
                "sxmc": "食品经营许可",
                "bmmc": "A市市场监督管理局",
                "bjlx": "承诺件",
                "cnsx": 10,
                "zt": "审查",
                "sqsj": "2026-11-02T09:30:00",
                "cnbjsj": "2026-11-16T17:30:00",
                "sqr": "李小明",
                "lxdh": "13712345678",
                "zjhm": "43010219900101123X",
                "lc": [
                    {"hj": "受理", "sj": "2026-11-02T09:30:00", "yj": "材料齐全，予以受理"},
                    {"hj": "审查", "sj": "2026-11-04T10:00:00", "yj": "进入审查"},
                ],
            },
        }

    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """A stand-in platform on loopback for the duration: its port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def test_http_adapter_maps_fields_and_checks_identity():
    with serving(_platform()) as port:
        fields = {
            "application_no": "sbh",
            "item_name": "sxmc",
            "department": "bmmc",
            "kind": "bjlx",
            "promised_days": "cnsx",
            "stage": "zt",
            "submitted_at": "sqsj",
            "due_at": "cnbjsj",
            "applicant_name": "sqr",
            "applicant_phone": "lxdh",
            "id_number": "zjhm",
            "steps": "lc",
            "step_stage": "hj",
            "step_at": "sj",
            "step_text": "yj",
        }
        settings = ApprovalSettings(
            source="http",
            base_url=f"http://127.0.0.1:{port}",
            lookup_path="/gov/apply/query",
            app_id="hotline",
            app_secret="s3cret",
            field_map=fields,
        )
        source = HttpApprovalSource(settings)
        assert source.lookup("GD2026001", "123x") is None  # four characters are not enough any more
        view = source.lookup("GD2026001", "01123x", "李小明")
        assert source.lookup("GD2026001", "01123X", "李小红") is None  # the right ID tail, another name
        assert (view.item_name, view.stage, view.stage_text, view.promised_days) == (
            "食品经营许可",
            "审查",
            "正在审查",
            10,
        )
        assert view.applicant == "李**" and [s.stage for s in view.steps] == ["受理", "审查"]
        assert view.due_at.utcoffset().total_seconds() == 8 * 3600  # local platform time read as Asia/Shanghai
        assert source.lookup("GD2026001", "13712345678") == view
        assert source.lookup("GD2026001", "1234") is None
        assert source.lookup("GD2026999", "13712345678") is None
        with pytest.raises(PlatformUnavailable):
            HttpApprovalSource(settings.model_copy(update={"app_secret": "wrong"})).lookup("GD2026001", "13712345678")
