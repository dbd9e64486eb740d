"""智能填单 measured on call transcripts built from the real messages (messages/labelled.csv, raw bodies).

Each transcript is what a caller would say about that message: a greeting, the message's first sentences (the title
is not said: it is the citizen's own one-line summary, kept to judge ours), and — in varied spoken forms — a name,
an address of the city (a real street of the gazetteer, with the estate named in the message when there is one)
and a callback number read as digits, as Chinese numerals with 幺/两/洞, or in Vosk's spaced words. What was put in
is the truth the fields are scored against.
"""

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

from agent_console.prefill import prefill
from hotline.settings import get_settings
from routing.jurisdiction import gazetteer

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ["建国", "秀英", "志强", "丽华", "海波", "春梅", "文军", "小红", "国庆", "雪梅", "伟", "静", "敏", "磊"]
SPOKEN_DIGIT = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
PHONE_DIGIT = dict(zip("0123456789", "洞幺两三四五六七八九", strict=True))
ESTATE = re.compile(r"[\u4e00-\u9fff]{2,6}(小区|花园|公寓|家园|新村|新城)")
BIGRAM = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Built:
    transcript: str
    name: str | None
    phone: str | None
    district: str | None
    street: str | None
    title: str


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def _say_phone(phone: str, rng: random.Random) -> str:
    form = rng.randrange(4)
    if form == 0:
        return phone
    if form == 1:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    table = PHONE_DIGIT if form == 2 else SPOKEN_DIGIT
    spoken = "".join(table[d] for d in phone)
    return " ".join(spoken) if form == 3 else spoken  # form 3: Vosk's spaced words


def build(row: dict, rng: random.Random) -> Built:
    body = [s for s in re.split(r"[。！？!?]", row["body"]) if len(s.strip()) >= 6][:2]
    turns = [rng.choice(["喂，你好", "您好", "喂"]), "我想反映一下，" + "。".join(body)]
    name = None
    if rng.random() < 0.7:
        surname = rng.choice(SURNAMES)
        if rng.random() < 0.5:
            name = surname + rng.choice(GIVEN)
            turns.append(rng.choice([f"我叫{name}", f"我的名字是{name}", f"我是{name}"]))
        else:
            turns.append(rng.choice([f"我姓{surname}", f"免贵姓{surname}"]))
            name = f"{surname}先生/女士"
    district = street = None
    if rng.random() < 0.8:
        gaz = gazetteer()
        district = rng.choice(sorted(gaz.districts))
        info = gaz.districts[district]
        street = rng.choice(info["streets"])
        estate = ESTATE.search(row["body"])
        said_district = info["name"] if rng.random() < 0.5 else district
        place = f"{said_district}{street}{estate.group() if estate else ''}{rng.randint(1, 30)}栋"
        turns.append(rng.choice([f"地址是{place}", f"我住在{place}", f"我家在{place}"]))
    phone = None
    if rng.random() < 0.8:
        phone = _phone(rng)
        turns.append(rng.choice(["我的电话是", "回电打这个号码", "联系电话"]) + _say_phone(phone, rng))
    return Built("，".join(turns), name, phone, district, street, row["title"])


def _bigrams(text: str) -> set[str]:
    chars = "".join(BIGRAM.findall(text))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def evaluate(count: int = 300, seed: int = 12345, data_dir: Path | None = None) -> dict:
    path = (data_dir or get_settings().data_dir) / "messages" / "labelled.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["body_kind"] == "raw" and len(r["body"]) >= 30]
    rng = random.Random(seed)
    tally = {"name": [0, 0], "phone": [0, 0], "district": [0, 0], "street": [0, 0]}
    extra = {"name": 0, "phone": 0}  # a value filled where the caller gave none
    summaries = overlap = 0
    for row in rng.sample(rows, min(count, len(rows))):
        built = build(row, rng)
        got = prefill(built.transcript)
        for field, truth, value in (
            ("name", built.name, got.caller_name),
            ("phone", built.phone, got.callback_phone),
            ("district", built.district, got.district),
            ("street", built.street, got.street),
        ):
            if truth is not None:
                tally[field][0] += value == truth
                tally[field][1] += 1
            elif field in extra and value is not None:
                extra[field] += 1
        if got.summary:
            summaries += 1
            title = _bigrams(built.title)
            overlap += bool(title) and len(title & _bigrams(got.summary)) / len(title) >= 0.3
    total = min(count, len(rows))
    return {
        "transcripts": total,
        **{f"{field}_right": round(right / seen, 3) if seen else None for field, (right, seen) in tally.items()},
        **{f"{field}_given": seen for field, (_, seen) in tally.items()},
        "name_invented": extra["name"],
        "phone_invented": extra["phone"],
        "summary_filled": round(summaries / total, 3),
        "summary_shares_title": round(overlap / total, 3),
    }
