"""Repeat requests (并单): open tickets about the same matter as a new one, with a score and reasons.

A pure function over candidates the caller supplies (the core feeds open tickets from its database).
Text similarity is the cosine of character-bigram counts (robust to ASR segmentation and to short texts);
the same place and a short time gap raise the score, a different district lowers it, and the same caller
counts more.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from routing.jurisdiction import find_jurisdiction

_NOT_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
DEFAULT_WINDOW = timedelta(days=30)
DEFAULT_THRESHOLD = 0.45


@dataclass(frozen=True)
class RepeatQuery:
    text: str
    created_at: datetime
    address: str | None = None
    district: str | None = None
    caller_phone: str | None = None


@dataclass(frozen=True)
class OpenTicket:
    id: int | str
    number: str
    text: str
    created_at: datetime
    address: str | None = None
    district: str | None = None
    caller_phone: str | None = None


@dataclass(frozen=True)
class RepeatMatch:
    ticket_id: int | str
    number: str
    score: float
    text_similarity: float
    reasons: list[str] = field(default_factory=list)


def _bigrams(text: str) -> Counter[str]:
    clean = _NOT_WORD.sub("", text[:5000])
    return Counter(clean[i : i + 2] for i in range(len(clean) - 1))


def text_similarity(a: str, b: str) -> float:
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    dot = sum(count * right[gram] for gram, count in left.items() if gram in right)
    return dot / math.sqrt(sum(c * c for c in left.values()) * sum(c * c for c in right.values()))


def _place(district: str | None, address: str | None, text: str) -> tuple[str | None, str | None]:
    found = find_jurisdiction(text, address)
    return district or found.district, found.street


def find_repeats(
    new: RepeatQuery,
    candidates: Iterable[OpenTicket],
    window: timedelta = DEFAULT_WINDOW,
    threshold: float = DEFAULT_THRESHOLD,
    limit: int = 5,
) -> list[RepeatMatch]:
    """Open tickets that look like the same matter, best first, at most `limit`."""
    if not new.text or not new.text.strip():
        return []
    new_grams = _bigrams(new.text)
    new_district, new_street = _place(new.district, new.address, new.text)
    matches = []
    for ticket in candidates:
        gap = abs(new.created_at - ticket.created_at)
        if gap > window:
            continue
        grams = _bigrams(ticket.text)
        if not grams or not new_grams:
            continue
        dot = sum(c * grams[g] for g, c in new_grams.items() if g in grams)
        similarity = dot / math.sqrt(sum(c * c for c in new_grams.values()) * sum(c * c for c in grams.values()))
        score = similarity
        reasons = [f"内容相似度 {similarity:.2f}"]
        district, street = _place(ticket.district, ticket.address, ticket.text)
        if new_street and street == new_street:
            score += 0.15
            reasons.append(f"同一街道（{street}）")
        elif new_district and district == new_district:
            score += 0.08
            reasons.append(f"同一区县（{district}）")
        elif new_district and district and district != new_district:
            score -= 0.2
            reasons.append(f"区县不同（{district}）")
        if new.caller_phone and ticket.caller_phone == new.caller_phone:
            score += 0.2
            reasons.append("同一来电号码")
        # Closer in time is likelier the same event; the penalty reaches 0.1 at the window's end.
        score -= 0.1 * (gap / window)
        score = max(0.0, min(1.0, score))
        if score >= threshold:
            matches.append(RepeatMatch(ticket.id, ticket.number, round(score, 3), round(similarity, 3), reasons))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]
