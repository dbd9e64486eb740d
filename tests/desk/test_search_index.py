"""The desk search's index paths (stored last four digits, the number range, the character-pair index) find
exactly what a plain scan finds, on both databases, including the cases an index gets wrong most easily."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from hotline.callers.service import caller_for
from hotline.models import Ticket
from hotline.tickets.models import NEXT_DUE
from hotline.tickets.search import TicketFilters, search_tickets

TEXTS = [  # (number, phone, callback, confidential, summary, description, address)
    ("2612030001", "13812341234", None, False, "路灯不亮", "桂花路两盏路灯坏了", "A2区桂花路"),
    ("2612031234", "13900000001", None, False, "大桥，桥头积水", "下雨后桥头积水", None),  # 1234: number's tail
    ("2612030002", "13912340000", None, False, "噪音扰民", "工地凌晨打桩", "A3区劳动路"),  # 1234 inside only
    ("2612030003", "13700000002", "13655551234", False, "灯", "路", "桂花"),  # callback ends 1234
    ("2612030004", "13800005678", None, True, "举报违建", "楼顶加建，路灯被拆", "A2区某小区"),  # 保密
    ("2612030005", "13800000003", None, False, "桂花", "路灯", "3栋12-3室"),  # word split over fields
]


@pytest.fixture
def texts(session: Session, people) -> dict[str, Ticket]:
    tickets = {}
    for number, phone, callback, confidential, summary, description, address in TEXTS:
        caller = caller_for(session, phone)
        ticket = Ticket(number=number, request_type="投诉", summary=summary, description=description,
                        address=address, caller_id=caller.id, callback_phone=callback, confidential=confidential,
                        department_id=people.housing.id, state="dispatched")  # fmt: skip
        session.add(ticket)
        tickets[number] = ticket
    session.commit()
    return tickets


def numbers(session, actor, q: str) -> list[str]:
    found, total = search_tickets(session, actor, TicketFilters(q=q))
    assert total == len(found)
    return sorted(t.number for t in found)


def scanned(q: str) -> list[str]:
    """What `LIKE '%word%'` over title, body and address finds: every word in one of the three."""
    fields = [(n, (s, d, a or "")) for n, _, _, _, s, d, a in TEXTS]
    return sorted(n for n, f in fields if all(any(w in t for t in f) for w in q.split()))


@pytest.mark.parametrize(
    "q", ["灯", "路灯", "桂花路", "路灯 桂花", "大桥头", "桥头", "花路", "12-3", "3栋", "A2区", "灯不", "没有的词"]
)
def test_words_are_found_as_the_scan_finds_them(session, people, texts, q):
    # 大桥头: its pairs 大桥 桥头 stand side by side in the index (across a comma) but the text has no 大桥头;
    # 花路: 桂花 ends the title and 路灯 starts the body of the last ticket; 灯 / 12-3 are answered by the scan.
    assert numbers(session, people.agent, q) == scanned(q)


def test_a_ticket_is_found_by_words_changed_after_it_was_filed(session, people, texts):
    ticket = texts["2612030002"]
    ticket.summary = "施工噪音"
    session.add(ticket)
    session.commit()
    assert numbers(session, people.agent, "施工噪音") == ["2612030002"]
    assert numbers(session, people.agent, "噪音扰民") == []


def test_last_four_is_a_tail_never_a_middle(session, people, texts):
    # caller's phone ends 1234, the number ends 1234, the callback number ends 1234; not 13912340000
    assert numbers(session, people.agent, "1234") == ["2612030001", "2612030003", "2612031234"]
    assert numbers(session, people.agent, "13912340000") == ["2612030002"]
    assert numbers(session, people.agent, "261203123") == ["2612031234"]  # part of a number: its start
    assert numbers(session, people.agent, "26120300") == ["2612030001", "2612030002", "2612030003", "2612030004",
                                                          "2612030005"]  # fmt: skip


def test_a_confidential_caller_is_not_found_by_their_numbers_outside_the_centre(session, people, texts):
    assert numbers(session, people.agent, "5678") == ["2612030004"]
    assert numbers(session, people.agent, "13800005678") == ["2612030004"]
    assert numbers(session, people.liaison, "5678") == []  # the ticket is in the liaison's department
    assert numbers(session, people.liaison, "13800005678") == []
    assert numbers(session, people.liaison, "2612030004") == ["2612030004"]  # by its number, as before
    assert numbers(session, people.liaison, "1234") == ["2612030001", "2612030003", "2612031234"]


def _by_expression(session) -> list[str]:
    """The default order as the deadline expression over the due columns (what the stored column replaces)."""
    query = select(Ticket.number).order_by(NEXT_DUE.is_(None), NEXT_DUE, Ticket.created_at.desc(), Ticket.id.desc())
    return list(session.exec(query))


def test_the_stored_deadline_orders_as_the_expression_over_the_due_columns(session, people):
    rng = random.Random(16)
    base = datetime(2026, 12, 1, 9, tzinfo=UTC)
    states = ["received", "dispatched", "in_progress", "callback_pending", "replied", "closed"]
    tickets = []
    for i in range(40):
        due = {c: base + timedelta(hours=rng.randint(1, 300)) if rng.random() < 0.8 else None
               for c in ("sign_due_at", "reply_due_at", "callback_due_at")}  # fmt: skip
        created = base - timedelta(hours=rng.randint(0, 5))
        tickets.append(Ticket(number=f"26120{i:05d}", request_type="投诉", summary="测试", description="排序",
                              state=rng.choice(states), created_at=created, **due))  # fmt: skip
    session.add_all(tickets)
    session.commit()
    agent_sees = [t.number for t in search_tickets(session, people.agent, TicketFilters(), limit=200)[0]]
    assert agent_sees == _by_expression(session)
    for ticket in rng.sample(tickets, 15):  # steps move tickets on and set new deadlines
        ticket.state = rng.choice(states)
        ticket.reply_due_at = base + timedelta(hours=rng.randint(1, 300))
        session.add(ticket)
    session.commit()
    agent_sees = [t.number for t in search_tickets(session, people.agent, TicketFilters(), limit=200)[0]]
    assert agent_sees == _by_expression(session)


CASED = [  # (number, summary): two-character words whose case the index and LIKE may see differently
    ("2612040001", "WiFi信号差"),
    ("2612040002", "ＡＢ栋停水"),  # full-width letters: SQLite's LIKE does not fold them, the index does
    ("2612040003", "wifi密码"),
    ("2612040004", "ab栋停电"),
]


def like_scan(session, q: str) -> list[str]:
    """What this database's own `LIKE` finds, without any index: the reference for the index paths."""
    query = select(Ticket.number)
    for w in q.split():
        query = query.where(
            Ticket.summary.like(f"%{w}%") | Ticket.description.like(f"%{w}%") | Ticket.address.like(f"%{w}%")
        )
    return sorted(session.exec(query))


@pytest.mark.parametrize("q", ["wi", "Wi", "WI", "ab", "ＡＢ", "ａｂ", "信号", "栋停", "停水 ab", "wifi", "Fi信"])
def test_words_answered_by_the_index_alone_are_what_like_finds(session, people, texts, q):
    # A two-character word skips the LIKE test when the index cannot differ from it (exact_in_index): on SQLite
    # "wi" finds WiFi (its LIKE folds ASCII), on PostgreSQL it does not; ＡＢ is never found by ａｂ.
    for number, summary in CASED:
        session.add(Ticket(number=number, request_type="投诉", summary=summary, description="详见标题"))
    session.commit()
    assert numbers(session, people.agent, q) == like_scan(session, q)


@pytest.mark.parametrize("q", ["路灯", "灯", "桂花 路", "A2区", "5678", ""])
@pytest.mark.parametrize("sort", ["due", "newest", "oldest"])
def test_a_capped_count_keeps_the_same_page(session, people, texts, q, sort):
    # Past count_limit the count stops and the page is read along the order's index (ORDER_INDEX): the same
    # tickets in the same order as the full count's path.
    filters = TicketFilters(q=q, sort=sort)
    everything, total = search_tickets(session, people.agent, filters, limit=3)
    for limit in (0, 1, 2, 10):
        page, counted = search_tickets(session, people.agent, filters, limit=3, count_limit=limit)
        assert counted == min(total, limit + 1)
        assert [t.number for t in page] == [t.number for t in everything]
    assert total > 1 or q in ("灯", "5678")  # the cases above do cross a limit
