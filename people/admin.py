from __future__ import annotations

import datetime as dt

from auditlog.models import LogEntry
from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accessportal.admin import ChangeHistoryAdminMixin
from gates import admin_views
from gates.admin import RuleInlineBase
from gates.models import Site
from people.consent import consent_in_force, consent_text_current
from people.erasure import person_erase, rows_about_person
from people.models import Consent, ConsentText, Person, PersonGroup, PersonPin, Visit
from people.pins import pin_errors, pin_set
from recognition.faces.admin import (
    FACE_COUNTS,
    FacePhotoInline,
    enqueue_new_photos,
    face_summary_html,
)
from recognition.models import FacePhoto


class PersonRuleInline(RuleInlineBase):
    fk_name = "person"
    verbose_name_plural = _("access rules for this person alone")
    # A rule for this person names no group: that column would only ever be empty.
    fields = [f for f in RuleInlineBase.fields if f not in ("person", "group")]


@admin.register(PersonGroup)
class PersonGroupAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(ordering="member_count", description=_("members"))
    def member_count(self, group: PersonGroup) -> int:
        return group.member_count  # type: ignore[attr-defined]


@admin.register(ConsentText)
class ConsentTextAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    """The words offered for consent. Each wording is kept as written: to reword, add a new
    one (the newest of a language is offered; consents keep their own copy)."""

    list_display = ["__str__", "language", "created_at"]
    list_filter = ["language"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


class PersonForm(forms.ModelForm):
    """The person, with a new PIN (and duress PIN) to set: only their hashes are kept."""

    new_pin = forms.CharField(
        label=_("New PIN"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=_("4 to 8 digits; empty keeps the PIN as it is."),
    )
    new_duress_pin = forms.CharField(
        label=_("New duress PIN"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=_("Optional, set together with a new PIN; must differ from it."),
    )

    class Meta:
        model = Person
        labels = {"photo": _("Display photo")}
        fields = [
            "first_name",
            "last_name",
            "employee_number",
            "badge_number",
            "email",
            "photo",
            "groups",
            "is_active",
            "valid_from",
            "valid_until",
            "always_second_factor",
            "notes",
        ]

    def clean(self) -> dict:
        data = super().clean() or {}
        pin, duress = data.get("new_pin", ""), data.get("new_duress_pin", "")
        if duress and not pin:
            self.add_error("new_pin", _("Set the PIN together with the duress PIN."))
        elif pin:
            for which, message in pin_errors(pin, duress).items():
                self.add_error(f"new_{which}", message)
        return data


class ConsentForm(forms.ModelForm):
    wording = forms.ModelChoiceField(
        queryset=ConsentText.objects.all(),
        label=_("Wording"),
        help_text=_("The words the person read and agreed to (admin → Consent texts)."),
    )

    class Meta:
        model = Consent
        fields = ["wording", "method", "reference"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wording"].initial = consent_text_current()

    def save(self, commit: bool = True) -> Consent:
        consent = super().save(commit=False)
        wording = self.cleaned_data["wording"]
        consent.text, consent.language = wording.text, wording.language
        if commit:
            consent.save()
        return consent


class ConsentInline(admin.StackedInline):
    """Consent on the person's page: recorded before face photos can be added; a recorded
    consent is never edited, only withdrawn (which deletes the face photos)."""

    model = Consent
    form = ConsentForm
    fk_name = "person"
    can_delete = False
    verbose_name_plural = _("consent to the use of their face")
    readonly_fields = ["given_at", "recorded_by", "withdrawn_at", "text"]

    def get_extra(self, request: HttpRequest, obj=None, **kwargs) -> int:
        return 0 if obj is not None and consent_in_force(obj) else 1

    def get_max_num(self, request: HttpRequest, obj=None, **kwargs) -> int | None:
        """No second consent beside one in force (and so no "add another" link)."""
        return obj.consents.count() if obj is not None and consent_in_force(obj) else None

    @admin.display(description=_("wording"))
    def wording(self, consent: Consent) -> str:
        """A recorded consent shows the language it was given in (its words are below)."""
        return consent.get_language_display()

    fields = ["wording", "method", "reference", "given_at", "recorded_by", "withdrawn_at", "text"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # withdrawn through its own page, never rewritten


@admin.register(Person)
class PersonAdmin(ChangeHistoryAdminMixin, admin_views.AccessAnswersAdminMixin, admin.ModelAdmin):
    access_column = _("Gate")
    access_empty_subject = _("this person or their groups")

    class Media:
        js = ["recognition/face_photo_status.js"]

    def history_entries(self, person: Person) -> QuerySet[LogEntry]:
        """The person's history with their face photos', consents', PIN's and own rules'
        changes (``rows_about_person``): one place to see what was done about them."""
        about = Q()
        for content_type, ids in rows_about_person(person.pk).items():
            about |= Q(content_type=content_type, object_id__in=ids)
        return LogEntry.objects.filter(about)

    def object_tools(self, request, object_id) -> list[tuple[str, str]]:
        tools = [(reverse("gates:person-week", args=[object_id]), str(_("Week of access")))]
        if request.user.has_perm("people.change_person"):
            tools.append((reverse("people:pass", args=[object_id]), str(_("QR pass"))))
        if request.user.has_perm("recognition.add_facephoto"):
            camera = reverse("recognition:face-camera", args=[object_id])
            tools.append((camera, str(_("Enrol from the camera"))))
        if request.user.has_perm("people.export_person_data"):
            tools.append(
                (reverse("people:data-export", args=[object_id]), str(_("Export all data")))
            )
        may_withdraw = request.user.has_perms(
            ["people.change_consent", "recognition.delete_facephoto"]
        )
        if may_withdraw and consent_in_force(Person(pk=int(object_id))):
            withdraw = reverse("people:consent-withdraw", args=[object_id])
            tools.append((withdraw, str(_("Withdraw consent"))))
        return tools

    list_display = [
        "full_name",
        "employee_number",
        "email",
        "group_list",
        "face_enrolled",
        "is_active",
        "valid_until",
    ]
    list_display_links = ["full_name"]
    list_filter = [
        "is_active",
        "groups",
        ("valid_until", admin.EmptyFieldListFilter),
        "valid_until",
    ]
    search_fields = ["first_name", "last_name", "employee_number", "badge_number", "email"]
    filter_horizontal = ["groups"]
    inlines = [ConsentInline, FacePhotoInline, PersonRuleInline]
    readonly_fields = [
        "photo_preview",
        "face_enrolled",
        "pin_state",
        "where_may_go_now",
        "created_at",
        "updated_at",
    ]
    form = PersonForm
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "first_name",
                    "last_name",
                    "employee_number",
                    "email",
                    "photo",
                    "photo_preview",
                    "face_enrolled",
                ]
            },
        ),
        (_("Access"), {"fields": ["groups", "is_active", "valid_from", "valid_until"]}),
        (
            _("Pass and PIN"),
            {
                "fields": [
                    "badge_number",
                    "pin_state",
                    "new_pin",
                    "new_duress_pin",
                    "always_second_factor",
                ],
                "description": _(
                    "At gates set to 'Pass or number first', the person shows their "
                    "QR pass (the 'QR pass' button above), badges in or types their badge or "
                    "employee number, and their face is then compared with theirs alone. The "
                    "PIN is asked for after the face at gates set to 'Face, then PIN', and "
                    "everywhere for "
                    "people marked below. The duress PIN opens like the PIN and raises a silent "
                    "alarm."
                ),
            },
        ),
        (_("Where may this person go now"), {"fields": ["where_may_go_now"]}),
        (_("Notes"), {"fields": ["notes", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("groups").annotate(**FACE_COUNTS)

    @admin.display(description=_("face for recognition"), ordering="enrolled_faces")
    def face_enrolled(self, person: Person) -> str:
        """Whether the kiosks can recognise this person: every role sees it, also those who
        may not see the face photos themselves (the security desk). The person's page keeps
        it current while a photo is checked (face_photo_status.js)."""
        if not person.pk:
            return "–"
        return format_html(
            '<span data-face-summary="{}">{}</span>', person.pk, face_summary_html(person)
        )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        """Who may only read the person does not see the empty "new PIN" fields."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj) or obj is None:
            return fieldsets
        setting = {"new_pin", "new_duress_pin"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in setting]})
            for name, options in fieldsets
        ]

    @admin.display(description=_("PIN"))
    def pin_state(self, person: Person) -> str:
        row = PersonPin.objects.filter(person=person).first() if person.pk else None
        if row is None:
            return str(_("none"))
        state = _("set %(at)s") % {"at": f"{timezone.localtime(row.set_at):%Y-%m-%d %H:%M %Z}"}
        if row.duress_pin_hash:
            state += str(_(", with a duress PIN"))
        if row.locked_until and row.locked_until > timezone.now():
            until = f"{timezone.localtime(row.locked_until):%H:%M %Z}"
            state += str(_("; locked until %(at)s") % {"at": until})
        return state

    def save_model(self, request: HttpRequest, obj: Person, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("new_pin"):
            pin_set(
                person=obj,
                pin=form.cleaned_data["new_pin"],
                duress_pin=form.cleaned_data.get("new_duress_pin", ""),
            )

    def _create_formsets(self, request: HttpRequest, obj, change: bool):
        """Face photos may be added in the same save as the consent that allows them."""
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        by_model = {formset.model: formset for formset in formsets}
        if FacePhoto in by_model:
            by_model[FacePhoto].consent_formset = by_model.get(Consent)
        return formsets, inline_instances

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is Consent:
            for consent in formset.save(commit=False):
                consent.given_at, consent.recorded_by = timezone.now(), request.user
                consent.save()
            return
        super().save_formset(request, form, formset, change)
        if formset.model is FacePhoto:
            enqueue_new_photos(formset)

    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        person_erase(person=obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for person in queryset:
            person_erase(person=person)

    @admin.display(ordering="last_name", description=_("name"))
    def full_name(self, person: Person) -> str:
        return person.full_name

    @admin.display(description=_("groups"))
    def group_list(self, person: Person) -> str:
        return ", ".join(g.name for g in person.groups.all())

    @admin.display(description=_("current display photo"))
    def photo_preview(self, person: Person) -> str:
        if not person.pk or not person.photo:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-height:160px;border-radius:4px">',
            reverse("people:photo", args=[person.pk]),
        )

    @admin.display(description=_("Where may this person go now"))
    def where_may_go_now(self, person: Person) -> str:
        return self.access_now(person)

    def access_rows(self, person: Person, at: dt.datetime) -> list[admin_views.AnswerRow]:
        return admin_views.person_rows(person, at)

    def access_title(self, person: Person) -> str:
        return _("Where may %(person)s go") % {"person": person}

    def access_timezone(self, person: Person) -> str:
        first_site = Site.objects.order_by("name").first()
        return first_site.timezone if first_site else "UTC"


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    """The list of visits; registering one and a visit's page (pass, link, end) are pages of
    their own (``people.views``)."""

    list_display = ["visitor", "company", "host_name", "starts_at", "ends_at", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter), "starts_at"]
    search_fields = ["visitor__first_name", "visitor__last_name", "company", "host_name"]
    list_select_related = ["visitor"]
    date_hierarchy = "starts_at"

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        return redirect("people:visit-register")

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        return redirect("people:visit", visit_id=int(object_id))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a visit is ended, not deleted: its record stays with the passages
