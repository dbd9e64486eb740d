"""智能填单 (smart form filling): from the caller's words, the fields an agent would otherwise type — the address with
its district and street (from the gazetteer), the caller's name when given, a callback number spoken as digits or
Chinese numerals (幺三八…, read by asr/text.py with cn2an), and a one-line summary. The agent confirms or edits.
"""

import re
from dataclasses import asdict, dataclass

from asr.text import clean_transcript, extract_numbers
from routing.jurisdiction import find_jurisdiction

CLAUSE = re.compile(r"[^。！？!?；;，,\n]+")
CJK_NAME = r"[\u4e00-\u9fff]"
# Where a name ends when the caller goes straight on (我叫王建国住在…).
NAME_END = r"(?=$|[，。,\s]|住|家|在|是|的|电话|手机|号码|我|想|要|今年|反映|打)"
FULL_NAME = re.compile(rf"(?:我叫|我的名字[是叫]|名字[是叫]|本人[是叫]?|我是)({CJK_NAME}{{2,3}}?){NAME_END}")
SURNAME = re.compile(rf"(?:免贵姓|我姓|姓)({CJK_NAME})(?!名)")
NOT_NAMES = frozenset({"市民", "业主", "居民", "村民", "本地", "外地", "这里", "那里", "一个", "一名", "这个"})
ADDRESS_LEAD = re.compile(
    r"(?:地址是|地址在|地址|住在|家住|我家在|我住|我们小区在|小区在|位置在|事发地在|地点是|地点在|就在)"
)
PLACE_WORD = re.compile(r"区|县|市|街道|镇|乡|路|街|村|组|小区|栋|号|社区|花园|公寓|大厦|广场|苑|城")
FILLER = re.compile(
    r"^(喂|你好|您好|那个|就是|嗯|啊|哦|我想|我要|想|要|请问|麻烦|反映一下|反映个|反映|投诉一下|投诉"
    r"|咨询一下|咨询|问一下|说一下|跟你们说)+"
)
SUMMARY_CHARS = 30
PLACE_STOP = re.compile(r"那个|就是|然后|电话|手机|联系|号码|这边|那边|我们|我")
# A letter's salutation (尊敬的张局长：您好) or a bare greeting says nothing about the matter.
SALUTATION = re.compile(
    r"^(尊敬的)?[\u4e00-\u9fff]{0,8}(书记|市长|局长|厅长|主任|领导|处长|同志)[们]?[：:]|^(您好|你好)$"
)


@dataclass(frozen=True)
class Prefill:
    address: str | None
    district: str | None  # "A2区"
    district_name: str | None  # "天心区"
    street: str | None  # "桂花坪街道"
    caller_name: str | None
    callback_phone: str | None
    summary: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def caller_name(text: str) -> str | None:
    """我叫王建国 → 王建国; 我姓王 → 王先生/女士 (the agent says which)."""
    for found in FULL_NAME.finditer(text):
        name = found.group(1)
        if name not in NOT_NAMES and not PLACE_WORD.search(name):
            return name
    surname = SURNAME.search(text)
    return f"{surname.group(1)}先生/女士" if surname else None


def callback_phone(text: str) -> str | None:
    """The last phone number the caller read out (a mobile of 11 digits, or a landline with its area code)."""
    joined = re.sub(r"(?<=\d)[ -](?=\d)", "", clean_transcript(text))  # 133 9099 6030
    phones = [
        n.digits
        for n in extract_numbers(joined)
        if (len(n.digits) == 11 and n.digits.startswith("1"))
        or (n.digits.startswith("0") and 10 <= len(n.digits) <= 12)
    ]
    return phones[-1] if phones else None


def _place_only(words: str) -> str:
    """An address said without a pause runs on into the matter (A2区城南路街道那个楼道灯坏了): keep the place."""
    words = PLACE_STOP.split(words, maxsplit=1)[0]
    ends = [m.end() for m in PLACE_WORD.finditer(words)]
    if not ends:
        return words
    tail = re.match(r"[0-9一二三四五六七八九十]*(号|栋|单元|室|楼)?", words[ends[-1] :])
    return words[: ends[-1] + (tail.end() if tail else 0)]


def address(text: str) -> str | None:
    """The place the caller gives on purpose (住在…, 地址是…), else the first clause naming a place of the city."""
    for clause in CLAUSE.findall(text):
        lead = ADDRESS_LEAD.search(clause)
        if lead:
            place = _place_only(clause[lead.end() :].strip(" ：:是在"))
            if len(place) >= 3 and PLACE_WORD.search(place):
                return place[:200]
    for clause in CLAUSE.findall(text):
        if find_jurisdiction(clause).district and PLACE_WORD.search(clause):
            return clause.strip()[:200]
    return None


def _content(clause: str) -> bool:
    return not (
        FULL_NAME.search(clause)
        or SURNAME.search(clause)
        or ADDRESS_LEAD.search(clause)
        or re.search(r"\d{5,}", clause)
    )


def summary(text: str) -> str | None:
    """One line: the caller's first clause that says what the matter is (not a greeting, a name, an address or a
    number), with its filler taken off, continued by the next clause while short."""
    clauses = [FILLER.sub("", c.strip()) for c in CLAUSE.findall(clean_transcript(text))]
    clauses = [c for c in clauses if len(c) >= 4 and _content(c) and not SALUTATION.search(c)]
    if not clauses:
        return None
    line = clauses[0]
    for more in clauses[1:]:
        if len(line) + len(more) + 1 > SUMMARY_CHARS:
            break
        line = f"{line}，{more}"
    return line[:SUMMARY_CHARS]


def prefill(caller_text: str) -> Prefill:
    """Every field from the caller's words (the caller leg of the transcript)."""
    text = clean_transcript(caller_text[:20_000])
    place_text = address(text)
    place = find_jurisdiction(text, place_text)
    return Prefill(
        address=place_text,
        district=place.district if place.in_city else None,
        district_name=place.district_name,
        street=place.street,
        caller_name=caller_name(text),
        callback_phone=callback_phone(text),
        summary=summary(text),
    )
