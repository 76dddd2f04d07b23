"""Visitors: a host registers one for some hours or days, at some gates; the visitor may
enrol their own face from a link they open on their phone, and shows a QR pass; when the visit
ends, their biometric data goes.

- ``visit_register`` makes the person (in the "Visitors" group), one access rule per gate for
  the visit's days, and the visit. The visit's own hours are enforced to the minute at the
  kiosk (``visit_window_reason``): the rules only know days.
- The selfie link carries a token signed with the server's key (``visit_link_token``); it
  works until the visit ends. What the visitor agrees to there is recorded as their consent
  (``Consent.Method.VISITOR_LINK``) before any photo is stored.
- ``visits_end`` (Celery beat, every minute) ends the visits whose time is over: consent
  withdrawn and face photos with their embeddings deleted, the QR pass voided, the person
  switched off. The visit's record and the visitor's passages stay (evidence); the face
  snapshots some gates keep stay for their gate's retention period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from gates.local_time import local_day
from gates.models import AccessRule, Gate
from people.consent import consent_withdraw
from people.models import Person, PersonGroup, Visit
from people.passes import pass_reissue

_LINK_SALT = "accessportal.people.visit-link"
VISITORS_GROUP = "Visitors"


def visit_register(
    *,
    first_name: str,
    last_name: str,
    email: str = "",
    company: str = "",
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    gates: Iterable[Gate],
    host: Any,
) -> Visit:
    """Register a visitor: the person, their access rules (one per gate, for the visit's
    days in each gate's site) and the visit."""
    gates = list(gates)
    with transaction.atomic():
        group, _ = PersonGroup.objects.get_or_create(
            slug="visitors", defaults={"name": VISITORS_GROUP, "kind": PersonGroup.Kind.VISITORS}
        )
        visitor = Person.objects.create(first_name=first_name, last_name=last_name, email=email)
        visitor.groups.add(group)
        for gate in gates:
            zone = gate.site.timezone
            AccessRule.objects.create(
                name=f"Visit of {visitor}",
                person=visitor,
                gate=gate,
                valid_from=local_day(starts_at, zone),
                valid_until=local_day(ends_at, zone),
            )
        host_name = host.get_full_name() or host.get_username()
        visit = Visit(
            visitor=visitor,
            host=host,
            host_name=host_name,
            company=company,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        visit.full_clean()
        visit.save()
    return visit


def visit_window_reason(*, starts_at: dt.datetime, ends_at: dt.datetime, at: dt.datetime) -> str:
    """Why a visitor may not pass at ``at`` ("not_started" or "over"), or "" while the visit
    lasts (from ``starts_at``, up to but not including ``ends_at``)."""
    if at < starts_at:
        return "not_started"
    if at >= ends_at:
        return "over"
    return ""


def visit_link_token(visit: Visit) -> str:
    """The token of the visitor's selfie link."""
    return signing.dumps(visit.pk, salt=_LINK_SALT)


def visit_from_link(token: str, *, now: dt.datetime | None = None) -> Visit | None:
    """The visit a selfie link's token is for, while it lasts; None for a token that was
    made up or altered, or a visit that is over."""
    try:
        visit_id = signing.loads(token, salt=_LINK_SALT)
    except signing.BadSignature:
        return None
    visit = Visit.objects.select_related("visitor").filter(pk=visit_id).first()
    now = now or timezone.now()
    if visit is None or visit.ended_at is not None or now >= visit.ends_at:
        return None
    return visit


def visit_end(visit: Visit, *, by: Any = None, now: dt.datetime | None = None) -> int:
    """End the visit now: the visitor's consent is withdrawn and their face photos deleted,
    their QR pass voided and the person switched off. Returns how many photos were deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        visitor = visit.visitor
        deleted = consent_withdraw(person=visitor, by=by)
        pass_reissue(visitor)
        Person.objects.filter(pk=visitor.pk).update(is_active=False)
        Visit.objects.filter(pk=visit.pk).update(ended_at=now)
    visit.refresh_from_db()
    return deleted


def visits_end(*, now: dt.datetime | None = None) -> int:
    """End every visit whose time is over; how many."""
    now = now or timezone.now()
    due = Visit.objects.select_related("visitor").filter(ended_at__isnull=True, ends_at__lte=now)
    ended = 0
    for visit in due:
        visit_end(visit, now=now)
        ended += 1
    return ended
