from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accessportal.admin import ChangeHistoryAdminMixin
from gates import admin_views
from gates.admin import RuleInlineBase
from gates.models import Site
from people.models import Person, PersonGroup
from recognition.faces.admin import FacePhotoInline, enqueue_new_photos
from recognition.models import FacePhoto


class PersonRuleInline(RuleInlineBase):
    fk_name = "person"
    verbose_name_plural = "access rules for this person alone"


@admin.register(PersonGroup)
class PersonGroupAdmin(ChangeHistoryAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(ordering="member_count", description="members")
    def member_count(self, group: PersonGroup) -> int:
        return group.member_count  # type: ignore[attr-defined]


@admin.register(Person)
class PersonAdmin(ChangeHistoryAdminMixin, admin_views.AccessAnswersAdminMixin, admin.ModelAdmin):
    access_column = "Gate"
    access_empty_subject = "this person or their groups"

    def object_tools(self, request, object_id) -> list[tuple[str, str]]:
        return [(reverse("gates:person-week", args=[object_id]), "Week of access")]

    list_display = [
        "full_name",
        "employee_number",
        "email",
        "group_list",
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
    search_fields = ["first_name", "last_name", "employee_number", "email"]
    filter_horizontal = ["groups"]
    inlines = [FacePhotoInline, PersonRuleInline]
    readonly_fields = ["photo_preview", "where_may_go_now", "created_at", "updated_at"]
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
                ]
            },
        ),
        ("Access", {"fields": ["groups", "is_active", "valid_from", "valid_until"]}),
        ("Where may this person go now", {"fields": ["where_may_go_now"]}),
        ("Notes", {"fields": ["notes", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("groups")

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is FacePhoto:
            enqueue_new_photos(formset)

    @admin.display(ordering="last_name", description="name")
    def full_name(self, person: Person) -> str:
        return person.full_name

    @admin.display(description="groups")
    def group_list(self, person: Person) -> str:
        return ", ".join(g.name for g in person.groups.all())

    @admin.display(description="photo")
    def photo_preview(self, person: Person) -> str:
        if not person.pk or not person.photo:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-height:160px;border-radius:4px">',
            reverse("people:photo", args=[person.pk]),
        )

    @admin.display(description="Where may this person go now")
    def where_may_go_now(self, person: Person) -> str:
        return self.access_now(person)

    def access_rows(self, person: Person, at: dt.datetime) -> list[admin_views.AnswerRow]:
        return admin_views.person_rows(person, at)

    def access_title(self, person: Person) -> str:
        return f"Where may {person} go"

    def access_timezone(self, person: Person) -> str:
        first_site = Site.objects.order_by("name").first()
        return first_site.timezone if first_site else "UTC"
