"""Search terms: the classifier's jieba words, plus the dictionary sub-words of long words, plus synonyms; the
character pairs of the question for the title channel; and what the caller wants done (intents).

Sub-words (as jieba's search mode does) let 社会保险 in a question meet 社会保险费 in an article, and 残疾证 meet
残疾人证. Callers speak in their own words, so a short synonym table maps them to the words of the guides.
Character pairs survive jieba's mistakes on speech (用电能先暂停 → 用/电能: the pair 用电 still meets 用电服务暂停).
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from hotline.text import get_tokenizer, normalise, tokenize

# Words that say nothing about which article is meant: question words and the filler of speech.
# They are rare in the guides, so BM25 would otherwise give them a high weight.
_FILLER = """怎么 怎么办 怎么弄 怎么搞 怎么样 怎样 如何 什么 哪里 哪儿 哪个 哪些 多少 多久 几天 是不是 能不能 可不可以
    可以 能 要 想 需要
    问 问问 请问 咨询 一下 您好 你好 喂 谢谢 麻烦 那个 这个 就是 然后 还有 现在 已经 知道 告诉 帮 帮忙
    吗 呢 吧 啊 呀 嗯 哦 好 好的 对 是 有 没有 了 我 我们 你 你们 他 她 他们 人家 的话 时候 办 弄 搞 去 来
    热线 12345 先生 女士 师傅 没 人 有没有 是否 一个 这边 那边"""
QUERY_STOP_WORDS = frozenset(_FILLER.split())

# Caller's word → words the service guides use (both are searched).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "社保": ("社会保险",),
    "医保": ("医疗保险",),
    "驾照": ("驾驶证",),
    "残疾证": ("残疾人证",),
    "身份证": ("居民身份证",),
    "港澳通行证": ("往来港澳通行证",),
    "退休金": ("养老金",),
    "养老钱": ("养老金",),
    "结婚证": ("结婚登记",),
    "离婚证": ("离婚登记",),
    "户口": ("户籍",),
    "执照": ("营业执照",),
    "教师证": ("教师资格",),
    "律师证": ("律师执业",),
    "第一次": ("首次", "新办", "初次"),
    "丢": ("补发", "挂失", "补办"),
    "丢了": ("补发", "挂失", "补办"),
    "不见": ("补发", "挂失"),
    "找不到": ("补发", "补领"),
    "到期": ("换领", "换发"),
    "过期": ("换领", "换发"),
    "去世": ("死亡",),
    "丧葬费": ("死亡", "待遇"),
    "转过来": ("转移", "接续"),
    "转过去": ("转移", "接续"),
    "转过": ("转移", "接续"),  # jieba cuts 转过来 as 转过 来
    "医生": ("医师",),
    "自考": ("自学考试",),
    "交了多少年": ("参保", "查询"),
    "进度": ("进度查询",),
    "好了没有": ("进度查询",),
    "办好": ("进度查询",),
    "到哪": ("进度查询",),
    "居留证": ("居留身份证",),
    "考驾照": ("驾驶证", "申领"),
    # Added on the dev split's misses (docs/knowledge.md): words of callers the guide says otherwise.
    "看守所": ("被监管人员",),
    "监狱": ("被监管人员",),
    "探视": ("探访", "会见"),
    "探望": ("探访", "会见"),
    "试管婴儿": ("辅助生殖",),
    "借书证": ("读者", "办卡"),
    "电表": ("用电",),
    "新装": ("报装",),
    "交": ("缴费",),
    "香港": ("往来港澳",),
    "澳门": ("往来港澳",),
    "台湾": ("往来台湾",),
}

# Single-character verbs of speech are rare as words in the guides, so BM25 would rank any article holding one
# (查新, 换) far too high; they are searched as the guides' own words instead.
REPLACEMENTS: dict[str, tuple[str, ...]] = {
    "查": ("查询",),
    "换": ("换发", "换领", "换证"),
    "补": ("补办", "补发", "补领", "补缴"),
    "领": ("申领", "领取"),
}


@lru_cache(maxsize=50_000)
def _sub_words(word: str) -> tuple[str, ...]:
    """Two- and three-character dictionary words inside a longer word (jieba's search mode)."""
    if len(word) <= 2:
        return ()
    freq = get_tokenizer().FREQ
    found = []
    for size in (2, 3):
        if len(word) > size:
            found += [word[i : i + size] for i in range(len(word) - size + 1) if freq.get(word[i : i + size])]
    return tuple(found)


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        out.append(word)
        out.extend(_sub_words(word))
    return out


def document_terms(text: str) -> list[str]:
    """Every term of an article's field, repeated as often as it occurs (for term frequencies)."""
    return _expand(tokenize(text))


def _kept(words: list[str]) -> list[str]:
    return [w for w in words if w.lower() not in QUERY_STOP_WORDS]


def _terms_of(kept: list[str]) -> list[str]:
    words: list[str] = []
    for word in kept:
        if word in REPLACEMENTS:
            words.extend(REPLACEMENTS[word])
            continue
        words.append(word)
        for synonym in SYNONYMS.get(word, ()):
            words.extend(tokenize(synonym))
    return list(dict.fromkeys(_expand(words)))


def query_terms(text: str) -> list[str]:
    """The distinct terms of a question, filler removed, synonyms added, in first-seen order."""
    return _terms_of(_kept(tokenize(text)))


# What the caller wants done, told by phrases of speech; the guide says it in the item's title (…进度查询, …补发).
# name → (phrases in the question, words in a title that does it)
INTENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "progress": (
        ("进度", "办到哪", "到哪一步", "到哪了", "好了没有", "好了没", "办好没", "办好了吗"),
        ("进度",),
    ),
    "replace": (
        ("丢了", "丢失", "遗失", "不见了", "找不到", "补办", "补一个", "补领", "补发", "弄坏"),
        ("补发", "补办", "补领", "挂失", "增补", "补证"),
    ),
    "change": (("改", "变更", "印错", "写错", "登记错", "更正"), ("变更", "更改", "更正")),
    "cancel": (("注销", "销掉", "销户", "不开了"), ("注销", "销户")),
    "renew": (("延期", "延长", "续借", "续期", "到期", "过期"), ("延期", "续借", "续期", "换发", "换领")),
    "suspend": (("暂停", "停业", "先停"), ("暂停", "停业")),
    "signup": (("报名", "报考"), ("报名",)),
    "verify": (("是不是真的", "真假", "正规", "核验"), ("查询", "核验", "验证")),
    "lookup": (("查一下", "查查", "想查", "在哪查", "在哪里查", "怎么查", "能查", "查到"), ("查询",)),
}

_SEGMENTS = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


def grams(text: str) -> list[str]:
    """Character pairs of a text's CJK/alphanumeric runs (a title, or one run of a question's words)."""
    return [run[i : i + 2] for run in _SEGMENTS.split(normalise(text)) for i in range(len(run) - 1)]


@dataclass
class Query:
    """What is searched: words with weights, title character pairs with weights, and the intents heard."""

    terms: dict[str, float] = field(default_factory=dict)
    grams: dict[str, float] = field(default_factory=dict)
    intents: set[str] = field(default_factory=set)

    def add(self, other: "Query") -> "Query":
        """Both questions together: each word or pair once, at its higher weight."""
        for mine, theirs in ((self.terms, other.terms), (self.grams, other.grams)):
            for key, weight in theirs.items():
                mine[key] = max(mine.get(key, 0.0), weight)
        self.intents |= other.intents
        return self


def intents_of(text: str) -> set[str]:
    return {name for name, (phrases, _) in INTENTS.items() if any(p in text for p in phrases)}


def parse_query(text: str, weight: float = 1.0) -> Query:
    """Words (filler out, synonyms in), title pairs of each run of kept words and of each synonym, intents."""
    query = Query(intents=intents_of(text))
    segments = [_kept(tokenize(segment)) for segment in _SEGMENTS.split(normalise(text))]
    if not any(not word.isdigit() for kept in segments for word in kept):
        # Only numbers ("1", "50": what a transcript of an unknown language leaves): they name no service.
        return query
    query.terms = dict.fromkeys(_terms_of([word for kept in segments for word in kept]), weight)
    for kept in segments:
        runs = ["".join(kept)] + [s for w in kept for s in SYNONYMS.get(w, REPLACEMENTS.get(w, ()))]
        for run in runs:
            for gram in grams(run):
                query.grams.setdefault(gram, weight)
    return query
