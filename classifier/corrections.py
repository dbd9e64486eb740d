"""Learning from the centre's own corrections: closed tickets become training rows.

`closed_tickets` reads the centre's closed tickets from the database; the rows go to a CSV
(id, title, body, topic, request_type, department — the final values after agents' and liaisons' changes)
that `hotline classifier train --corrections` adds to the base data.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from classifier.cues import REQUEST_TYPES
from classifier.dataset import DataError, Message, read_rows

CORRECTION_COLUMNS = ("id", "title", "body", "topic", "request_type", "department")


@dataclass(frozen=True)
class ClosedTicket:
    id: str
    title: str
    body: str
    topic: str = ""
    request_type: str = ""
    department: str = ""


def write_corrections(tickets: Iterable[ClosedTicket], path: Path) -> int:
    """Write closed tickets as training rows; rows with no text or no label at all are skipped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CORRECTION_COLUMNS)
        writer.writeheader()
        for ticket in tickets:
            if not (ticket.title or ticket.body) or not (ticket.topic or ticket.request_type or ticket.department):
                continue
            writer.writerow({name: getattr(ticket, name) for name in CORRECTION_COLUMNS})
            count += 1
    return count


def read_corrections(path: Path) -> list[tuple[Message, str, str, str]]:
    rows = read_rows(path)
    if rows and (missing := [c for c in CORRECTION_COLUMNS if c not in rows[0]]):
        raise DataError(f"纠正数据缺少列：{', '.join(missing)}（{path}）")
    corrections = []
    for row in rows:
        kind = row["request_type"].strip()
        if kind and kind not in REQUEST_TYPES:
            raise DataError(f"纠正数据中的诉求类型“{kind}”不在 {'、'.join(REQUEST_TYPES)} 之内（{path}）")
        message = Message(row["id"], row["title"].strip(), row["body"].strip())
        corrections.append((message, row["topic"].strip(), kind, row["department"].strip()))
    return corrections


LOCAL_LEVELS = ("district", "street")  # a district government or street office handled it: 属地


def closed_tickets(session: Session, since: datetime | None = None) -> list[ClosedTicket]:
    """The centre's closed tickets with their final topic, request type and department label.

    The department becomes the classifier's short label through routing's department table; district
    governments and street offices are 属地; a unit the table does not know keeps no department label.
    """
    from sqlmodel import select

    from hotline.directory.models import Department
    from hotline.tickets.models import Ticket
    from hotline.tickets.states import TicketState
    from routing.catalogue import departments

    label_of = {unit.code: label for label, unit in departments().items()}
    query = (
        select(Ticket, Department)
        .join(Department, Ticket.department_id == Department.id, isouter=True)
        .where(Ticket.state == TicketState.closed)
        .order_by(Ticket.id)
    )
    if since is not None:
        query = query.where(Ticket.closed_at >= since)
    rows = []
    for ticket, department in session.exec(query).all():
        label = ""
        if department is not None:
            label = "属地" if department.level in LOCAL_LEVELS else label_of.get(department.code, "")
        rows.append(
            ClosedTicket(
                id=ticket.number,
                title=ticket.summary,
                body=ticket.description,
                topic=ticket.topic or "",
                request_type=ticket.request_type,
                department=label,
            )
        )
    return rows
