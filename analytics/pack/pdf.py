"""The PDF report: 16:9 pages ready to project, charts drawn with matplotlib in a CJK font (fonts-noto-cjk)."""

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analytics.pack import tables
from analytics.report import HOTLINE_SCOPE, Report
from hotline.errors import DomainError

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
PAGE = (13.33, 7.5)  # inches, 16:9
BLUE, RED, GREY = "#1F4E79", "#C0392B", "#7F8C8D"


class MissingFont(DomainError):
    status = 500
    code = "cjk_font_missing"


def use_cjk_font() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            font_manager.fontManager.addfont(candidate)
            name = font_manager.FontProperties(fname=candidate).get_name()
            plt.rcParams["font.family"] = name
            plt.rcParams["axes.unicode_minus"] = False
            return name
    raise MissingFont("缺少中文字体：请安装 Debian 的 fonts-noto-cjk（apt-get install fonts-noto-cjk）")


def _page(title: str, report: Report) -> Figure:
    fig = plt.figure(figsize=PAGE)
    fig.text(0.04, 0.93, title, fontsize=24, weight="bold", color=BLUE)
    where = report.district or "全市"
    fig.text(0.96, 0.94, f"{where} · {report.period.label()}", fontsize=12, color=GREY, ha="right")
    return fig


def _table(ax, headers: list[str], rows: list[list], widths: list[float] | None = None, size: int = 11) -> None:
    ax.axis("off")
    if not rows:
        ax.text(0.5, 0.5, "本期无", ha="center", va="center", fontsize=16, color=GREY)
        return
    cells = [[_short(v) for v in row] for row in rows]
    table = ax.table(cellText=cells, colLabels=headers, loc="upper center", cellLoc="left", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(size)
    table.scale(1, 1.45)
    for (r, _), cell in table.get_celld().items():
        cell.set_edgecolor("#D0D7DE")
        if r == 0:
            cell.set_facecolor(BLUE)
            cell.get_text().set_color("white")


def _short(value: object, limit: int = 26) -> str:
    if isinstance(value, float):
        value = f"{value:.1f}"
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cover(report: Report) -> Figure:
    fig = plt.figure(figsize=PAGE)
    fig.text(0.5, 0.72, "工单研判会材料", fontsize=40, weight="bold", color=BLUE, ha="center")
    fig.text(0.5, 0.62, f"{report.district or '全市'} · {report.period.label()}", fontsize=20, ha="center")
    rows = tables.summary_table(report).text_rows()[2:17]
    for i, (name, value) in enumerate(rows):
        col, line = divmod(i, 8)
        x, y = 0.2 + col * 0.35, 0.5 - line * 0.055
        fig.text(x, y, name, fontsize=14, color=GREY)
        fig.text(x + 0.28, y, str(value), fontsize=15, weight="bold", ha="right")
    return fig


def trend(report: Report) -> Figure:
    fig = _page("受理趋势与诉求分类", report)
    ax = fig.add_axes((0.06, 0.12, 0.55, 0.7))
    days = [d["day"][5:] for d in report.daily]
    counts = [d["count"] for d in report.daily]
    ax.plot(range(len(days)), counts, color=BLUE, marker="o", markersize=3)
    ax.fill_between(range(len(days)), counts, color=BLUE, alpha=0.1)
    step = max(1, len(days) // 10)
    ax.set_xticks(range(0, len(days), step), days[::step])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of tickets: no 0.25 of a ticket
    ax.set_ylim(bottom=0)
    ax.set_ylabel("受理件数")
    ax.set_title("每日受理工单", fontsize=14)
    ax.grid(alpha=0.3)
    for issue in report.rising:
        if issue.day and issue.day[5:] in days:  # a 突发 on its day (上升 and 新出现 are the whole period's)
            ax.axvline(days.index(issue.day[5:]), color=RED, alpha=0.4, linestyle="--")
    pie = fig.add_axes((0.64, 0.12, 0.34, 0.7))
    items = list(report.categories.items())
    if items:
        top, rest = items[:7], sum(n for _, n in items[7:])
        labels = [k for k, _ in top] + (["其他"] if rest else [])
        values = [n for _, n in top] + ([rest] if rest else [])
        pie.pie(values, labels=labels, autopct="%1.0f%%", startangle=90, counterclock=False, textprops={"fontsize": 11})
    pie.set_title("诉求分类占比", fontsize=14)
    return fig


def topics(report: Report) -> Figure:
    fig = _page("热点事项", report)
    top = report.topics[:10]
    ax = fig.add_axes((0.25, 0.52, 0.7, 0.35))
    if top:
        names = [_short(t.label, 18) for t in reversed(top)]
        ax.barh(names, [t.hotness for t in reversed(top)], color=BLUE)
        for i, t in enumerate(reversed(top)):
            ax.text(t.hotness, i, f" {t.count} 件", va="center", fontsize=10)
        ax.set_xlabel("热度指数")
    else:
        ax.axis("off")
    table_ax = fig.add_axes((0.04, 0.02, 0.92, 0.42))
    rows = [[r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[9]] for r in tables.topic_table(report).text_rows()[:8]]
    _table(table_ax, ["序号", "热点事项", "地点", "件数", "上期", "增长", "重复来电", "热度"], rows,
           [0.05, 0.38, 0.17, 0.07, 0.07, 0.09, 0.09, 0.08], size=10)  # fmt: skip
    return fig


def issues(report: Report) -> Figure:
    fig = _page("突发上升与重复投诉", report)
    fig.text(0.04, 0.85, f"突发/上升预警 {len(report.rising)} 条", fontsize=15, weight="bold")
    ax = fig.add_axes((0.04, 0.5, 0.92, 0.33))
    rows = [[r[0], r[1] if len(r[1]) <= 10 else "全期", r[2], r[4], r[5], r[7]]
            for r in tables.rising_table(report).text_rows()[:6]]  # fmt: skip
    _table(ax, ["类型", "日期", "事项", "地点", "件数", "预期件数"], rows, [0.08, 0.1, 0.44, 0.18, 0.09, 0.11],
           size=10)  # fmt: skip
    fig.text(0.04, 0.45, f"重复投诉线索 {len(report.repeats)} 条（并单、督办候选）", fontsize=15, weight="bold")
    ax = fig.add_axes((0.04, 0.02, 0.92, 0.41))
    rows = [[r[0], r[1], r[2], r[3], r[5], r[6]] for r in tables.repeat_table(report).text_rows()[:8]]
    _table(ax, ["类型", "事项", "工单数", "未办结", "建议", "并入主单"], rows, [0.1, 0.44, 0.08, 0.08, 0.14, 0.14],
           size=10)  # fmt: skip
    return fig


def departments(report: Report) -> Figure:
    fig = _page("承办单位绩效排名", report)
    ranked = [f for f in report.performance.departments if f.score is not None][:12]
    shown = report.performance.departments[:12]  # ranked first, then those with too few tickets to rank
    ax = fig.add_axes((0.22, 0.1, 0.28, 0.75))
    if ranked:
        ax.barh([_short(f.name, 14) for f in reversed(ranked)], [f.score for f in reversed(ranked)], color=BLUE)
        ax.set_xlim(0, 100)
        ax.set_xlabel("综合得分")
    else:
        ax.axis("off")
        ax.text(0.5, 0.5, "派单不足 5 件的单位不排名", ha="center", va="center", fontsize=14, color=GREY)
    table_ax = fig.add_axes((0.53, 0.05, 0.45, 0.8))
    rows = [[r[0], _short(r[1], 12), r[2], r[5], r[9], r[10]] for r in tables.performance_table(shown).text_rows()]
    _table(table_ax, ["名次", "单位", "派单", "按时办结", "满意率", "办理(工作日)"], rows,
           [0.08, 0.34, 0.1, 0.16, 0.14, 0.18], size=10)  # fmt: skip
    return fig


def districts(report: Report) -> Figure:
    fig = _page("区县分布（受理件数热力表）", report)
    grid = report.district_grid
    categories = list(report.categories)[:8]
    ax = fig.add_axes((0.14, 0.1, 0.5, 0.75))
    if grid and categories:
        names = list(grid)
        values = [[grid[d].get(c, 0) for c in categories] for d in names]
        ax.imshow(values, cmap="OrRd", aspect="auto", vmin=0)  # from zero, so the text colour below matches
        ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right")
        ax.set_yticks(range(len(names)), names)
        top = max(max(row) for row in values) or 1
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                ax.text(j, i, v, ha="center", va="center", fontsize=10, color="white" if v > top / 2 else "black")
    else:
        ax.axis("off")
    table_ax = fig.add_axes((0.68, 0.1, 0.3, 0.75))
    rows = [[r[1], r[2], r[5], r[9]] for r in tables.performance_table(report.performance.districts[:12]).text_rows()]
    _table(table_ax, ["区县", "派单", "按时办结", "满意率"], rows, [0.34, 0.18, 0.26, 0.22], size=10)
    return fig


def hotline(report: Report) -> Figure:
    fig = _page("热线服务指标", report)
    table_ax = fig.add_axes((0.04, 0.1, 0.36, 0.75))
    _table(table_ax, ["指标", "数值"], tables.hotline_table(report).text_rows(), [0.7, 0.3], size=11)
    if report.district:
        table_ax.set_title(f"话务指标为{HOTLINE_SCOPE}数据（来电在生成工单前没有区县）", fontsize=11, color=GREY)
    ax = fig.add_axes((0.47, 0.15, 0.5, 0.68))
    days = [d for d in report.hotline.days if d["offered"]]
    if days:
        rates = [d["answer_rate"] * 100 for d in days]
        ax.bar(range(len(days)), rates, color=[BLUE if r >= 95 else RED for r in rates])
        ax.axhline(95, color=RED, linestyle="--", linewidth=1)
        # at the right edge of the axes whatever the number of days (x in axes fraction, y in per cent)
        ax.text(
            0.99,
            95.5,
            "95% 标准线",
            color=RED,
            ha="right",
            fontsize=10,
            transform=ax.get_yaxis_transform(),
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            zorder=5,
        )  # over the bars
        step = max(1, len(days) // 8)
        ax.set_xticks(range(0, len(days), step), [d["day"][5:] for d in days][::step])
        ax.set_ylim(min(80, min(rates) - 5), 100.5)
        ax.set_ylabel("接通率（%）")
        ax.set_title("每日接通率", fontsize=14)
    else:
        ax.axis("off")
        ax.text(0.5, 0.5, "本期无话务数据", ha="center", va="center", fontsize=16, color=GREY)
    return fig


PAGES: list[tuple[str, Callable[[Report], Figure]]] = [
    ("封面与概览", cover),
    ("受理趋势与诉求分类", trend),
    ("热点事项", topics),
    ("突发上升与重复投诉", issues),
    ("承办单位绩效排名", departments),
    ("区县分布", districts),
    ("热线服务指标", hotline),
]


def write_pdf(report: Report, path: Path) -> Path:
    use_cjk_font()
    path.parent.mkdir(parents=True, exist_ok=True)
    with PdfPages(path, metadata={"Title": f"工单研判会材料 {report.period.label()}"}) as pdf:
        for number, (_, make) in enumerate(PAGES, 1):
            fig = make(report)
            fig.text(0.5, 0.015, f"第 {number} 页 / 共 {len(PAGES)} 页", ha="center", fontsize=9, color=GREY)
            pdf.savefig(fig)
            plt.close(fig)
    return path
