import datetime as dt

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from gates.models import (
    AccessRule,
    Gate,
    GateGroup,
    Holiday,
    HolidayCalendar,
    HolidayWindow,
    Schedule,
    Site,
    TimeWindow,
)
from people.models import Consent, Person, PersonGroup


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


class PersonGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonGroup

    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    employee_number = factory.Sequence(lambda n: f"E-{n:05d}")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[PersonGroup] | None, **kwargs: object) -> None:
        if extracted:
            self.groups.set(extracted)

    @factory.post_generation
    def consent(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """People agreed to the use of their face unless ``consent=False``: their face photos
        may be enrolled, as in a building where consent is collected with the badge form."""
        if create and extracted is not False:
            Consent.objects.create(
                person=self,
                text="I agree (test wording).",
                language="en",
                method=Consent.Method.SIGNED_FORM,
                given_at=timezone.now(),
            )


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    timezone = "Europe/Berlin"


class GateGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GateGroup

    name = factory.Sequence(lambda n: f"Gate group {n}")
    slug = factory.Sequence(lambda n: f"gate-group-{n}")


class GateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gate
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Gate {n}")
    slug = factory.Sequence(lambda n: f"gate-{n}")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[GateGroup] | None, **kwargs: object) -> None:
        if extracted:
            self.groups.set(extracted)


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    name = factory.Sequence(lambda n: f"Schedule {n}")


def time_window(schedule: Schedule, weekday: int, start: str, end: str) -> TimeWindow:
    """A weekly window; an end at or before the start crosses midnight."""
    s, e = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    return TimeWindow.objects.create(
        schedule=schedule, weekday=weekday, start=s, end=e, ends_next_day=e <= s
    )


def holiday(calendar: HolidayCalendar, date: dt.date, *windows: tuple[str, str]) -> Holiday:
    entry = Holiday.objects.create(calendar=calendar, date=date, name=f"Holiday {date}")
    for start, end in windows:
        s, e = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
        HolidayWindow.objects.create(holiday=entry, start=s, end=e, ends_next_day=e <= s)
    return entry


class AccessRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessRule

    name = factory.Sequence(lambda n: f"Rule {n}")


def access_event(
    *,
    gate=None,
    person=None,
    granted: bool = True,
    reason: str = "granted",
    at: dt.datetime | None = None,
    kiosk=None,
    **facts,
):
    """An access event appended to the real chain, as a kiosk's passage would."""
    from django.utils import timezone

    from recognition.access_log.chain import access_event_append

    gate = gate or GateFactory()
    return access_event_append(
        occurred_at=at or timezone.now(),
        kiosk=kiosk,
        kiosk_name=kiosk.name if kiosk else "Tablet",
        gate=gate,
        gate_name=str(gate),
        site_name=gate.site.name if gate.site_id else "",
        person=person,
        person_name=str(person) if person else "",
        granted=granted,
        reason=reason,
        rule=None,
        rule_name="",
        distance=facts.pop("distance", 0.41 if person else None),
        margin=facts.pop("margin", 0.2 if person else None),
        liveness=facts.pop("liveness", 0.93),
        model_name=facts.pop("model_name", "SFace-int8bq/yunet-5pt cosine"),
        frames=facts.pop("frames", 2),
        snapshot_sha256=facts.pop("snapshot_sha256", ""),
        **facts,
    )
