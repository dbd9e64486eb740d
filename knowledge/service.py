"""Knowledge-base steps: editors create, update, publish and expire articles; agents rate them.

Every change bumps the article's `version` (an optimistic lock: an editor saving over someone else's newer change
gets 409) and appends an ArticleVersion snapshot, so the history of an article can always be read back.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hotline.auth.models import Role, User
from hotline.db import utcnow
from hotline.errors import Conflict, Forbidden, Invalid, NotFound
from hotline.events import Event, publish_after_commit
from knowledge.models import Article, ArticleRating, ArticleStatus, ArticleVersion

EDITORS = (Role.editor, Role.admin)
RATERS = (Role.agent, Role.supervisor)
CONTENT_FIELDS = ("title", "body", "tags", "department", "valid_from", "valid_to")


def is_editor(user: User) -> bool:
    return user.role in EDITORS


def snapshot(article: Article, action: str, editor: User | None, note: str | None = None) -> ArticleVersion:
    """The version row recording the article as it is after `action`."""
    return ArticleVersion(
        article_id=article.id,
        version=article.version,
        action=action,
        title=article.title,
        body=article.body,
        tags=list(article.tags),
        department=article.department,
        status=article.status,
        valid_from=article.valid_from,
        valid_to=article.valid_to,
        editor_id=editor.id if editor else None,
        editor_name=editor.display_name if editor else "导入",
        note=note,
        at=article.updated_at,
    )


def effective_status(article: Article, now: datetime | None = None) -> str:
    """A published article whose validity window has closed reads as expired, without anyone touching it."""
    now = now or utcnow()
    if article.status == ArticleStatus.published and article.valid_to is not None and article.valid_to <= now:
        return ArticleStatus.expired
    return article.status


def clean_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))


def _check_window(valid_from: datetime | None, valid_to: datetime | None) -> None:
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise Invalid("有效期截止时间必须晚于开始时间", code="invalid_validity")


def _require_editor(user: User) -> None:
    if not is_editor(user):
        raise Forbidden("此操作仅限知识库编辑、系统管理员", code="role_forbidden")


def _record(session: Session, article: Article, action: str, editor: User | None, note: str | None = None) -> None:
    """Flush the article, append its version, queue the bus event; the caller commits."""
    session.add(article)
    session.flush()
    session.add(snapshot(article, action, editor, note))
    publish_after_commit(
        session,
        Event(
            type=f"knowledge.{action}",
            payload={"article_id": article.id, "version": article.version, "status": article.status},
        ),
    )


def _commit(session: Session, article: Article) -> Article:
    from knowledge.search import mark_changed

    session.commit()
    session.refresh(article)
    mark_changed()
    return article


def load_article(session: Session, article_id: int, user: User) -> Article:
    """An article the user may read: editors see drafts, everyone else only published (or expired) ones."""
    article = session.get(Article, article_id)
    if article is None or (article.status == ArticleStatus.draft and not is_editor(user)):
        raise NotFound("没有这篇知识", code="article_not_found")
    return article


@dataclass
class ArticleFields:
    title: str
    body: str
    tags: list[str]
    department: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


def create_article(session: Session, editor: User, fields: ArticleFields, publish: bool = False) -> Article:
    _require_editor(editor)
    _check_window(fields.valid_from, fields.valid_to)
    now = utcnow()
    article = Article(
        title=fields.title.strip(),
        body=fields.body.strip(),
        tags=clean_tags(fields.tags),
        department=fields.department,
        valid_from=fields.valid_from,
        valid_to=fields.valid_to,
        status=ArticleStatus.published if publish else ArticleStatus.draft,
        created_by_id=editor.id,
        updated_by_id=editor.id,
        created_at=now,
        updated_at=now,
    )
    _record(session, article, "publish" if publish else "create", editor)
    return _commit(session, article)


def _bump(session: Session, article: Article, editor: User, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != article.version:
        raise Conflict(
            f"这篇知识已被他人修改（当前第 {article.version} 版），请刷新后再改",
            code="version_conflict",
            current_version=article.version,
        )
    article.version += 1
    article.updated_at = utcnow()
    article.updated_by_id = editor.id


def update_article(
    session: Session,
    editor: User,
    article_id: int,
    changes: dict,
    expected_version: int | None = None,
    note: str | None = None,
) -> Article:
    """Change some of title, body, tags, department, valid_from, valid_to (keys absent stay as they are)."""
    _require_editor(editor)
    article = load_article(session, article_id, editor)
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise Invalid(f"不能修改的字段：{'、'.join(sorted(unknown))}", code="invalid_field")
    if "tags" in changes:
        changes = {**changes, "tags": clean_tags(changes["tags"])}
    for name in ("title", "body"):
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if not changes[name]:
                raise Invalid("标题和正文不能为空", code="empty_article")
    _check_window(changes.get("valid_from", article.valid_from), changes.get("valid_to", article.valid_to))
    if all(getattr(article, name) == value for name, value in changes.items()):
        return article  # nothing changed: no new version
    _bump(session, article, editor, expected_version)
    for name, value in changes.items():
        setattr(article, name, value)
    _record(session, article, "update", editor, note)
    return _commit(session, article)


def publish_article(session: Session, editor: User, article_id: int, expected_version: int | None = None) -> Article:
    _require_editor(editor)
    article = load_article(session, article_id, editor)
    if effective_status(article) == ArticleStatus.published:
        raise Conflict("这篇知识已经发布", code="already_published")
    if article.valid_to is not None and article.valid_to <= utcnow():
        raise Invalid("有效期已过，请先修改有效期再发布", code="validity_passed")
    _bump(session, article, editor, expected_version)
    article.status = ArticleStatus.published
    _record(session, article, "publish", editor)
    return _commit(session, article)


def expire_article(
    session: Session, editor: User, article_id: int, note: str | None = None, expected_version: int | None = None
) -> Article:
    """Take an article out of search now (it stays readable, with its history)."""
    _require_editor(editor)
    article = load_article(session, article_id, editor)
    if article.status != ArticleStatus.published:
        raise Conflict("只有已发布的知识可以设为失效", code="not_published")
    _bump(session, article, editor, expected_version)
    article.status = ArticleStatus.expired
    if article.valid_to is None or article.valid_to > article.updated_at:
        article.valid_to = article.updated_at
    _record(session, article, "expire", editor, note)
    return _commit(session, article)


def versions(session: Session, article_id: int, user: User) -> list[ArticleVersion]:
    load_article(session, article_id, user)
    query = select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.version)
    return list(session.exec(query))


def rate_article(
    session: Session, user: User, article_id: int, score: int, comment: str | None = None
) -> ArticleRating:
    """One rating per agent per article; rating again replaces the score."""
    if user.role not in RATERS:
        raise Forbidden("只有话务员、班长可以评价知识是否有用", code="role_forbidden")
    if not 1 <= score <= 5:
        raise Invalid("评分应为 1–5", code="invalid_score")
    article = load_article(session, article_id, user)
    query = select(ArticleRating).where(ArticleRating.article_id == article.id, ArticleRating.user_id == user.id)
    for attempt in range(2):
        rating = session.exec(query).first()
        if rating is None:
            rating = ArticleRating(article_id=article.id, user_id=user.id, score=score)
        rating.score, rating.comment, rating.rated_at = score, comment, utcnow()
        session.add(rating)
        try:
            session.commit()
        except IntegrityError:
            # The same agent's other request inserted first (two clicks at once): update that row instead.
            session.rollback()
            if attempt:
                raise
            continue
        session.refresh(rating)
        return rating
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class RatingSummary:
    count: int
    average: float | None
    useful: int  # ratings of 4 or 5
    mine: int | None


def rating_summary(session: Session, article_id: int, user: User | None = None) -> RatingSummary:
    count, average, useful = session.exec(
        select(
            func.count(ArticleRating.id),
            func.avg(ArticleRating.score),
            func.coalesce(func.sum(case((ArticleRating.score >= 4, 1), else_=0)), 0),
        ).where(ArticleRating.article_id == article_id)
    ).one()
    mine = None
    if user is not None:
        mine = session.exec(
            select(ArticleRating.score).where(ArticleRating.article_id == article_id, ArticleRating.user_id == user.id)
        ).first()
    return RatingSummary(int(count), round(float(average), 2) if average is not None else None, int(useful), mine)
