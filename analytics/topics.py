"""Hot topics (热点): tickets about the same matter grouped together and ranked by a hotness index.

Grouping (analytics/clusters.py): TF-IDF over jieba words of the title (counted twice) and the start of the body,
with place names as extra features weighted up; a topic is a star of similar tickets around the one with the most
links, and touching stars whose centres agree are merged. Identical texts are vectorised once (repeat postings
are common).
Hotness (热度指数) = 件数 + 0.5 × 比上期增加件数 + 重复来电件数 + ln(1 + 点赞数); see docs/indicators.md.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from analytics.clusters import SIMILAR, group
from analytics.period import Period
from analytics.text import TicketText, ticket_text
from hotline.tickets.words import BODY_CHARS


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is slow, and a month is 100k docs
class Doc:
    ticket_id: int
    number: str
    title: str
    body: str
    created_at: datetime
    district: str | None = None
    caller_id: int | None = None
    likes: int = 0
    state: str = ""
    department_id: int | None = None
    words: tuple[str, str] | None = None  # stored (title words, body-start words); None: cut them here
    supervised: bool = False  # 督办 already


@dataclass
class Topic:
    id: int
    label: str
    keywords: list[str]
    places: list[str]
    count: int
    previous: int
    growth: float | None  # (count − previous) / previous; None when the previous period had none
    repeat_tickets: int  # tickets from callers who wrote more than once about this matter
    likes: int
    hotness: float
    districts: dict[str, int]
    ticket_ids: list[int]
    examples: list[dict] = field(default_factory=list)


def _texts(docs: Sequence[Doc]) -> tuple[list[TicketText], list[int]]:
    """Tokenise each distinct (title, body start) once; `index[i]` is doc i's row among the distinct texts."""
    seen: dict[tuple[str, str], int] = {}
    texts: list[TicketText] = []
    index: list[int] = []
    for doc in docs:
        key = ("stored", *doc.words) if doc.words else (doc.title, doc.body[:BODY_CHARS])
        if key not in seen:
            seen[key] = len(texts)
            texts.append(ticket_text(doc.title, doc.body, doc.words))
        index.append(seen[key])
    return texts, index


def _distinct(texts: list[TicketText]) -> list[tuple[TicketText, int]]:
    """Each text object once with how often it occurs: members of a topic share their (identical) texts."""
    times = Counter(map(id, texts))
    first = {id(t): t for t in texts}
    return [(first[key], n) for key, n in times.items()]


def top_keywords(texts: list[TicketText], top: int = 5) -> list[str]:
    counts: Counter[str] = Counter()
    places: set[str] = set()
    for t, n in _distinct(texts):
        for w in set(t.words):
            counts[w] += n
        places.update(t.places)
    return [w for w, _ in counts.most_common(top + len(places)) if w not in places and len(w) > 1][:top]


def top_places(texts: list[TicketText], top: int = 3) -> list[str]:
    counts: Counter[str] = Counter()
    for t, n in _distinct(texts):
        for p in t.places:
            counts[p] += n
    return [p for p, _ in counts.most_common(top)]


def hotness(count: int, previous: int, repeat_tickets: int, likes: int) -> float:
    return round(count + 0.5 * max(0, count - previous) + repeat_tickets + math.log1p(max(0, likes)), 2)


@dataclass
class Grouping:
    """Tickets with the topic each belongs to. A report groups its tickets once: its hot topics, rising issues
    and repeat complaints then speak of the same matters (and the costliest step is not done three times).
    Topics are formed by the period's tickets; the earlier ones (growth, baselines) join them or none."""

    docs: list[Doc]  # the period's, then the earlier ones
    texts: list[TicketText]  # docs[i]'s words and places (identical texts share one object)
    labels: np.ndarray  # docs[i]'s topic (the row of its leading text); -1: an earlier ticket of no period topic
    times: np.ndarray  # docs[i].created_at in seconds since the epoch
    rows: np.ndarray  # docs[i]'s row among the distinct texts: the docs with rows == label lead their topic

    def leading(self, members: Sequence[int], label: int) -> Doc:
        """The topic's most representative ticket: the earliest with its leading text (else the earliest)."""
        ordered = sorted(members, key=lambda i: self.docs[i].created_at)
        return self.docs[next((i for i in ordered if self.rows[i] == label), ordered[0])]

    def members(self, within: Period) -> np.ndarray:
        """Positions of the docs created within the period."""
        return np.flatnonzero((self.times >= within.start.timestamp()) & (self.times < within.end.timestamp()))


def group_docs(docs: Sequence[Doc], similar: float = SIMILAR, earlier: Sequence[Doc] = ()) -> Grouping:
    """The docs grouped into topics; the `earlier` docs (before a report's period) join those topics or none
    (label -1). They come after `docs` in the grouping."""
    texts, index = _texts([*docs, *earlier])
    current = max(index[: len(docs)], default=-1) + 1  # texts first seen in `docs` come first
    labels = group(texts, similar, current)
    every = [*docs, *earlier]
    times = np.array([d.created_at.timestamp() for d in every], dtype=float)
    rows = np.asarray(index, dtype=int)
    return Grouping(every, [texts[i] for i in index], labels[rows], times, rows)


def hot_topics(grouping: Grouping, period: Period, limit: int = 20, min_count: int = 2) -> list[Topic]:
    """Topics of the period's tickets, hottest first; the growth of each is counted against the tickets of the
    period before (period.previous()) in the same grouping. Only the `limit` hottest are described."""
    current = grouping.members(period)
    by_topic: dict[int, list[int]] = defaultdict(list)
    for i, label in zip(current.tolist(), grouping.labels[current].tolist(), strict=True):
        by_topic[label].append(i)
    before = Counter(grouping.labels[grouping.members(period.previous())].tolist())
    docs = grouping.docs
    ranked = []
    for label, members in by_topic.items():
        if len(members) < min_count:
            continue
        callers = Counter(docs[i].caller_id for i in members if docs[i].caller_id is not None)
        repeat = sum(n for n in callers.values() if n > 1)
        likes = sum(docs[i].likes for i in members)
        heat = hotness(len(members), before[label], repeat, likes)
        ranked.append((-heat, -len(members), grouping.leading(members, label).title[:30], label, members, repeat,
                       likes))  # fmt: skip
    ranked.sort(key=lambda r: r[:3])
    return [_topic(grouping, label, members, before[label], repeat, likes)
            for *_, label, members, repeat, likes in ranked[:limit]]  # fmt: skip


def _topic(grouping: Grouping, label: int, members: list[int], previous: int, repeat: int, likes: int) -> Topic:
    member_docs = sorted((grouping.docs[i] for i in members), key=lambda d: d.created_at)
    member_texts = [grouping.texts[i] for i in members]
    return Topic(
        id=label,
        label=grouping.leading(members, label).title[:30],
        keywords=top_keywords(member_texts),
        places=top_places(member_texts),
        count=len(members),
        previous=previous,
        growth=round((len(members) - previous) / previous, 3) if previous else None,
        repeat_tickets=repeat,
        likes=likes,
        hotness=hotness(len(members), previous, repeat, likes),
        districts=dict(Counter(d.district or "未注明" for d in member_docs).most_common()),
        ticket_ids=[d.ticket_id for d in member_docs],
        examples=[{"number": d.number, "title": d.title, "created_at": d.created_at.isoformat()}
                  for d in member_docs[:3]],
    )  # fmt: skip
