"""Cue-word rules for request type (and their evidence); patterns are data in `classifier/data/`."""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REQUEST_CUES = Path(__file__).resolve().parent / "data" / "request_cues.toml"
REQUEST_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")


@dataclass(frozen=True)
class CueMatch:
    label: str
    cue: str
    in_title: bool


@dataclass(frozen=True)
class CueRules:
    order: tuple[str, ...]
    default: str
    title: dict[str, list[re.Pattern[str]]]
    body: dict[str, list[re.Pattern[str]]]


@lru_cache(maxsize=1)
def request_rules() -> CueRules:
    data = tomllib.loads(REQUEST_CUES.read_text(encoding="utf-8"))
    types = data["types"]
    unknown = set(types) - set(REQUEST_TYPES)
    if unknown:
        raise ValueError(f"request_cues.toml names unknown request types: {sorted(unknown)}")
    return CueRules(
        order=tuple(data["order"]),
        default=data["default"],
        title={t: [re.compile(p) for p in types[t].get("title", [])] for t in types},
        body={t: [re.compile(p) for p in types[t].get("body", [])] for t in types},
    )


def _first_match(patterns: list[re.Pattern[str]], text: str) -> str | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found.group()
    return None


def request_type_cues(title: str, body: str) -> list[CueMatch]:
    """Every type whose cues occur, title evidence first, in the rules' order of precedence."""
    rules = request_rules()
    matches = []
    for label in rules.order:
        cue = _first_match(rules.title.get(label, []), title) if title else None
        if cue:
            matches.append(CueMatch(label, cue, True))
    for label in rules.order:
        if any(m.label == label for m in matches):
            continue
        cue = _first_match(rules.body.get(label, []), body[:3000])
        if cue:
            matches.append(CueMatch(label, cue, False))
    return matches


def request_type_by_rules(title: str, body: str) -> CueMatch | None:
    matches = request_type_cues(title, body)
    return matches[0] if matches else None
