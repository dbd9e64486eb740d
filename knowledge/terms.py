"""Search terms: the classifier's jieba words, plus the dictionary sub-words of long words, plus synonyms.

Sub-words (as jieba's search mode does) let 社会保险 in a question meet 社会保险费 in an article, and 残疾证 meet
残疾人证. Callers speak in their own words, so a short synonym table maps them to the words of the guides.
"""

from functools import lru_cache

from hotline.text import get_tokenizer, tokenize

# Words that say nothing about which article is meant: question words and the filler of speech.
# They are rare in the guides, so BM25 would otherwise give them a high weight.
_FILLER = """怎么 怎么办 怎样 如何 什么 哪里 哪儿 哪个 哪些 多少 多久 几天 是不是 能不能 可不可以 可以 能 要 想 需要
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
    "医生": ("医师",),
    "自考": ("自学考试",),
    "交了多少年": ("参保", "查询"),
    "进度": ("进度查询",),
    "好了没有": ("进度查询",),
    "办好": ("进度查询",),
    "到哪": ("进度查询",),
    "居留证": ("居留身份证",),
    "考驾照": ("驾驶证", "申领"),
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


def query_terms(text: str) -> list[str]:
    """The distinct terms of a question, filler removed, synonyms added, in first-seen order."""
    words: list[str] = []
    for word in tokenize(text):
        if word.lower() in QUERY_STOP_WORDS:
            continue
        if word in REPLACEMENTS:
            words.extend(REPLACEMENTS[word])
            continue
        words.append(word)
        for synonym in SYNONYMS.get(word, ()):
            words.extend(tokenize(synonym))
    return list(dict.fromkeys(_expand(words)))
