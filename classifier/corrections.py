"""Learning from the centre's own work: dispatched and closed tickets become training rows.

`labelled_tickets` reads them from the database (`hotline classifier train --from-db` trains on them directly,
classifier/loop.py); `export-corrections` writes them to a CSV
(id, title, body, topic, request_type, department — the final values after agents' and liaisons' changes)
that `hotline classifier train --corrections` adds to the base data.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlmodel import Session, col

from classifier.cues import REQUEST_TYPES
from classifier.dataset import DataError, Message, read_rows

CORRECTION_COLUMNS = ("id", "title", "body", "topic", "request_type", "department")
# A label the centre gave a ticket (dispatch, redispatch after a return, close) is worth a silver label.
CORRECTION_WEIGHT = 4.0
# A suggestion the desk marked wrong, then labelled: the model erred there, so the row weighs more.
MARKED_WRONG_WEIGHT = 12.0


class Correction(NamedTuple):
    """One training row from the centre's own work: empty labels teach that head nothing."""

    message: Message
    topic: str
    request_type: str
    department: str
    weight: float = CORRECTION_WEIGHT


@dataclass(frozen=True)
class CentreTicket:
    id: str
    title: str
    body: str
    topic: str = ""
    request_type: str = ""
    department: str = ""


def write_corrections(tickets: Iterable[CentreTicket], path: Path) -> int:
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


def read_corrections(path: Path) -> list[Correction]:
    rows = read_rows(path)
    if rows and (missing := [c for c in CORRECTION_COLUMNS if c not in rows[0]]):
        raise DataError(f"纠正数据缺少列：{', '.join(missing)}（{path}）")
    corrections = []
    for row in rows:
        kind = row["request_type"].strip()
        if kind and kind not in REQUEST_TYPES:
            raise DataError(f"纠正数据中的诉求类型“{kind}”不在 {'、'.join(REQUEST_TYPES)} 之内（{path}）")
        message = Message(row["id"], row["title"].strip(), row["body"].strip())
        corrections.append(Correction(message, row["topic"].strip(), kind, row["department"].strip()))
    return corrections


LOCAL_LEVELS = ("district", "street")  # a district government or street office handled it: 属地
LABELLED_STATES = ("dispatched", "in_progress", "replied", "callback_pending", "closed")


def labelled_tickets(session: Session, since: datetime | None = None) -> list[CentreTicket]:
    """The centre's tickets that carry a label, oldest first, with their current topic, request type and department.

    Every ticket the desk has dispatched (also after a return: the redispatch replaces the unit) or closed is a
    label; tickets still waiting for dispatch or returned by a unit are not (their unit is not decided).

    The department becomes the classifier's short label through routing's department table; district
    governments and street offices are 属地; a unit the table does not know keeps no department label.
    """
    from sqlmodel import select

    from hotline.directory.models import Department
    from hotline.tickets.models import Ticket
    from routing.catalogue import departments

    label_of = {unit.code: label for label, unit in departments().items()}
    query = (
        select(Ticket, Department)
        .join(Department, col(Ticket.department_id) == col(Department.id), isouter=True)
        .where(col(Ticket.state).in_(LABELLED_STATES))
        .order_by(col(Ticket.created_at), col(Ticket.id))
    )
    if since is not None:
        query = query.where(col(Ticket.created_at) >= since)
    rows = []
    for ticket, department in session.exec(query).all():
        label = ""
        if department is not None:
            label = "属地" if department.level in LOCAL_LEVELS else label_of.get(department.code, "")
        rows.append(
            CentreTicket(
                id=ticket.number,
                title=ticket.summary,
                body=ticket.description,
                topic=ticket.topic or "",
                request_type=ticket.request_type,
                department=label,
            )
        )
    return rows
