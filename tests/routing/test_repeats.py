"""Repeat detection on real message pairs: the same matter reported by different users in unlabelled.csv."""

import csv
from datetime import datetime, timedelta

from routing.repeats import OpenTicket, RepeatQuery, find_repeats
from tests.classifier.conftest import messages_dir


def parse_time(value: str) -> datetime:
    return datetime.strptime(value.replace("/", "-"), "%Y-%m-%d %H:%M:%S")


def load_unlabelled() -> dict[str, dict]:
    with (messages_dir() / "unlabelled.csv").open(encoding="utf-8", newline="") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def ticket(row: dict, phone: str | None = None) -> OpenTicket:
    return OpenTicket(
        row["id"], f"GD{row['id']}", f"{row['title']}。{row['body']}", parse_time(row["time"]), caller_phone=phone
    )


def query(row: dict, phone: str | None = None) -> RepeatQuery:
    return RepeatQuery(f"{row['title']}。{row['body']}", parse_time(row["time"]), caller_phone=phone)


def test_same_matter_from_different_users_is_found_among_other_open_tickets() -> None:
    rows = load_unlabelled()
    # Two users, ten minutes apart, about the same concrete mixing plant in the same estate.
    new, same = rows["247160"], rows["190802"]
    others = [r for key, r in list(rows.items())[:300] if key not in {"247160", "190802"}]
    # Every candidate is put inside the time window: only the text may decide.
    candidates = [ticket(same)] + [
        OpenTicket(r["id"], r["id"], f"{r['title']}。{r['body']}", parse_time(same["time"])) for r in others
    ]
    matches = find_repeats(query(new), candidates)
    assert matches, "the real repeat was not found"
    assert matches[0].ticket_id == "190802"
    assert all(m.score < matches[0].score for m in matches[1:])


def test_different_matters_in_the_window_are_not_offered() -> None:
    rows = load_unlabelled()
    new = rows["274826"]  # A3区欣胜园小区急需水改电改和车位改造
    unrelated = [rows["188006"], rows["188007"]]
    candidates = [
        OpenTicket(r["id"], r["id"], f"{r['title']}。{r['body']}", parse_time(new["time"])) for r in unrelated
    ]
    assert find_repeats(query(new), candidates) == []


def test_same_caller_counts_more_and_time_window_excludes_old_tickets() -> None:
    rows = load_unlabelled()
    new, same = rows["247160"], rows["190802"]  # the mixing plant again: similar, not identical words
    plain = find_repeats(query(new), [ticket(same)])
    same_caller = find_repeats(query(new, phone="13800000000"), [ticket(same, phone="13800000000")])
    assert plain and same_caller and same_caller[0].score > plain[0].score
    assert "同一来电号码" in same_caller[0].reasons
    far = OpenTicket("x", "x", ticket(same).text, parse_time(new["time"]) - timedelta(days=90))
    assert find_repeats(query(new), [far]) == []


def test_empty_new_text_finds_nothing() -> None:
    rows = load_unlabelled()
    assert find_repeats(RepeatQuery("  ", datetime(2019, 1, 1)), [ticket(rows["190077"])]) == []
