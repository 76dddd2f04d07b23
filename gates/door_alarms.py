"""When a door's opening raises an alarm: plain functions of the facts, no database, no clock.

A door may open while it is *released*: until ``released_until`` (a granted passage releases it
for the gate's ``door_release_seconds``) or while it is unlocked remotely (``unlocked_until``).
An opening outside both is **forced open**; during a lockdown every opening is. A door let open
must close again within ``held_open_seconds`` of the later of its opening and the end of its
release, or it is **held open**; while it is unlocked remotely it may stay open.
"""

from __future__ import annotations

import datetime as dt


def _before(at: dt.datetime, until: dt.datetime | None) -> bool:
    return until is not None and at <= until


def opening_forced(
    *,
    at: dt.datetime,
    released_until: dt.datetime | None,
    unlocked_until: dt.datetime | None,
    locked_down: bool,
) -> bool:
    """Whether the door opening at ``at`` was forced (nothing let it open)."""
    if locked_down:
        return True
    return not (_before(at, released_until) or _before(at, unlocked_until))


def held_open(
    *,
    opened_at: dt.datetime,
    now: dt.datetime,
    held_open_seconds: float,
    released_until: dt.datetime | None,
    unlocked_until: dt.datetime | None,
) -> bool:
    """Whether a door open since ``opened_at`` is, at ``now``, open too long."""
    if _before(now, unlocked_until):
        return False
    allowed_from = max(opened_at, released_until) if released_until else opened_at
    return now > allowed_from + dt.timedelta(seconds=held_open_seconds)
