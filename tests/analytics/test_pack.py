"""The meeting pack opens: the workbook has every sheet and native charts, the PDF has every page and renders."""

import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from analytics.pack.build import make_pack
from analytics.pack.excel import SHEETS
from analytics.pack.pdf import PAGES
from hotline.db import engine_for
from tests.analytics.test_indicators import AS_OF, PERIOD, _call, history, local

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "analytics"


@pytest.fixture
def pack(sqlite_db, sqlite_people, tmp_path):
    with Session(engine_for(sqlite_db)) as session:
        history(session, sqlite_people)
        start = local("2025-02-07 08:00")  # ten calls, one abandoned: the hotline page has figures to show
        session.add_all([_call(i, start + timedelta(hours=i), 6 + i, i != 3) for i in range(10)])
        session.commit()
        return make_pack(session, PERIOD, tmp_path, as_of=AS_OF)


def test_workbook_has_every_section_with_charts(pack):
    book = load_workbook(pack.workbook)
    assert book.sheetnames == SHEETS
    assert book["概览"]["A1"].value.startswith("工单研判会材料 · 2025-01-20 至 2025-02-09")
    cells = {row[0].value: row[1] for row in book["概览"].iter_rows(min_row=4)}
    summary = {name: cell.value for name, cell in cells.items()}
    assert summary["受理工单"] == 5 and summary["派单量"] == 6 and summary["签收及时率"] == 0.6  # numbers, not text
    assert cells["签收及时率"].number_format == "0.0%" and cells["受理工单"].data_type == "n"
    assert summary["数据截至"] == datetime(2025, 2, 10, 0, 0)  # AS_OF, a date cell in the centre's time
    departments = list(book["承办单位"].iter_rows(min_row=2, max_row=3, values_only=True))
    # fewer than 5 assignments: shown, not ranked (a rank on two tickets would mislead the meeting)
    assert [(r[0], r[1], r[2]) for r in departments] == [("—", "A市交通运输局", 2), ("—", "A市住房和城乡建设局", 4)]
    header = [c.value for c in book["承办单位"][1]]
    row = dict(zip(header, book["承办单位"][3], strict=True))  # A市住房和城乡建设局
    assert (row["按时办结率"].value, row["按时办结率"].number_format) == (0.75, "0.0%")
    assert (row["平均办理时长（工作日）"].value, row["综合得分"].value, row["排名"].value) == (1.29, "—", "—")
    first_day = book["受理趋势"]["A2"]
    assert first_day.value == datetime(2025, 1, 20) and first_day.number_format == "yyyy-mm-dd"
    hotline = {r[0].value: r[1] for r in book["热线指标"].iter_rows(min_row=2, max_row=13)}
    assert hotline["接通率"].value == 0.9 and hotline["接通率"].number_format == "0.0%"
    assert isinstance(hotline["最低窗口起点"].value, datetime)
    for sheet in ("受理趋势", "承办单位", "热线指标", "热点事项"):
        assert book[sheet]._charts, sheet  # native charts, editable in Excel
    assert len(book["受理趋势"]._charts) == 1


def test_pdf_has_every_page_and_renders(pack):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed to check the PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pack.pdf), str(ARTIFACTS / "page")], check=True)
    pages = sorted(ARTIFACTS.glob("page-*.png"))
    assert len(pages) == len(PAGES) == 7
    assert all(p.stat().st_size > 10_000 for p in pages)  # a blank page compresses to almost nothing
    text = subprocess.run(["pdftotext", str(pack.pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("工单研判会材料", "承办单位绩效排名", "热线服务指标", "A市住房和城乡建设局", "90.0%"):
        assert words in text
