"""Named edge cases of the decision function: DST, midnight, holidays, validity, precedence."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from gates.decisions import (
    GateFacts,
    PersonFacts,
    Reason,
    RuleFacts,
    ScheduleFacts,
    Window,
    decide,
)

BERLIN = "Europe/Berlin"
UTC = dt.UTC
PERSON = PersonFacts(id=1, group_ids=frozenset({10}))
GATE = GateFacts(id=1, timezone=BERLIN, group_ids=frozenset({20}))


def t(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def weekly(day: int, start: str, end: str, next_day: bool = False) -> ScheduleFacts:
    return ScheduleFacts(id=1, weekly={day: (Window(t(start), t(end), next_day),)})


def grant(schedule: ScheduleFacts | None = None, **kw) -> RuleFacts:
    return RuleFacts(
        id=kw.pop("id", 1), grants=True, person_id=1, gate_id=1, schedule=schedule, **kw
    )


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).replace(tzinfo=UTC)


def reason(rules, at, person=PERSON, gate=GATE) -> Reason:
    return decide(person, gate, rules, at).reason


SUNDAY = 6


class TestDaylightSaving:
    # Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    def test_window_inside_the_spring_gap_never_opens(self):
        rules = [grant(weekly(SUNDAY, "02:15", "02:45"))]
        for instant in ["2026-03-29T00:59:59", "2026-03-29T01:00:00", "2026-03-29T01:30:00"]:
            assert reason(rules, utc(instant)) is Reason.OUTSIDE_SCHEDULE

    def test_window_across_the_spring_gap_follows_the_wall_clock(self):
        rules = [grant(weekly(SUNDAY, "01:00", "03:30"))]
        assert reason(rules, utc("2026-03-29T00:30:00")) is Reason.GRANTED  # 01:30 CET
        assert reason(rules, utc("2026-03-29T01:10:00")) is Reason.GRANTED  # 03:10 CEST
        assert reason(rules, utc("2026-03-29T01:30:00")) is Reason.OUTSIDE_SCHEDULE  # 03:30

    # Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:xx happens twice.
    def test_window_in_the_autumn_overlap_opens_both_times(self):
        rules = [grant(weekly(SUNDAY, "02:00", "02:30"))]
        assert reason(rules, utc("2026-10-25T00:15:00")) is Reason.GRANTED  # 02:15 CEST
        assert reason(rules, utc("2026-10-25T00:45:00")) is Reason.OUTSIDE_SCHEDULE  # 02:45 CEST
        assert reason(rules, utc("2026-10-25T01:15:00")) is Reason.GRANTED  # 02:15 CET

    def test_office_hours_stay_local_across_the_change(self):
        rules = [
            grant(
                ScheduleFacts(id=1, weekly={d: (Window(t("08:00"), t("18:00")),) for d in range(7)})
            )
        ]
        # 08:00 local is 07:00 UTC before the change and 06:00 UTC after it.
        assert reason(rules, utc("2026-03-28T06:30:00")) is Reason.OUTSIDE_SCHEDULE
        assert reason(rules, utc("2026-03-28T07:00:00")) is Reason.GRANTED
        assert reason(rules, utc("2026-03-30T06:00:00")) is Reason.GRANTED


class TestMidnight:
    FRIDAY_NIGHT = weekly(4, "22:00", "06:00", next_day=True)

    @pytest.mark.parametrize(
        ("local", "expected"),
        [
            ("2026-11-20T21:59:59", Reason.OUTSIDE_SCHEDULE),
            ("2026-11-20T22:00:00", Reason.GRANTED),
            ("2026-11-21T00:00:00", Reason.GRANTED),
            ("2026-11-21T05:59:59", Reason.GRANTED),
            ("2026-11-21T06:00:00", Reason.OUTSIDE_SCHEDULE),
        ],
    )
    def test_night_window_runs_into_the_next_day(self, local, expected):
        at = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(BERLIN))
        assert reason([grant(self.FRIDAY_NIGHT)], at) is expected

    def test_sunday_night_runs_into_monday_across_the_week_boundary(self):
        rules = [grant(weekly(SUNDAY, "23:00", "02:00", next_day=True))]
        at = dt.datetime(2026, 11, 23, 1, 30, tzinfo=ZoneInfo(BERLIN))  # a Monday
        assert reason(rules, at) is Reason.GRANTED

    def test_midnight_to_midnight_is_the_whole_day(self):
        rules = [grant(weekly(0, "00:00", "00:00", next_day=True))]
        monday = dt.datetime(2026, 11, 23, tzinfo=ZoneInfo(BERLIN))
        assert reason(rules, monday) is Reason.GRANTED
        assert reason(rules, monday + dt.timedelta(hours=23, minutes=59)) is Reason.GRANTED
        assert reason(rules, monday + dt.timedelta(days=1)) is Reason.OUTSIDE_SCHEDULE


class TestHolidays:
    CHRISTMAS = dt.date(2026, 12, 25)  # a Friday

    def office(self, overrides) -> ScheduleFacts:
        return ScheduleFacts(
            id=1,
            weekly={d: (Window(t("07:00"), t("20:00")),) for d in range(5)},
            overrides=overrides,
        )

    def test_closed_holiday_denies_with_its_own_reason(self):
        rules = [grant(self.office({self.CHRISTMAS: ()}))]
        at = dt.datetime(2026, 12, 25, 10, tzinfo=ZoneInfo(BERLIN))
        assert reason(rules, at) is Reason.HOLIDAY_CLOSED
        assert reason(rules, at - dt.timedelta(days=1)) is Reason.GRANTED

    def test_special_windows_replace_the_week(self):
        rules = [grant(self.office({self.CHRISTMAS: (Window(t("08:00"), t("12:00")),)}))]
        day = dt.datetime(2026, 12, 25, tzinfo=ZoneInfo(BERLIN))
        assert reason(rules, day.replace(hour=9)) is Reason.GRANTED
        assert reason(rules, day.replace(hour=13)) is Reason.OUTSIDE_SCHEDULE

    def test_a_night_window_from_the_day_before_runs_into_a_holiday(self):
        schedule = ScheduleFacts(
            id=1,
            weekly={3: (Window(t("22:00"), t("06:00"), True),)},
            overrides={self.CHRISTMAS: ()},
        )
        at = dt.datetime(2026, 12, 25, 2, tzinfo=ZoneInfo(BERLIN))
        assert reason([grant(schedule)], at) is Reason.GRANTED
        assert reason([grant(schedule)], at.replace(hour=7)) is Reason.HOLIDAY_CLOSED

    def test_holiday_is_the_sites_local_date(self):
        rules = [grant(self.office({self.CHRISTMAS: ()}))]
        # 23:30 UTC on the 24th is already Christmas Day in Berlin; 07:00 opening is not yet.
        assert reason(rules, utc("2026-12-24T23:30:00")) is Reason.HOLIDAY_CLOSED


class TestValidityBoundaries:
    def test_person_valid_until_is_inclusive_in_site_time(self):
        person = PersonFacts(id=1, valid_until=dt.date(2026, 6, 30))
        assert reason([grant()], utc("2026-06-30T21:59:59"), person=person) is Reason.GRANTED
        assert reason([grant()], utc("2026-06-30T22:00:00"), person=person) is Reason.PERSON_EXPIRED

    def test_person_valid_from_starts_at_local_midnight(self):
        person = PersonFacts(id=1, valid_from=dt.date(2026, 7, 1))
        assert (
            reason([grant()], utc("2026-06-30T21:59:59"), person=person)
            is Reason.PERSON_NOT_YET_VALID
        )
        assert reason([grant()], utc("2026-06-30T22:00:00"), person=person) is Reason.GRANTED

    def test_rule_validity_boundaries(self):
        rules = [grant(valid_from=dt.date(2026, 7, 1), valid_until=dt.date(2026, 7, 31))]
        assert reason(rules, utc("2026-06-30T21:59:59")) is Reason.RULE_NOT_YET_VALID
        assert reason(rules, utc("2026-06-30T22:00:00")) is Reason.GRANTED
        assert reason(rules, utc("2026-07-31T21:59:59")) is Reason.GRANTED
        assert reason(rules, utc("2026-07-31T22:00:00")) is Reason.RULE_EXPIRED

    def test_one_expired_and_one_future_rule_reads_as_expired(self):
        rules = [
            grant(id=1, valid_until=dt.date(2026, 1, 31)),
            grant(id=2, valid_from=dt.date(2026, 12, 1)),
        ]
        assert reason(rules, utc("2026-07-01T12:00:00")) is Reason.RULE_EXPIRED

    def test_far_time_zones_use_their_own_date(self):
        person = PersonFacts(id=1, valid_until=dt.date(2026, 6, 30))
        kiribati = GateFacts(id=1, timezone="Pacific/Kiritimati")  # UTC+14
        samoa = GateFacts(id=1, timezone="Pacific/Pago_Pago")  # UTC-11
        at = utc("2026-06-30T11:00:00")
        assert reason([grant()], at, person=person, gate=kiribati) is Reason.PERSON_EXPIRED
        assert reason([grant()], at, person=person, gate=samoa) is Reason.GRANTED


class TestPrecedence:
    AT = utc("2026-11-23T10:00:00")

    def test_deny_wins_over_grant(self):
        deny = RuleFacts(id=9, grants=False, group_id=10, gate_group_id=20)
        decision = decide(PERSON, GATE, [grant(), deny], self.AT)
        assert (decision.granted, decision.reason, decision.rule_id) == (
            False,
            Reason.EXPLICIT_DENY,
            9,
        )

    def test_deny_outside_its_schedule_does_not_deny(self):
        deny = RuleFacts(
            id=9, grants=False, person_id=1, gate_id=1, schedule=weekly(SUNDAY, "00:00", "01:00")
        )
        assert decide(PERSON, GATE, [grant(), deny], self.AT).granted

    def test_rules_through_groups_apply(self):
        rule = RuleFacts(id=3, grants=True, group_id=10, gate_group_id=20)
        assert decide(PERSON, GATE, [rule], self.AT).rule_id == 3

    def test_inactive_rules_are_ignored(self):
        assert reason([grant(is_active=False)], self.AT) is Reason.NO_RULE

    def test_only_deny_rules_read_as_no_rule_when_not_in_force(self):
        deny = RuleFacts(
            id=9, grants=False, person_id=1, gate_id=1, valid_until=dt.date(2020, 1, 1)
        )
        assert reason([deny], self.AT) is Reason.NO_RULE

    @pytest.mark.parametrize(
        ("person", "gate", "expected"),
        [
            (None, GATE, Reason.UNKNOWN_FACE),
            (PERSON, GateFacts(id=1, is_active=False), Reason.GATE_DISABLED),
            (PersonFacts(id=1, is_active=False), GATE, Reason.PERSON_INACTIVE),
        ],
    )
    def test_early_refusals(self, person, gate, expected):
        assert reason([grant()], self.AT, person=person, gate=gate) is expected

    def test_naive_instant_is_refused(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            decide(PERSON, GATE, [grant()], dt.datetime(2026, 1, 1, 12))
