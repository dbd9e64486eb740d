"""The real citizens' messages the demo tickets are made of (messages/*.csv of the shared data)."""

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hotline.errors import Invalid

LOCAL = ZoneInfo("Asia/Shanghai")  # the data's times are local times of the (anonymised) city
_NUMBERS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W_]+")
# Mobile prefixes of the three carriers: a fake number should still look like a number people have.
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
)  # fmt: skip


@dataclass(frozen=True)
class Message:
    source: str  # "replied" or "unlabelled"
    id: str
    user: str
    title: str
    body: str
    time: datetime
    reply: str | None = None
    reply_time: datetime | None = None


def parse_local_time(text: str) -> datetime:
    """'2019/4/25 9:32:09', '2019-04-08 08:37:20' or '2018/4/24': local wall time in Asia/Shanghai."""
    parts = [int(n) for n in _NUMBERS.findall(text)]
    if len(parts) not in (3, 5, 6):
        raise ValueError(f"not a time: {text!r}")
    return datetime(*parts, tzinfo=LOCAL)


def normal_title(title: str) -> str:
    """Title without spaces and punctuation: how repeat postings of one message are recognised."""
    return _NOT_WORD.sub("", title)


def fake_phone(user: str) -> str:
    """A stable, well-formed 11-digit mobile number for an anonymised user id: a repeat caller stays one caller."""
    digest = int(hashlib.sha256(user.encode()).hexdigest(), 16)
    prefix = _MOBILE_PREFIXES[digest % len(_MOBILE_PREFIXES)]
    return f"{prefix}{(digest // len(_MOBILE_PREFIXES)) % 10**8:08d}"


def require_messages(data_dir: Path | None, file: str) -> Path:
    """The data folder, when it holds messages/`file`; otherwise the error a command shows (code no_data)."""
    if data_dir is None or not (data_dir / "messages" / file).is_file():
        raise Invalid("未找到真实留言数据（HOTLINE_DATA_DIR/messages）", code="no_data")
    return data_dir


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_messages(data_dir: Path) -> list[Message]:
    """Replied and unlabelled messages, oldest first; a message present in both files is kept once (with its reply)."""
    folder = data_dir / "messages"
    messages: dict[tuple[str, str, datetime], Message] = {}
    for row in _rows(folder / "replied.csv"):
        message = Message(
            source="replied",
            id=row["id"],
            user=row["user"],
            title=row["title"].strip(),
            body=row["body"].strip(),
            time=parse_local_time(row["time"]),
            reply=row["reply"].strip(),
            reply_time=parse_local_time(row["reply_time"]),
        )
        messages.setdefault((message.user, normal_title(message.title), message.time), message)
    for row in _rows(folder / "unlabelled.csv"):
        message = Message(
            source="unlabelled",
            id=row["id"],
            user=row["user"],
            title=row["title"].strip(),
            body=row["body"].strip(),
            time=parse_local_time(row["time"]),
        )
        messages.setdefault((message.user, normal_title(message.title), message.time), message)
    usable = [m for m in messages.values() if m.title and m.body]
    return sorted(usable, key=lambda m: (m.time, m.source, m.id))


def read_topics(data_dir: Path) -> dict[str, str]:
    """First-level topic (一级标签) by message id and by normalised title, from labelled.csv.

    The labelled file has its own ids (d00000…), so in practice the title is what matches.
    """
    topics: dict[str, str] = {}
    for row in _rows(data_dir / "messages" / "labelled.csv"):
        topics[row["id"]] = row["label"]
        if title := normal_title(row["title"]):
            topics.setdefault(title, row["label"])
    return topics


def topic_of(message: Message, topics: dict[str, str]) -> str | None:
    return topics.get(message.id) or topics.get(normal_title(message.title))
