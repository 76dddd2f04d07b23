"""Local time, in one place: wall-clock times and days in a named time zone.

Every page, filter, summary and export that turns an instant into a local time or a day into
instants comes here, so that one rule decides where a day starts. The zone is always passed
in: a site's (``Site.timezone``) or the server's (``ACCESSPORTAL_TIME_ZONE``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_wall_time(at: dt.datetime, zone_name: str) -> dt.datetime:
    """The naive wall-clock time in ``zone_name`` for the aware instant ``at``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("The instant must be timezone-aware.")
    return at.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)


def day_start(day: dt.date, zone_name: str) -> dt.datetime:
    """The instant ``day`` starts at in ``zone_name`` (its local midnight)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(zone_name))


def local_day(at: dt.datetime, zone_name: str) -> dt.date:
    """The day it is in ``zone_name`` at the aware instant ``at``."""
    return at.astimezone(ZoneInfo(zone_name)).date()


def today_start(now: dt.datetime, zone_name: str) -> dt.datetime:
    """The instant today started at in ``zone_name``, today being ``now``'s local day."""
    return day_start(local_day(now, zone_name), zone_name)


def local_time_text(at: dt.datetime, zone_name: str, *, seconds: bool = True) -> str:
    """The aware instant ``at`` as a person reads it in ``zone_name``, with the zone's
    abbreviation: "2026-12-08 00:30:00 CET". Every time shown to a person says its zone."""
    local = at.astimezone(ZoneInfo(zone_name))
    return local.strftime("%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z")


def zone_abbreviation(wall: dt.datetime, zone_name: str) -> str:
    """The abbreviation (CET, CEST, UTC...) of a naive wall-clock time in ``zone_name``."""
    return wall.replace(tzinfo=ZoneInfo(zone_name)).tzname() or zone_name
