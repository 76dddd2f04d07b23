"""Passes: what names a person at a gate that asks for a pass before the face.

A person is named (claimed) by one of:

- their **QR pass**, shown to the kiosk's camera: ``AP1:`` and a payload signed with the
  project's secret key (``django.core.signing``), holding the person's id and their pass
  version. A QR code cannot be made up for someone, and issuing a new pass
  (``pass_reissue``) makes every older one void;
- their **badge number** (what a card reader types, as a keyboard does) or their **employee
  number**, typed on the kiosk's keypad.

A claim only says who the person says they are: the kiosk then compares the face with that
person's enrolled face alone (1:1), and it is the face that lets them in. Naming someone is
therefore not a secret, and a claim that names nobody is decided and recorded like any
other attempt.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.core import signing
from django.db import transaction
from django.db.models import F, Q

from people.models import Person

PASS_PREFIX = "AP1:"  # noqa: S105 (a format marker, not a secret)
_SALT = "accessportal.people.pass"
MAX_CLAIM_CHARACTERS = 200


def pass_code(person: Person) -> str:
    """The text of the person's current QR pass."""
    payload = f"{person.pk}.{person.pass_version}"
    return PASS_PREFIX + signing.Signer(salt=_SALT).sign(payload)


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an SVG image (for the screen or for printing)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def pass_qr_svg(person: Person) -> str:
    """The person's current QR pass as an SVG image."""
    return qr_svg(pass_code(person))


def pass_reissue(person: Person) -> Person:
    """Issue the person a new QR pass: every pass printed or sent before stops working."""
    with transaction.atomic():
        Person.objects.filter(pk=person.pk).update(pass_version=F("pass_version") + 1)
        person.refresh_from_db(fields=["pass_version"])
    return person


def claimed_person_id(credential: str) -> int | None:
    """The person a pass or a typed number names, or None when it names nobody (a forged or
    void pass, an unknown number, or a number two people share)."""
    text = (credential or "").strip()
    if not text or len(text) > MAX_CLAIM_CHARACTERS:
        return None
    if text.startswith(PASS_PREFIX):
        try:
            payload = signing.Signer(salt=_SALT).unsign(text.removeprefix(PASS_PREFIX))
        except signing.BadSignature:
            return None
        person_id, _, version = payload.partition(".")
        if not (person_id.isdigit() and version.isdigit()):
            return None
        named = Person.objects.filter(pk=int(person_id), pass_version=int(version))
    else:
        named = Person.objects.filter(Q(badge_number=text) | Q(employee_number=text))
    found = list(named.values_list("pk", flat=True)[:2])
    return found[0] if len(found) == 1 else None
