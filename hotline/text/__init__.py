"""Text normalisation and jieba tokenisation with the hotline's own user dictionary and stop words (分词).

The core's, because tickets (stored words), knowledge (search terms), analytics (topics) and the classifier
(features) all cut Chinese the same way. One `jieba.Tokenizer` instance is built per process (not jieba's
global one, which other packages may configure differently) and the dictionary files beside this module are
loaded into it once.
"""

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent
USER_DICT = DATA_DIR / "userdict.txt"
STOP_WORDS = DATA_DIR / "stopwords.txt"

# Anonymised place codes of the data (A1区, K8县, A9市, A市) stay one token even when the code is not in
# the dictionary: the held-out data may name districts the dictionary has never seen.
PLACE_CODE = re.compile(r"[A-Z]\d{0,2}(?:区|县|市)")
_SPACES = re.compile(r"\s+")
# Control, zero-width and bidirectional-format characters (a regex: a per-character loop costs ms).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Keep CJK, Latin letters and digits; everything else (punctuation, emoji, symbols) is a separator.
_WORD_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

jieba.setLogLevel(logging.WARNING)


def normalise(text: str) -> str:
    """Full-width to half-width, unify whitespace, drop control and zero-width characters."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1)
def get_tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USER_DICT))
    return tokenizer


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    lines = STOP_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_word(token: str) -> bool:
    return bool(_WORD_CHARS.search(token))


def tokenize(text: str) -> list[str]:
    """Words of a message, stop words and punctuation removed; place codes kept whole."""
    tokenizer = get_tokenizer()
    stops = stop_words()
    tokens: list[str] = []
    position = 0
    text = normalise(text)
    for match in PLACE_CODE.finditer(text):
        tokens.extend(tokenizer.lcut(text[position : match.start()], HMM=False))
        tokens.append(match.group())
        position = match.end()
    tokens.extend(tokenizer.lcut(text[position:], HMM=False))
    return [t for t in (tok.strip() for tok in tokens) if t and t not in stops and _is_word(t)]


def compact(text: str) -> str:
    """The text without spaces, for character n-grams (some bodies arrive already segmented by spaces)."""
    return _SPACES.sub("", normalise(text))
