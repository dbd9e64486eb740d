"""Words and places of a ticket, for grouping tickets about the same matter.

Words are those stored when the ticket was taken in (hotline/tickets/words.py), else cut here by the classifier's
jieba tokenizer (the hotline's own dictionary and stop words). Places matter
more than other words — the same complaint about two different estates is two matters — so place names are
picked out (words ending in 路/小区/街道/村 …, and a bare 小区/路/村 … joined to the name before it) and weighted up.
The word before a bare 小区 must look like a name: "影响小区居民" and "我家小区" are not places (`looks_like_name`
reads the jieba dictionary's part-of-speech tag of the word; no tagging pass is run).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from hotline.text import PLACE_CODE, get_tokenizer, stop_words, tokenize
from hotline.tickets.words import BODY_CHARS, split

PLACE_SUFFIXES = ("小区", "社区", "街道", "大道", "路", "街", "巷", "村", "镇", "乡", "花园", "广场", "公寓",
                  "大厦", "家园", "新城", "公园", "市场", "学校", "小学", "中学", "幼儿园", "医院", "苑", "湾",
                  "园", "城", "府", "庭", "期", "栋")  # fmt: skip
WHOLE_PLACES = ("小区", "社区", "街道", "大道", "路", "街", "巷", "村", "镇", "乡")
_CJK = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]+$")
GENERIC = {"小区", "社区", "街道", "道路", "马路", "公路", "农村", "城市", "学校", "医院", "市场", "公园", "乡镇",
           "城区", "小学", "中学", "幼儿园", "一期", "二期", "三期", "本村", "我村", "该村", "全村",
           "花园", "政府", "市政府", "区政府", "县政府", "人民政府", "工业园"}  # fmt: skip
TITLE_WEIGHT = 2


@dataclass(frozen=True)
class TicketText:
    words: list[str]  # title words (counted twice) and the start of the body
    places: list[str]  # distinct, in order of appearance


ROADS = ("路", "街", "大道", "巷")
# Words that stand before a bare 小区 / 路 … without naming it, by the first letter of jieba's dictionary tag:
# pronouns, prepositions, locatives, time, adverbs, conjunctions, measures, set phrases, idioms, particles,
# distinguishers, places like 门口 (我家小区, 关于小区, 之前小区, 整个小区 …).
NOT_NAME_TAGS = frozenset("rpftdcqliuyeobs")
PEOPLE = {"业主", "居民", "住户", "村民", "开发商", "物业", "全体"}  # 业主小区: the people of one, not its name
NUMERALS = re.compile(r"^[0-9一二三四五六七八九十百千零两]+$")


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    import jieba.posseg

    return jieba.posseg.POSTokenizer(get_tokenizer()).word_tag_tab  # the dictionary's tags: no tagging pass


@lru_cache(maxsize=20_000)
def looks_like_name(word: str, place_word: str) -> bool:
    """Whether `word` can be the name in front of the bare `place_word` (小区, 路 …). Words the dictionary does not
    know are names (丽发, 茶场); verbs name roads (解放路, 建设路) but not estates (影响小区)."""
    tag = _word_tags().get(word, "x")
    if word in stop_words() or word in PEOPLE or tag[0] in NOT_NAME_TAGS:
        return False
    if tag[0] == "m":
        return bool(NUMERALS.match(word))  # 五一路, not 一辆路
    if tag[0] == "v":
        return place_word in ROADS
    return True


def places_in(tokens: list[str]) -> list[str]:
    found: list[str] = []
    previous = ""
    for token in tokens:
        place = None
        if PLACE_CODE.fullmatch(token):
            place = None  # a district code is too broad to tell matters apart; the ticket has a district field
        elif (token in WHOLE_PLACES and len(previous) >= 2 and _CJK.match(previous) and not PLACE_CODE.match(previous)
              and looks_like_name(previous, token)):  # fmt: skip
            place = previous + token
        elif len(token) >= 3 and token.endswith(PLACE_SUFFIXES) and token not in GENERIC:
            # jieba sometimes cuts one character off a name (灰 / 埠小区): give it back
            cut_off = len(previous) == 1 and _CJK.match(previous) and previous not in WHOLE_PLACES  # not 路 + 建设路
            place = previous + token if cut_off else token
        if place and place not in GENERIC and place not in found:
            found.append(place)
        previous = token
    return found


def ticket_text(title: str, body: str, words: tuple[str, str] | None = None) -> TicketText:
    """The text of a ticket; `words` are its stored (title words, body-start words) when it has them."""
    if words is not None:
        return _stored_text(*words)
    return _ticket_text(title, body[:BODY_CHARS])


def _text_of(title_tokens: list[str], body_tokens: list[str]) -> TicketText:
    title_places = places_in(title_tokens)
    places = title_places + [p for p in places_in(body_tokens) if p not in title_places]
    return TicketText(words=title_tokens * TITLE_WEIGHT + body_tokens, places=places)


# A report groups the same tickets three times (hot topics, rising issues, repeats), and the next report on the
# dashboard mostly the same month again: each text is made once. The lists inside are never changed.
@lru_cache(maxsize=50_000)
def _ticket_text(title: str, body: str) -> TicketText:
    return _text_of(tokenize(title), tokenize(body))


@lru_cache(maxsize=50_000)
def _stored_text(title_words: str, body_words: str) -> TicketText:
    return _text_of(split(title_words), split(body_words))


def clear_text_cache() -> None:
    """For timings that must start cold (the benchmark); the dictionaries stay loaded, as in a running server."""
    _ticket_text.cache_clear()
    _stored_text.cache_clear()
    looks_like_name.cache_clear()


def load_dictionaries() -> None:
    """Load jieba's dictionary and its part-of-speech tags now (a second or so), not in the first report."""
    ticket_text("预热", "结巴分词词典在进程里只加载一次")
    _word_tags()
