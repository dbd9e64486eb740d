"""The workbook: one sheet per section, native Excel charts (they stay editable in the meeting)."""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics.pack import tables
from analytics.report import Report

HEADER = PatternFill("solid", fgColor="1F4E79")
SHEETS = ["概览", "受理趋势", "热点事项", "突发上升", "重复投诉", "承办单位", "区县", "热线指标"]
PCT_HEADERS = {"签收及时率", "按时办结率", "退单率", "延期率", "回访率", "满意率"}


def _table(ws: Worksheet, headers: list[str], rows: list[list], start_row: int = 1) -> None:
    for col, title in enumerate(headers, 1):
        cell = ws.cell(row=start_row, column=col, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(rows, start_row + 1):
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=c, value=value)
            if headers[c - 1] in PCT_HEADERS and isinstance(value, float):
                cell.number_format = "0.0%"
    for col, title in enumerate(headers, 1):
        width = max([len(str(title))] + [len(str(row[col - 1])) for row in rows[:200]]) + 2
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width * 1.6))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)


def write_workbook(report: Report, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    ws.append([f"工单研判会材料 · {report.period.label()}" + (f" · {report.district}" if report.district else "")])
    ws["A1"].font = Font(bold=True, size=14)
    _table(ws, ["指标", "数值"], tables.summary_rows(report), start_row=3)

    ws = wb.create_sheet("受理趋势")
    _table(ws, ["日期", "受理工单"], [[d["day"], d["count"]] for d in report.daily])
    if report.daily:
        chart = LineChart()
        chart.title, chart.y_axis.title, chart.x_axis.title = "每日受理工单", "件", "日期"
        n = len(report.daily) + 1
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
        chart.width, chart.height = 24, 10
        ws.add_chart(chart, "D2")

    ws = wb.create_sheet("热点事项")
    rows = tables.topic_rows(report)
    _table(ws, tables.TOPIC_HEADERS, rows)
    if rows:
        chart = BarChart()
        chart.type, chart.title = "bar", "热点事项热度指数"
        n = min(len(rows), 10) + 1
        chart.add_data(Reference(ws, min_col=10, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n))
        chart.width, chart.height = 24, 12
        ws.add_chart(chart, f"A{len(rows) + 4}")
    if report.categories:
        start = len(rows) + 30
        ws.cell(row=start, column=1, value="一级分类")
        ws.cell(row=start, column=2, value="件数")
        for i, (name, count) in enumerate(report.categories.items(), start + 1):
            ws.cell(row=i, column=1, value=name)
            ws.cell(row=i, column=2, value=count)
        pie = PieChart()
        pie.title = "诉求分类占比"
        end = start + len(report.categories)
        pie.add_data(Reference(ws, min_col=2, min_row=start, max_row=end), titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=end))
        ws.add_chart(pie, f"D{start}")

    ws = wb.create_sheet("突发上升")
    _table(ws, tables.RISING_HEADERS, tables.rising_rows(report))
    ws = wb.create_sheet("重复投诉")
    _table(ws, tables.REPEAT_HEADERS, tables.repeat_rows(report))

    ws = wb.create_sheet("承办单位")
    rows = [tables.performance_row(f) for f in report.performance.departments]
    _table(ws, tables.PERFORMANCE_HEADERS, rows)
    ranked = [r for r in rows if r[-1] is not None]
    if ranked:
        chart = BarChart()
        chart.type, chart.title = "bar", "承办单位综合得分排名"
        n = min(len(ranked), 15) + 1
        chart.add_data(Reference(ws, min_col=12, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n))
        chart.width, chart.height = 24, 12
        ws.add_chart(chart, f"A{len(rows) + 4}")
    start = len(rows) + 30
    weeks = report.performance.weeks
    ws.cell(row=start, column=1, value="周")
    for c, name in enumerate(["按时办结率", "满意率", "签收及时率"], 2):
        ws.cell(row=start, column=c, value=name)
    for i, f in enumerate(weeks, start + 1):
        r = f.rates()
        ws.cell(row=i, column=1, value=f.key)
        for c, key in enumerate(["ontime_rate", "satisfaction_rate", "sign_rate"], 2):
            ws.cell(row=i, column=c, value=r[key]).number_format = "0.0%"
    if weeks:
        line = LineChart()
        line.title = "全市绩效周趋势"
        line.add_data(Reference(ws, min_col=2, max_col=4, min_row=start, max_row=start + len(weeks)),
                      titles_from_data=True)  # fmt: skip
        line.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(weeks)))
        line.width = 24
        ws.add_chart(line, f"F{start}")

    ws = wb.create_sheet("区县")
    _table(ws, tables.PERFORMANCE_HEADERS, [tables.performance_row(f) for f in report.performance.districts])
    categories = list(report.categories)
    start = len(report.performance.districts) + 4
    ws.cell(row=start, column=1, value="区县 × 分类（受理件数）").font = Font(bold=True)
    grid_rows = [[d] + [report.district_grid[d].get(c, 0) for c in categories] for d in report.district_grid]
    _table(ws, ["区县", *categories], grid_rows, start_row=start + 1)
    _heat(ws, start + 2, len(grid_rows), len(categories))

    ws = wb.create_sheet("热线指标")
    _table(ws, ["指标", "数值"], tables.hotline_rows(report))
    start = len(tables.HOTLINE_ROWS) + 3
    days = report.hotline.days
    _table(ws, ["日期", "呼入", "接通", "接通率"], [[d["day"], d["offered"], d["answered"], d["answer_rate"]]
                                              for d in days], start_row=start)  # fmt: skip
    if days:
        chart = BarChart()
        chart.title = "每日呼入与接通"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=start, max_row=start + len(days)),
                       titles_from_data=True)  # fmt: skip
        chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(days)))
        chart.width = 24
        ws.add_chart(chart, "F2")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _heat(ws: Worksheet, first_row: int, rows: int, cols: int) -> None:
    """Colour the grid cells by size: a table heat map that needs no drawing."""
    from openpyxl.formatting.rule import ColorScaleRule

    if rows and cols:
        area = f"B{first_row}:{get_column_letter(cols + 1)}{first_row + rows - 1}"
        ws.conditional_formatting.add(area, ColorScaleRule(start_type="min", start_color="FFFFFF",
                                                           end_type="max", end_color="E0532F"))  # fmt: skip
