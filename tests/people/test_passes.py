"""Passes: a QR pass signed for one person and void once reissued; a badge or employee number;
whatever names nobody (forged, void, unknown, shared) says so."""

import pytest
from django.core.exceptions import ValidationError

from people.passes import PASS_PREFIX, claimed_person_id, pass_code, pass_qr_svg, pass_reissue
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_qr_pass_names_its_person_until_a_new_one_is_issued():
    ada, bob = PersonFactory(), PersonFactory()
    old = pass_code(ada)
    assert old.startswith(PASS_PREFIX) and claimed_person_id(old) == ada.pk
    assert claimed_person_id(pass_code(bob)) == bob.pk
    pass_reissue(ada)
    assert claimed_person_id(old) is None  # a lost pass stops working
    assert claimed_person_id(pass_code(ada)) == ada.pk


@pytest.mark.parametrize(
    "forge",
    [
        lambda code, other: code.replace(":", ":x", 1),  # the signature no longer fits
        lambda code, other: code[:-1] + ("A" if code[-1] != "A" else "B"),
        lambda code, other: PASS_PREFIX + f"{other}.1",  # unsigned, naming someone
        lambda code, other: PASS_PREFIX,
    ],
)
def test_a_pass_made_up_or_altered_names_nobody(forge):
    ada, bob = PersonFactory(), PersonFactory()
    assert claimed_person_id(forge(pass_code(ada), bob.pk)) is None


def test_a_badge_or_employee_number_names_its_person_and_a_shared_one_nobody():
    ada = PersonFactory(badge_number="0042", employee_number="E-7")
    PersonFactory(badge_number="E-9")
    PersonFactory(employee_number="E-9")  # someone's badge is someone else's employee number
    assert claimed_person_id("0042") == ada.pk
    assert claimed_person_id(" E-7 ") == ada.pk
    assert claimed_person_id("E-9") is None
    assert claimed_person_id("") is None and claimed_person_id("9" * 500) is None


def test_two_people_cannot_share_a_badge_number():
    PersonFactory(badge_number="0042")
    with pytest.raises(ValidationError, match="already has this badge number"):
        PersonFactory.build(badge_number="0042").full_clean()


def test_the_pass_is_a_qr_code_image():
    svg = pass_qr_svg(PersonFactory())
    assert svg.lstrip().startswith("<?xml") and "<path" in svg


def test_a_manager_prints_the_pass_and_issues_a_new_one_that_voids_the_old(client, manager):
    ada = PersonFactory(first_name="Ada", badge_number="1001")
    old = pass_code(ada)
    client.force_login(manager)
    person_page = client.get(f"/admin/people/person/{ada.pk}/change/")
    assert f"/people/{ada.pk}/pass" in person_page.content.decode()  # the "QR pass" button
    page = client.get(f"/people/{ada.pk}/pass")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "Or type your number: 1001" in html and "data-print" in html
    answer = client.post(f"/people/{ada.pk}/pass", follow=True)
    assert "every earlier pass of theirs is void" in answer.content.decode()
    ada.refresh_from_db()
    assert claimed_person_id(old) is None and claimed_person_id(pass_code(ada)) == ada.pk


@pytest.mark.parametrize("role", ["auditor", "desk", "outsider"])
def test_only_managers_see_or_issue_passes(client, users, role):
    ada = PersonFactory()
    client.force_login(users[role])
    assert client.get(f"/people/{ada.pk}/pass").status_code == 403
    assert client.post(f"/people/{ada.pk}/pass").status_code == 403
    ada.refresh_from_db()
    assert ada.pass_version == 1
