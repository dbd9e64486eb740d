"""Reading the CSV files the classifier trains and evaluates on, with clear errors for malformed input."""

import csv
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

LABELLED_COLUMNS = ("id", "title", "body", "label")
TOPICS = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")

# Bodies in the data reach 12k characters; the csv module's default field limit (128 KiB) is enough for
# them but not for the 10 MB inputs the product must survive, so raise it once.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class DataError(ValueError):
    """A data file that cannot be used; the message is for a person (Chinese)."""


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    body: str
    label: str = ""

    @property
    def text(self) -> str:
        return f"{self.title}。{self.body}" if self.title else self.body


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataError(f"找不到数据文件：{path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [dict(row) for row in csv.DictReader(handle)]
    except UnicodeDecodeError as exc:
        raise DataError(f"数据文件不是 UTF-8 编码：{path}") from exc
    except csv.Error as exc:
        raise DataError(f"数据文件不是合法的 CSV：{path}（{exc}）") from exc


def read_labelled(path: Path, require_label: bool = True) -> list[Message]:
    """Rows of a CSV in the form of labelled.csv (id, title, body, time, label, body_kind)."""
    rows = read_rows(path)
    if not rows:
        raise DataError(f"数据文件没有数据行：{path}")
    needed = LABELLED_COLUMNS if require_label else LABELLED_COLUMNS[:3]
    missing = [c for c in needed if c not in rows[0]]
    if missing:
        raise DataError(f"数据文件缺少列：{', '.join(missing)}（{path}）")
    messages = [
        Message(
            id=(row.get("id") or "").strip(),
            title=(row.get("title") or "").strip(),
            body=(row.get("body") or "").strip(),
            label=(row.get("label") or "").strip(),
        )
        for row in rows
    ]
    messages = [m for m in messages if m.title or m.body]
    if require_label:
        messages = [m for m in messages if m.label]
        if not messages:
            raise DataError(f"数据文件没有带标签的行：{path}")
    return messages


def file_hash(*paths: Path) -> str:
    """SHA-256 over the files' bytes, to record which data a model was trained on."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
