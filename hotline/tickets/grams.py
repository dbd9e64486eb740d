"""What the desk search's indexes hold (检索索引): character pairs of a ticket's text, last four digits of phones.

Chinese has no spaces, so a word typed at the desk is found inside a sentence, not as a token. Every pair of
adjacent letters/digits (二元组) of the title, body and address is stored space-separated in `ticket.search_grams`;
a word of two or more characters is then the phrase of its own pairs, which SQLite FTS5 and PostgreSQL's GIN
tsvector index both answer without reading every ticket. The index only narrows: the search keeps its LIKE test on
the candidates, so the rows found are exactly the plain scan's.
"""

GRAMMED_FIELDS = ("summary", "description", "address")


def pairs(word: str) -> list[str]:
    """A word's adjacent character pairs, lower-cased (both indexes lower-case their tokens)."""
    word = word.lower()
    return [word[i : i + 2] for i in range(len(word) - 1) if word[i].isalnum() and word[i + 1].isalnum()]


def indexable(word: str) -> bool:
    """A word the pair index can answer: two or more characters, all letters or digits."""
    return len(word) >= 2 and all(c.isalnum() for c in word)


def grams(*texts: str | None) -> str:
    return " ".join(pair for text in texts if text for pair in pairs(text))


def last4(value: str | None) -> str | None:
    """The last four characters (尾号, what a caller reads out): equal exactly when `LIKE '%1234'` matches."""
    return value[-4:] if value and len(value) >= 4 else None
