"""Weak labels for the first dispatch unit: specialist cue words, else the topic's default unit.

Also mines the handling unit named in an official reply (replied.csv), which is the strongest weak
label the data offers.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEPARTMENT_CUES = Path(__file__).resolve().parent / "data" / "department_cues.toml"


@dataclass(frozen=True)
class DepartmentCues:
    specialists: tuple[str, ...]
    topic_default: dict[str, str]
    cues: dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def department_cues() -> DepartmentCues:
    data = tomllib.loads(DEPARTMENT_CUES.read_text(encoding="utf-8"))
    return DepartmentCues(
        specialists=tuple(data["specialists"]),
        topic_default=dict(data["topic_default"]),
        cues={unit: re.compile("|".join(words)) for unit, words in data["cues"].items()},
    )


def specialist_by_cues(title: str, body: str) -> tuple[str, str] | None:
    """The first specialist unit whose cue occurs (title before body), with the cue that decided."""
    rules = department_cues()
    for text in (title, body[:3000]):
        for unit in rules.specialists:
            found = rules.cues[unit].search(text)
            if found:
                return unit, found.group()
    return None


def weak_department(title: str, body: str, topic: str) -> str | None:
    cue = specialist_by_cues(title, "")
    if cue:
        return cue[0]
    return department_cues().topic_default.get(topic)


# Units named in official replies, most specific first; the label is the short department label.
_REPLY_UNITS: tuple[tuple[str, str], ...] = (
    ("医保", r"医保|医疗保险|医疗保障|合管办|新农合"),
    ("燃气", r"燃气|天然气"),
    ("供电", r"供电|电力公司|电业局"),
    ("水务", r"自来水|水务|供水"),
    ("公安", r"公安|派出所|交警|警察|刑侦"),
    ("自规", r"规划局|国土|自然资源|不动产登记"),
    ("城管", r"城管|城市管理|行政执法局|执法大队"),
    ("人社", r"人社|人力资源|社保局|社会保险|劳动监察|劳动保障|就业"),
    ("教育", r"教育局|教育体育局|教体局|学校|教育部门"),
    ("交通", r"交通运输局|交通局|运管|公交|客运|道路运输"),
    ("环保", r"环保局|环境保护局|生态环境|环境监察"),
    ("卫健", r"卫生和计划生育|卫计委|卫健委|卫生局|卫生健康|医院"),
    ("市场监管", r"市场监督|市场监管|工商|质监|食药|食品药品|物价"),
    ("住建", r"住建|住房和城乡建设|城乡建设局|房产局|住房保障|建设局|房管局"),
    ("文旅", r"文旅|旅游局|文化|体育局|广电"),
    ("税务", r"税务"),
    ("民政", r"民政"),
    ("农业", r"农业|畜牧|农机|林业|水利"),
    ("属地", r"街道办事处|镇人民政府|乡人民政府|区人民政府|县人民政府|镇政府|街道"),
)
_REPLY_PATTERNS = [(label, re.compile(pattern)) for label, pattern in _REPLY_UNITS]


def department_from_reply(reply: str) -> str | None:
    """The unit a reply names most often (ties go to the first named); None when it names none."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for label, pattern in _REPLY_PATTERNS:
        hits = list(pattern.finditer(reply))
        if hits:
            counts[label] = len(hits)
            first[label] = hits[0].start()
    if not counts:
        return None
    return max(counts, key=lambda label: (counts[label], -first[label]))
