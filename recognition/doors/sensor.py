"""The door sensor's webhook in: ``POST /recognition/doors/<gate slug>/sensor`` with
``{"state": "open"}`` or ``{"state": "closed"}``, signed like the door webhook out
(``gates.doors``: ``X-AccessPortal-Timestamp`` and ``X-AccessPortal-Signature``, HMAC-SHA256
of "<timestamp>.<body>" with the gate's ``door_sensor_secret``). A signature that does not
match or a timestamp more than a minute off is refused (403), so a report cannot be forged or
replayed. The answer says the state taken and the alarm raised, if any."""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gates.doors import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature_fresh
from gates.models import Gate
from recognition.doors.states import door_sensor_report

STATES = {"open": True, "closed": False}


@csrf_exempt  # signed by the sensor's secret instead; no browser sends this
@require_POST
def door_sensor(request: HttpRequest, gate_slug: str) -> JsonResponse:
    gate = Gate.objects.select_related("site").filter(slug=gate_slug).first()
    if gate is None or not gate.door_sensor_secret:
        return JsonResponse({"error": "No gate with a door sensor has this name."}, status=404)
    if not webhook_signature_fresh(
        gate.door_sensor_secret,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        body=request.body,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
    ):
        return JsonResponse(
            {"error": "The signature does not match, or its timestamp is more than a minute off."},
            status=403,
        )
    try:
        report = json.loads(request.body)
    except (ValueError, RecursionError):
        report = None
    state = report.get("state") if isinstance(report, dict) else None
    if state not in STATES:
        return JsonResponse({"error": 'Send {"state": "open"} or {"state": "closed"}.'}, status=400)
    alarm = door_sensor_report(gate=gate, opened=STATES[state])
    return JsonResponse({"gate": gate.slug, "state": state, "alarm": alarm or None})
