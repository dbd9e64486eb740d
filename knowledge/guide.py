"""Import the service guide (办事指南, `knowledge/service_guide.csv` of the shared data) as published articles.

Each row becomes one article keyed `sg:<TASK_CODE>` (the platform's item code, unique in the file), so a second
import updates changed articles instead of duplicating them. The body is written for an agent reading it out:
who may apply, the conditions, the materials as a numbered list, where, time limits, phone numbers.
"""

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlmodel import Session, select

from hotline.db import utcnow
from hotline.errors import Invalid
from hotline.settings import get_settings
from knowledge.index import Doc
from knowledge.models import Article, ArticleStatus
from knowledge.service import snapshot

KEY_PREFIX = "sg:"
SOURCE = "service_guide"
_NOTHING = {"", "无", "0", "无线下办理"}


def default_path() -> Path:
    data_dir = get_settings().data_dir
    if data_dir is None:
        raise Invalid("未配置数据目录：请设置 HOTLINE_DATA_DIR 或把数据放在 ../shared/data", code="no_data_dir")
    return data_dir / "knowledge" / "service_guide.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _time_limit(value: str) -> str | None:
    """'20(工作日)' → '20 个工作日'."""
    if value in _NOTHING:
        return None
    return value.replace("(工作日)", " 个工作日").replace("（工作日）", " 个工作日")


def _materials(value: str) -> str | None:
    items = [item.strip() for item in value.replace("；", ";").split(";") if item.strip()]
    if not items:
        return None
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))


def article_body(row: dict[str, str]) -> str:
    """A readable guide from the columns; empty and '无' values are left out."""
    location = row.get("handle_location", "").removeprefix("办理地点：").strip()
    visits = row.get("visit_number", "")
    parts: list[tuple[str, str | None]] = [
        ("办理部门", row.get("DEPT_NAME")),
        ("事项类型", row.get("TASK_TYPE_TEXT")),
        ("服务对象", (row.get("service_object_name") or "").replace(";", "、") or None),
        ("申请条件", row.get("accept_standard")),
        ("申请材料", _materials(row.get("material_intro", ""))),
        ("办理地点", location if location not in _NOTHING else "无需到现场，网上办理"),
        ("法定办结时限", _time_limit(row.get("handle_time", ""))),
        ("承诺办结时限", _time_limit(row.get("handle_time_limit", ""))),
        ("到现场次数", f"{visits} 次" if visits.isdigit() else None),
        ("咨询电话", row.get("consult_phone")),
        ("监督投诉电话", row.get("complain_phone")),
        ("收费", row.get("charge")),
        ("办理平台", row.get("bear_paltform")),
        ("网上办理", row.get("URL")),
    ]
    lines = []
    for label, value in parts:
        if value and value not in _NOTHING:
            lines.append(f"{label}：\n{value}" if "\n" in value else f"{label}：{value}")
    return "\n".join(lines)


def article_tags(row: dict[str, str]) -> list[str]:
    tags = [row.get("TASK_TYPE_TEXT", ""), row.get("theme_category", ""), row.get("matter_level", "")]
    return list(dict.fromkeys(t for t in tags if t and t != "其他"))


def article_fields(row: dict[str, str]) -> dict:
    """The article columns one CSV row gives."""
    return {
        "title": row["matter_name"][:200],
        "body": article_body(row),
        "tags": article_tags(row),
        "department": row.get("DEPT_NAME") or None,
        "source_url": (row.get("URL") or None) and row["URL"][:500],
    }


@dataclass(frozen=True)
class ImportResult:
    total: int
    created: int
    updated: int
    unchanged: int
    skipped: int

    def as_dict(self) -> dict:
        return asdict(self)


def import_service_guide(session: Session, path: Path | None = None) -> ImportResult:
    """Create or update one published article per row; returns the counts. Idempotent."""
    from knowledge.search import mark_changed

    rows = read_rows(path or default_path())
    existing = {
        a.key: a
        for a in session.exec(select(Article).where(Article.key.startswith(KEY_PREFIX)))  # type: ignore[union-attr]
    }
    created: list[Article] = []
    changed: list[Article] = []
    skipped = unchanged = 0
    seen: set[str] = set()
    now = utcnow()
    for row in rows:
        code = row.get("TASK_CODE", "")
        if not code or not row.get("matter_name") or KEY_PREFIX + code in seen:
            skipped += 1
            continue
        key = KEY_PREFIX + code
        seen.add(key)
        fields = article_fields(row)
        article = existing.get(key)
        if article is None:
            article = Article(key=key, source=SOURCE, status=ArticleStatus.published, created_at=now, updated_at=now)
            for name, value in fields.items():
                setattr(article, name, value)
            created.append(article)
        elif any(getattr(article, name) != value for name, value in fields.items()):
            # An editor may have expired an imported article: an update keeps its status.
            for name, value in fields.items():
                setattr(article, name, value)
            article.version += 1
            article.updated_at = now
            changed.append(article)
        else:
            unchanged += 1
    session.add_all(created + changed)
    session.flush()
    session.add_all([snapshot(a, "import", None, "办事指南导入") for a in created + changed])
    session.commit()
    mark_changed()
    return ImportResult(len(rows), len(created), len(changed), unchanged, skipped)


def guide_docs(path: Path | None = None) -> list[Doc]:
    """The guide as index documents without a database (ids are row numbers from 1): for tests and the benchmark."""
    docs = []
    for number, row in enumerate(read_rows(path or default_path()), 1):
        fields = article_fields(row)
        docs.append(Doc(number, fields["title"], fields["body"], tuple(fields["tags"]), fields["department"]))
    return docs
