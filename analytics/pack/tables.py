"""The rows every export shows, with Chinese headers: one definition for Excel, PDF and CSV."""

from analytics.performance import Figures
from analytics.report import Report


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


PERFORMANCE_HEADERS = ["排名", "名称", "派单量", "退单", "签收及时率", "按时办结率", "退单率", "延期率", "回访率",
                       "满意率", "平均办理时长（工作日）", "综合得分"]  # fmt: skip


def performance_row(f: Figures) -> list:
    r = f.rates()
    return [f.rank or "—", f.name, f.assignments, f.returned, r["sign_rate"], r["ontime_rate"], r["return_rate"],
            r["extension_rate"], r["callback_rate"], r["satisfaction_rate"], r["average_handling_days"],
            f.score]  # fmt: skip


TOPIC_HEADERS = ["序号", "热点事项", "关键词", "地点", "件数", "上期件数", "增长", "重复来电件数", "点赞", "热度指数",
                 "主要区县", "示例工单"]  # fmt: skip


def topic_rows(report: Report) -> list[list]:
    rows = []
    for i, t in enumerate(report.topics, 1):
        growth = "新出现" if t.growth is None else pct(t.growth)
        districts = "、".join(f"{d} {n}" for d, n in list(t.districts.items())[:3])
        examples = "；".join(f"{e['number']} {e['title']}" for e in t.examples)
        rows.append([i, t.label, "、".join(t.keywords), "、".join(t.places), t.count, t.previous, growth,
                     t.repeat_tickets, t.likes, t.hotness, districts, examples])  # fmt: skip
    return rows


RISING_HEADERS = ["日期", "事项", "关键词", "地点", "当日件数", "基线日均", "预警阈值", "示例"]


def rising_rows(report: Report) -> list[list]:
    return [[r.day, r.label, "、".join(r.keywords), "、".join(r.places), r.count, r.baseline_mean, r.threshold,
             "；".join(r.examples)] for r in report.rising]  # fmt: skip


REPEAT_HEADERS = ["类型", "事项", "工单数", "未办结", "工单编号", "建议", "建议并入主单"]


def repeat_rows(report: Report) -> list[list]:
    return [[c.kind, c.subject, len(c.numbers), c.open_count, "、".join(c.numbers), c.suggestion,
             c.merge_into or ""] for c in report.repeats]  # fmt: skip


HOTLINE_ROWS = [
    ("呼入量（进入排队）", "offered", "int"),
    ("接通量", "answered", "int"),
    ("接通率", "answer_rate", "pct"),
    ("15 秒内接通量", "answered_within_15s", "int"),
    ("15 秒接通率（占接通）", "within_15s_rate", "pct"),
    ("放弃量", "abandoned", "int"),
    ("放弃率", "abandon_rate", "pct"),
    ("平均等待时长（秒）", "average_wait_seconds", "num"),
    ("平均通话时长（秒）", "average_handle_seconds", "num"),
    ("任意 24 小时最低接通率", "worst_24h_answer_rate", "pct"),
    ("最低窗口起点", "worst_24h_start", "text"),
    ("低于 95% 的 24 小时窗口数", "windows_below_target", "int"),
]


def hotline_rows(report: Report) -> list[list]:
    rows = []
    for name, key, kind in HOTLINE_ROWS:
        value = getattr(report.hotline, key)
        shown = pct(value) if kind == "pct" else num(value) if kind == "num" else value
        rows.append([name, "—" if shown is None else shown])
    return rows


def summary_rows(report: Report) -> list[list]:
    total = report.performance.total.rates()
    change = report.ticket_count - report.previous_count
    return [
        ["统计期", report.period.label()],
        ["区县", report.district or "全市"],
        ["受理工单", report.ticket_count],
        ["上期工单", report.previous_count],
        ["环比增减", f"{change:+d}"],
        ["派单量", report.performance.total.assignments],
        ["签收及时率", pct(total["sign_rate"])],
        ["按时办结率", pct(total["ontime_rate"])],
        ["退单率", pct(total["return_rate"])],
        ["延期率", pct(total["extension_rate"])],
        ["回访率", pct(total["callback_rate"])],
        ["满意率", pct(total["satisfaction_rate"])],
        ["平均办理时长（工作日）", num(total["average_handling_days"], 2)],
        ["热线接通率", pct(report.hotline.answer_rate)],
        ["热点事项", len(report.topics)],
        ["突发/上升预警", len(report.rising)],
        ["重复投诉线索", len(report.repeats)],
        ["数据截至", report.as_of.astimezone(report.period.tz).strftime("%Y-%m-%d %H:%M")],
    ]
