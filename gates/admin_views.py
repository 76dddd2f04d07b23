"""The 'who may pass' and 'where may this person go' answers, as the admin shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

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
    rule_ids = {d.rule_id for _, d in pairs if d.rule_id}
    rules = AccessRule.objects.in_bulk(rule_ids)
    return [AnswerRow(label, d, rules.get(d.rule_id)) for label, d in pairs]


def gate_rows(gate: Gate, at: dt.datetime) -> list[AnswerRow]:
    return _rows(
        [(a.person.full_name, a.decision) for a in selectors.gate_who_may_pass(gate=gate, at=at)]
    )


def person_rows(person: Person, at: dt.datetime) -> list[AnswerRow]:
    return _rows(
        [(str(a.gate), a.decision) for a in selectors.person_where_may_go(person=person, at=at)]
    )


def table_now(
    rows: list[AnswerRow], *, column: str, empty_subject: str, more_url: str
) -> SafeString:
    html = render_to_string(
        "admin/gates/access_table.html",
        {"answers": rows, "column": column, "empty_subject": empty_subject},
    )
    link = f'<p><a href="{more_url}">Ask for another date and time…</a></p>'
    return SafeString(html + link)


def answers_page(
    request: HttpRequest,
    model_admin: admin.ModelAdmin,
    *,
    subject: Gate | Person,
    title: str,
    column: str,
    empty_subject: str,
    default_timezone: str,
) -> HttpResponse:
    form = InstantForm(request.GET or None, default_timezone=default_timezone)
    at = form.instant() if form.is_bound and form.is_valid() else timezone.now()
    zone = form.cleaned_data["tz"] if form.is_bound and form.is_valid() else default_timezone
    rows = gate_rows(subject, at) if isinstance(subject, Gate) else person_rows(subject, at)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subject": subject,
        "change_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=[subject.pk]
        ),
        "form": form,
        "answers": rows,
        "column": column,
        "empty_subject": empty_subject,
        "at": at,
        "at_zone": zone,
        "opts": opts,
    }
    return TemplateResponse(request, "admin/gates/access_answers.html", context)
