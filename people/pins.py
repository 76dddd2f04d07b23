"""People's PINs: set by a manager, checked at gates that ask for one besides the face.

A PIN is 4 to 8 digits, stored hashed like a password (Django's hasher). ``PIN_MAX_TRIES``
wrong ones in a row lock it for ``PIN_LOCK_MINUTES``, the right one included; the right one
before that starts the count again. The duress PIN, when set, opens like the PIN: the person
is let in as usual (someone forcing them sees nothing different) and a silent alarm goes to the
security team (``accessportal.security_alerts``).
"""

from __future__ import annotations

import datetime as dt
import enum
import re

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import Person, PersonPin

PIN_FORMAT = re.compile(r"\d{4,8}")


class PinCheck(enum.StrEnum):
    RIGHT = "right"
    DURESS = "duress"  # opens, and raises the silent alarm
    WRONG = "wrong"
    LOCKED = "locked"  # too many wrong ones: not even checked
    NOT_SET = "not_set"


def pin_errors(pin: str, duress_pin: str = "") -> dict[str, str]:
    """What is wrong with a PIN and a duress PIN, by which ("pin", "duress_pin"); empty when
    both may be set."""
    errors = {}
    if not PIN_FORMAT.fullmatch(pin or ""):
        errors["pin"] = _("A PIN is 4 to 8 digits.")
    if duress_pin and not PIN_FORMAT.fullmatch(duress_pin):
        errors["duress_pin"] = _("A PIN is 4 to 8 digits.")
    elif duress_pin and duress_pin == pin:
        errors["duress_pin"] = _("The duress PIN must differ from the PIN.")
    return errors


def pin_set(*, person: Person, pin: str, duress_pin: str = "") -> PersonPin:
    """Set (or replace) the person's PIN and duress PIN; the count of wrong ones is reset."""
    errors = pin_errors(pin, duress_pin)
    if errors:
        raise ValidationError(errors)
    row, _ = PersonPin.objects.update_or_create(
        person=person,
        defaults={
            "pin_hash": make_password(pin),
            "duress_pin_hash": make_password(duress_pin) if duress_pin else "",
            "failures": 0,
            "locked_until": None,
        },
    )
    return row


def pin_tries_left(person_id: int) -> int:
    row = PersonPin.objects.filter(person_id=person_id).first()
    return settings.PIN_MAX_TRIES - (row.failures if row else 0)


def pin_check(*, person_id: int, pin: str, now: dt.datetime | None = None) -> PinCheck:
    """Check a PIN typed at a gate, counting a wrong one (and locking after too many)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = PersonPin.objects.select_for_update().filter(person_id=person_id).first()
        if row is None:
            return PinCheck.NOT_SET
        if row.locked_until is not None and row.locked_until > now:
            return PinCheck.LOCKED
        if PIN_FORMAT.fullmatch(pin or ""):
            if check_password(pin, row.pin_hash):
                outcome = PinCheck.RIGHT
            elif row.duress_pin_hash and check_password(pin, row.duress_pin_hash):
                outcome = PinCheck.DURESS
            else:
                outcome = PinCheck.WRONG
        else:
            outcome = PinCheck.WRONG
        if outcome is PinCheck.WRONG:
            row.failures += 1
            if row.failures >= settings.PIN_MAX_TRIES:
                row.failures = 0
                row.locked_until = now + dt.timedelta(minutes=settings.PIN_LOCK_MINUTES)
                outcome = PinCheck.LOCKED
        else:
            row.failures, row.locked_until = 0, None
        row.save(update_fields=["failures", "locked_until"])
        return outcome


def pin_asked(*, person_id: int, gate_asks: bool) -> bool:
    """Whether this person is asked for their PIN at a gate: where the gate asks for one, or
    everywhere when they are marked to be (a look-alike is enrolled)."""
    return gate_asks or Person.objects.filter(pk=person_id, always_second_factor=True).exists()
