"""A ticket's words (分词), cut once when the ticket is taken in.

Grouping tickets about the same matter (hot topics, rising issues, repeat complaints in analytics) reads the words
of the title and of the start of the body. Cutting them at report time costs about a millisecond a text: a
city's month is a hundred thousand texts, so the meeting would wait minutes. `intake` stores them instead;
tickets without stored words (taken in before this table existed) are cut at report time, as before.
"""

from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel

from hotline.text import tokenize

BODY_CHARS = 160  # the start of the body says what it is about; the rest repeats and digresses
SEPARATOR = " "  # tokens never contain whitespace (hotline.text.tokenize strips and splits on it)


class TicketWords(SQLModel, table=True):
    __tablename__ = "ticket_words"

    ticket_id: int = Field(primary_key=True, foreign_key="ticket.id")
    title: str = Field(sa_column=Column(Text, nullable=False), description="words of the title, space-separated")
    body: str = Field(sa_column=Column(Text, nullable=False), description="words of the body's first 160 characters")


def cut(title: str, body: str) -> tuple[str, str]:
    """(title words, body-start words), each joined by SEPARATOR."""
    return SEPARATOR.join(tokenize(title)), SEPARATOR.join(tokenize(body[:BODY_CHARS]))


def split(words: str) -> list[str]:
    return words.split(SEPARATOR) if words else []


def store_words(session: Session, ticket_id: int, title: str, body: str) -> None:
    title_words, body_words = cut(title, body)
    session.add(TicketWords(ticket_id=ticket_id, title=title_words, body=body_words))
