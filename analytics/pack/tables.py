"""The tables every export shows, with Chinese headers and typed cells: one definition for Excel, PDF and CSV.

A cell keeps its value as it is — a rate as a fraction, a day as a date, a moment as an aware datetime, None when
there is nothing to divide — together with its kind. Excel writes the value as a typed cell with the kind's number
format (a meeting can sort and sum it); CSV and PDF write the kind's text ("65.0%", "2026-11-15 00:00" in the
centre's time, "—" for nothing).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from analytics.performance import Figures
from analytics.report import HOTLINE_SCOPE, Report
from hotline.localtime import format_centre


@dataclass(frozen=True)
class Kind:
    excel_format: str  # the cell's number format in Excel
    text: Callable[[object], str]  # the text CSV and PDF show


TEXT = Kind("General", str)
INT = Kind("0", str)
SIGNED = Kind("+0;-0;0", lambda v: f"{v:+d}")
NUM1 = Kind("0.0", lambda v: f"{v:.1f}")
NUM2 = Kind("0.00", lambda v: f"{v:.2f}")
PCT = Kind("0.0%", lambda v: f"{v * 100:.1f}%")
DAY = Kind("yyyy-mm-dd", lambda v: v.isoformat())
TIME = Kind("yyyy-mm-dd hh:mm", format_centre)  # aware moments, shown in the centre's time zone
NOTHING = "—"  # no value (nothing to divide, not ranked): never shown as 0


@dataclass(frozen=True)
class Cell:
    value: object
    kind: Kind

    def text(self) -> str:
        return NOTHING if self.value is None else self.kind.text(self.value)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]]

    def text_rows(self) -> list[list[str]]:
        return [[cell.text() for cell in row] for row in self.rows]


def cell(value: object, kind: Kind) -> Cell:
    """A text in a typed column ("新出现" as growth, a period as the day of an issue) is a text cell."""
    return Cell(value, TEXT if isinstance(value, str) else kind)


def table(columns: list[tuple[str, Kind]], rows: list[list]) -> Table:
    return Table([name for name, _ in columns], [[cell(v, k) for v, (_, k) in zip(row, columns, strict=True)]
                                                 for row in rows])  # fmt: skip


def fields(rows: list[tuple[str, object, Kind]]) -> Table:
    """A two-column table of named figures, each with its own kind."""
    return Table(["指标", "数值"], [[Cell(name, TEXT), cell(value, kind)] for name, value, kind in rows])


PERFORMANCE = [("排名", INT), ("名称", TEXT), ("派单量", INT), ("退单", INT), ("签收及时率", PCT), ("按时办结率", PCT),
               ("退单率", PCT), ("延期率", PCT), ("回访率", PCT), ("满意率", PCT), ("平均办理时长（工作日）", NUM2),
               ("综合得分", NUM1)]  # fmt: skip


def performance_table(figures: list[Figures]) -> Table:
    rows = []
    for f in figures:
        r = f.rates()
        rows.append([f.rank, f.name, f.assignments, f.returned, r["sign_rate"], r["ontime_rate"], r["return_rate"],
                     r["extension_rate"], r["callback_rate"], r["satisfaction_rate"], r["average_handling_days"],
                     f.score])  # fmt: skip
    return table(PERFORMANCE, rows)


TOPICS = [("序号", INT), ("热点事项", TEXT), ("关键词", TEXT), ("地点", TEXT), ("件数", INT), ("上期件数", INT),
          ("增长", PCT), ("重复来电件数", INT), ("点赞", INT), ("热度指数", NUM2), ("主要区县", TEXT),
          ("示例工单", TEXT)]  # fmt: skip


def topic_table(report: Report) -> Table:
    rows = []
    for i, t in enumerate(report.topics, 1):
        districts = "、".join(f"{d} {n}" for d, n in list(t.districts.items())[:3])
        examples = "；".join(f"{e['number']} {e['title']}" for e in t.examples)
        rows.append([i, t.label, "、".join(t.keywords), "、".join(t.places), t.count, t.previous,
                     "新出现" if t.growth is None else t.growth, t.repeat_tickets, t.likes, t.hotness, districts,
                     examples])  # fmt: skip
    return table(TOPICS, rows)


RISING = [("类型", TEXT), ("日期", DAY), ("事项", TEXT), ("关键词", TEXT), ("地点", TEXT), ("件数", INT),
          ("此前件数", INT), ("预期件数", NUM2), ("预警阈值", NUM2), ("示例", TEXT)]  # fmt: skip


def rising_table(report: Report) -> Table:
    """突发 on its day; 上升 and 新出现 over the whole period (the day column holds the period)."""
    return table(RISING, [[r.kind, date.fromisoformat(r.day) if r.day else report.period.label(), r.label,
                           "、".join(r.keywords), "、".join(r.places), r.count, r.previous, r.baseline_mean,
                           r.threshold, "；".join(r.examples)] for r in report.rising])  # fmt: skip


REPEATS = [("类型", TEXT), ("事项", TEXT), ("工单数", INT), ("未办结", INT), ("工单编号", TEXT), ("建议", TEXT),
           ("建议并入主单", TEXT)]  # fmt: skip


def repeat_table(report: Report) -> Table:
    return table(REPEATS, [[c.kind, c.subject, len(c.numbers), c.open_count, "、".join(c.numbers), c.suggestion,
                            c.merge_into or ""] for c in report.repeats])  # fmt: skip


def daily_table(report: Report) -> Table:
    return table([("日期", DAY), ("受理工单", INT)], [[date.fromisoformat(d["day"]), d["count"]] for d in report.daily])


def hotline_days_table(report: Report) -> Table:
    return table([("日期", DAY), ("呼入", INT), ("接通", INT), ("接通率", PCT)],
                 [[date.fromisoformat(d["day"]), d["offered"], d["answered"], d["answer_rate"]]
                  for d in report.hotline.days])  # fmt: skip


WEEK_RATES = ("ontime_rate", "satisfaction_rate", "sign_rate")


def weeks_table(report: Report) -> Table:
    """The centre's (or district's) figures by week of dispatch, the week named by its Monday."""
    return table(
        [("周", DAY), ("按时办结率", PCT), ("满意率", PCT), ("签收及时率", PCT)],
        [[date.fromisoformat(f.key), *(f.rates()[k] for k in WEEK_RATES)] for f in report.performance.weeks],
    )


HOTLINE = [
    ("呼入量（进入排队）", "offered", INT),
    ("接通量", "answered", INT),
    ("接通率", "answer_rate", PCT),
    ("15 秒内接通量", "answered_within_15s", INT),
    ("15 秒接通率（占接通）", "within_15s_rate", PCT),
    ("放弃量", "abandoned", INT),
    ("放弃率", "abandon_rate", PCT),
    ("平均等待时长（秒）", "average_wait_seconds", NUM1),
    ("平均通话时长（秒）", "average_handle_seconds", NUM1),
    ("任意 24 小时最低接通率", "worst_24h_answer_rate", PCT),
    ("最低窗口起点", "worst_24h_start", TIME),
    ("低于 95% 的 24 小时窗口数", "windows_below_target", INT),
]


def hotline_table(report: Report) -> Table:
    return fields([(name, getattr(report.hotline, key), kind) for name, key, kind in HOTLINE])


def hotline_name(report: Report) -> str:
    """热线接通率, marked as the whole centre's when a district is chosen (calls have no district)."""
    return f"热线接通率（{HOTLINE_SCOPE}）" if report.district else "热线接通率"


def summary_table(report: Report) -> Table:
    total = report.performance.total.rates()
    return fields([
        ("统计期", report.period.label(), TEXT),
        ("区县", report.district or "全市", TEXT),
        ("受理工单", report.ticket_count, INT),
        ("上期工单", report.previous_count, INT),
        ("环比增减", report.ticket_count - report.previous_count, SIGNED),
        ("派单量", report.performance.total.assignments, INT),
        ("签收及时率", total["sign_rate"], PCT),
        ("按时办结率", total["ontime_rate"], PCT),
        ("退单率", total["return_rate"], PCT),
        ("延期率", total["extension_rate"], PCT),
        ("回访率", total["callback_rate"], PCT),
        ("满意率", total["satisfaction_rate"], PCT),
        ("平均办理时长（工作日）", total["average_handling_days"], NUM2),
        (hotline_name(report), report.hotline.answer_rate, PCT),
        ("热点事项", len(report.topics), INT),
        ("突发/上升预警", len(report.rising), INT),
        ("重复投诉线索", len(report.repeats), INT),
        ("数据截至", report.as_of, TIME),
    ])  # fmt: skip


DRILL = [("工单编号", TEXT), ("受理时间", TIME), ("诉求摘要", TEXT), ("诉求类型", TEXT), ("区县", TEXT),
         ("一级分类", TEXT), ("状态", TEXT)]  # fmt: skip


def drill_table(rows: list[dict]) -> Table:
    """The tickets behind a figure (routes.drill_rows)."""
    return table(DRILL, [[r["number"], r["created_at"], r["summary"], r["request_type"], r["district"] or "",
                          r["topic"] or "", r["state_name"]] for r in rows])  # fmt: skip
