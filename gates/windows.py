"""Checks on a schedule's windows as a whole (each window checks itself in ``clean()``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_DAY = 24 * 60
_WEEK = 7 * _DAY
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def describe_window(
    start: dt.time, end: dt.time, ends_next_day: bool, weekday: int | None = None
) -> str:
    """How a window reads everywhere: 'Friday 22:00–06:00 (+1 day)'."""
    day = f"{WEEKDAYS[weekday]} " if weekday is not None else ""
    suffix = " (+1 day)" if ends_next_day else ""
    return f"{day}{start:%H:%M}–{end:%H:%M}{suffix}"


@dataclass(frozen=True)
class WindowSpec:
    """A window as entered: ``weekday`` is None for a window on a single (holiday) date."""

    start: dt.time
    end: dt.time
    ends_next_day: bool = False
    weekday: int | None = None

    def minutes(self) -> tuple[int, int]:
        """Start and end in minutes from Monday 00:00 (or from the date's 00:00)."""
        begin = (self.weekday or 0) * _DAY + self.start.hour * 60 + self.start.minute
        finish = (self.weekday or 0) * _DAY + self.end.hour * 60 + self.end.minute
        return begin, finish + (_DAY if self.ends_next_day else 0)

    def describe(self) -> str:
        return describe_window(self.start, self.end, self.ends_next_day, self.weekday)


def window_specs(rows: Iterable[Mapping[str, Any]]) -> list[WindowSpec]:
    """Windows from form or API data (``weekday`` absent for a holiday's windows)."""
    return [
        WindowSpec(row["start"], row["end"], row.get("ends_next_day", False), row.get("weekday"))
        for row in rows
    ]


def _pieces(spec: WindowSpec) -> list[tuple[int, int]]:
    begin, finish = spec.minutes()
    if spec.weekday is None or finish <= _WEEK:
        return [(begin, finish)]
    # Sunday night runs into Monday morning: the week is a circle.
    return [(begin, _WEEK), (0, finish - _WEEK)]


def overlapping_windows(windows: Sequence[WindowSpec]) -> list[tuple[WindowSpec, WindowSpec]]:
    """Every pair of windows that share at least a minute, in the order given."""
    pairs = []
    for i, first in enumerate(windows):
        for second in windows[i + 1 :]:
            if any(a < d and c < b for a, b in _pieces(first) for c, d in _pieces(second)):
                pairs.append((first, second))
    return pairs


def overlap_messages(windows: Sequence[WindowSpec]) -> list[str]:
    return [
        f"{a.describe()} overlaps {b.describe()}; merge them into one window."
        for a, b in overlapping_windows(windows)
    ]
