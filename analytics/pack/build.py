"""`make_pack`: the report, then the workbook and the PDF, with a progress callback for the command line."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from analytics.pack.excel import write_workbook
from analytics.pack.pdf import write_pdf
from analytics.period import Period
from analytics.report import Progress, Report, build_report

STEPS = 11  # build_report's steps + the two files: the progress bar's length


@dataclass
class Pack:
    report: Report
    workbook: Path
    pdf: Path


def pack_name(period: Period, district: str | None) -> str:
    return f"研判会材料_{period.first:%Y%m%d}-{period.last:%Y%m%d}" + (f"_{district}" if district else "")


def make_pack(session: Session, period: Period, folder: Path, district: str | None = None,
              as_of: datetime | None = None, progress: Progress | None = None) -> Pack:  # fmt: skip
    step = progress or (lambda _: None)
    report = build_report(session, period, district, as_of, step)
    name = pack_name(period, district)
    step("写入 Excel")
    workbook = write_workbook(report, folder / f"{name}.xlsx")
    step("生成 PDF")
    pdf = write_pdf(report, folder / f"{name}.pdf")
    return Pack(report, workbook, pdf)
