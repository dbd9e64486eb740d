"""The search index of this process: built from the published articles, rebuilt when an article changes.

Freshness across processes: at most once a second a query reads the article count, the sum of versions, the
highest id and the latest update, and rebuilds when any moved. A change made in this process drops the index at
once. Rebuilds re-tokenise only texts not seen before (see `index._field_counts`), so they stay cheap.
"""

import threading
import time
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from hotline.db import utcnow
from knowledge.index import Doc, Hit, SearchIndex
from knowledge.models import Article, ArticleStatus
from knowledge.terms import Query, parse_query

CHECK_SECONDS = 1.0
# Below this share of what the question's words could score, a hit is noise: "知识库无匹配". Chosen on the dev split
# of tests/knowledge/data/knowledge_questions.csv, trading answered questions against no-match ones (docs/knowledge.md).
MIN_RELEVANCE = 0.035
TYPED_WEIGHT = 2.0  # the agent's typed words count twice the transcript's
TRANSCRIPT_WINDOW_SECONDS = 30.0
MAX_QUERY_CHARS = 300


@dataclass
class _Cached:
    index: SearchIndex
    stamp: tuple
    checked: float


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


def mark_changed() -> None:
    """Articles changed in this process: the next query rebuilds (cheap: unchanged texts keep their terms)."""
    with _lock:
        _cache.clear()


def _stamp(session: Session) -> tuple:
    """Moves whenever an article is added, changed (every change bumps its version and updated_at) or removed."""
    query = select(
        func.count(Article.id),
        func.coalesce(func.sum(Article.version), 0),
        func.max(Article.id),
        func.max(Article.updated_at),
    )
    return tuple(session.exec(query).one())


def docs_of(articles: list[Article]) -> list[Doc]:
    return [
        Doc(
            id=a.id or 0,
            title=a.title,
            body=a.body,
            tags=tuple(a.tags or ()),
            department=a.department,
            valid_from=a.valid_from,
            valid_to=a.valid_to,
        )
        for a in articles
    ]


def build_index(session: Session) -> SearchIndex:
    """All published articles; their validity windows are applied per query."""
    query = select(Article).where(Article.status == ArticleStatus.published).order_by(Article.id)
    return SearchIndex(docs_of(list(session.exec(query))))


def current_index(session: Session) -> SearchIndex:
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
        if cached is not None and now - cached.checked < CHECK_SECONDS:
            return cached.index
        stamp = _stamp(session)
        if cached is None or stamp != cached.stamp:
            # Built under the lock: concurrent first queries wait for one build instead of all building.
            cached = _Cached(build_index(session), stamp, now)
            _cache[key] = cached
        cached.checked = now
        return cached.index


def search(session: Session, query: str, limit: int = 10) -> list[Hit]:
    return current_index(session).search(query[:MAX_QUERY_CHARS], limit, now=utcnow(), min_relevance=MIN_RELEVANCE)


@dataclass(frozen=True)
class Segment:
    text: str
    end: float


def recent_speech(segments: list[Segment], window: float = TRANSCRIPT_WINDOW_SECONDS) -> str:
    """The words spoken in the last `window` seconds before the latest segment ended."""
    if not segments:
        return ""
    latest = max(s.end for s in segments)
    recent = sorted((s for s in segments if s.end >= latest - window), key=lambda s: s.end)
    return "".join(s.text for s in recent)[-MAX_QUERY_CHARS:]


def combined_query(typed: str, spoken: str) -> Query:
    """The agent's typed words (weighted up) and the recent transcript's, each term once at its highest weight."""
    query = Query()
    for text, weight in ((typed, TYPED_WEIGHT), (spoken, 1.0)):
        if text.strip():
            query.add(parse_query(text[:MAX_QUERY_CHARS], weight))
    return query


def suggest(session: Session, segments: list[Segment], typed: str = "", limit: int = 5) -> tuple[str, list[Hit]]:
    """Hits for what the agent typed together with what was said in the last 30 s."""
    spoken = recent_speech(segments)
    query = combined_query(typed, spoken)
    index = current_index(session)
    return spoken, index.search_query(query, limit, now=utcnow(), min_relevance=MIN_RELEVANCE)
