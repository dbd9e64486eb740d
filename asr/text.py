"""Clean-up of recogniser output: join Chinese words, write spoken numbers as digits where one is expected.

Vosk's Chinese models emit words separated by spaces ("我 的 电话 是 幺 三 八"); Chinese is written
without them. Spaces next to a Chinese character go; spaces between Latin or Hangul words stay, so the
same function is safe for every model.

Numbers are converted only where a number is expected, because a blanket conversion turns 一下 into 1下:
* after a keyword (电话, 工单号, 申办号, 身份证 ...), a run of spoken digits is read digit by digit, with
  the telephone readings 幺 = 1, 两 = 2, 洞 = 0;
* a run of seven or more spoken digits is a phone or case number wherever it stands;
* a number with units before an address or amount word (一百二十三号, 三栋, 两千元) goes through cn2an.
"""

import re
from dataclasses import dataclass

import cn2an

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")

DIGITS = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "幺": "1",
    "一": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_D = "".join(DIGITS)
_UNITS = "十百千万"

# Keyword → kind of number it announces; longer keywords first so 电话号码 wins over 电话.
KEYWORDS: dict[str, str] = {
    "手机号码": "phone",
    "电话号码": "phone",
    "联系电话": "phone",
    "联系方式": "phone",
    "手机号": "phone",
    "电话": "phone",
    "手机": "phone",
    "座机": "phone",
    "号码": "phone",
    "尾号": "phone",
    "工单编号": "ticket",
    "工单号": "ticket",
    "工单": "ticket",
    "受理号": "ticket",
    "流水号": "ticket",
    "单号": "ticket",
    "编号": "ticket",
    "申办号": "application",
    "办件号": "application",
    "办件编号": "application",
    "申请号": "application",
    "身份证号码": "id_card",
    "身份证号": "id_card",
    "身份证": "id_card",
    "验证码": "code",
}
_KEYWORD = "|".join(sorted(map(re.escape, KEYWORDS), key=len, reverse=True))
_AFTER_KEYWORD = re.compile(rf"(?P<kw>{_KEYWORD})(?P<gap>[是为：:，,\s]{{0,3}})(?P<num>[{_D}]{{3,}}[xX叉]?)")
_LONG_RUN = re.compile(rf"[{_D}]{{7,}}")
_YEAR = re.compile(rf"(?P<num>[{_D}]{{4}})(?=年)")
_WITH_UNITS = re.compile(
    rf"(?P<num>[{_D}{_UNITS}]*[{_UNITS}][{_D}{_UNITS}]*|[{_D}])(?=号楼|号|栋|幢|单元|室|层|楼|元|块钱|块|路|弄|巷|组)"
)


@dataclass(frozen=True)
class SpokenNumber:
    kind: str  # phone, ticket, application, id_card, code, year, number
    digits: str
    start: int  # span in the cleaned text
    end: int


def join_words(text: str) -> str:
    """Drop the spaces Vosk puts around Chinese words; keep them between Latin or Hangul words."""
    return _SPACE_NEXT_TO_CJK.sub("", text).strip()


def digits_of(spoken: str) -> str:
    """Digit-by-digit reading: 幺三八 → 138; a trailing 叉 of an ID card number becomes X."""
    return "".join(DIGITS.get(ch, "X" if ch in "xX叉" else ch) for ch in spoken)


def units_number(spoken: str) -> str:
    """一百二十三 → 123 (cn2an); 幺/两 are read as 一/二 first, which cn2an does not know in every position."""
    plain = spoken.replace("幺", "一").replace("两", "二").replace("洞", "零")
    try:
        return str(cn2an.cn2an(plain, "smart"))
    except ValueError:  # not a well-formed number (e.g. 十十): leave it as spoken
        return spoken


def normalize_numbers(text: str) -> str:
    text = _AFTER_KEYWORD.sub(lambda m: m["kw"] + m["gap"] + digits_of(m["num"]), text)
    text = _LONG_RUN.sub(lambda m: digits_of(m[0]), text)
    text = _YEAR.sub(lambda m: digits_of(m["num"]), text)
    return _WITH_UNITS.sub(lambda m: units_number(m["num"]), text)


def clean_transcript(text: str) -> str:
    """What the product shows and stores for one recognised utterance."""
    return normalize_numbers(join_words(text))


_NUMBER_AFTER_KEYWORD = re.compile(rf"(?P<kw>{_KEYWORD})[是为：:，,\s]{{0,3}}(?P<num>\d{{3,}}[X]?)")
_ANY_LONG_NUMBER = re.compile(r"\d{7,}X?")


def extract_numbers(cleaned: str) -> list[SpokenNumber]:
    """Phone, ticket and application numbers in a cleaned transcript, with the kind their keyword names."""
    found: list[SpokenNumber] = []
    taken: set[int] = set()
    for m in _NUMBER_AFTER_KEYWORD.finditer(cleaned):
        found.append(SpokenNumber(KEYWORDS[m["kw"]], m["num"], m.start("num"), m.end("num")))
        taken.add(m.start("num"))
    for m in _ANY_LONG_NUMBER.finditer(cleaned):
        if m.start() not in taken:
            kind = "phone" if len(m[0]) == 11 and m[0].startswith("1") else "number"
            found.append(SpokenNumber(kind, m[0], m.start(), m.end()))
    return sorted(found, key=lambda n: n.start)
