"""The embedded approval store: one row per application (办件), with its stages as a JSON list."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class ApprovalCase(SQLModel, table=True):
    __tablename__ = "approval_case"

    id: int | None = Field(default=None, primary_key=True)
    application_no: str = Field(max_length=32, unique=True, index=True, description="申办号")
    item_code: str = Field(max_length=64, description="事项编码")
    item_name: str = Field(max_length=200, description="事项名称")
    department: str = Field(max_length=100, description="受理部门")
    kind: str = Field(max_length=8, description="即办件 or 承诺件")
    promised_days: int = Field(default=0, description="承诺时限（工作日），即办件为 0")
    applicant_name: str = Field(max_length=50)
    applicant_phone: str = Field(max_length=20)
    id_last6: str = Field(max_length=6, description="身份证号后六位（与姓名一起核验身份）")
    stage: str = Field(max_length=8, description="受理 审查 决定 办结 补正 不予受理")
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    history: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
