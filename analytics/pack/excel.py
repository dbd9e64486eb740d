"""The workbook: one sheet per section, native Excel charts (they stay editable in the meeting)."""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics.pack import tables
from analytics.report import HOTLINE_SCOPE, Report
from hotline.localtime import to_centre

HEADER = PatternFill("solid", fgColor="1F4E79")
SHEETS = ["概览", "受理趋势", "热点事项", "突发上升", "重复投诉", "承办单位", "区县", "热线指标"]


def _value(cell: tables.Cell) -> object:
    """The value as Excel stores it: moments as the centre's local time (Excel has no time zones), nothing as —."""
    if cell.value is None:
        return tables.NOTHING
    if cell.kind is tables.TIME:
        return to_centre(cell.value).replace(tzinfo=None)
    return cell.value


def _write(ws: Worksheet, data: tables.Table, start_row: int = 1, empty: str | None = None) -> None:
    """A table with a header row; each cell typed, with its kind's number format. `empty`: said under the header
    of a table without rows, so an empty sheet reads as "none this period", not as a failed export."""
    for col, title in enumerate(data.headers, 1):
        cell = ws.cell(row=start_row, column=col, value=title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, row in enumerate(data.rows, start_row + 1):
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=c, value=_value(value))
            cell.number_format = value.kind.excel_format
            if value.value is None:
                cell.alignment = Alignment(horizontal="center")
    if empty and not data.rows:
        ws.cell(row=start_row + 1, column=1, value=empty).font = Font(italic=True, color="7F8C8D")
    shown = data.text_rows()[:200]
    for col, title in enumerate(data.headers, 1):
        width = max([len(str(title))] + [len(row[col - 1]) for row in shown]) + 2
        ws.column_dimensions[get_column_letter(col)].width = min(60, max(8, width * 1.6))
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)


def write_workbook(report: Report, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "概览"
    ws.append([f"工单研判会材料 · {report.period.label()}" + (f" · {report.district}" if report.district else "")])
    ws["A1"].font = Font(bold=True, size=14)
    _write(ws, tables.summary_table(report), start_row=3)

    ws = wb.create_sheet("受理趋势")
    _write(ws, tables.daily_table(report))
    if report.daily:
        chart = LineChart()
        chart.title, chart.y_axis.title, chart.x_axis.title = "每日受理工单", "件", "日期"
        n = len(report.daily) + 1
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
        chart.width, chart.height = 24, 10
        ws.add_chart(chart, "D2")

    ws = wb.create_sheet("热点事项")
    topics = tables.topic_table(report)
    _write(ws, topics, empty="本期没有两张及以上反映同一事项的工单")
    rows = topics.rows
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
    _write(ws, tables.rising_table(report), empty="本期没有突发、上升或新出现的事项")
    ws = wb.create_sheet("重复投诉")
    _write(ws, tables.repeat_table(report), empty="本期没有重复投诉线索")

    ws = wb.create_sheet("承办单位")
    departments = tables.performance_table(report.performance.departments)
    _write(ws, departments, empty="本期没有派单")
    rows = departments.rows
    ranked = [f for f in report.performance.departments if f.score is not None]
    if ranked:
        chart = BarChart()
        chart.type, chart.title = "bar", "承办单位综合得分排名"
        n = min(len(ranked), 15) + 1
        chart.add_data(Reference(ws, min_col=12, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n))
        chart.width, chart.height = 24, 12
        ws.add_chart(chart, f"A{len(rows) + 4}")
    start = len(rows) + 30
    weeks = tables.weeks_table(report)
    _write(ws, weeks, start_row=start)
    if weeks.rows:
        line = LineChart()
        line.title = f"{report.district or '全市'}绩效周趋势"
        line.add_data(Reference(ws, min_col=2, max_col=4, min_row=start, max_row=start + len(weeks.rows)),
                      titles_from_data=True)  # fmt: skip
        line.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(weeks.rows)))
        line.width = 24
        ws.add_chart(line, f"F{start}")

    ws = wb.create_sheet("区县")
    _write(ws, tables.performance_table(report.performance.districts), empty="本期没有派单")
    categories = list(report.categories)
    start = len(report.performance.districts) + 4
    ws.cell(row=start, column=1, value="区县 × 分类（受理件数）").font = Font(bold=True)
    grid = tables.table(
        [("区县", tables.TEXT)] + [(c, tables.INT) for c in categories],
        [[d] + [report.district_grid[d].get(c, 0) for c in categories] for d in report.district_grid],
    )
    _write(ws, grid, start_row=start + 1)
    _heat(ws, start + 2, len(grid.rows), len(categories))

    ws = wb.create_sheet("热线指标")
    hotline = tables.hotline_table(report)
    _write(ws, hotline)
    if report.district:
        ws.cell(row=len(hotline.rows) + 2, column=1, value=f"话务指标为{HOTLINE_SCOPE}数据：来电在生成工单前没有区县")
    start = len(hotline.rows) + 4
    days = tables.hotline_days_table(report)
    _write(ws, days, start_row=start)
    if any(d["offered"] for d in report.hotline.days):
        chart = BarChart()
        chart.title = "每日呼入与接通"
        chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=start, max_row=start + len(days.rows)),
                       titles_from_data=True)  # fmt: skip
        chart.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + len(days.rows)))
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
