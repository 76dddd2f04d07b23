"""Overlapping windows in one schedule are reported, including across midnight and week end."""

import datetime as dt

import pytest

from gates.windows import WindowSpec, overlap_messages, overlapping_windows


def w(weekday, start, end, next_day=False):
    return WindowSpec(dt.time.fromisoformat(start), dt.time.fromisoformat(end), next_day, weekday)


@pytest.mark.parametrize(
    ("windows", "overlaps"),
    [
        ([w(0, "08:00", "12:00"), w(0, "12:00", "18:00")], False),  # touching is fine
        ([w(0, "08:00", "12:00"), w(0, "11:59", "18:00")], True),
        ([w(0, "08:00", "12:00"), w(1, "08:00", "12:00")], False),
        (
            [w(4, "22:00", "06:00", True), w(5, "05:00", "09:00")],
            True,
        ),  # Friday night into Saturday
        ([w(4, "22:00", "06:00", True), w(5, "06:00", "09:00")], False),
        ([w(6, "22:00", "06:00", True), w(0, "05:30", "09:00")], True),  # Sunday night into Monday
        ([w(6, "22:00", "06:00", True), w(0, "06:00", "09:00")], False),
        ([w(None, "08:00", "12:00"), w(None, "10:00", "14:00")], True),  # one holiday date
    ],
)
def test_overlaps(windows, overlaps):
    assert bool(overlapping_windows(windows)) is overlaps


def test_message_names_both_windows():
    [message] = overlap_messages([w(0, "08:00", "12:00"), w(0, "11:00", "13:00")])
    assert message.startswith("Monday 08:00–12:00 overlaps Monday 11:00–13:00")
