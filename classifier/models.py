"""The classifier's table: suggestions the centre marked wrong (标记建议有误), for the admin page and training."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from hotline.db import UTCDateTime, utcnow

HEADS = ("topic", "request_type", "department")


class SuggestionFeedback(SQLModel, table=True):
    __tablename__ = "classifier_feedback"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    user_id: int | None = Field(default=None, foreign_key="user.id")
    model_id: str = Field(max_length=40, index=True, description="the classifier version that made the suggestion")
    head: str = Field(max_length=16, description="topic / request_type / department")
    suggested: str = Field(max_length=100, description="the label the model suggested")
    correct: str | None = Field(default=None, max_length=100, description="the label the agent chose, when known")
    title: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
