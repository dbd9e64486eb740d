"""Pages and API for managers (管理者), supervisors and admins: the report, drill-down, CSV and the pack."""

import csv
import io
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response
from sqlalchemy import select

from analytics.pack import tables
from analytics.period import Period, parse_period
from analytics.report import Report, build_report, report_json
from analytics.spikes import publish_rising, rising_for
from hotline.auth.deps import SessionDep, require_roles
from hotline.auth.models import Role, User
from hotline.errors import Invalid, NotFound
from hotline.localtime import centre_today
from hotline.tickets.assignments import TicketAssignment
from hotline.tickets.models import Ticket
from hotline.tickets.states import STATE_NAMES, TicketState

WEB = Path(__file__).parent / "web"
router = APIRouter(tags=["研判分析 analytics"])
Manager = Annotated[User, Depends(require_roles(Role.manager, Role.supervisor, Role.admin))]
From = Annotated[str, Query(alias="from", description="开始日期 YYYY-MM-DD")]
To = Annotated[str, Query(alias="to", description="结束日期 YYYY-MM-DD（含）")]
District = Annotated[str | None, Query(description="区县，如 A2区；不填为全市")]
MAX_DRILL = 500


@router.get("/analytics", include_in_schema=False)
def page() -> FileResponse:
    return FileResponse(WEB / "analytics.html", media_type="text/html; charset=utf-8")


@router.get("/analytics/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    if name not in {"analytics.js", "charts.js", "analytics.css"}:
        raise NotFound("没有这个文件", code="no_such_file")
    kind = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(WEB / name, media_type=f"{kind}; charset=utf-8")


def _report(session: SessionDep, first: str, last: str, district: str | None) -> Report:
    return build_report(session, parse_period(first, last), district or None)


@router.get("/api/analytics/report", summary="研判报告（热点、上升、重复投诉、绩效、热线指标）")
def report(session: SessionDep, _: Manager, first: From, last: To, district: District = None) -> dict:
    return report_json(_report(session, first, last, district))


@router.get("/api/analytics/tickets", summary="图表背后的工单（下钻）")
def drill(
    session: SessionDep,
    _: Manager,
    first: From,
    last: To,
    district: District = None,
    ids: Annotated[str | None, Query(description="工单 id，逗号分隔（热点、预警、重复投诉）")] = None,
    day: Annotated[date | None, Query(description="受理日期")] = None,
    department_id: Annotated[int | None, Query(description="派单给该单位的工单")] = None,
    category: Annotated[str | None, Query(description="一级分类")] = None,
) -> list[dict]:
    return drill_rows(session, parse_period(first, last), district, ids, day, department_id, category)


def drill_rows(session, period: Period, district: str | None, ids: str | None, day: date | None,
               department_id: int | None, category: str | None) -> list[dict]:  # fmt: skip
    t = Ticket
    query = select(t).order_by(t.created_at, t.id).limit(MAX_DRILL)
    if ids:
        try:
            wanted = [int(x) for x in ids.split(",") if x.strip()]
        except ValueError:
            raise Invalid("ids 应为逗号分隔的数字", code="bad_ids") from None
        query = query.where(t.id.in_(wanted))
    elif department_id is None:  # a department's tickets are those dispatched to it in the period (派单量)
        query = query.where(t.created_at >= period.start, t.created_at < period.end)
    if day:
        one = Period(day, day)
        query = query.where(t.created_at >= one.start, t.created_at < one.end)
    if district:
        query = query.where(t.district == (None if district == "未注明区县" else district))
    if category:
        query = query.where(t.topic.is_(None) if category == "未分类" else t.topic == category)
    if department_id is not None:
        a = TicketAssignment
        dispatched = select(a.ticket_id).where(a.department_id == department_id, a.dispatched_at >= period.start,
                                               a.dispatched_at < period.end)  # fmt: skip
        query = query.where(t.id.in_(dispatched))
    return [
        {
            "id": x.id,
            "number": x.number,
            "created_at": x.created_at,
            "summary": x.summary,
            "request_type": x.request_type,
            "district": x.district,
            "topic": x.topic,
            "state": x.state,
            "state_name": STATE_NAMES[TicketState(x.state)],
        }
        for x in session.scalars(query)
    ]


def _csv(data: tables.Table, name: str, ascii_name: str = "export") -> Response:
    """The table as people read it (rates as 65.0%, times in the centre's zone, — for nothing)."""
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with the BOM
    writer = csv.writer(out)
    writer.writerow(data.headers)
    writer.writerows(data.text_rows())
    # Headers are Latin-1: the Chinese name goes only in the RFC 5987 form, with a plain fallback.
    disposition = f"attachment; filename=\"{ascii_name}.csv\"; filename*=UTF-8''{_quote(name)}.csv"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


LISTS = {"topics": "热点事项", "rising": "突发上升", "repeats": "重复投诉", "departments": "承办单位绩效",
         "districts": "区县绩效", "hotline": "热线指标", "daily": "每日受理", "tickets": "工单明细"}  # fmt: skip


@router.get("/api/analytics/export/{name}.csv", summary="任一列表导出 CSV")
def export_csv(
    session: SessionDep,
    _: Manager,
    name: str,
    first: From,
    last: To,
    district: District = None,
    ids: str | None = None,
    day: date | None = None,
    department_id: int | None = None,
    category: str | None = None,
) -> Response:
    if name not in LISTS:
        raise NotFound(f"没有名为 {name} 的列表，可选：{'、'.join(LISTS)}", code="no_such_list")
    period = parse_period(first, last)
    title = f"{LISTS[name]}_{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    if name == "tickets":
        return _csv(tables.drill_table(drill_rows(session, period, district, ids, day, department_id, category)), title)
    data = build_report(session, period, district or None)
    made = {"topics": tables.topic_table, "rising": tables.rising_table, "repeats": tables.repeat_table,
            "hotline": tables.hotline_table, "daily": tables.daily_table,
            "departments": lambda r: tables.performance_table(r.performance.departments),
            "districts": lambda r: tables.performance_table(r.performance.districts)}  # fmt: skip
    return _csv(made[name](data), title)


@router.get("/api/analytics/pack.{kind}", summary="研判会材料：Excel 工作簿或 PDF 报告")
def pack(session: SessionDep, _: Manager, kind: str, first: From, last: To, district: District = None) -> Response:
    # Imported here: the pack draws with matplotlib, which the server should not load until a pack is asked for.
    from analytics.pack.build import make_pack, pack_name

    if kind not in ("xlsx", "pdf"):
        raise NotFound("材料格式只有 xlsx 和 pdf", code="no_such_format")
    period = parse_period(first, last)
    with tempfile.TemporaryDirectory() as folder:
        made = make_pack(session, period, Path(folder), district or None)
        path = made.workbook if kind == "xlsx" else made.pdf
        content = path.read_bytes()
    media = "application/pdf" if kind == "pdf" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"{pack_name(period, district or None)}.{kind}"
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"})  # fmt: skip


@router.post("/api/analytics/rising/check", summary="检查突发/上升事项并向管理者推送预警")
def rising_check(session: SessionDep, _: Manager, day: date | None = None, district: District = None) -> dict:
    last = day or centre_today()
    issues = rising_for(session, last, district=district or None)
    publish_rising(issues)
    return {"day": last.isoformat(), "published": len(issues), "issues": [i.payload() for i in issues]}


def default_period(today: date) -> Period:
    """The last 30 days up to yesterday: what a meeting usually looks back on."""
    return Period(today - timedelta(days=30), today - timedelta(days=1))
