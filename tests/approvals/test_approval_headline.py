"""An approval case's headline (办件状态) follows its own timeline: the latest step's stage, in words that agree
with that step — for the embedded demo cases and for a platform whose status field lags behind its step list."""

from datetime import UTC, datetime

from fastapi import FastAPI

from approvals_bridge.embedded import demo_cases, read_items, view_of
from approvals_bridge.http import HttpApprovalSource
from approvals_bridge.settings import ApprovalSettings
from approvals_bridge.source import STAGE_TEXT
from tests.approvals.test_approvals import serving
from tests.conftest import real_data

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_every_demo_case_headline_is_its_latest_step():
    cases = demo_cases(read_items(real_data("knowledge", "service_guide.csv")), 200, NOW)
    seen = set()
    for case in cases:
        view = view_of(case)
        ats = [s.at for s in view.steps]
        assert ats == sorted(ats) and max(ats) <= NOW, case.application_no  # oldest first, nothing in the future
        latest = view.steps[-1]
        assert view.stage == latest.stage and view.stage_text == STAGE_TEXT[latest.stage], case.application_no
        seen.add(view.stage)
    assert {"审查", "决定", "办结", "补正", "不予受理"} <= seen
    # 决定: the step says the decision is made ("作出准予许可决定"); the headline no longer says it is being made
    assert "已作出" in STAGE_TEXT["决定"] and "正在作出" not in STAGE_TEXT["决定"]


def _platform() -> FastAPI:
    """A platform whose status field still says 审查 while its step list, newest first, has reached 办结."""
    app = FastAPI()

    @app.get("/api/apply/query")
    def query(applyNo: str):
        return {"data": {
            "applyNo": applyNo, "itemName": "食品经营许可", "deptName": "A市市场监督管理局", "itemType": "承诺件",
            "promiseDays": 10, "status": "审查", "applyTime": "2026-11-02T09:30:00", "applicantName": "李小明",
            "applicantPhone": "13712345678", "idCardNo": "43010219900101123X",
            "processList": [
                {"nodeName": "办结", "nodeTime": "2026-11-09T15:00:00", "opinion": "已办结，许可证已制发"},
                {"nodeName": "决定", "nodeTime": "2026-11-06T10:00:00", "opinion": "准予许可"},
                {"nodeName": "审查", "nodeTime": "2026-11-04T10:00:00", "opinion": "进入审查"},
                {"nodeName": "受理", "nodeTime": "2026-11-02T09:30:00", "opinion": "材料齐全，予以受理"},
            ],
        }}  # fmt: skip

    return app


def test_a_platforms_lagging_status_does_not_contradict_its_steps():
    with serving(_platform()) as port:
        source = HttpApprovalSource(ApprovalSettings(source="http", base_url=f"http://127.0.0.1:{port}"))
        view = source.lookup("GD2026002", "13712345678")
        assert [s.stage for s in view.steps] == ["受理", "审查", "决定", "办结"]  # oldest first, as the page reads
        assert (view.stage, view.stage_text) == ("办结", "已办结")  # the latest step, not the stale status
