"""Anti-passback: someone who entered an area (a gate group's "in" gates) may not enter again
before leaving it (its "out" gates), and the other way round; so one face cannot let two
people in one after the other, and the list of who is inside stays true.

Plain data and a pure function, like ``decisions.decide``: the caller reads the person's last
passage through the group's gates from the access log.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class Verdict(enum.Enum):
    ALLOW = "allow"
    ALERT = "alert"  # soft anti-passback: let through, and say so
    DENY = "deny"


@dataclass(frozen=True)
class LastPassage:
    direction: str  # "in" or "out": the gate's
    at: dt.datetime


def anti_passback_verdict(
    *,
    mode: str,
    minutes: int,
    direction: str,
    last: LastPassage | None,
    at: dt.datetime,
) -> Verdict:
    """The verdict for passing a gate of ``direction`` at ``at`` in a group of ``mode``
    (off, soft, hard, timed), after ``last``. A first passage, a two-way gate and a passage
    the other way always pass: nobody is locked in by a system installed while they were
    inside."""
    if mode == "off" or direction not in ("in", "out") or last is None:
        return Verdict.ALLOW
    if last.direction != direction:
        return Verdict.ALLOW
    if mode == "timed" and at - last.at >= dt.timedelta(minutes=minutes):
        return Verdict.ALLOW
    return Verdict.ALERT if mode == "soft" else Verdict.DENY
