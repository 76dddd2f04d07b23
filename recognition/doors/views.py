"""What managers and the security desk do to a door from the status page: unlock it for some
minutes, lock it, lock it down or lift the lockdown. Each is a POST answered with a redirect
back to the status page and a message; ``recognition.doors.states`` does the work."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gates.models import Gate
from recognition.doors.states import DoorRefusal, door_lock, door_lockdown, door_unlock

ACTIONS = ("unlock", "lock", "lockdown", "lift-lockdown")


@require_POST
@staff_member_required
@permission_required("gates.operate_door", raise_exception=True)
def door_action(request: HttpRequest, gate_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("No such door action.")
    gate = get_object_or_404(Gate.objects.select_related("site"), pk=gate_id)
    operator = request.user
    assert isinstance(operator, AbstractBaseUser)  # staff_member_required: signed in
    try:
        if action == "unlock":
            minutes = int(request.POST.get("minutes", "0") or 0)
            event = door_unlock(gate=gate, minutes=minutes, by=operator)
            assert event.until is not None
            until = event.until.astimezone(ZoneInfo(gate.site.timezone))
            messages.success(
                request,
                _("%(gate)s is unlocked until %(at)s.") % {"gate": gate, "at": f"{until:%H:%M %Z}"},
            )
        elif action == "lock":
            door_lock(gate=gate, by=operator)
            messages.success(request, _("%(gate)s is locked.") % {"gate": gate})
        elif action in ("lockdown", "lift-lockdown"):
            on = action == "lockdown"
            door_lockdown(gate=gate, by=operator, on=on)
            if on:
                messages.warning(
                    request, _("%(gate)s is locked down: everyone is denied.") % {"gate": gate}
                )
            else:
                messages.success(request, _("The lockdown of %(gate)s is lifted.") % {"gate": gate})
    except (DoorRefusal, ValueError) as refusal:
        messages.error(request, str(refusal))
    return redirect("recognition:status")
