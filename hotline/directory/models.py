from enum import StrEnum

from sqlmodel import Field, SQLModel


class DepartmentLevel(StrEnum):
    city = "city"  # 市级部门
    district = "district"  # 区县政府
    street = "street"  # 街道办事处 / 乡镇
    enterprise = "enterprise"  # 公共服务企业（水、电、气）


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=32, description="catalogue code, stable across renames")
    name: str = Field(max_length=100, description="full name, e.g. A市住房和城乡建设局")
    level: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="department.id")
    district: str | None = Field(default=None, max_length=32, description="the district it serves, e.g. A2区")
    contact_name: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=32)
    active: bool = True
