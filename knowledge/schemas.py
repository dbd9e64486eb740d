"""What the knowledge API takes and gives."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from knowledge.index import Hit

MAX_QUERY = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArticleIn(_Strict):
    title: str = Field(min_length=1, max_length=200, description="标题")
    body: str = Field(min_length=1, max_length=50_000, description="正文")
    tags: list[str] = Field(default_factory=list, max_length=30, description="标签")
    department: str | None = Field(default=None, max_length=100, description="办理/发布单位")
    valid_from: datetime | None = Field(default=None, description="生效时间（含时区）")
    valid_to: datetime | None = Field(default=None, description="失效时间（含时区）")
    publish: bool = Field(default=False, description="保存后立即发布")


class ArticlePatch(_Strict):
    """Only the fields sent are changed; `version` is the one the editor started from (409 if someone saved since)."""

    version: int | None = Field(default=None, ge=1)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=50_000)
    tags: list[str] | None = Field(default=None, max_length=30)
    department: str | None = Field(default=None, max_length=100)
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    note: str | None = Field(default=None, max_length=500, description="修改说明")


class StepIn(_Strict):
    version: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=500)


class RatingIn(_Strict):
    score: int = Field(ge=1, le=5, description="1 没用 … 5 很有用")
    comment: str | None = Field(default=None, max_length=500)


class RatingOut(BaseModel):
    count: int
    average: float | None
    useful: int = Field(description="评 4–5 分的人数")
    mine: int | None = Field(description="我的评分")


class ArticleOut(BaseModel):
    id: int
    key: str | None
    title: str
    body: str
    tags: list[str]
    department: str | None
    source: str
    source_url: str | None
    status: str = Field(description="draft 草稿 / published 已发布 / expired 已失效（含有效期已过）")
    status_name: str
    valid_from: datetime | None
    valid_to: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    rating: RatingOut


class ArticlePage(BaseModel):
    items: list[ArticleOut]
    total: int


class VersionOut(BaseModel):
    version: int
    action: str
    title: str
    body: str
    tags: list[str]
    department: str | None
    status: str
    valid_from: datetime | None
    valid_to: datetime | None
    editor_name: str
    note: str | None
    at: datetime


class HitOut(BaseModel):
    id: int
    title: str
    title_html: str = Field(description="标题，HTML 转义，命中词用 <mark> 标出")
    snippet_html: str = Field(description="正文摘要，HTML 转义，命中词用 <mark> 标出")
    score: float
    department: str | None
    tags: list[str]
    matched: list[str] = Field(description="命中的词")
    relevance: float = Field(default=0.0, description="相关度 0–1（低于阈值的不返回）")

    @classmethod
    def of(cls, hit: Hit) -> "HitOut":
        return cls(
            id=hit.id,
            title=hit.title,
            title_html=hit.title_html,
            snippet_html=hit.snippet_html,
            score=hit.score,
            department=hit.department,
            tags=list(hit.tags),
            matched=list(hit.matched),
            relevance=hit.relevance,
        )


class SearchOut(BaseModel):
    query: str
    terms: list[str] = Field(description="实际检索的词（去掉语气词，加同义词）")
    hits: list[HitOut]
    took_ms: float


class SegmentIn(_Strict):
    text: str = Field(max_length=5_000)
    end: float = Field(ge=0, description="该段结束时间（秒，从通话开始计）")


class SuggestIn(_Strict):
    segments: list[SegmentIn] = Field(
        default_factory=list, max_length=5_000, description="实时转写的各段，顺序不限（取最近 30 秒）"
    )
    query: str = Field(default="", max_length=MAX_QUERY, description="话务员输入的检索词（权重高于转写）")
    limit: int = Field(default=5, ge=1, le=20)


class SuggestOut(BaseModel):
    text: str = Field(description="用于检索的最近 30 秒话语")
    query: str = Field(default="", description="话务员输入的检索词")
    terms: list[str]
    hits: list[HitOut] = Field(description="相关度达到阈值的条目，同名条目只出现一次；为空即“知识库无匹配”")
