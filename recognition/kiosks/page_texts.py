"""The kiosk page's own words, in the site's language (``Site.language``): handed to the page
in its config, so that its script holds no English. The server's messages (decisions, a turn,
a PIN asked) are translated as they are sent (``recognition.kiosks.consumer``)."""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KIOSK_PAGE_TEXTS: dict[str, Promise] = {
    "starting": _("Starting…"),
    "openingCamera": _("Opening the camera."),
    "engineLoading": _("Face recognition is loading. One moment, please."),
    "notInService": _("Not in service"),
    "welcome": _("Welcome"),
    "welcomeName": _("Welcome, {name}"),
    "lookAtCamera": _("Please look at the camera."),
    "showPass": _("Show your pass to the camera, or type your number."),
    "looking": _("Looking…"),
    "holdStill": _("Please hold still."),
    "accessDenied": _("Access denied"),
    "accessGranted": _("Access granted"),
    "goAhead": _("Please go ahead."),
    "doorFailed": _("The door did not open. Please contact the security desk."),
    "stepAway": _("Step away to try again."),
    "oneAtATime": _("One at a time"),
    "turnLeft": _("← Turn left"),
    "turnRight": _("Turn right →"),
    "lookAtCameraTitle": _("Look at the camera"),
    "yourPin": _("Your PIN"),
    "checking": _("Checking…"),
    "screenNotInService": _("This screen is not in service"),
    "notAKiosk": _("This device may not be used as a kiosk."),
    "noDeviceKey": _(
        "This browser holds no device key for this kiosk. Ask a manager for a new pairing link."
    ),
    "openedElsewhere": _("Opened elsewhere"),
    "openElsewhere": _("This kiosk is now open on another screen."),
    "offline": _("Offline"),
    "reconnectingIn": _("Reconnecting in {seconds} s…"),
    "reconnecting": _("Reconnecting…"),
    "offlineNumber": _("Type your badge or employee number, then OK."),
    "offlinePin": _("Offline: please enter your PIN."),
    "offlineSuffix": _("(Offline.)"),
    "offlineUnknownNumber": _("This number is not on the offline list."),
    "offlinePinWrong": _("Wrong PIN."),
    "offlinePinLocked": _("Too many wrong PINs: try again later, or ask at the desk."),
    "offlineOutsideHours": _("Outside your hours."),
    "noCamera": _("No camera"),
    "cameraNeedsHttps": _("This browser cannot open a camera here (HTTPS is needed)."),
    "cameraUnavailable": _("Camera unavailable"),
}


def kiosk_page_texts(language: str) -> dict[str, str]:
    """The page's words in ``language``."""
    with translation.override(language):
        return {key: str(text) for key, text in KIOSK_PAGE_TEXTS.items()}
