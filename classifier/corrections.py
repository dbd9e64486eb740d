"""Learning from the centre's own corrections: closed tickets become training rows.

The ticket store belongs to the core (`hotline/`); this module only defines the row format and reads and
writes it, so the core's exporter (or any script) can hand closed tickets over as a CSV:
id, title, body, topic, request_type, department — the final values after agents' and liaisons' changes.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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
