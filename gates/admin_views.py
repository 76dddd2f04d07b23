"""The 'who may pass' and 'where may this person go' answers, as the admin shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from gates import selectors
from gates.decisions import Decision
from gates.forms import InstantForm
from gates.models import AccessRule, Gate
from people.models import Person


@dataclass(frozen=True)
class AnswerRow:
    label: str
    decision: Decision
    rule: AccessRule | None


def _rows(pairs: list[tuple[str, Decision]]) -> list[AnswerRow]:
    rules = AccessRule.objects.in_bulk({d.rule_id for _, d in pairs if d.rule_id})
    return [AnswerRow(label, d, rules.get(d.rule_id)) for label, d in pairs]


def gate_rows(gate: Gate, at: dt.datetime) -> list[AnswerRow]:
    answers = selectors.gate_who_may_pass(gate=gate, at=at)
    return _rows([(a.person.full_name, a.decision) for a in answers])


def person_rows(person: Person, at: dt.datetime) -> list[AnswerRow]:
    answers = selectors.person_where_may_go(person=person, at=at)
    return _rows([(str(a.gate), a.decision) for a in answers])


class AccessAnswersAdminMixin:
    """For a ModelAdmin: a read-only field with the answers now, and a page (``<id>/access/``)
    that answers for any date, time and time zone. Needs ``gates.check_access`` as well as
    permission to view the object."""

    access_column: str | Promise
    access_empty_subject: str | Promise

    # To provide: the answers for an object at an instant, the page title, the default zone.
    def access_rows(self, obj: Any, at: dt.datetime) -> list[AnswerRow]:
        raise NotImplementedError

    def access_title(self, obj: Any) -> str:
        raise NotImplementedError

    def access_timezone(self, obj: Any) -> str:
        return "UTC"

    def _access_url_name(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_access"

    def access_now(self, obj: Any) -> str:
        if not obj.pk:
            return str(_("Save first."))
        html = render_to_string(
            "admin/gates/access_table.html",
            {
                "answers": self.access_rows(obj, timezone.now()),
                "column": self.access_column,
                "empty_subject": self.access_empty_subject,
            },
        )
        more = reverse(f"admin:{self._access_url_name()}", args=[obj.pk])
        ask = escape(_("Ask for another date and time…"))
        return SafeString(f'{html}<p><a href="{more}">{ask}</a></p>')

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.access_view)  # type: ignore[attr-defined]
        return [
            path("<int:object_id>/access/", view, name=self._access_url_name()),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def access_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)  # type: ignore[attr-defined]
        allowed = self.has_view_permission(request, obj)  # type: ignore[attr-defined]
        if not (allowed and request.user.has_perm("gates.check_access")):
            raise PermissionDenied
        default_zone = self.access_timezone(obj)
        form = InstantForm(request.GET or None, default_timezone=default_zone)
        valid = form.is_bound and form.is_valid()
        at = form.instant() if valid else timezone.now()
        opts = self.model._meta  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": self.access_title(obj),
            "subject": obj,
            "change_url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]
            ),
            "form": form,
            "answers": self.access_rows(obj, at),
            "column": self.access_column,
            "empty_subject": self.access_empty_subject,
            "at": at,
            "at_zone": form.cleaned_data["tz"] if valid else default_zone,
            "opts": opts,
        }
        return TemplateResponse(request, "admin/gates/access_answers.html", context)
