"""Tables of the knowledge base: articles, their append-only versions, and agents' ratings."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow


class ArticleStatus(StrEnum):
    draft = "draft"  # 草稿
    published = "published"  # 已发布
    expired = "expired"  # 已失效


STATUS_NAMES = {ArticleStatus.draft: "草稿", ArticleStatus.published: "已发布", ArticleStatus.expired: "已失效"}


class Article(SQLModel, table=True):
    """An article as it is now; every change bumps `version` and appends an ArticleVersion."""

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(
        default=None, max_length=64, unique=True, index=True, description="stable id from an import, e.g. sg:<事项编码>"
    )
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    department: str | None = Field(default=None, max_length=100, description="承办/发布单位名称")
    source: str = Field(default="manual", max_length=32, description="manual or service_guide")
    source_url: str | None = Field(default=None, max_length=500)
    status: str = Field(default=ArticleStatus.draft, max_length=16, index=True)
    valid_from: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    valid_to: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    version: int = Field(default=1, description="optimistic lock and search-index freshness: each change bumps it")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ArticleVersion(SQLModel, table=True):
    """A snapshot of an article after one change. Append-only."""

    __tablename__ = "article_version"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_article_version"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    version: int
    action: str = Field(max_length=16, description="create / update / publish / expire / import")
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    department: str | None = Field(default=None, max_length=100)
    status: str = Field(max_length=16)
    valid_from: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    valid_to: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    editor_id: int | None = Field(default=None, foreign_key="user.id", description="None for an import")
    editor_name: str = Field(max_length=50)
    note: str | None = Field(default=None, max_length=500)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class ArticleRating(SQLModel, table=True):
    """One agent's usefulness rating of one article (1–5); rating again changes it."""

    __tablename__ = "article_rating"
    __table_args__ = (UniqueConstraint("article_id", "user_id", name="uq_article_rating_user"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    score: int = Field(description="1 没用 … 5 很有用")
    comment: str | None = Field(default=None, max_length=500)
    rated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
