"""The knowledge API: search, suggestions from a live transcript, articles with versions, ratings.

Everyone logged in searches and reads published articles; editors (知识库编辑) and admins write; agents rate.
"""

import time
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import Session, select

from hotline.auth.deps import CurrentUser, SessionDep
from hotline.auth.models import User
from hotline.errors import Invalid
from knowledge import search as engine
from knowledge import service
from knowledge.models import STATUS_NAMES, Article, ArticleStatus
from knowledge.schemas import (
    MAX_QUERY,
    ArticleIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    HitOut,
    RatingIn,
    RatingOut,
    SearchOut,
    StepIn,
    SuggestIn,
    SuggestOut,
    VersionOut,
)
from knowledge.terms import query_terms

router = APIRouter(prefix="/api/knowledge", tags=["知识库 knowledge"])


def _out(session: Session, article: Article, user: User) -> ArticleOut:
    status = service.effective_status(article)
    summary = service.rating_summary(session, article.id or 0, user)
    return ArticleOut(
        **article.model_dump(exclude={"status", "created_by_id", "updated_by_id"}),
        status=status,
        status_name=STATUS_NAMES[ArticleStatus(status)],
        rating=RatingOut(**summary.__dict__),
    )


@router.get("/search", response_model=SearchOut, summary="检索知识（已发布且在有效期内）")
def search(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="问题或关键词")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut:
    if not q.strip():
        raise Invalid("请输入要检索的内容", code="empty_query")
    started = time.perf_counter()
    hits = engine.search(session, q, limit)
    took = (time.perf_counter() - started) * 1000
    return SearchOut(query=q, terms=query_terms(q), hits=[HitOut.of(h) for h in hits], took_ms=round(took, 2))


@router.post("/suggest", response_model=SuggestOut, summary="按话务员输入的检索词与通话最近 30 秒的转写推荐知识")
def suggest(body: SuggestIn, session: SessionDep, user: CurrentUser) -> SuggestOut:
    segments = [engine.Segment(s.text, s.end) for s in body.segments]
    text, hits = engine.suggest(session, segments, body.query, body.limit)
    terms = list(engine.combined_query(body.query, text).terms)
    return SuggestOut(text=text, query=body.query, terms=terms, hits=[HitOut.of(h) for h in hits])


@router.get("/articles", response_model=ArticlePage, summary="知识列表（编辑可见草稿）")
def articles(
    session: SessionDep,
    user: CurrentUser,
    status: ArticleStatus | None = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ArticlePage:
    query = select(Article)
    if status is not None:
        query = query.where(Article.status == status)
    if not service.is_editor(user):
        query = query.where(Article.status != ArticleStatus.draft)
    if department:
        query = query.where(Article.department == department)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = session.exec(query.order_by(Article.updated_at.desc(), Article.id.desc()).offset(offset).limit(limit))  # type: ignore[attr-defined]
    return ArticlePage(items=[_out(session, a, user) for a in page], total=total)


@router.post("/articles", response_model=ArticleOut, status_code=201, summary="新建知识（编辑）")
def create(body: ArticleIn, session: SessionDep, user: CurrentUser) -> ArticleOut:
    fields = service.ArticleFields(**body.model_dump(exclude={"publish"}))
    return _out(session, service.create_article(session, user, fields, publish=body.publish), user)


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="一篇知识")
def article(article_id: int, session: SessionDep, user: CurrentUser) -> ArticleOut:
    return _out(session, service.load_article(session, article_id, user), user)


@router.patch("/articles/{article_id}", response_model=ArticleOut, summary="修改知识（编辑；每次修改记一版）")
def update(article_id: int, body: ArticlePatch, session: SessionDep, user: CurrentUser) -> ArticleOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version", "note"})
    for name in ("title", "body", "tags"):
        if name in changes and changes[name] is None:
            raise Invalid("标题、正文、标签不能设为空", code="empty_article")
    article = service.update_article(session, user, article_id, changes, body.version, body.note)
    return _out(session, article, user)


@router.post("/articles/{article_id}/publish", response_model=ArticleOut, summary="发布（编辑）")
def publish(article_id: int, session: SessionDep, user: CurrentUser, body: StepIn | None = None) -> ArticleOut:
    version = body.version if body else None
    return _out(session, service.publish_article(session, user, article_id, version), user)


@router.post("/articles/{article_id}/expire", response_model=ArticleOut, summary="设为失效（编辑）")
def expire(article_id: int, session: SessionDep, user: CurrentUser, body: StepIn | None = None) -> ArticleOut:
    body = body or StepIn()
    return _out(session, service.expire_article(session, user, article_id, body.note, body.version), user)


@router.get("/articles/{article_id}/versions", response_model=list[VersionOut], summary="历史版本")
def versions(article_id: int, session: SessionDep, user: CurrentUser) -> list[VersionOut]:
    return [VersionOut(**v.model_dump()) for v in service.versions(session, article_id, user)]


@router.put("/articles/{article_id}/rating", response_model=RatingOut, summary="评价是否有用（话务员；每人一次，可改）")
def rate(article_id: int, body: RatingIn, session: SessionDep, user: CurrentUser) -> RatingOut:
    service.rate_article(session, user, article_id, body.score, body.comment)
    return RatingOut(**service.rating_summary(session, article_id, user).__dict__)
