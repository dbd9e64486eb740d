"""Urgency cues in the caller's words (燃气泄漏, 坠落, 火 …) from `routing/data/urgency.toml`."""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

URGENCY = Path(__file__).resolve().parent / "data" / "urgency.toml"
LEVELS = ("normal", "high", "urgent")


@dataclass(frozen=True)
class Urgency:
    level: str
    confidence: float
    cues: list[str]
    reason: str


@lru_cache(maxsize=1)
def urgency_cues() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    data = tomllib.loads(URGENCY.read_text(encoding="utf-8"))
    return tuple((re.compile(c["pattern"]), c["level"], c["reason"]) for c in data["cues"])


def detect_urgency(text: str) -> Urgency:
    found: list[tuple[str, str, str]] = []
    for pattern, level, reason in urgency_cues():
        match = pattern.search(text)
        if match:
            found.append((level, reason, match.group()))
    if not found:
        return Urgency("normal", 0.6, [], "未发现紧急情况的关键词")
    level = max((f[0] for f in found), key=LEVELS.index)
    words = [f[2] for f in found]
    reasons = "、".join(dict.fromkeys(f[1] for f in found if f[0] == level))
    return Urgency(level, 0.9 if level == "urgent" else 0.75, words, f"{reasons}（关键词：{'、'.join(words)}）")
