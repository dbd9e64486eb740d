"""并单 candidates from the database: real messages by different citizens about one matter find each other."""

import csv
from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.db import at_time
from hotline.tickets import service
from hotline.tickets.service import TicketDraft
from hotline.tickets.states import RequestType
from routing.similar import similar_open_tickets
from tests.conftest import error_of, login_client, real_data

SH = ZoneInfo("Asia/Shanghai")
# Two citizens about one mixing plant by 丽发新城 in A2区; a third message on another matter.
SAME_MATTER = ("189950", "231136")
OTHER_MATTER = "191474"


def messages(*ids: str) -> dict[str, dict]:
    path = real_data("messages", "unlabelled.csv")
    with path.open(encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle) if row["id"] in ids}


def file(session, people, row: dict, phone: str, when: datetime):
    draft = TicketDraft(RequestType.complaint, row["title"], row["body"], caller_phone=phone)
    with at_time(when):
        return service.intake(session, people.agent, draft)


def test_the_same_matter_from_two_citizens_is_offered_for_merging(session, people, live_server):
    rows = messages(*SAME_MATTER, OTHER_MATTER)
    first = file(session, people, rows[SAME_MATTER[0]], "13811110000", datetime(2026, 3, 2, 9, 0, tzinfo=SH))
    other = file(session, people, rows[OTHER_MATTER], "13822220000", datetime(2026, 3, 2, 9, 30, tzinfo=SH))
    second = file(session, people, rows[SAME_MATTER[1]], "13833330000", datetime(2026, 3, 3, 10, 0, tzinfo=SH))

    matches = similar_open_tickets(
        session, f"{second.summary} {second.description}", now=second.created_at, exclude_number=second.number
    )
    assert [m.number for m in matches] == [first.number]
    assert other.number not in [m.number for m in matches]

    agent = login_client(live_server.url, people.users["agent"].username)
    offered = agent.get(f"/api/tickets/{second.number}/similar").json()
    error_of(agent.get("/api/tickets/2001010999/similar"), 404, "ticket_not_found")
    agent.close()
    liaison = login_client(live_server.url, people.users["liaison"].username)
    error_of(liaison.get(f"/api/tickets/{second.number}/similar"), 403, "role_forbidden")
    liaison.close()
    assert [o["number"] for o in offered] == [first.number]
    assert offered[0]["reasons"][0].startswith("内容相似度")

    service.merge(session, people.agent, second.number, first.number)
    after = similar_open_tickets(session, f"{second.summary} {second.description}", now=second.created_at)
    assert [m.number for m in after] == [first.number]  # the merged child is never offered as a main ticket
