"""Anti-passback (a gate group as an area: in through its "in" gates, out through its "out"
gates) and who is inside a site now, for the desk and a mustering roll call."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from gates.anti_passback import LastPassage, Verdict, anti_passback_verdict
from gates.decisions import Reason
from gates.models import GateGroup
from recognition.kiosks import pairing
from recognition.kiosks.passages import Agreement, Seen
from recognition.kiosks.recording import passage_record
from recognition.status.occupancy import site_occupants
from tests.factories import (
    AccessRuleFactory,
    GateFactory,
    PersonFactory,
    SiteFactory,
    access_event,
)

NOON = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)


@given(
    mode=st.sampled_from(["off", "soft", "hard", "timed"]),
    direction=st.sampled_from(["in", "out", "both"]),
    last_direction=st.sampled_from(["in", "out", None]),
    minutes_ago=st.integers(0, 600),
)
def test_only_the_same_way_twice_is_ever_held_back(mode, direction, last_direction, minutes_ago):
    last = (
        None
        if last_direction is None
        else LastPassage(last_direction, NOON - dt.timedelta(minutes=minutes_ago))
    )
    verdict = anti_passback_verdict(mode=mode, minutes=30, direction=direction, last=last, at=NOON)
    held = (
        mode != "off"
        and direction == last_direction
        and not (mode == "timed" and minutes_ago >= 30)
    )
    if not held:
        assert verdict is Verdict.ALLOW  # first passage, the other way, two-way gate, off
    else:
        assert verdict is (Verdict.ALERT if mode == "soft" else Verdict.DENY)


@pytest.mark.django_db
@pytest.mark.parametrize(("mode", "second"), [("hard", "anti_passback"), ("soft", "granted")])
def test_entering_twice_without_leaving(mode, second):
    site = SiteFactory()
    group = GateGroup.objects.create(name="Building", slug="building", anti_passback=mode)
    entry = GateFactory(site=site, name="Entry", direction="in")
    exit_ = GateFactory(site=site, name="Exit", direction="out")
    for gate in (entry, exit_):
        gate.groups.add(group)
    ada = PersonFactory(first_name="Ada")
    AccessRuleFactory(person=ada, gate=entry)
    AccessRuleFactory(person=ada, gate=exit_)
    kiosk_in, _ = pairing.kiosk_create(gate=entry)
    kiosk_out, _ = pairing.kiosk_create(gate=exit_)
    face = Agreement(Seen.PERSON, ada.pk, 2, 0.2, None, None)

    first = passage_record(kiosk_id=kiosk_in.pk, agreement=face)
    again = passage_record(kiosk_id=kiosk_in.pk, agreement=face)
    assert first.decision.granted
    assert again.decision.reason.value == second and again.passed_back is (mode == "soft")
    out = passage_record(kiosk_id=kiosk_out.pk, agreement=face)
    back_in = passage_record(kiosk_id=kiosk_in.pk, agreement=face)
    assert out.decision.granted and back_in.decision.granted
    if mode == "hard":
        assert again.decision.reason is Reason.ANTI_PASSBACK


@pytest.mark.django_db
def test_who_is_inside_and_the_roll_call_page(client, desk, settings):
    settings.OCCUPANCY_HOURS = 24
    site = SiteFactory(name="Headquarters", timezone="Europe/Berlin")
    entry = GateFactory(site=site, name="Entry", direction="in")
    exit_ = GateFactory(site=site, name="Exit", direction="out")
    lobby = GateFactory(site=site, name="Lobby", direction="both")
    ada, alan, grace = (
        PersonFactory(first_name=n, last_name="X") for n in ("Ada", "Alan", "Grace")
    )
    now = timezone.now()
    access_event(gate=entry, person=ada, at=now - dt.timedelta(hours=2))
    access_event(gate=entry, person=alan, at=now - dt.timedelta(hours=3))
    access_event(gate=exit_, person=alan, at=now - dt.timedelta(hours=1))  # left
    access_event(gate=lobby, person=grace, at=now - dt.timedelta(minutes=5))  # two-way
    access_event(gate=entry, person=grace, at=now - dt.timedelta(hours=30))  # too long ago
    access_event(gate=entry, person=alan, granted=False, reason="no_rule", at=now)  # denied

    assert [o.name for o in site_occupants(site, now=now)] == ["Ada X"]

    client.force_login(desk)
    status = client.get(reverse("recognition:status")).content.decode()
    occupancy_url = reverse("recognition:site-occupancy", args=[site.pk])
    assert occupancy_url in status
    page = client.get(occupancy_url).content.decode()
    assert 'data-count="inside">1<' in page and "Ada X" in page and "Alan X" not in page
    assert "Europe/Berlin" in page
