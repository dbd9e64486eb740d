"""What the benchmark's tickets are made of: the real messages (title, body, time of year and day, the intake
form the demo rules fill in for them) and the real replies with their real handling intervals."""

import csv
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hotline.demo.messages import read_messages, read_topics, require_messages
from hotline.demo.seed import about_this_city, draft_for, places_for
from hotline.demo.stories import trimmed_reply
from hotline.errors import Invalid

SUMMARY_CHARS = 200  # ticket.summary is VARCHAR(200)
BODY_CHARS = 1200  # bodies beyond this add bytes, not realism, to the benchmark


@dataclass(frozen=True)
class Sample:
    """One real message, ready to be copied into many benchmark tickets."""

    title: str
    body: str
    request_type: str
    topic: str | None
    district: str | None
    department: str  # catalogue code the demo rules send it to
    month: int  # local time of the real message: month, day and seconds since midnight
    day: int
    seconds: int
    likes: int


@dataclass(frozen=True)
class Corpus:
    samples: list[Sample]
    replies: list[tuple[int, str]]  # real handling interval (seconds) and the real reply, trimmed


def _likes(data_dir: Path) -> dict[str, int]:
    with (data_dir / "messages" / "unlabelled.csv").open(encoding="utf-8", newline="") as fh:
        return {row["id"]: int(row["likes"] or 0) for row in csv.DictReader(fh)}


def load_corpus(data_dir: Path | None, department_names: dict[str, str]) -> Corpus:
    data_dir = require_messages(data_dir, "replied.csv")
    topics = read_topics(data_dir)
    places = places_for(department_names)
    likes = _likes(data_dir)
    samples: list[Sample] = []
    replies: list[tuple[int, str]] = []
    for message in read_messages(data_dir):
        if not about_this_city(message):
            continue
        draft, department = draft_for(message, topics, places)
        if department not in department_names:
            continue
        local = message.time
        samples.append(Sample(
            title=message.title[:SUMMARY_CHARS], body=message.body[:BODY_CHARS], request_type=draft.request_type,
            topic=draft.topic, district=draft.district, department=department, month=local.month, day=local.day,
            seconds=local.hour * 3600 + local.minute * 60 + local.second,
            likes=likes.get(message.id, 0) if message.source == "unlabelled" else 0,
        ))  # fmt: skip
        if message.reply and message.reply_time and message.reply_time > message.time + timedelta(hours=2):
            interval = int((message.reply_time - message.time).total_seconds())
            replies.append((interval, trimmed_reply(message.reply)))
    if not samples or not replies:
        raise Invalid("真实留言数据中没有可用的留言或答复", code="no_data")
    random.Random(7).shuffle(samples)  # order of the file is by time; draws should not depend on it
    return Corpus(samples, replies)
