"""When a door's opening is forced or held open: properties of the plain functions."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from gates.door_alarms import held_open, opening_forced

T0 = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
seconds = st.integers(-600, 600).map(lambda s: T0 + dt.timedelta(seconds=s))
maybe = st.none() | seconds


@given(at=seconds, released=maybe, unlocked=maybe, locked_down=st.booleans())
def test_an_opening_is_forced_exactly_when_nothing_let_it_open(at, released, unlocked, locked_down):
    let = (released is not None and at <= released) or (unlocked is not None and at <= unlocked)
    forced = opening_forced(
        at=at, released_until=released, unlocked_until=unlocked, locked_down=locked_down
    )
    assert forced == (locked_down or not let)


@given(
    opened=seconds,
    later=st.integers(0, 7200),
    hold=st.integers(5, 600),
    released=maybe,
    unlocked=maybe,
)
def test_held_open_only_after_the_allowed_time_and_never_while_unlocked(
    opened, later, hold, released, unlocked
):
    now = opened + dt.timedelta(seconds=later)
    held = held_open(
        opened_at=opened,
        now=now,
        held_open_seconds=hold,
        released_until=released,
        unlocked_until=unlocked,
    )
    if unlocked is not None and now <= unlocked:
        assert not held
    if later <= hold:
        assert not held  # never before the door was open for the allowed time
    start = max(opened, released) if released else opened
    if (
        later > hold
        and now > start + dt.timedelta(seconds=hold)
        and not (unlocked is not None and now <= unlocked)
    ):
        assert held
