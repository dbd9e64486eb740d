"""The one table analytics adds: likes and dislikes a ticket gathered on a channel that has them (网站/App)."""

from sqlmodel import Field, SQLModel


class TicketReaction(SQLModel, table=True):
    __tablename__ = "ticket_reaction"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    likes: int = 0
    dislikes: int = 0
