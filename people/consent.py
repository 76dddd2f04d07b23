"""Consent to the use of a person's face: recorded before any face photo is enrolled, and
withdrawn with everything biometric held about them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.models import Consent, ConsentText, Person

NO_CONSENT = _(
    "No consent to the use of this person's face is on record. Record their consent on their "
    "page first (the words they agreed to, how and when); then add face photos."
)


def consent_text_current(language: str = ConsentText.Language.ENGLISH) -> ConsentText | None:
    """The newest wording in ``language``; None before anyone wrote one."""
    return ConsentText.objects.filter(language=language).order_by("-created_at", "-id").first()


def consents_in_force() -> QuerySet[Consent]:
    """Consents not withdrawn, the latest given first: a person's first one is the one that
    holds (``consent_in_force``; the API annotates each person with its date)."""
    return Consent.objects.filter(withdrawn_at__isnull=True).order_by("-given_at", "-id")


def consent_in_force(person: Person) -> Consent | None:
    """The person's consent that holds now: the latest given and not withdrawn."""
    if person.pk is None:
        return None
    return consents_in_force().filter(person=person).first()


def consent_required(person: Person) -> None:
    """Raise ValidationError, saying what to do, when no consent of the person's holds."""
    if consent_in_force(person) is None:
        raise ValidationError(NO_CONSENT, code="no_consent")


def consent_record(
    *,
    person: Person,
    method: str,
    by: Any = None,
    text: str | None = None,
    language: str = ConsentText.Language.ENGLISH,
    reference: str = "",
    given_at: dt.datetime | None = None,
) -> Consent:
    """Record a consent; without ``text``, the current wording in ``language`` is copied.
    Raises ValidationError when there is no wording to copy."""
    if text is None:
        wording = consent_text_current(language)
        if wording is None:
            raise ValidationError(
                _(
                    "There is no consent text to show. Write one first (admin → People → "
                    "Consent texts)."
                ),
                code="no_consent_text",
            )
        text = wording.text
    consent = Consent(
        person=person,
        text=text,
        language=language,
        method=method,
        reference=reference,
        given_at=given_at or timezone.now(),
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, person: Person, by: Any = None) -> int:
    """Withdraw every consent of the person in force and delete their face photos (files and
    embeddings go with them, on commit): they are no longer recognised at any gate. Returns
    how many face photos were deleted. The consent records stay, marked withdrawn."""
    now = timezone.now()
    for consent in person.consents.filter(withdrawn_at__isnull=True):
        consent.withdrawn_at = now
        consent.withdrawn_by = by if getattr(by, "pk", None) else None
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    deleted = 0
    for photo in person.face_photos.all():  # one by one: the change history records each
        photo.delete()
        deleted += 1
    return deleted
