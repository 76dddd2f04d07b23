"""The pages for "not allowed" (403) and "not found" (404): in the admin's look, saying what
happened and, for 403, that the operator's role does not include this page, with the way back
home; an operator is never left on a bare error page. The API keeps its JSON answers."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def _page(request: HttpRequest, template: str, status: int, context: dict) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        context = {**admin.site.each_context(request), **context}
    response = TemplateResponse(request, template, context, status=status)
    return response.render()


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    user = getattr(request, "user", None)
    roles = (
        ", ".join(user.groups.order_by("name").values_list("name", flat=True))
        if user is not None and user.is_authenticated
        else ""
    )
    return _page(
        request,
        "403.html",
        403,
        {
            "title": _("Not allowed"),
            "roles": roles,
            "signed_in": bool(user and user.is_authenticated),
        },
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "404.html", 404, {"title": _("Page not found"), "path": request.path})
