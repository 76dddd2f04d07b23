"""People's PINs: hashed, 4 to 8 digits, a duress PIN that differs, a lock after too many
wrong ones; set on the person's admin page; and the kiosk's decision on a PIN asked for."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from gates.decisions import Reason
from people.models import PersonPin
from people.pins import PinCheck, pin_asked, pin_check, pin_set
from recognition.kiosks.decisions import PIN_DENIALS, pre_rule_decision
from recognition.kiosks.passages import Agreement, Seen
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_pin_is_kept_only_as_a_hash_and_checked(settings):
    person = PersonFactory()
    row = pin_set(person=person, pin="2468", duress_pin="1357")
    assert "2468" not in row.pin_hash and "1357" not in row.duress_pin_hash
    assert pin_check(person_id=person.pk, pin="2468") is PinCheck.RIGHT
    assert pin_check(person_id=person.pk, pin="1357") is PinCheck.DURESS
    assert pin_check(person_id=person.pk, pin="9999") is PinCheck.WRONG
    assert pin_check(person_id=PersonFactory().pk, pin="2468") is PinCheck.NOT_SET


@pytest.mark.parametrize(
    ("pin", "duress"), [("123", ""), ("123456789", ""), ("12a4", ""), ("2468", "2468")]
)
def test_pins_are_four_to_eight_digits_and_the_duress_one_differs(pin, duress):
    with pytest.raises(ValidationError):
        pin_set(person=PersonFactory(), pin=pin, duress_pin=duress)


def test_too_many_wrong_pins_lock_it_for_a_while_the_right_one_included(settings):
    settings.PIN_MAX_TRIES, settings.PIN_LOCK_MINUTES = 3, 15
    person = PersonFactory()
    pin_set(person=person, pin="2468")
    now = timezone.now()
    assert pin_check(person_id=person.pk, pin="0000", now=now) is PinCheck.WRONG
    assert pin_check(person_id=person.pk, pin="2468", now=now) is PinCheck.RIGHT  # count reset
    for _ in range(2):
        assert pin_check(person_id=person.pk, pin="0000", now=now) is PinCheck.WRONG
    assert pin_check(person_id=person.pk, pin="0000", now=now) is PinCheck.LOCKED
    assert pin_check(person_id=person.pk, pin="2468", now=now) is PinCheck.LOCKED
    later = now + dt.timedelta(minutes=16)
    assert pin_check(person_id=person.pk, pin="2468", now=later) is PinCheck.RIGHT


def test_the_pin_is_asked_where_the_gate_or_the_person_says():
    plain, marked = PersonFactory(), PersonFactory(always_second_factor=True)
    assert not pin_asked(person_id=plain.pk, gate_asks=False)
    assert pin_asked(person_id=plain.pk, gate_asks=True)
    assert pin_asked(person_id=marked.pk, gate_asks=False)


def test_a_manager_sets_a_pin_on_the_person_page(client, manager):
    person = PersonFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(manager)
    page = client.get(reverse("admin:people_person_change", args=[person.pk])).content.decode()
    assert "Always ask for their PIN" in page and 'name="new_pin"' in page
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "employee_number": person.employee_number,
        "email": "",
        "is_active": "on",
        "notes": "",
        "always_second_factor": "on",
        "new_pin": "2468",
        "new_duress_pin": "2468",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
        "face_photos-TOTAL_FORMS": "0",
        "face_photos-INITIAL_FORMS": "0",
        "access_rules-TOTAL_FORMS": "0",
        "access_rules-INITIAL_FORMS": "0",
    }
    url = reverse("admin:people_person_change", args=[person.pk])
    refused = client.post(url, data)
    assert refused.status_code == 200 and "must differ" in refused.content.decode()
    assert client.post(url, {**data, "new_duress_pin": "1357"}).status_code == 302
    row = PersonPin.objects.get(person=person)
    assert pin_check(person_id=person.pk, pin="1357") is PinCheck.DURESS
    assert "2468" not in row.pin_hash
    person.refresh_from_db()
    assert person.always_second_factor


@given(
    pin=st.sampled_from([None, "right", "duress", "wrong", "locked", "not_set", "not_entered"]),
    seen=st.sampled_from([Seen.PERSON, Seen.UNKNOWN]),
)
def test_a_pin_asked_and_not_given_right_is_always_a_denial(pin, seen):
    """Whatever else holds: a named person whose PIN was asked for passes on to the rules only
    with the right PIN or the duress PIN."""
    agreement = Agreement(seen, 7 if seen is Seen.PERSON else None, 2, 0.3, 0.1, 0.9, pin=pin)
    decision = pre_rule_decision(agreement, liveness_required=True, liveness_threshold=0.5)
    if seen is Seen.PERSON and pin in PIN_DENIALS:
        assert decision is not None and not decision.granted
        assert decision.reason in {
            Reason.PIN_WRONG,
            Reason.PIN_LOCKED,
            Reason.PIN_NOT_SET,
            Reason.PIN_NOT_ENTERED,
        }
    else:
        assert decision is None
