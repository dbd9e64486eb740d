"""The demo department catalogue: read `departments.toml` and put it in the `department` table."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from hotline.directory.models import Department, DepartmentLevel

CATALOGUE_FILE = Path(__file__).with_name("departments.toml")


@dataclass(frozen=True)
class Unit:
    """One row of the catalogue file, before it has a database id."""

    code: str
    name: str
    level: DepartmentLevel
    parent: str | None = None
    district: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


def load_catalogue(path: Path = CATALOGUE_FILE) -> list[Unit]:
    """Parents come before their children in the file; checked here so a typo fails loudly."""
    with path.open("rb") as fh:
        rows = tomllib.load(fh)["department"]
    units: list[Unit] = []
    seen: set[str] = set()
    for row in rows:
        unit = Unit(**{**row, "level": DepartmentLevel(row["level"])})
        if unit.code in seen:
            raise ValueError(f"{path}: department code {unit.code} appears twice")
        if unit.parent is not None and unit.parent not in seen:
            raise ValueError(f"{path}: {unit.code} names parent {unit.parent} before it is defined")
        seen.add(unit.code)
        units.append(unit)
    return units


def seed_departments(session: Session, units: list[Unit]) -> dict[str, Department]:
    """Add the units not there yet (by code) and return every catalogue unit by code."""
    existing = {d.code: d for d in session.exec(select(Department))}
    for unit in units:
        if unit.code in existing:
            continue
        parent_id = existing[unit.parent].id if unit.parent else None
        department = Department(
            code=unit.code,
            name=unit.name,
            level=unit.level,
            parent_id=parent_id,
            district=unit.district,
            contact_name=unit.contact_name,
            contact_phone=unit.contact_phone,
        )
        session.add(department)
        session.flush()  # the id is needed by the children that follow
        existing[unit.code] = department
    session.commit()
    return {unit.code: existing[unit.code] for unit in units}
