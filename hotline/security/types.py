"""Bounded numbers for paths and queries: a database id is a positive 32-bit integer (PostgreSQL `integer`), so a
larger one is a 422 with a Chinese message before any query, not an OverflowError or `integer out of range` 500."""

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**31 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="编号（正整数）")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="编号（正整数）")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="跳过的条数")]
