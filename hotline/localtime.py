"""The centre's time zone (`HOTLINE_TIMEZONE`): the one place that turns stored UTC moments into the local times
people read on pages, in exports and in reports."""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from hotline.db import utcnow
from hotline.settings import get_settings


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def centre_zone() -> ZoneInfo:
    return _zone(get_settings().timezone)


def to_centre(moment: datetime) -> datetime:
    """An aware moment as the centre's local time."""
    return moment.astimezone(centre_zone())


def format_centre(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """ "2026-11-15 00:00" for a ticket taken at 16:00 UTC the day before; empty for no moment."""
    return to_centre(moment).strftime(pattern) if moment is not None else ""


def centre_today() -> date:
    """Today's date at the centre, on the product clock (`utcnow`)."""
    return to_centre(utcnow()).date()
